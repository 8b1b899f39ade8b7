"""Helpers for the notebooks: demo cells that wait for exercises, short error messages.

``import course_utils`` in an IPython kernel calls :func:`install_error_messages`,
which shortens two errors a student meets all the time:

- a stub's ``NotImplementedError`` becomes one line, "`loss` is not written
  yet: write it in its cell above, then run this cell again.";
- a failed check of ``course_utils.testing`` shows the student's call and
  the diagnosis, without the frames of the testing helpers.

Only the display changes: the cell still ends with an ``error`` output and an
error reply, so Run All stops there and nbgrader still counts the cell as
failed. Every other error keeps IPython's normal traceback.
"""
from __future__ import annotations

import linecache
import traceback
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Callable, Iterator

_PACKAGE = str(Path(__file__).parent)
_TESTING = str(Path(__file__).with_name("testing.py"))
_RED, _RESET = "\x1b[0;31m", "\x1b[0m"


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


def stub_message(tb: TracebackType | None) -> str:
    """The one-line message for a stub's ``NotImplementedError`` raised at ``tb``.

    Parameters
    ----------
    tb : traceback
        The error's traceback; its innermost frame is the stub that raised.

    Returns
    -------
    str
        What to write, named after the function that raised.
    """
    frames = traceback.extract_tb(tb)
    name = frames[-1].name if frames else "<module>"
    if name == "<module>":  # an answer cell raised at its top level
        return "This cell is not written yet: replace `raise NotImplementedError()` with your answer, then run it again."
    return f"`{name}` is not written yet: write it in its cell above, then run this cell again."


def check_failed_message(error: AssertionError, tb: TracebackType | None,
                         cell_label: Callable[[str], tuple[str, str] | None] = lambda filename: None) -> list[str]:
    """A failed check of ``course_utils.testing`` as the student's call and the diagnosis.

    Parameters
    ----------
    error : AssertionError
        What the testing helper raised.
    tb : traceback
        Its traceback.
    cell_label : callable, optional
        ``filename -> (label, name) or None``: IPython's names for notebook
        cells, such as ``("Cell", "In[7]")``.

    Returns
    -------
    list of str
        Where the call is, the call's source, and the error with its message.
    """
    lines = []
    calls = [f for f in traceback.extract_tb(tb) if not f.filename.startswith(_PACKAGE)]
    if calls:
        call = calls[-1]
        label = cell_label(call.filename)
        lines.append(f"{' '.join(label) if label else call.filename}, line {call.lineno}:")
        end = call.end_lineno or call.lineno
        lines.extend(f"    {linecache.getline(call.filename, n).rstrip()}" for n in range(call.lineno, end + 1))
    lines.append(f"{_RED}{type(error).__name__}{_RESET}: {error}")
    return lines


def _is_failed_check(error: BaseException, frames: list[traceback.FrameSummary]) -> bool:
    """An AssertionError of the testing helpers: their CheckFailed, or raised inside testing.py."""
    return isinstance(error, AssertionError) and (
        type(error).__name__ == "CheckFailed" or (bool(frames) and frames[-1].filename == _TESTING))


def _handler(shell: Any, etype: type, value: BaseException, tb: TracebackType, tb_offset: int | None = None) -> None:
    """IPython custom exception handler: short messages for stubs and failed checks, else the usual traceback."""
    frames = traceback.extract_tb(tb)
    if isinstance(value, NotImplementedError) and frames and shell.compile.format_code_name(frames[-1].filename):
        stb = [f"{_RED}{etype.__name__}{_RESET}: {stub_message(tb)}"]
    elif _is_failed_check(value, frames):
        stb = check_failed_message(value, tb, shell.compile.format_code_name)
    else:
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return
    # The kernel sends these lines as the cell's `error` output: JupyterLab
    # shows them, nbgrader sees an error. (IPython ignores what a handler returns.)
    shell._showtraceback(etype, value, stb)


def install_error_messages() -> bool:
    """Shorten stub and failed-check errors in the running IPython shell (once).

    Returns
    -------
    bool
        True when the handler is installed (now or before); False outside
        IPython, or when another custom exception handler is already set.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    if getattr(shell, "_course_utils_errors", False):
        return True
    if shell.custom_exceptions:  # someone else's handler: leave it alone
        return False
    shell.set_custom_exc((NotImplementedError, AssertionError), _handler)
    shell._course_utils_errors = True
    return True
