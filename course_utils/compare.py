"""Compare hand-derived gradients with a reference, one row per tensor.

This is the "backprop ninja" comparison table (after Karpathy's makemore,
Part 4): after backpropagating through every intermediate of a network by
hand, a student wants to see at a glance *which step* went wrong.

>>> import numpy as np
>>> from course_utils.compare import gradient_table
>>> hand = {"dW": np.array([1.0, -2.0]), "db": np.array([0.5])}
>>> ref = {"dW": np.array([1.0, -2.0]), "db": np.array([-0.5])}
>>> table = gradient_table(hand, ref)
>>> [row.exact for row in table]
[True, False]
>>> table["db"].diagnosis
'sign'

The reference is either a dict of arrays (``reference=``), or, when only
``f`` and ``params`` are given, the course's reference gradient checker
(:func:`course_utils.check_gradient`) run on the scalar function ``f`` of
each tensor. In Jupyter the table renders as HTML; ``print(table)`` gives
plain text.

This module knows nothing about any network: it never computes a gradient
itself except by finite differences (through the checker).
"""
from __future__ import annotations

import html
import inspect
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

import numpy as np

__all__ = ["GradientRow", "GradientTable", "gradient_table"]

# Scalar function of one named tensor: f(name, value) -> float.
TensorFunction = Callable[[str, np.ndarray], float]


@dataclass(frozen=True)
class GradientRow:
    """One tensor's comparison.

    Attributes
    ----------
    name : str
        The hand gradient's name, e.g. ``"dlogits"``.
    shape : tuple of int
        Shape of the hand gradient.
    exact : bool or None
        True when the hand gradient equals the reference bit for bit; None
        when the reference is only a finite-difference estimate.
    close : bool
        True when the hand gradient is right: ``np.allclose`` with the given
        reference, or the checker's verdict when there is no reference.
    max_diff : float
        Largest absolute difference from the reference (or from the
        checker's numerical gradient); ``inf`` when shapes differ.
    diagnosis : str or None
        None when the row is close; otherwise tags such as ``sign``,
        ``scale:2``, ``transpose``, ``zero``, ``entries``, ``shape``,
        ``nonfinite``, ``mismatch`` (see :func:`course_utils.check_gradient`).
    message : str
        A sentence a student can act on (empty when all is well).
    """

    name: str
    shape: tuple[int, ...]
    exact: bool | None
    close: bool
    max_diff: float
    diagnosis: str | None
    message: str

    @property
    def status(self) -> str:
        """``"exact"``, ``"close"`` or ``"WRONG"``."""
        if self.exact:
            return "exact"
        return "close" if self.close else "WRONG"


class GradientTable:
    """The rows of :func:`gradient_table`, printable and renderable as HTML.

    Iterate over it for the rows, index it by name (``table["dW1"]``), and
    use :attr:`all_close` / :attr:`wrong` in code.
    """

    def __init__(self, rows: list[GradientRow], *, source: str) -> None:
        self.rows = list(rows)
        self.source = source

    def __iter__(self) -> Iterator[GradientRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, name: str) -> GradientRow:
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(name)

    @property
    def all_close(self) -> bool:
        """True when every row is close to its reference."""
        return all(row.close for row in self.rows)

    @property
    def wrong(self) -> list[str]:
        """Names of the rows that are not close, in table order."""
        return [row.name for row in self.rows if not row.close]

    def _cells(self, row: GradientRow) -> list[str]:
        exact = "n/a" if row.exact is None else ("yes" if row.exact else "no")
        shape = "x".join(str(n) for n in row.shape) or "scalar"
        return [row.name, shape, exact, "yes" if row.close else "NO", f"{row.max_diff:.2e}",
                row.diagnosis or "", row.message]

    def __str__(self) -> str:
        header = ["tensor", "shape", "exact", "close", "max |diff|", "diagnosis", "message"]
        body = [self._cells(row) for row in self.rows]
        # The message can be long: leave it unpadded in the last column.
        widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header) - 1)]

        def line(cells: list[str]) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(cells, widths)) + "  " + cells[-1]

        lines = [line(header), "  ".join("-" * w for w in widths) + "  " + "-" * 7]
        lines += [line(r).rstrip() for r in body]
        verdict = "all gradients match" if self.all_close else f"wrong: {', '.join(self.wrong)}"
        lines.append(f"({self.source}; {verdict})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        header = ["tensor", "shape", "exact", "close", "max |diff|", "diagnosis", "message"]
        colours = {"exact": "#d9f2d9", "close": "#eef8e6", "WRONG": "#f9d6d5"}
        parts = [
            '<table class="gradient-table" style="border-collapse:collapse;font-family:monospace;'
            'font-size:12px">',
            "<thead><tr>" + "".join(
                f'<th style="text-align:left;padding:2px 8px;border-bottom:1px solid #999">{h}</th>'
                for h in header) + "</tr></thead><tbody>",
        ]
        for row in self.rows:
            style = f"background:{colours[row.status]}"
            cells = "".join(f'<td style="text-align:left;padding:2px 8px">{html.escape(c)}</td>'
                            for c in self._cells(row))
            parts.append(f'<tr class="{row.status.lower()}" style="{style}">{cells}</tr>')
        verdict = ("all gradients match" if self.all_close
                   else "wrong: " + html.escape(", ".join(self.wrong)))
        parts.append(f'</tbody><caption style="caption-side:bottom;text-align:left">'
                     f'{html.escape(self.source)}; {verdict}</caption></table>')
        return "".join(parts)


def _as_array(value: Any, name: str) -> np.ndarray:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} is not a numeric array: {type(value).__name__}") from exc


def _diagnose(hand: np.ndarray, ref: np.ndarray, rtol: float, atol: float) -> tuple[str, str]:
    """Tags and a message for a hand gradient that is not close to the reference."""
    if hand.shape != ref.shape:
        if hand.shape == ref.T.shape and ref.ndim == 2:
            return "shape,transpose", (f"shape {hand.shape}, expected {ref.shape}: "
                                       "the transpose of the right shape")
        return "shape", f"shape {hand.shape}, expected {ref.shape}"
    if not np.all(np.isfinite(hand)):
        return "nonfinite", f"{int(np.sum(~np.isfinite(hand)))} entries are NaN or inf"

    def near(a: np.ndarray) -> bool:
        return bool(np.allclose(a, ref, rtol=rtol, atol=atol))

    ref_size = float(np.max(np.abs(ref), initial=0.0))
    if not np.any(hand) and ref_size > 0:
        return "zero", "all zeros, but the reference is not"
    if ref_size == 0:
        return "mismatch", "should be zero everywhere but is not"
    if near(-hand):
        return "sign", "the negative of the reference: check the sign of this step"
    denom = float(np.vdot(ref, ref))
    k = float(np.vdot(hand, ref)) / denom if denom else 0.0
    if k and near(hand / k):
        factor = float(f"{k:.3g}")
        return f"scale:{factor:g}", f"{factor:g} times the reference: a missing or extra factor"
    if hand.ndim == 2 and hand.shape[0] == hand.shape[1] and near(hand.T):
        return "transpose", "the transpose of the reference"
    bad = ~np.isclose(hand, ref, rtol=rtol, atol=atol)
    if bad.sum() <= max(1, bad.size // 10):
        where = [tuple(int(i) for i in idx) for idx in np.argwhere(bad)[:5]]
        return "entries", f"{int(bad.sum())} of {bad.size} entries wrong, e.g. at {where}"
    worst = np.unravel_index(int(np.argmax(np.abs(hand - ref))), ref.shape)
    return "mismatch", (f"{int(bad.sum())} of {bad.size} entries wrong; worst at "
                        f"{tuple(int(i) for i in worst)}: {hand[worst]:.6g} vs {ref[worst]:.6g}")


def _tensor_key(name: str, params: Mapping[str, Any]) -> str:
    """The tensor a hand gradient belongs to: ``"dW1"`` -> ``"W1"``."""
    if name in params:
        return name
    if name.startswith("d") and name[1:] in params:
        return name[1:]
    raise KeyError(f"no tensor for the gradient {name!r} in params: expected a key "
                   f"{name[1:] if name.startswith('d') else name!r}")


def _run_checker(f: TensorFunction, key: str, name: str, x: np.ndarray, grad: np.ndarray,
                 seed: int | None, hint: str | None):
    from course_utils import check_gradient  # late: the table does not need it otherwise

    kwargs: dict[str, Any] = {"seed": seed}
    accepted = inspect.signature(check_gradient).parameters
    if "name" in accepted:
        kwargs["name"] = name
    if hint is not None and "hint" in accepted:
        kwargs["hint"] = hint
    return check_gradient(lambda v: f(key, v), lambda v: grad, x, **kwargs)


def gradient_table(
    hand: Mapping[str, Any],
    reference: Mapping[str, Any] | None = None,
    *,
    f: TensorFunction | None = None,
    params: Mapping[str, Any] | None = None,
    seed: int | None = 0,
    rtol: float = 1e-7,
    atol: float = 1e-10,
    hints: Mapping[str, str] | None = None,
) -> GradientTable:
    """Compare every hand gradient with a reference, one row per tensor.

    Parameters
    ----------
    hand : dict of str to array
        The hand-derived gradients, e.g. ``{"dlogprobs": ..., "dprobs": ...}``,
        in the order the rows should appear.
    reference : dict of str to array, optional
        Reference gradients under the same names (an autograd engine's, or
        a closed-form result). A name missing here is checked with ``f``.
    f : callable, optional
        ``f(key, value) -> float``: the scalar loss as a function of the
        tensor ``key`` alone (every other input held at its value in
        ``params``). The reference checker
        :func:`course_utils.check_gradient` is run on it at ``params[key]``
        for every gradient without a given reference, and its diagnosis is
        shown for every wrong row.
    params : dict of str to array, optional
        The point: the value of every tensor. The gradient named ``"dW1"``
        belongs to ``params["W1"]`` (or ``params["dW1"]`` if that exists).
    seed : int or None
        Passed on to the checker.
    rtol, atol : float
        Tolerances of ``close`` against a given reference (``np.allclose``).
    hints : dict of str to str, optional
        Extra advice per gradient name, appended to the message of a wrong
        row (and passed to the checker when it accepts a ``hint``).

    Returns
    -------
    GradientTable
        Rows with name, shape, exact (bit-for-bit equal), close, max
        absolute difference, diagnosis and message. Renders as HTML in
        Jupyter and as text with ``print``.

    Raises
    ------
    ValueError
        When a gradient has neither a reference nor an ``f`` to check it.
    """
    if f is not None and params is None:
        raise ValueError("gradient_table: f needs params, the point to check the gradients at")
    reference = dict(reference or {})
    hints = dict(hints or {})
    rows = []
    for name, value in hand.items():
        grad = _as_array(value, name)
        hint = hints.get(name)
        if name in reference:
            ref = _as_array(reference[name], f"reference[{name!r}]")
            same_shape = grad.shape == ref.shape
            exact = bool(same_shape and np.array_equal(grad, ref))
            close = bool(same_shape and np.allclose(grad, ref, rtol=rtol, atol=atol))
            max_diff = float(np.max(np.abs(grad - ref), initial=0.0)) if same_shape else float("inf")
            diagnosis, message = (None, "") if close else _diagnose(grad, ref, rtol, atol)
            if not close and f is not None and same_shape:
                key = _tensor_key(name, params)
                result = _run_checker(f, key, name, _as_array(params[key], key), grad, seed, hint)
                if not result.passed and result.diagnosis:
                    diagnosis, message = result.diagnosis, str(result.message)
        elif f is not None:
            key = _tensor_key(name, params)
            x = _as_array(params[key], key)
            result = _run_checker(f, key, name, x, grad, seed, hint)
            exact = None
            close = bool(result.passed)
            numeric = getattr(result, "numerical", None)
            if numeric is None or np.shape(numeric) != x.shape:
                from course_utils import numerical_gradient

                numeric = numerical_gradient(lambda v: f(key, v), x)
            numeric = np.asarray(numeric, dtype=np.float64)
            max_diff = (float(np.max(np.abs(grad - numeric), initial=0.0))
                        if grad.shape == numeric.shape else float("inf"))
            diagnosis = None if close else (result.diagnosis or "mismatch")
            message = "" if close else str(result.message)
        else:
            raise ValueError(f"gradient_table: no reference for {name!r}; pass reference={{...}} "
                             "or f= and params=")
        if not close and hint and hint not in message:
            message = f"{message} Hint: {hint}".strip()
        rows.append(GradientRow(name, grad.shape, exact, close, max_diff, diagnosis, message))
    if reference and f is not None:
        source = "against the given reference, checker where missing"
    elif reference:
        source = "against the given reference"
    else:
        source = "against course_utils.check_gradient (finite differences)"
    return GradientTable(rows, source=source)
