"""Run one graded test cell on the grader's side and decide its verdict.

A graded test cell has two parts: the visible tests, written in the cell
itself, and the hidden tests, a function named after the cell's
``grade_id`` in ``hidden_tests/<assignment>.py`` at the course root. Both
run here, in the grader's own process, never in the student's kernel: the
student's names reach them only through ``nb``, whose attributes are
proxies that run the student's functions in the sandbox and bring back
plain data (see :mod:`.worker`), or the literal answers of the answer cells
(see :mod:`.answers`).
"""
from __future__ import annotations

import builtins
import contextlib
import importlib.util
import io
import math
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import numpy as np

from .. import testing

HIDDEN_DIR = "hidden_tests"
# What the visible tests may use without importing it (the setup cell of every notebook imports the same).
BASE_NAMES = {"np": np, "math": math, **{name: getattr(testing, name) for name in (
    "assert_close", "as_float_array", "assert_finite_difference", "assert_unchanged", "CheckFailed")
    if hasattr(testing, name)}}


class Abort(Exception):
    """Grading cannot go on (the kernel is gone): not a verdict on this cell, so never caught here."""


@dataclass
class Verdict:
    """The outcome of one graded test cell.

    Attributes
    ----------
    passed : bool
        Whether the cell earns its points.
    stdout : str
        What the visible tests printed, then one line for the hidden tests.
    ename, evalue : str
        The failure's exception name and the message the student may read
        (never a hidden test's expected value); empty when passed.
    """

    passed: bool
    stdout: str
    ename: str = ""
    evalue: str = ""


def load_hidden(course_root: str | Path, assignment: str) -> ModuleType | None:
    """Import ``hidden_tests/<assignment>.py`` of the course, or None when it has none."""
    path = Path(course_root) / HIDDEN_DIR / f"{assignment}.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location(f"hidden_tests_{assignment}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Globals(dict):
    """Globals of the visible tests: the student's names are looked up only when a test uses them."""

    def __init__(self, nb: Any):
        super().__init__(BASE_NAMES)
        self._nb = nb

    def __missing__(self, name: str) -> Any:
        if hasattr(builtins, name) or name.startswith("__"):
            raise KeyError(name)
        value = getattr(self._nb, name)
        self[name] = value
        return value


def public_message(error: BaseException) -> str:
    """What a failure of the hidden tests may tell the student: what failed and why, no expected value."""
    if isinstance(error, getattr(testing, "CheckFailed", ())) and getattr(error, "label", None):
        return f"{error.label}: {error.advice}" if getattr(error, "advice", "") else error.label
    if isinstance(error, AssertionError):
        return str(error) or "a hidden check failed"
    return f"{type(error).__name__}: {error}"[:2000]


def judge_cell(code: str, hidden: Callable[[Any], None] | None, nb: Any) -> Verdict:
    """Run the visible tests `code`, then `hidden(nb)`, with the student's names from `nb`.

    Parameters
    ----------
    code : str
        The test cell's source, as the gradebook holds it.
    hidden : callable or None
        The cell's hidden tests.
    nb : object
        The student's names as attributes.

    Returns
    -------
    Verdict
        Passed, or the first failure.
    """
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "<visible tests>", "exec"), _Globals(nb))
    except Abort:
        raise
    except Exception as error:  # any failure of the visible tests fails the cell
        return Verdict(False, out.getvalue(), type(error).__name__, f"{error}"[:4000])
    if hidden is None:
        return Verdict(True, out.getvalue())
    hidden_out = io.StringIO()
    try:
        with contextlib.redirect_stdout(hidden_out):
            hidden(nb)
    except Abort:
        raise
    except Exception as error:
        return Verdict(False, out.getvalue(), "AssertionError", "hidden tests: " + public_message(error))
    return Verdict(True, out.getvalue() + "Hidden tests passed.\n")


def hidden_function(module: ModuleType | None, grade_id: str) -> Callable[[Any], None] | None:
    """The hidden tests of one graded cell, named after its grade_id."""
    return getattr(module, grade_id, None) if module is not None else None
