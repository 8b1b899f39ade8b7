"""Helpers for the notebooks' demonstration cells."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator


@contextmanager
def needs(*functions: str) -> Iterator[None]:
    """Run a demo cell only once the exercises it uses are implemented.

    In the release notebook an exercise raises ``NotImplementedError`` until
    the student writes it; a demo or plot cell that calls it should say so
    instead of stopping with a traceback.

    Parameters
    ----------
    *functions : str
        Names of the exercises the cell calls, for the message.

    Examples
    --------
    >>> with needs("grad"):
    ...     raise NotImplementedError
    Implement grad() above, then re-run this cell.
    """
    try:
        yield
    except NotImplementedError:
        names = ", ".join(f"{name}()" for name in functions)
        print(f"Implement {names} above, then re-run this cell.")
