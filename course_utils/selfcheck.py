"""Self-check for one exercise: randomized public checks, explained in words.

``course_utils.check(grad, loss=loss)`` tries the student's ``grad`` at
random points and returns a :class:`Report`, one line per check (shown as the
cell's value in a notebook, printed when called from a script)::

    check(grad): 1 of 2 checks failed
    ✓ grad(w, x, y) returns an array of w's shape for arrays w, x, y
    ✗ grad has the wrong sign everywhere (it is -1x the true gradient): ... check the sign of (w*x - y).

Nothing here knows an exercise's answer. Gradients are compared with finite
differences of the student's *own* forward function (``course_utils.
check_gradient`` and ``check_layer``) or of the functions the course spec
states in words (``(2x + 1)**2``, ``sin(x**2)``, ``(3x + 2)**3``,
``tanh(w*x + b)``). Forward functions are checked by properties only: shapes,
ranges, symmetries, arguments left unchanged, rows of a softmax summing to 1.
A correct solution passes every check here, but passing is not a grade: the
grader's hidden tests try more points and edge cases.

The functions a check needs besides the one under test (``loss`` for
``grad``, ``relu_forward`` for ``relu_backward``, ...) are taken from the
keyword arguments, or else by their exercise name from the module (notebook)
that defined the function under test.
"""
from __future__ import annotations

import copy
import html
import sys
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .checker import CheckResult, GradientCheckError, check_gradient, check_layer

__all__ = ["Report", "check", "EXERCISES"]


@dataclass
class Report:
    """What ``check`` found: one ``(passed, sentence)`` line per check.

    Attributes
    ----------
    name : str
        The exercise checked.
    lines : list of (bool, str)
        Each check in order, with a sentence that says what was tried and,
        when it failed, what looks wrong.
    """

    name: str
    lines: list[tuple[bool, str]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when there was at least one check and every check passed."""
        return bool(self.lines) and all(ok for ok, _ in self.lines)

    def __bool__(self) -> bool:
        return self.passed

    def _summary(self) -> str:
        failed = sum(not ok for ok, _ in self.lines)
        if failed:
            return f"check({self.name}): {failed} of {len(self.lines)} checks failed"
        return f"check({self.name}): all {len(self.lines)} checks passed"

    def __str__(self) -> str:
        return "\n".join([self._summary()] + [f"{'✓' if ok else '✗'} {text}" for ok, text in self.lines])

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        # Colour and the ✓/✗ symbol both carry the verdict (colour-blind readers).
        items = "".join(
            f'<li style="list-style:none;color:{"#0072B2" if ok else "#D55E00"}">'
            f'{"✓" if ok else "✗"} {html.escape(text)}</li>'
            for ok, text in self.lines
        )
        return f"<div><b>{html.escape(self._summary())}</b><ul style='padding-left:0.5em'>{items}</ul></div>"


class _Stop(Exception):
    """Ends a check early: a later check makes no sense after this failure."""


class _Run:
    """Collects the lines of one ``check`` call and finds related functions."""

    def __init__(self, function: Callable, related: dict[str, Callable], rng: np.random.Generator):
        self.function = function
        self.name = function.__name__
        self.related = related
        self.rng = rng
        self.report = Report(self.name)

    def line(self, ok: bool, text: str) -> bool:
        self.report.lines.append((bool(ok), text))
        return bool(ok)

    def require(self, ok: bool, good: str, bad: str) -> None:
        """A check whose failure makes the following ones pointless."""
        if not self.line(ok, good if ok else bad):
            raise _Stop

    def expect(self, ok: bool, good: str, bad: str) -> bool:
        return self.line(ok, good if ok else bad)

    def get(self, keyword: str, exercise: str) -> Callable:
        """The related function: ``check(..., keyword=f)``, else ``exercise`` where the function was defined."""
        found = self.related.get(keyword) or getattr(self.function, "__globals__", {}).get(exercise)
        if not callable(found):
            self.line(False, f"checking {self.name} needs your {exercise}: call check({self.name}, "
                             f"{keyword}={exercise})")
            raise _Stop
        return found

    def gradient(self, f: Callable, grad_f: Callable, x: np.ndarray, *, name: str, of: str,
                 where: str, batch_size: int | None = None) -> bool:
        """``check_gradient`` as one line; ``of`` names the function differentiated."""
        result = check_gradient(f, grad_f, x, seed=int(self.rng.integers(2**32)), name=name,
                                batch_size=batch_size)
        return self._result(result, f"{name} matches a central difference of {of} {where}")

    def layer(self, forward: Callable, backward: Callable, inputs: list[np.ndarray],
              names: list[str]) -> bool:
        """``check_layer`` as one line per input gradient."""
        results = check_layer(forward, backward, inputs, seed=int(self.rng.integers(2**32)), names=names)
        shapes = {name: x.shape for name, x in zip(names, inputs, strict=True)}
        return all([self._result(r, f"{r.name} matches a central difference of {forward.__name__} "
                                    f"(random upstream gradient, input of shape {shapes[r.name]})")
                    for r in results])

    def _result(self, result: CheckResult, good: str) -> bool:
        if result.passed:
            skipped = f"; {len(result.kink_indices)} entries at a kink skipped" if result.kink_indices else ""
            return self.line(True, good + skipped)
        hint = _hint(self.name, result.diagnosis)
        return self.line(False, result.message + (f" Hint: {hint}." if hint else ""))


# Exercise-specific advice for a diagnosis tag, added to the checker's own
# message. Each one points at where to look, never at the answer.
_HINTS = {
    ("grad", "sign"): "check the sign of (w*x - y)",
    ("grad", "scale:0.5"): "the derivative of a square u**2 is 2u times du",
    ("df", "scale:0.5"): "the chain rule: the outer square gives a factor, and so does the inner 2x + 1",
    ("dcubic", "scale:0.333"): "the chain rule: the inner 3x + 2 contributes its own derivative",
    ("dg", "mismatch"): "the chain rule: the outer sin's derivative at x**2, times the inner x**2's derivative",
    ("softmax_cross_entropy", "scale:"): "the loss is a mean over the batch, so its gradient carries 1/N",
    ("mse_loss", "scale:"): "the loss averages over every element of y_hat, so its gradient carries 1/size",
    ("mae_loss", "scale:"): "the loss averages over every element of y_hat, so its gradient carries 1/size",
    ("td_loss", "scale:"): "the loss is a mean over the batch, so its gradient carries 1/N",
    ("batchnorm_backward", "mismatch"): ("the batch mean and variance depend on every x[i]: dx has a term "
                                         "for each path through them"),
}


def _hint(exercise: str, diagnosis: str | None) -> str | None:
    if not diagnosis:
        return None
    for tag in diagnosis.split(","):
        for (name, prefix), hint in _HINTS.items():
            if name == exercise and (tag == prefix or (prefix.endswith(":") and tag.startswith(prefix))):
                return hint
    return None


# --------------------------------------------------------------------------
# helpers for the checks


def _close(a: Any, b: Any, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    try:
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def _is_float_array(value: Any, shape: tuple[int, ...]) -> bool:
    return isinstance(value, np.ndarray) and value.shape == shape and np.issubdtype(value.dtype, np.floating)


def _is_number(value: Any) -> bool:
    return np.ndim(value) == 0 and isinstance(value, (float, int, np.floating, np.integer)) \
        and not isinstance(value, bool) and bool(np.isfinite(value))


def _quietly(call: Callable[[], Any]) -> tuple[Any, list[str]]:
    """``call()`` and the warnings it emitted (overflow in exp, division by zero, ...)."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
        warnings.simplefilter("always")
        value = call()
    return value, [str(w.message) for w in caught]


def _unchanged(run: _Run, before: dict[str, Any], after: dict[str, Any], call: str) -> None:
    changed = [name for name in before if not _same(before[name], after[name])]
    run.expect(not changed, f"{call} leaves its arguments unchanged",
               f"{call} changed {', '.join(changed)} in place: work on a copy or build new arrays")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    return np.array_equal(a, b)


def _pair(run: _Run, value: Any, call: str, what: str = "(out, cache)") -> tuple[Any, Any]:
    run.require(isinstance(value, tuple) and len(value) == 2, f"{call} returns a pair {what}",
                f"{call} returned {type(value).__name__}, expected a pair {what}")
    return value


def _params(rng: np.random.Generator, shapes: dict[str, tuple[int, ...]], scale: float = 0.5) -> dict:
    return {key: scale * rng.standard_normal(shape) for key, shape in shapes.items()}


def _check_dict_gradients(run: _Run, grads: Any, params: dict, loss_of: Callable[[str, np.ndarray], float],
                          of: str, batch_size: int) -> None:
    """Keys and shapes of a gradient dict, then a finite-difference check of each entry."""
    run.require(isinstance(grads, dict), "the gradients come as a dict",
                f"the gradients should be a dict with keys {sorted(params)}, got {type(grads).__name__}")
    missing, extra = sorted(set(params) - set(grads)), sorted(set(grads) - set(params))
    run.require(not missing and not extra, f"the gradient dict has the keys of params: {sorted(params)}",
                f"the gradient dict should have exactly the keys {sorted(params)}"
                + (f"; missing {missing}" if missing else "") + (f"; unexpected {extra}" if extra else ""))
    for key in params:
        run.gradient(lambda value, key=key: loss_of(key, value), lambda value, key=key: grads[key],
                     params[key], name=f"grads[{key!r}]", of=of,
                     where=f"in all {params[key].size} entries of {key} {params[key].shape}",
                     batch_size=batch_size)


# --------------------------------------------------------------------------
# the checks, one per exercise (or group of exercises)

EXERCISES: dict[str, Callable[[_Run], None]] = {}


def _exercise(*names: str) -> Callable:
    def register(checker: Callable[[_Run], None]) -> Callable[[_Run], None]:
        for name in names:
            EXERCISES[name] = checker
        return checker
    return register


# 01 chain rule ------------------------------------------------------------

@_exercise("loss")
def _loss(run: _Run) -> None:
    loss = run.function
    w, x, y = (run.rng.uniform(-3, 3, 50) for _ in range(3))
    args = {"w": w.copy(), "x": x.copy(), "y": y.copy()}
    out = loss(args["w"], args["x"], args["y"])
    run.require(_is_float_array(out, w.shape), "loss(w, x, y) works elementwise: 50 points in, 50 losses out",
                f"loss(w, x, y) with arrays of shape {w.shape} should return a float array of that shape, "
                f"got {_describe(out)}")
    _unchanged(run, {"w": w, "x": x, "y": y}, args, "loss")
    run.expect(_is_number(loss(2.0, 3.0, 1.0)), "loss works on plain numbers too",
               "loss(2.0, 3.0, 1.0) should return a single finite number")
    run.expect(np.all(out >= 0), "loss is never negative", "loss came out negative somewhere: a squared error is >= 0")
    run.expect(_close(loss(w, x, w * x), np.zeros_like(w), atol=1e-12), "loss is 0 where the prediction w*x equals y",
               "loss should be 0 where w*x == y")
    r = w * x - y
    ones, zeros = np.ones_like(r), np.zeros_like(r)
    run.expect(_close(out, loss(r, ones, zeros)), "loss depends on w, x, y only through the error w*x - y",
               "loss(w, x, y) should depend only on the error w*x - y")
    run.expect(_close(loss(2 * r, ones, zeros), 4 * loss(r, ones, zeros)) and _close(loss(-r, ones, zeros), out),
               "loss is quadratic in the error: twice the error, four times the loss; the sign does not matter",
               "loss should be the square of the error: doubling w*x - y should quadruple it, and flipping "
               "its sign should not change it")


@_exercise("grad")
def _grad(run: _Run) -> None:
    grad = run.function
    w, x, y = (run.rng.uniform(-3, 3, 50) for _ in range(3))
    out = grad(w.copy(), x.copy(), y.copy())
    run.require(_is_float_array(out, w.shape), "grad(w, x, y) returns an array of w's shape for arrays w, x, y",
                f"grad(w, x, y) with arrays of shape {w.shape} should return a float array of that shape, "
                f"got {_describe(out)}")
    loss = run.get("loss", "loss")
    run.gradient(lambda v: np.sum(loss(v, x, y)), lambda v: grad(v, x, y), w, name="grad",
                 of="your loss in w", where="at 50 random points")


def _elementwise_derivative(formula: str, f: Callable[[np.ndarray], np.ndarray], low: float, high: float):
    def checker(run: _Run) -> None:
        derivative = run.function
        x = run.rng.uniform(low, high, 50)
        out = derivative(x.copy())
        run.require(_is_float_array(out, x.shape), f"{run.name}(x) works elementwise: 50 points in, 50 slopes out",
                    f"{run.name}(x) with an array of shape {x.shape} should return a float array of that shape, "
                    f"got {_describe(out)}")
        run.gradient(lambda v: np.sum(f(v)), derivative, x, name=run.name, of=formula,
                     where=f"at 50 random points in [{low:g}, {high:g}]")
    return checker


# The functions the spec states in words; their derivatives are the exercises.
_exercise("df")(_elementwise_derivative("f(x) = (2x + 1)**2", lambda x: (2 * x + 1) ** 2, -3, 3))
_exercise("dg")(_elementwise_derivative("g(x) = sin(x**2)", lambda x: np.sin(x ** 2), -3, 3))
_exercise("dcubic")(_elementwise_derivative("(3x + 2)**3", lambda x: (3 * x + 2) ** 3, -2, 2))


@_exercise("tanh_neuron_backward")
def _tanh_neuron(run: _Run) -> None:
    backward = run.function
    w, x, b, dh = (run.rng.uniform(-2, 2, 50) for _ in range(4))
    args = {"w": w.copy(), "x": x.copy(), "b": b.copy(), "dh": dh.copy()}
    out = backward(args["w"], args["x"], args["b"], args["dh"])
    run.require(isinstance(out, tuple) and len(out) == 4 and all(_is_float_array(g, w.shape) for g in out),
                "tanh_neuron_backward returns (dz, dw, dx, db), each of the inputs' shape",
                f"tanh_neuron_backward should return a tuple (dz, dw, dx, db) of arrays of shape {w.shape}, "
                f"got {_describe(out)}")
    _unchanged(run, {"w": w, "x": x, "b": b, "dh": dh}, args, "tanh_neuron_backward")
    dz, dw, dx, db = out
    # L = sum(dh * h) has dL/dh = dh, so its gradients are the ones backprop passes on.
    upstream = "sum(dh * tanh(w*x + b))"
    run.gradient(lambda z: np.sum(dh * np.tanh(z)), lambda z: dz, w * x + b, name="dz", of=upstream,
                 where="in z = w*x + b at 50 random points")
    run.gradient(lambda v: np.sum(dh * np.tanh(v * x + b)), lambda v: dw, w, name="dw", of=upstream,
                 where="in w at 50 random points")
    run.gradient(lambda v: np.sum(dh * np.tanh(w * v + b)), lambda v: dx, x, name="dx", of=upstream,
                 where="in x at 50 random points")
    run.gradient(lambda v: np.sum(dh * np.tanh(w * x + v)), lambda v: db, b, name="db", of=upstream,
                 where="in b at 50 random points")


# 02 gradient checking -----------------------------------------------------

class _Spy:
    """A test function that records where it was evaluated."""

    def __init__(self, f: Callable[[Any], Any]):
        self.f, self.points = f, []

    def __call__(self, x: Any) -> Any:
        self.points.append(np.array(x, dtype=np.float64, copy=True))
        return self.f(x)


def _called_at(spy: _Spy, expected: list[float], also: float | None = None) -> bool:
    """True when ``spy`` saw every ``expected`` point and nothing else (but ``also``)."""
    def near(p: float, q: float) -> bool:
        return abs(p - q) <= 1e-12 * max(abs(q), 1.0)

    got = [p.item() for p in spy.points if p.size == 1]
    allowed = expected + ([also] if also is not None else [])
    return len(got) == len(spy.points) and all(any(near(g, e) for g in got) for e in expected) \
        and all(any(near(g, e) for e in allowed) for g in got)


@_exercise("forward_difference")
def _forward_difference(run: _Run) -> None:
    forward_difference = run.function
    x, h = float(run.rng.uniform(-2, 2)), 1e-3
    spy = _Spy(lambda t: 3.0 * t + 1.0)
    slope = forward_difference(spy, x, h)
    run.require(_is_number(slope), "forward_difference returns a number", f"forward_difference returned {_describe(slope)}")
    run.expect(_called_at(spy, [x, x + h]), "it evaluates f at x and x + h",
               f"a forward difference evaluates f at x and x + h only; yours called f at "
               f"{[round(float(p), 6) for p in spy.points]} for x = {x:.6f}, h = {h:g}")
    run.expect(np.isclose(slope, 3.0, rtol=1e-9), "it gives the exact slope 3 of the line 3x + 1",
               f"for the line f(x) = 3x + 1 it should give the slope 3, got {slope!r}")
    # A forward difference of x**2 is (2xh + h**2) / h = 2x + h: off by exactly h.
    square = forward_difference(lambda t: t * t, x, h)
    run.expect(np.isclose(square - 2 * x, h, rtol=1e-6),
               "on x**2 it is off from 2x by h, the first-order error of a one-sided difference",
               f"on f(x) = x**2 a forward difference gives 2x + h = {2 * x + h:.9f}, got {square!r}"
               + (": that is a central difference" if np.isclose(square, 2 * x, rtol=1e-9) else ""))


@_exercise("numerical_derivative")
def _numerical_derivative(run: _Run) -> None:
    numerical_derivative = run.function
    x = float(run.rng.uniform(-2, 2))
    spy = _Spy(lambda t: t * t)
    slope = numerical_derivative(spy, x)
    run.require(_is_number(slope), "numerical_derivative returns a number",
                f"numerical_derivative returned {_describe(slope)}")
    run.expect(_called_at(spy, [x - 1e-5, x + 1e-5], also=x),
               "it evaluates f at x - h and x + h with the default h = 1e-5",
               f"a central difference with the default h = 1e-5 evaluates f at x - 1e-5 and x + 1e-5; yours "
               f"called f at {[round(float(p), 8) for p in spy.points]} for x = {x:.8f}")
    run.expect(np.isclose(slope, 2 * x, rtol=1e-6, atol=1e-8), "it is exact on x**2 (up to rounding)",
               f"a central difference is exact on x**2: expected 2x = {2 * x!r}, got {slope!r}")
    # On x**3 a central difference is 3x**2 + h**2: its error is second order.
    h = 1e-2
    cubic = numerical_derivative(lambda t: t ** 3, x, h)
    run.expect(np.isclose(cubic - 3 * x * x, h * h, rtol=1e-4),
               "on x**3 its error is h**2, second order in h",
               f"on x**3 with h = {h:g} a central difference gives 3x**2 + h**2 = {3 * x * x + h * h:.9f}, "
               f"got {cubic!r}")


@_exercise("numerical_gradient")
def _numerical_gradient(run: _Run) -> None:
    from .checker import numerical_gradient as reference

    numerical_gradient = run.function
    x = run.rng.uniform(-2, 2, (3, 4))
    given = x.copy()
    shapes = []

    def f(z: np.ndarray) -> float:
        shapes.append(np.shape(z))
        return float(np.sum(np.sin(z) * z) + np.prod(z[0]))

    out = numerical_gradient(f, given, 1e-5)
    calls, seen = len(shapes), set(shapes)
    run.require(_is_float_array(out, x.shape), "numerical_gradient returns a float array of x's shape",
                f"numerical_gradient with x of shape {x.shape} returned {_describe(out)}")
    run.expect(np.array_equal(given, x), "x is unchanged afterwards",
               "x was changed by numerical_gradient: put each entry back after perturbing it (or use a copy)")
    run.expect(seen == {x.shape}, "f always receives an array of x's shape",
               f"f should be called with arrays of shape {x.shape}, got shapes {sorted(seen)}")
    expected = reference(f, x, h=1e-5)
    run.expect(_close(out, expected, rtol=1e-7, atol=1e-9),
               "it matches course_utils.numerical_gradient entry by entry (h = 1e-5)",
               f"it differs from course_utils.numerical_gradient(f, x, h=1e-5) by up to "
               f"{np.max(np.abs(np.asarray(out, dtype=float) - expected)):.3g}: check that each entry is "
               f"perturbed by +h and -h and divided by 2h")
    run.expect(calls >= 2 * x.size, f"it evaluates f at x + h and x - h in each of the {x.size} entries",
               f"f was called {calls} times; a central difference needs 2 calls per entry ({2 * x.size})")


@_exercise("relative_error")
def _relative_error(run: _Run) -> None:
    relative_error = run.function
    a, b = run.rng.standard_normal(6), run.rng.standard_normal(6)
    value = relative_error(a, b)
    run.require(_is_number(value), "relative_error returns a number", f"relative_error returned {_describe(value)}")
    run.expect(0 <= value <= 1, "it lies between 0 and 1", f"a relative error of this kind lies in [0, 1], got {value!r}")
    run.expect(np.isclose(value, relative_error(b, a), rtol=1e-12), "it is symmetric: relative_error(a, b) == relative_error(b, a)",
               "relative_error(a, b) should equal relative_error(b, a)")
    run.expect(relative_error(a, a.copy()) == 0, "it is 0 for equal inputs", "relative_error(a, a) should be 0")
    both_zero, caught = _quietly(lambda: relative_error(np.zeros(3), np.zeros(3)))
    run.expect(both_zero == 0 and not caught, "it is 0.0 when both are zero, without a warning",
               f"relative_error(0, 0) should be 0.0 without a warning, got {both_zero!r}"
               + (f" and the warning {caught[0]!r}" if caught else ""))
    run.expect(np.isclose(relative_error(a, -a), 1) and np.isclose(relative_error(a, np.zeros_like(a)), 1),
               "it is 1 for opposite vectors and against zero",
               "relative_error(a, -a) and relative_error(a, 0) should both be 1")
    run.expect(np.isclose(relative_error(1e6 * a, 1e6 * b), value, rtol=1e-9),
               "it does not change when both inputs are scaled", "relative_error(k*a, k*b) should equal relative_error(a, b)")


@_exercise("gradient_check")
def _gradient_check(run: _Run) -> None:
    gradient_check = run.function
    x = run.rng.uniform(-2, 2, (3, 2))
    given = x.copy()

    def f(z: np.ndarray) -> float:
        return float(np.sum(np.sin(z)))

    out = gradient_check(f, np.cos, given)
    run.require(isinstance(out, tuple) and len(out) == 2, "gradient_check returns a pair (passed, error)",
                f"gradient_check should return a pair (passed, error), got {_describe(out)}")
    passed, error = out
    run.expect(np.array_equal(given, x), "x is unchanged afterwards", "gradient_check changed x in place")
    run.expect(bool(passed) is True and _is_number(error) and error < 1e-7,
               "it passes the exact gradient cos(x) of sum(sin(x)), with an error below tol",
               f"for f = sum(sin(x)) and grad_f = cos it should pass with a tiny error, got {out!r}")
    doubled = gradient_check(f, lambda z: 2 * np.cos(z), x)
    # |2g - g| / (|2g| + |g|) = 1/3 whatever g is.
    run.expect(isinstance(doubled, tuple) and not doubled[0] and np.isclose(doubled[1], 1 / 3, rtol=1e-4),
               "it fails a gradient that is twice too large, with relative error 1/3",
               f"for grad_f = 2*cos it should fail with error 1/3, got {doubled!r}")


# 03 activations -----------------------------------------------------------

@_exercise("relu_forward", "tanh_forward", "sigmoid_forward")
def _activation_forward(run: _Run) -> None:
    forward = run.function
    z = run.rng.standard_normal((4, 5)) * 3
    z[0, 0] = 0.0
    given = z.copy()
    out, _ = _pair(run, forward(given), f"{run.name}(z)")
    run.require(_is_float_array(out, z.shape), "out has z's shape", f"out should have shape {z.shape}, got {_describe(out)}")
    _unchanged(run, {"z": z}, {"z": given}, run.name)
    flipped, _ = forward(-z)
    if run.name == "relu_forward":
        run.expect(np.all(out >= 0) and np.array_equal(out[z > 0], z[z > 0]) and np.all(out[z <= 0] == 0),
                   "it keeps positive entries and zeroes the rest (including exactly 0)",
                   "ReLU keeps z where z > 0 and gives 0 elsewhere")
    elif run.name == "tanh_forward":
        run.expect(np.all(np.abs(out) < 1), "its values lie in (-1, 1)", "tanh lies strictly between -1 and 1")
        run.expect(_close(flipped, -out), "it is odd: tanh(-z) = -tanh(z)", "tanh(-z) should be -tanh(z)")
    else:
        run.expect(np.all((out > 0) & (out < 1)), "its values lie in (0, 1)", "sigmoid lies strictly between 0 and 1")
        run.expect(_close(flipped, 1 - out), "sigmoid(-z) = 1 - sigmoid(z)", "sigmoid(-z) should be 1 - sigmoid(z)")
        extreme = np.array([[-1000.0, -50.0, 0.0, 50.0, 1000.0]])
        (big, _), caught = _quietly(lambda: forward(extreme))
        run.expect(not caught and np.all(np.isfinite(big)) and _close(big[0, [0, 2, 4]], [0, 0.5, 1], atol=1e-12),
                   "it handles z = ±1000 without an overflow warning",
                   f"sigmoid at z = ±1000 should give 0 and 1 without a warning; got {big[0].tolist()}"
                   + (f" and the warning {caught[0]!r}: np.exp of a large positive number overflows, so "
                      f"use a form that only exponentiates -|z|" if caught else ""))
    run.expect(np.all(np.diff(forward(np.linspace(-5, 5, 11)[None, :])[0]) >= 0),
               "it is non-decreasing in z", f"{run.name} should never decrease as z grows")


@_exercise("relu_backward", "tanh_backward", "sigmoid_backward")
def _activation_backward(run: _Run) -> None:
    backward = run.function
    forward_name = run.name.replace("_backward", "_forward")
    forward = run.get("forward", forward_name)
    z = run.rng.standard_normal((4, 5)) * 2
    run.layer(forward, backward, [z], ["dz"])
    if run.name == "relu_backward":
        _, cache = forward(np.zeros((2, 3)))
        dz = backward(np.ones((2, 3)), cache)
        run.expect(_close(dz, np.zeros((2, 3))), "dz is 0 at exactly z = 0 (the z > 0 convention)",
                   f"at z = 0 exactly the course takes ReLU's derivative to be 0 (the z > 0 convention), got "
                   f"{np.asarray(dz).ravel()[:3].tolist()}")
    if run.name == "sigmoid_backward":
        extreme = np.array([[-1000.0, 0.0, 1000.0]])
        dz, caught = _quietly(lambda: backward(np.ones((1, 3)), forward(extreme)[1]))
        run.expect(not caught and np.all(np.isfinite(dz)), "it handles z = ±1000 without a warning",
                   f"sigmoid_backward at z = ±1000 should be finite without a warning, got {np.asarray(dz).tolist()}"
                   + (f" and {caught[0]!r}" if caught else ""))


@_exercise("softmax")
def _softmax(run: _Run) -> None:
    softmax = run.function
    z = run.rng.standard_normal((5, 4)) * 3
    given = z.copy()
    p = softmax(given)
    run.require(_is_float_array(p, z.shape), "softmax returns probabilities of z's shape",
                f"softmax(z) with z of shape {z.shape} returned {_describe(p)}")
    _unchanged(run, {"z": z}, {"z": given}, "softmax")
    run.expect(np.all(p > 0) and _close(p.sum(axis=1), np.ones(5)), "every row is positive and sums to 1",
               f"each row of softmax(z) should be positive and sum to 1; row sums {np.round(p.sum(axis=1), 6).tolist()}"
               + (" (did you normalise over axis 0, the batch?)" if _close(p.sum(axis=0), np.ones(4)) else ""))
    run.expect(np.array_equal(p.argmax(axis=1), z.argmax(axis=1)), "the largest logit gets the largest probability",
               "softmax should keep the order of the logits within each row")
    shift = run.rng.standard_normal((5, 1)) * 10
    run.expect(_close(softmax(z + shift), p), "adding a constant to a row does not change it",
               "softmax(z + c) should equal softmax(z) for a constant c per row")
    big, caught = _quietly(lambda: softmax(np.array([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, 0.0]])))
    run.expect(not caught and _close(big, [[1, 0, 0], [0.5, 0.5, 0]], atol=1e-12),
               "it is stable for logits of ±1000",
               f"softmax of logits [[1000, 0, -1000], [1000, 1000, 0]] should be [[1, 0, 0], [0.5, 0.5, 0]] without "
               f"a warning, got {np.asarray(big).tolist()}" + (f" and {caught[0]!r}: subtract each row's max first"
                                                              if caught else ""))


@_exercise("softmax_cross_entropy")
def _softmax_cross_entropy(run: _Run) -> None:
    sce = run.function
    n, c = 6, 4
    logits, y = run.rng.standard_normal((n, c)) * 2, run.rng.integers(0, c, n)
    given_logits, given_y = logits.copy(), y.copy()
    loss, dlogits = _pair(run, sce(given_logits, given_y), "softmax_cross_entropy(logits, y)", "(loss, dlogits)")
    run.require(_is_number(loss) and _is_float_array(dlogits, logits.shape),
                "loss is a number and dlogits has the logits' shape",
                f"expected a number and an array of shape {logits.shape}, got {_describe(loss)} and {_describe(dlogits)}")
    _unchanged(run, {"logits": logits, "y": y}, {"logits": given_logits, "y": given_y}, "softmax_cross_entropy")
    run.expect(loss >= 0, "the loss is never negative", f"a cross-entropy is >= 0, got {loss!r}")
    run.expect(_close(dlogits.sum(axis=1), np.zeros(n), atol=1e-12), "every row of dlogits sums to 0",
               "each row of dlogits should sum to 0 (probabilities minus a one-hot)")
    uniform, _ = sce(np.zeros((n, c)), y)
    run.expect(np.isclose(uniform, np.log(c)), f"equal logits give the loss log(C) = log({c}): a mean over the batch",
               f"with all logits equal every class has probability 1/{c}, so the mean loss is log({c}) = "
               f"{np.log(c):.6f}; got {uniform!r}" + (" (a sum over the batch instead of a mean?)"
                                                    if np.isclose(uniform, n * np.log(c)) else ""))
    run.gradient(lambda v: sce(v, y)[0], lambda v: sce(v, y)[1], logits, name="dlogits",
                 of="your loss", where=f"in all {logits.size} entries of a {logits.shape} batch")
    (big_loss, big_grad), caught = _quietly(lambda: sce(np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([0, 0])))
    run.expect(not caught and np.isfinite(big_loss) and np.isclose(big_loss, 500.0) and np.all(np.isfinite(big_grad)),
               "it is stable for logits of 1000",
               f"for logits [[1000, 0], [0, 1000]] and labels [0, 0] the loss is (0 + 1000) / 2 = 500, got "
               f"{big_loss!r}" + (f" and {caught[0]!r}" if caught else ""))
    one_loss, one_grad = sce(np.array([[3.0]]), np.array([0]))
    run.expect(np.isclose(one_loss, 0) and _close(one_grad, [[0.0]]), "with a single class the loss and gradient are 0",
               f"with one class p = 1, so loss and dlogits are 0; got {one_loss!r}, {np.asarray(one_grad).tolist()}")


# 04 MLP ---------------------------------------------------------------------

@_exercise("linear_forward")
def _linear_forward(run: _Run) -> None:
    linear_forward = run.function
    X, W, b = run.rng.standard_normal((5, 3)), run.rng.standard_normal((2, 3)), run.rng.standard_normal(2)
    args = {"X": X.copy(), "W": W.copy(), "b": b.copy()}
    out, _ = _pair(run, linear_forward(args["X"], args["W"], args["b"]), "linear_forward(X, W, b)")
    run.require(_is_float_array(out, (5, 2)), "X (N, D_in) and W (D_out, D_in) give out (N, D_out)",
                f"X of shape (5, 3) and W of shape (2, 3) should give out of shape (5, 2), got {_describe(out)}")
    _unchanged(run, {"X": X, "W": W, "b": b}, args, "linear_forward")
    run.expect(_close(linear_forward(np.zeros_like(X), W, b)[0], np.tile(b, (5, 1))), "a zero input gives b in every row",
               "linear_forward(0, W, b) should be b in every row")
    run.expect(_close(linear_forward(2 * X, W, 0 * b)[0], 2 * linear_forward(X, W, 0 * b)[0]),
               "without b it is linear in X", "with b = 0, doubling X should double the output")


@_exercise("linear_backward")
def _linear_backward(run: _Run) -> None:
    forward = run.get("forward", "linear_forward")
    X, W, b = run.rng.standard_normal((5, 3)), run.rng.standard_normal((2, 3)), run.rng.standard_normal(2)
    run.layer(forward, run.function, [X, W, b], ["dX", "dW", "db"])


@_exercise("mse_loss", "mae_loss")
def _regression_loss(run: _Run) -> None:
    loss_fn = run.function
    y_hat, y = run.rng.standard_normal((6, 2)), run.rng.standard_normal((6, 2))
    args = {"y_hat": y_hat.copy(), "y": y.copy()}
    loss, grad = _pair(run, loss_fn(args["y_hat"], args["y"]), f"{run.name}(y_hat, y)", "(loss, dy_hat)")
    run.require(_is_number(loss) and _is_float_array(grad, y_hat.shape),
                "loss is a number and dy_hat has y_hat's shape",
                f"expected a number and an array of shape {y_hat.shape}, got {_describe(loss)} and {_describe(grad)}")
    _unchanged(run, {"y_hat": y_hat, "y": y}, args, run.name)
    run.expect(loss >= 0 and np.isclose(loss_fn(y, y.copy())[0], 0), "it is >= 0, and 0 for a perfect prediction",
               "the loss should be >= 0 and exactly 0 when y_hat == y")
    off_by_one = loss_fn(y + 1.0, y)[0]
    run.expect(np.isclose(off_by_one, 1.0), "an error of 1 in every entry gives loss 1: a mean over every element",
               f"with y_hat = y + 1 every entry's error is 1, so the mean is 1; got {off_by_one!r}"
               + (f" ({off_by_one:g} = a sum or a mean over the wrong axis?)" if not np.isclose(off_by_one, 1.0) else ""))
    run.gradient(lambda v: loss_fn(v, y)[0], lambda v: loss_fn(v, y)[1], y_hat, name="dy_hat",
                 of=f"your {run.name}", where=f"in all {y_hat.size} entries of a {y_hat.shape} prediction")


_MLP_SHAPES = {"W1": (5, 3), "b1": (5,), "W2": (2, 5), "b2": (2,)}


@_exercise("mlp_forward")
def _mlp_forward(run: _Run) -> None:
    mlp_forward = run.function
    X, params = run.rng.standard_normal((4, 3)), _params(run.rng, _MLP_SHAPES)
    given = copy.deepcopy(params)
    y_hat, _ = _pair(run, mlp_forward(X.copy(), given), "mlp_forward(X, params)", "(y_hat, cache)")
    run.require(_is_float_array(y_hat, (4, 2)), "y_hat has shape (N, C)",
                f"X (4, 3) with W2 of shape (2, 5) should give y_hat of shape (4, 2), got {_describe(y_hat)}")
    _unchanged(run, {"params": params}, {"params": given}, "mlp_forward")
    dead = {**params, "b1": np.full(5, -1e3)}
    run.expect(_close(mlp_forward(X, dead)[0], np.tile(params["b2"], (4, 1))),
               "when every hidden ReLU is off, y_hat is b2 (linear output, no activation)",
               "with b1 so negative that every hidden unit is 0 after ReLU, y_hat should be b2 in every row")


@_exercise("mlp_backward")
def _mlp_backward(run: _Run) -> None:
    mlp_backward, forward = run.function, run.get("forward", "mlp_forward")
    X, params = run.rng.standard_normal((4, 3)), _params(run.rng, _MLP_SHAPES)
    y_hat, cache = forward(X, copy.deepcopy(params))
    dout = run.rng.standard_normal(np.shape(y_hat))
    grads = mlp_backward(dout.copy(), cache)

    def loss_of(key: str, value: np.ndarray) -> float:
        return float(np.sum(forward(X, {**params, key: value})[0] * dout))

    _check_dict_gradients(run, grads, params, loss_of, "your mlp_forward (random upstream gradient)", 4)


@_exercise("train_mlp")
def _train_mlp(run: _Run) -> None:
    train_mlp = run.function
    X = run.rng.standard_normal((16, 3))
    y = X @ run.rng.standard_normal((3, 2)) * 0.5
    params = _params(run.rng, _MLP_SHAPES)
    given = copy.deepcopy(params)
    losses, _ = _quietly(lambda: train_mlp(X, y, given, 0.05, 30))
    run.require(isinstance(losses, list) and len(losses) == 30 and all(np.ndim(v) == 0 for v in losses),
                "it returns a list of 30 losses for steps=30",
                f"train_mlp(..., steps=30) should return a list of 30 numbers, got {_describe(losses)}")
    _unchanged(run, {"params": params}, {"params": given}, "train_mlp")
    run.require(all(np.isfinite(losses)), "every loss is finite",
                "the loss became inf or NaN: training diverged at lr = 0.05; check the sign of the update "
                "(params -= lr * grads)")
    run.expect(losses[-1] < losses[0], f"the loss goes down with a small learning rate ({losses[0]:.4g} -> {losses[-1]:.4g})",
               f"with lr = 0.05 the loss should go down, went {losses[0]:.4g} -> {losses[-1]:.4g}: check the sign "
               f"of the update (params -= lr * grads)")
    forward = run.related.get("forward") or train_mlp.__globals__.get("mlp_forward")
    mse = run.related.get("loss") or train_mlp.__globals__.get("mse_loss")
    if callable(forward) and callable(mse):
        start = mse(forward(X, params)[0], y)[0]
        run.expect(np.isclose(losses[0], start), "losses[0] is the MSE of the starting params (before any update)",
                   f"losses[0] should be the loss before the first update, {start:.6g}; got {losses[0]:.6g}")


# 05 backprop ninja ----------------------------------------------------------

@_exercise("batchnorm_forward")
def _batchnorm_forward(run: _Run) -> None:
    batchnorm_forward = run.function
    x = run.rng.standard_normal((8, 3)) * 4 + 2
    gamma, beta = run.rng.uniform(0.5, 2, 3), run.rng.standard_normal(3)
    args = {"x": x.copy(), "gamma": gamma.copy(), "beta": beta.copy()}
    out, _ = _pair(run, batchnorm_forward(args["x"], args["gamma"], args["beta"]), "batchnorm_forward(x, gamma, beta)")
    run.require(_is_float_array(out, x.shape), "out has x's shape", f"out should have shape {x.shape}, got {_describe(out)}")
    _unchanged(run, {"x": x, "gamma": gamma, "beta": beta}, args, "batchnorm_forward")
    plain, _ = batchnorm_forward(x, np.ones(3), np.zeros(3))
    expected_var = x.var(axis=0) / (x.var(axis=0) + 1e-5)
    run.expect(_close(plain.mean(axis=0), np.zeros(3), atol=1e-9) and _close(plain.var(axis=0), expected_var, rtol=1e-6),
               "with gamma = 1, beta = 0 every column has mean 0 and variance 1 over the batch (biased, with eps)",
               f"with gamma = 1 and beta = 0 each column should have batch mean 0 and variance var/(var + eps); got "
               f"means {np.round(plain.mean(axis=0), 6).tolist()}, variances {np.round(plain.var(axis=0), 6).tolist()}")
    run.expect(_close(out, gamma * plain + beta), "out is gamma * normalised + beta",
               "batchnorm_forward(x, gamma, beta) should be gamma times the normalised x, plus beta")


@_exercise("batchnorm_backward")
def _batchnorm_backward(run: _Run) -> None:
    forward = run.get("forward", "batchnorm_forward")
    x = run.rng.standard_normal((8, 3)) * 2 + 1
    gamma, beta = run.rng.uniform(0.5, 2, 3), run.rng.standard_normal(3)
    run.layer(forward, run.function, [x, gamma, beta], ["dx", "dgamma", "dbeta"])


_CLASSIFIER_SHAPES = {"W1": (5, 3), "b1": (5,), "gamma": (5,), "beta": (5,), "W2": (4, 5), "b2": (4,)}


@_exercise("classifier_loss")
def _classifier_loss(run: _Run) -> None:
    classifier_loss = run.function
    X, y = run.rng.standard_normal((6, 3)), run.rng.integers(0, 4, 6)
    params = _params(run.rng, _CLASSIFIER_SHAPES, scale=1.0)
    params["gamma"] = 1 + 0.1 * params["gamma"]
    given = copy.deepcopy(params)
    loss, grads = _pair(run, classifier_loss(X.copy(), y.copy(), given), "classifier_loss(X, y, params)", "(loss, grads)")
    run.require(_is_number(loss) and loss >= 0, "the loss is a non-negative number", f"the loss should be a number >= 0, got {_describe(loss)}")
    _unchanged(run, {"params": params}, {"params": given}, "classifier_loss")
    silent = {**params, "W2": np.zeros((4, 5)), "b2": np.zeros(4)}
    uniform = classifier_loss(X, y, silent)[0]
    run.expect(np.isclose(uniform, np.log(4)), "with W2 = 0 and b2 = 0 the loss is log(C): a mean over the batch",
               f"with W2 = 0 and b2 = 0 every class gets probability 1/4, so the loss is log(4) = {np.log(4):.6f}; got {uniform!r}")

    def loss_of(key: str, value: np.ndarray) -> float:
        return float(classifier_loss(X, y, {**params, key: value})[0])

    _check_dict_gradients(run, grads, params, loss_of, "your loss", 6)


@_exercise("td_loss")
def _td_loss(run: _Run) -> None:
    td_loss = run.function
    n, a = 6, 3
    q, actions, targets = run.rng.standard_normal((n, a)), run.rng.integers(0, a, n), run.rng.standard_normal(n)
    args = {"q_values": q.copy(), "actions": actions.copy(), "targets": targets.copy()}
    loss, dq = _pair(run, td_loss(args["q_values"], args["actions"], args["targets"]),
                     "td_loss(q_values, actions, targets)", "(loss, dq_values)")
    run.require(_is_number(loss) and _is_float_array(dq, q.shape), "loss is a number and dq_values has q_values' shape",
                f"expected a number and an array of shape {q.shape}, got {_describe(loss)} and {_describe(dq)}")
    _unchanged(run, {"q_values": q, "actions": actions, "targets": targets}, args, "td_loss")
    taken = np.zeros_like(q, dtype=bool)
    taken[np.arange(n), actions] = True
    run.expect(np.all(dq[~taken] == 0), "the gradient is 0 for every action not taken",
               "dq_values must be 0 for the actions that were not taken: only Q(s, a) of the taken action is in the loss")
    hit = q.copy()
    hit[np.arange(n), actions] = targets
    run.expect(np.isclose(td_loss(hit, actions, targets)[0], 0), "the loss is 0 when Q(s, a) equals the target",
               "when every taken Q-value equals its target the TD error and the loss are 0")
    hit[np.arange(n), actions] = targets + 1
    off = td_loss(hit, actions, targets)[0]
    run.expect(np.isclose(off, 1.0), "a TD error of 1 for every sample gives loss 1: the mean of the squares",
               f"with every TD error 1 the mean squared TD error is 1, got {off!r}")
    run.gradient(lambda v: td_loss(v, actions, targets)[0], lambda v: td_loss(v, actions, targets)[1], q,
                 name="dq_values", of="your loss", where=f"in all {q.size} entries of a {q.shape} batch")


# --------------------------------------------------------------------------


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of length {len(value)}"
    return f"{type(value).__name__} {value!r}"[:100]


def _culprit(error: BaseException) -> str:
    """Name of the student's function an exception came from.

    The innermost frame outside NumPy and course_utils: a shape error raised
    deep inside ``np.dot`` belongs to the student's line that called it.
    """
    library = (str(Path(np.__file__).parent), str(Path(__file__).parent))
    frames = [f for f in traceback.extract_tb(error.__traceback__) if not f.filename.startswith(library)]
    return frames[-1].name if frames else "your function"


def check(function: Callable, *, seed: int | None = None, **related: Callable) -> Report:
    """Run the public self-checks of one exercise and explain what looks wrong.

    Parameters
    ----------
    function : callable
        The student's function; its ``__name__`` picks the exercise
        (``grad``, ``df``, ``relu_backward``, ...).
    seed : int, optional
        Seed for the random test points; new points every call by default.
    **related : callable
        Functions the check needs besides ``function``: ``loss=`` for
        ``grad``, ``forward=`` for a ``*_backward`` or ``mlp_backward``, and
        ``forward=``/``loss=`` (optional) for ``train_mlp``. When left out
        they are looked up by their exercise name where ``function`` was
        defined (the notebook).

    Returns
    -------
    Report
        One line per check; ``report.passed`` is True when every check
        passed. A notebook or the Python prompt shows it as the call's value;
        in a script ``check`` prints it too.

    Examples
    --------
    In a notebook, after defining ``grad`` and ``loss``:

    >>> course_utils.check(grad, loss=loss)  # doctest: +SKIP
    check(grad): all 2 checks passed
    ✓ grad(w, x, y) returns an array of w's shape for arrays w, x, y
    ✓ grad matches a central difference of your loss in w at 50 random points
    """
    name = getattr(function, "__name__", "")
    if name not in EXERCISES:
        raise ValueError(f"no self-check for a function named {name!r}; the exercises are: {', '.join(EXERCISES)}")
    run = _Run(function, related, np.random.default_rng(seed))
    try:
        EXERCISES[name](run)
    except _Stop:
        pass
    except GradientCheckError as error:
        cause = error.__cause__
        if isinstance(cause, NotImplementedError):
            run.line(False, f"{_culprit(cause)} is not implemented yet (it raises NotImplementedError)")
        else:
            run.line(False, str(error))
    except NotImplementedError as error:
        run.line(False, f"{_culprit(error)} is not implemented yet (it raises NotImplementedError)")
    except Exception as error:  # the student's code failed: say where and how, as a check
        run.line(False, f"{_culprit(error)} raised {type(error).__name__}: {error}")
    if not _value_is_shown():
        print(run.report)
    return run.report


def _value_is_shown() -> bool:
    """True in IPython, Jupyter and the Python prompt, which show a call's value; False in a script."""
    ipython = sys.modules.get("IPython")  # loaded whenever we run inside IPython
    return hasattr(sys, "ps1") or (ipython is not None and ipython.get_ipython() is not None)
