"""Helpers for the notebooks' demonstration cells."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator


def _stub_raised(error: BaseException | None) -> bool:
    """True when ``error``, or an error it was raised from, is a stub's NotImplementedError."""
    while error is not None:
        if isinstance(error, NotImplementedError):
            return True
        error = error.__cause__
    return False


@contextmanager
def needs(*functions: str) -> Iterator[None]:
    """Run a demo cell only once the exercises it uses are implemented.

    In the release notebook an exercise raises ``NotImplementedError`` until
    the student writes it; a demo or plot cell that calls it, directly or
    through the gradient checker, should say so instead of stopping with a
    traceback.

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
    except Exception as error:
        if not _stub_raised(error):
            raise
        names = ", ".join(f"{name}()" for name in functions)
        print(f"Implement {names} above, then re-run this cell.")
