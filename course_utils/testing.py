"""Assertions shared by the notebooks' visible and hidden tests.

Every helper raises ``CheckFailed``, an ``AssertionError`` whose message
starts with the student's call and the diagnosis, then what was expected, at
which input, and what came back. Its ``label`` (what was checked) and
``advice`` (the diagnosis in words, never an expected value) are what a
grader may show for a hidden test. None of the helpers knows an exercise's
answer: the expected values are always passed in by the test.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from .checker import _first_change, diagnose

# Two analytic formulas for the same derivative agree to a few ulps; a
# central difference with h = 1e-5 is off by ~1e-10 relative at best, and far
# worse at large inputs. 1e-11 separates the two.
EXACT_RTOL = 1e-11


class CheckFailed(AssertionError):
    """A failed check, with a safe short form for hidden tests.

    Attributes
    ----------
    label : str
        What was checked, e.g. ``"grad(w, x, y) at random points"``.
    advice : str
        The diagnosis in words, without any expected value, e.g. ``"your
        gradient is the negative of the true one"`` or ``"3 of 200 entries wrong"``.

    ``str(exc)`` is the full message, with the values got and expected.
    """

    def __init__(self, message: str, *, label: str, advice: str) -> None:
        super().__init__(message)
        self.label = label
        self.advice = advice


def _describe(value: Any) -> str:
    """Short, readable description of a returned value's type."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"{type(value).__name__} {value!r}"[:120]


def as_float_array(value: Any, name: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Check that ``value`` is a real number or a float array and return it as float64.

    Parameters
    ----------
    value : Any
        What the student's function returned.
    name : str
        How to call it in the message, e.g. ``"grad(w, x, y)"``.
    shape : tuple of int, optional
        The shape the value must have; ``()`` for a scalar.

    Returns
    -------
    np.ndarray
        ``value`` as a float64 array.

    Raises
    ------
    CheckFailed
        For None, a list or tuple, a non-number, a wrong shape, NaN or inf.
    """
    __tracebackhide__ = True
    if value is None:
        _fail(name, "returned None: did you forget the `return` statement?")
    if isinstance(value, (list, tuple)):
        _fail(name, f"returned a {type(value).__name__}; return a NumPy array instead")
    if not isinstance(value, (int, float, np.integer, np.floating, np.ndarray)) or isinstance(value, bool):
        _fail(name, f"returned {type(value).__name__}; a number or a NumPy array is expected",
              f"{name} returned {_describe(value)}; expected a number or a NumPy array.")
    array = np.asarray(value, dtype=np.float64)
    if shape is not None and array.shape != tuple(shape):
        _fail(name, f"returned shape {array.shape}, expected shape {tuple(shape)}")
    if not np.all(np.isfinite(array)):
        count = int(np.sum(~np.isfinite(array)))
        _fail(name, f"returned NaN or inf ({count} of {array.size} entries)",
              f"{name} returned NaN or inf: {value!r}"[:300])
    return array


def _fail(name: str, advice: str, message: str | None = None) -> None:
    """Raise ``CheckFailed`` labelled ``name``; the message defaults to ``name advice.``."""
    __tracebackhide__ = True
    default = f"{name} {advice}" + ("" if advice.endswith((".", "?", "!")) else ".")
    raise CheckFailed(message or default, label=name, advice=advice)


def assert_close(
    actual: Any,
    expected: Any,
    name: str,
    *,
    rtol: float = EXACT_RTOL,
    atol: float = 1e-12,
    inputs: Mapping[str, Any] | None = None,
) -> None:
    """Assert that ``actual`` equals ``expected`` entry by entry, within tolerance.

    An entry passes when ``|actual - expected| <= atol + rtol * (|expected| + scale)``
    with ``scale = 1e-3 * max|expected|``, so entries that are nearly zero
    by cancellation are judged on the array's scale, not their own.

    Parameters
    ----------
    actual : number or np.ndarray
        What the student's function returned.
    expected : number or np.ndarray
        The reference value, same shape.
    name : str
        How to call the value in the message, e.g. ``"dg(x)"``.
    rtol, atol : float
        Relative and absolute tolerance. The default ``rtol`` is tight enough
        that a finite-difference estimate fails (diagnosed as ``estimate``).
    inputs : mapping of str to array, optional
        Inputs that broadcast with ``expected``; the message reports their
        values at the worst entry.

    Raises
    ------
    CheckFailed
        With the diagnosis (``sign``, ``scale:K``, ``zero``, ``transpose``,
        ``estimate``) and the number of wrong entries as its advice.
    """
    __tracebackhide__ = True
    expected = np.asarray(expected, dtype=np.float64)
    actual = as_float_array(actual, name, expected.shape)
    scale = 1e-3 * float(np.max(np.abs(expected), initial=0.0))
    tol = atol + rtol * (np.abs(expected) + scale)
    excess = np.abs(actual - expected) - tol
    if np.all(excess <= 0):
        return
    worst = np.unravel_index(int(np.argmax(excess)), expected.shape) if expected.ndim else ()
    place = [f"entry {tuple(int(i) for i in worst)}"] if worst else []
    if inputs:
        place.append("at " + ", ".join(f"{key}={np.broadcast_to(np.asarray(val), expected.shape)[worst]!r}"
                                       for key, val in inputs.items()))
    at = f" At {' '.join(place)}:" if place else ""
    count = int(np.sum(excess > 0))
    wrong = f"{count} of {expected.size} entries wrong" if expected.size > 1 else "wrong value"
    tags, advice = diagnose(actual, expected, tol, name=name)
    advice = f"[{tags}] {advice} ({wrong})" if tags else wrong
    raise CheckFailed(
        f"{name}: {advice}.{at} got {float(actual[worst])!r}, "
        f"expected {float(expected[worst])!r}.",
        label=name, advice=advice)


def assert_finite_difference(
    derivative: Any,
    f: Callable[[np.ndarray], Any],
    x: np.ndarray,
    name: str,
    *,
    rtol: float = 1e-5,
) -> None:
    """Assert that an elementwise derivative matches a central difference of ``f``.

    ``f`` is applied elementwise to the array ``x`` (the student's own
    forward function, for instance), and ``derivative`` is what the student's
    derivative function returned at ``x``.

    Parameters
    ----------
    derivative : np.ndarray
        The analytic derivative at every entry of ``x``, shape ``x.shape``.
    f : callable
        Elementwise function of an array.
    x : np.ndarray
        Points, any shape.
    name : str
        How to call the derivative in the message.
    rtol : float
        Tolerance relative to the derivative's size and the truncation error.

    Raises
    ------
    CheckFailed
        Labelled ``"<name> against a central difference"``.
    """
    __tracebackhide__ = True
    x = np.asarray(x, dtype=np.float64)
    # cbrt(eps) times the entry's size balances truncation and round-off.
    h = 6e-6 * np.maximum(np.abs(x), 1.0)
    numeric = (np.asarray(f(x + h), dtype=np.float64) - np.asarray(f(x - h), dtype=np.float64)) / (2 * h)
    fscale = np.abs(np.asarray(f(x), dtype=np.float64)) / np.maximum(np.abs(x), 1.0)
    assert_close(derivative, numeric, f"{name} against a central difference", rtol=rtol,
                 atol=rtol * fscale.max(initial=0.0), inputs={"x": x})


def assert_unchanged(after: Any, before: Any, name: str) -> None:
    """Assert that an argument was not modified in place.

    Arrays are compared entry by entry (NaN equals NaN); tuples, lists and
    dicts (a layer's cache) are followed into, and the message names the
    first entry that changed, e.g. ``cache[1]``.

    Parameters
    ----------
    after : np.ndarray, tuple, list or dict
        The argument after the call.
    before : same type as `after`
        A (deep) copy taken before the call.
    name : str
        The argument's name, for the message.

    Raises
    ------
    CheckFailed
        Labelled ``"argument <name>"``.
    """
    __tracebackhide__ = True
    where = _first_change(before, after, name)
    if where:
        advice = f"your function changed its argument `{where}` in place"
        raise CheckFailed(f"{advice}; work on a copy (e.g. `{name} = {name}.copy()`) or build a new array.",
                          label=f"argument {name}", advice=advice)
