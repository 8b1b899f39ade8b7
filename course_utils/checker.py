"""The reference gradient checker: finite differences that know their own error.

``check_gradient(f, grad_f, x)`` compares an analytic gradient with central
differences of ``f``. It does not use one fixed threshold. For every entry it
estimates how wrong the finite difference itself can be, and fails an entry
only when the analytic value is further away than that:

1. Central differences with a step scaled to the entry, ``h_i = cbrt(eps) *
   max(|x_i|, 1)``: 2P evaluations of ``f``.
2. The rounding noise of ``f`` is measured once (8 evaluations) and turned
   into an error bound ``~ noise / h_i`` for each entry.
3. Entries that miss that bound get two more evaluations, at step ``2 h_i``.
   How much the estimate moves between ``h`` and ``2h`` bounds its
   truncation error. If the one-sided slopes jump and the jump does not
   shrink with the step, the entry lies within the step of a kink (ReLU at 0,
   ``abs``, ``max``). It cannot be checked, so it is reported and skipped.
   So is an entry along which ``f`` does not move at all within ``2h`` but
   moves in coarse steps further out (a saturated softmax).
4. A failed check is diagnosed: a least-squares scale fit (sign, scale, zero),
   the transpose, and the few entries that are wrong.

Above ``FULL_MODE_MAX_SIZE`` entries (or with ``mode="directional"``) the
checker compares directional derivatives along ``N_DIRECTIONS`` random
directions instead: 2 evaluations per direction, whatever the size.

Misuse that cannot be turned into a verdict (``f`` returns an array, ``f``
or ``grad_f`` raises, empty ``x``) raises ``GradientCheckError``. The original
exception is chained to it. Mistakes in the gradient itself (wrong shape,
NaN, a list, None) give a failed ``CheckResult``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

EPS = np.finfo(np.float64).eps
# cbrt(eps) balances the h**2 truncation error of central differences against
# the eps/h rounding error: about 6e-6 relative to the entry.
STEP = EPS ** (1.0 / 3.0)
# Full mode costs 2P evaluations of f; above this many entries the checker
# switches to directional mode (12 evaluations). At 5000 entries a course
# sized loss still checks entry by entry in well under a second.
FULL_MODE_MAX_SIZE = 5000
N_DIRECTIONS = 6
# The noise estimate comes from a handful of samples and f's rounding can be
# larger where entries change. 30x keeps correct gradients safe, and the bound
# is still about 1e-9 of a unit-scale gradient.
ROUNDING_SAFETY = 30.0
# The estimate at h differs from the one at 2h by 3x its own truncation error,
# so this safety factor leaves 9x room.
STEP_SAFETY = 3.0
# Differences below this relative size are not worth a second look.
RTOL_FLOOR = 1e-8
# At a smooth point the jump between one-sided slopes is about h * f'', so it
# halves when the step halves. At a kink it stays about the same.
KINK_RATIO = 0.6


class GradientCheckError(ValueError):
    """The check could not be run: ``f`` or ``grad_f`` was misused or raised."""


@dataclass(repr=False)
class CheckResult:
    """Outcome of one gradient check.

    Attributes
    ----------
    passed : bool
        True when every checkable entry (or direction) agrees within the
        numerical gradient's own error.
    error : float
        Relative error ``|g - n| / (|g| + |n|)`` of the worst entry (or
        direction), the one furthest outside its allowed difference. ``inf``
        for shape or non-finite gradients.
    diagnosis : str or None
        None when passed; otherwise comma-separated tags, most specific first:
        ``shape``, ``nonfinite``, ``zero``, ``sign``, ``scale:K``,
        ``transpose``, ``entries``, ``mismatch``.
    message : str
        What is wrong and what to try, naming the worst entry with both values.
    name : str
        Name of the gradient used in the message, e.g. ``"dW1"``.
    mode : str
        ``"full"``, ``"directional"``, or ``"none"`` when nothing was compared.
    tolerance : float
        Relative difference allowed at the worst entry (same units as ``error``).
    worst_index : tuple of int or None
        Index of the worst entry (full mode) or ``(j,)`` of the worst direction.
    bad_indices : list of tuple of int
        Entries outside their allowed difference (full mode).
    kink_indices : list of tuple of int
        Entries within the step of a kink: skipped. In directional mode, the
        skipped directions ``(j,)``.
    scale : float or None
        Fitted factor K when the gradient is K times the true one.
    analytic, numerical : np.ndarray or None
        The gradient under test and the finite-difference one, shape of ``x``
        (full mode); the directional derivatives, shape ``(N_DIRECTIONS,)``,
        in directional mode.
    evaluations : int
        Number of calls to ``f``.
    notes : list of str
        Remarks such as input conversions.
    """

    passed: bool
    error: float
    diagnosis: str | None
    message: str
    name: str = "grad"
    mode: str = "full"
    tolerance: float = 0.0
    worst_index: tuple[int, ...] | None = None
    bad_indices: list[tuple[int, ...]] = field(default_factory=list)
    kink_indices: list[tuple[int, ...]] = field(default_factory=list)
    scale: float | None = None
    analytic: np.ndarray | None = None
    numerical: np.ndarray | None = None
    evaluations: int = 0
    notes: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        verdict = "PASS" if self.passed else f"FAIL [{self.diagnosis}]"
        return f"{verdict} {self.name}: {self.message}"

    def __repr__(self) -> str:
        return (f"CheckResult(passed={self.passed}, error={self.error:.3g}, "
                f"diagnosis={self.diagnosis!r}, name={self.name!r}, mode={self.mode!r})")

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # IPython / Jupyter display
        printer.text(str(self))


# --------------------------------------------------------------------------
# finite differences


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray,
                       h: float | None = None) -> np.ndarray:
    """Central-difference gradient of a scalar-valued function.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``.
    x : array_like, any shape
        Point of evaluation. It is never modified: ``f`` sees a float64 copy.
    h : float, optional
        Step. By default ``cbrt(eps) * max(|x_i|, 1)``, scaled to each entry.

    Returns
    -------
    np.ndarray, float64, shape of ``x``
        ``(f(x + h e_i) - f(x - h e_i)) / (2 h)`` for every entry ``i``.
    """
    work, _ = _float64_copy(x, "x")
    f_scalar, _ = _scalar_function(f, work)
    flat = work.reshape(-1)
    steps = _steps(flat) if h is None else np.full(flat.size, float(h))
    indices = np.arange(flat.size)
    fp, fm, hp, hm = _perturbed_values(f_scalar, work, indices, steps)
    return ((fp - fm) / (hp + hm)).reshape(work.shape)


def _steps(flat: np.ndarray) -> np.ndarray:
    """Per-entry step ``cbrt(eps) * max(|x_i|, 1)``, shape ``(P,)``."""
    return STEP * np.maximum(np.abs(flat), 1.0)


def _perturbed_values(f: Callable, work: np.ndarray, indices: np.ndarray,
                      steps: np.ndarray) -> tuple[np.ndarray, ...]:
    """``f`` at ``work +/- steps[k] e_i`` for each ``i = indices[k]``.

    Perturbs ``work`` in place and restores it, so there is no per-entry copy.
    Returns ``fp, fm, hp, hm``, each shape ``(len(indices),)``. ``hp`` and ``hm`` are
    the steps actually taken: ``x + h`` is rounded, and dividing by the
    rounded step removes that error.
    """
    flat = work.reshape(-1)
    centre = flat[indices]
    up, down = centre + steps, centre - steps
    hp, hm = up - centre, centre - down
    fp = np.empty(len(indices))
    fm = np.empty(len(indices))
    for k, (i, xi, a, b) in enumerate(zip(indices.tolist(), centre.tolist(),
                                          up.tolist(), down.tolist())):
        flat[i] = a
        fp[k] = f(work)
        flat[i] = b
        fm[k] = f(work)
        flat[i] = xi
    return fp, fm, hp, hm


def _noise_level(f: Callable, work: np.ndarray, spread: float = 1.0) -> float:
    """Standard deviation of the rounding noise of ``f`` near ``work``.

    ``f`` is sampled at 8 tiny steps along a fixed random direction. Fourth
    differences remove the smooth part, so what is left is rounding noise. This
    catches cancellation inside ``f`` (a sum of large terms that is nearly
    0) that ``eps * |f|`` would miss. The points start one step away from ``x``,
    so a kink at ``x`` itself (ReLU at exactly 0) does not look like noise.
    """
    rng = np.random.default_rng(0)  # private and fixed: the verdict must not depend on seed
    scale = np.maximum(np.abs(work), 1.0)
    direction = np.where(rng.integers(0, 2, size=work.shape, dtype=np.int8) == 1, scale, -scale)
    # Steps of about a tenth of the finite-difference step in total length, so the
    # probe meets the same rounding (and the same quantisation of a saturated f)
    # as the finite differences, while fourth differences of the smooth part stay
    # far below rounding.
    delta = 0.1 * STEP * spread / np.sqrt(work.size)
    values = np.array([f(work + j * delta * direction) for j in range(1, 9)])
    _require_finite(values)
    d4 = np.diff(values, 4)
    return float(np.sqrt(np.mean(d4 ** 2) / 70.0))  # Var(4th difference) = 70 sigma^2


def _resolution(f: Callable, work: np.ndarray, f0: float, fp: np.ndarray,
                fm: np.ndarray) -> tuple[float, int]:
    """Noise level of ``f`` when the first probe saw none at all.

    That happens when ``f`` is exact (small integers), constant, or quantised:
    a saturated softmax, whose loss moves in steps of ``eps`` that are
    larger than the probe. Wider probes find those steps. If ``f`` did not
    change in any evaluation, assume its terms are of size ``max(|f|, 1)``.
    Returns the noise level and the number of evaluations spent.
    """
    if np.all(fp == f0) and np.all(fm == f0):
        return EPS * max(abs(f0), 1.0), 0
    for k, spread in enumerate((10.0, 100.0, 1000.0), start=1):
        sigma = _noise_level(f, work, spread)
        if sigma > 0:
            return sigma, 8 * k
    return 0.0, 24


def _judge(a: np.ndarray, f0: float, fp: np.ndarray, fm: np.ndarray,
           hp: np.ndarray, hm: np.ndarray, sigma: float, rtol: float,
           second_pass: Callable[[np.ndarray], tuple[np.ndarray, ...]],
           coarse: Callable[[np.ndarray], tuple[np.ndarray, int]] | None = None):
    """Compare analytic slopes ``a`` with central differences, probe by probe.

    A probe is one entry (full mode) or one direction (directional mode).
    ``a, fp, fm, hp, hm`` have shape ``(M,)``. ``second_pass(idx)`` returns
    ``fp, fm, hp, hm`` at twice the step for the probes ``idx``. ``coarse(idx)``
    returns, for probes along which ``f`` did not move at all within ``2h``,
    the largest slope a coarser step allows (0 where ``f`` is truly flat), and
    its number of evaluations.

    Returns
    -------
    n : np.ndarray, shape (M,)
        Numerical slopes.
    tol : np.ndarray, shape (M,)
        Allowed ``|a - n|`` per probe.
    kink : np.ndarray of bool, shape (M,)
        Probes within the step of a kink, or where ``f`` moves in steps coarser
        than ``h`` (quantised). They are not judged.
    evaluations : int
        Calls to ``f`` made after the first pass.
    """
    _require_finite(fp, fm)
    n = (fp - fm) / (hp + hm)
    scale = np.maximum.reduce([np.full_like(fp, abs(f0)), np.abs(fp), np.abs(fm)])
    rounding = ROUNDING_SAFETY * np.maximum(sigma, EPS * scale) / np.minimum(hp, hm)
    tol = rounding + rtol * np.abs(n)
    kink = np.zeros(a.shape, dtype=bool)
    suspects = np.flatnonzero(~(np.abs(a - n) <= tol))
    if suspects.size == 0:
        return n, tol, kink, 0
    fp2, fm2, hp2, hm2 = second_pass(suspects)
    _require_finite(fp2, fm2)
    n1, r = n[suspects], rounding[suspects]
    n2 = (fp2 - fm2) / (hp2 + hm2)
    jump1 = (fp[suspects] - f0) / hp[suspects] - (f0 - fm[suspects]) / hm[suspects]
    jump2 = (fp2 - f0) / hp2 - (f0 - fm2) / hm2
    jumps = (np.abs(jump1) > 10 * r) & (np.abs(jump1) > KINK_RATIO * np.abs(jump2))
    # A smooth f gives nearly the same slope at h and 2h. If the slope moves by
    # 0.1%, f is not smooth at the scale of the step.
    unsteady = np.abs(n1 - n2) > 1e-3 * np.maximum(np.abs(n1), np.abs(n2)) + 10 * r
    kink[suspects] = jumps | unsteady
    # The fourth difference of the five values at x, x +/- h, x +/- 2h is rounding
    # noise only. Pooled over the smooth suspects, it shows noise at the scale of
    # the step that the probe may have missed: a term of f that rounds
    # coarsely, such as a saturated softmax whose loss moves in steps of eps.
    d4 = fp2 - 4 * fp[suspects] + 6 * f0 - 4 * fm[suspects] + fm2
    smooth = ~kink[suspects]
    pooled = np.sqrt(np.mean(d4[smooth] ** 2) / 70.0) if smooth.any() else 0.0
    step_noise = ROUNDING_SAFETY * pooled / np.minimum(hp[suspects], hm[suspects])
    tol[suspects] = STEP_SAFETY * np.abs(n1 - n2) + r + step_noise + rtol * np.abs(n1)
    evaluations = 2 * suspects.size
    flat = suspects[(fp[suspects] == f0) & (fm[suspects] == f0) & (fp2 == f0) & (fm2 == f0)]
    if coarse is not None and flat.size:
        allowed, more = coarse(flat)
        kink[flat] |= np.abs(a[flat]) <= allowed
        evaluations += more
    return n, tol, kink, evaluations


def _refine_kinks(f: Callable, f0: float, a: np.ndarray, work: np.ndarray, steps: np.ndarray,
                  sigma: float, rtol: float, n: np.ndarray, tol: np.ndarray, kink: np.ndarray) -> int:
    """Look again at the entries taken for kinks, with steps 16 and 256 times smaller.

    A kink at ``x`` itself (ReLU at exactly 0) stays a kink at every step. But
    ``f`` can also bend sharply at the scale of ``h`` without any kink, e.g. a
    variance near 0 under a square root; at a smaller step it is smooth again,
    and the entry is judged there instead of being skipped. Entries where
    ``f`` does not move at the smaller step (quantised) stay skipped. Updates
    ``n``, ``tol`` and ``kink`` in place; returns the evaluations spent.
    """
    evaluations = 0
    for shrink in (16.0, 256.0):
        idx = np.flatnonzero(kink)
        if idx.size == 0:
            break
        small = steps[idx] / shrink
        fp, fm, hp, hm = _perturbed_values(f, work, idx, small)
        n_s, tol_s, kink_s, more = _judge(a[idx], f0, fp, fm, hp, hm, sigma, rtol,
                                          lambda sub: _perturbed_values(f, work, idx[sub], 2 * small[sub]))
        evaluations += 2 * idx.size + more
        smooth = ~kink_s & ((fp != f0) | (fm != f0))
        n[idx[smooth]], tol[idx[smooth]], kink[idx[smooth]] = n_s[smooth], tol_s[smooth], False
    return evaluations


def _require_finite(*values: np.ndarray) -> None:
    """Raise if ``f`` was not finite somewhere within the steps around ``x``."""
    for v in values:
        if not np.all(np.isfinite(v)):
            raise GradientCheckError(f"f is {v[~np.isfinite(v)][0]} at a point within the "
                                     f"finite-difference step of x: it must be finite near x")


def _coarse_slopes(f: Callable, work: np.ndarray, indices: np.ndarray, f0: float,
                   steps: np.ndarray) -> tuple[np.ndarray, int]:
    """Largest slope consistent with ``f`` not moving within the step, per entry.

    A saturated softmax loss changes in steps of ``eps`` times its terms, which
    can be coarser than ``h * slope``. Along each entry the step is doubled
    from ``4h`` until ``f`` moves, up to 5% of the entry's scale. Where it
    moves at step ``t``, slopes up to about twice ``(change) / t`` cannot be
    told from rounding. Where it never moves, ``f`` is flat there and the
    bound is 0. Returns the bounds, shape ``(len(indices),)``, and the number
    of evaluations.
    """
    flat = work.reshape(-1)
    allowed = np.zeros(len(indices))
    evaluations = 0
    for k, i in enumerate(indices.tolist()):
        xi, t = flat[i], 4 * steps[k]
        while t <= 0.05 * max(abs(xi), 1.0):
            flat[i] = xi + t
            up = f(work)
            flat[i] = xi - t
            down = f(work)
            flat[i] = xi
            evaluations += 2
            if up != f0 or down != f0:
                allowed[k] = abs(up - down) / t + max(abs(up - f0), abs(down - f0)) / t
                break
            t *= 2
    return allowed, evaluations


# --------------------------------------------------------------------------
# input handling


def _float64_copy(x, what: str) -> tuple[np.ndarray, list[str]]:
    """A C-contiguous float64 copy of ``x`` and a note if it was converted."""
    try:
        arr = np.asarray(x)
    except Exception as err:
        raise GradientCheckError(f"{what} must be a NumPy array, got {type(x).__name__}") from err
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise GradientCheckError(f"{what} must be a real numeric array, got dtype {arr.dtype}")
    if arr.size == 0:
        raise GradientCheckError(f"{what} is empty (shape {arr.shape}): nothing to check")
    notes = []
    if arr.dtype != np.float64:
        notes.append(f"{what} had dtype {arr.dtype}; it was checked as a float64 copy")
    work = np.array(arr, dtype=np.float64, order="C", copy=True)
    if not np.all(np.isfinite(work)):
        raise GradientCheckError(f"{what} contains NaN or inf")
    return work, notes


def _scalar_function(f: Callable, work: np.ndarray, role: str = "f") -> tuple[Callable, float]:
    """Wrap ``f`` so each call returns a float or raises ``GradientCheckError``.

    Returns the wrapped function and ``f(work)``.
    """
    def call(z: np.ndarray) -> float:
        try:
            out = f(z)
        except GradientCheckError:
            raise
        except Exception as err:
            raise GradientCheckError(f"{role} raised {type(err).__name__}: {err}") from err
        if type(out) in (float, np.float64):  # the usual case, kept cheap for the 2P loop
            return out
        if np.ndim(out) != 0:
            if isinstance(out, (list, tuple)) or np.size(out) != 1:
                raise GradientCheckError(
                    f"{role} must return a scalar, but returned {type(out).__name__} "
                    f"of shape {np.shape(out)}: reduce it to one number (np.sum or np.mean?)")
            out = np.asarray(out).reshape(())
        try:
            return float(out)
        except (TypeError, ValueError) as err:
            raise GradientCheckError(f"{role} must return a number, got {type(out).__name__}") from err

    f0 = call(work)
    if not np.isfinite(f0):
        raise GradientCheckError(f"{role}(x) is {f0}: the function must be finite at x")
    return call, f0


def _gradient_array(g, shape: tuple[int, ...], name: str):
    """Validate what ``grad_f`` returned.

    Returns ``(array, None)`` or ``(None, (tag, message))`` for a student mistake.
    """
    if g is None:
        return None, ("shape", f"{name} is None: did you forget to return the gradient?")
    if isinstance(g, (list, tuple, dict)):
        return None, ("shape", f"{name} is a {type(g).__name__}, not a NumPy array: "
                               f"return an array of shape {shape} (np.array(...))")
    arr = np.asarray(g) if np.isscalar(g) or isinstance(g, np.ndarray) else None
    if arr is None or arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        return None, ("shape", f"{name} is a {type(g).__name__}, not a numeric array of shape {shape}")
    if arr.shape != shape:
        hint = ""
        if arr.shape == shape[::-1] and len(shape) == 2:
            hint = ": it has the transposed shape, did you return its transpose?"
        elif arr.size == int(np.prod(shape)):
            hint = ": same number of entries, reshape it (or check keepdims)"
        elif len(shape) >= 1 and arr.shape == shape[1:]:
            hint = ": did you sum over the batch where you should not?"
        elif len(shape) >= 1 and arr.shape[1:] == shape and arr.ndim == len(shape) + 1:
            hint = ": did you forget to sum over the batch (axis=0)?"
        return None, ("shape", f"{name} has shape {arr.shape} but should have shape {shape}{hint}")
    if np.iscomplexobj(arr):
        return None, ("mismatch", f"{name} is complex; gradients here are real")
    bad = ~np.isfinite(arr)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        return None, ("nonfinite", f"{name}{_fmt_index(where)} is {arr[where]} "
                                   f"({int(bad.sum())} non-finite entries): look for a log of 0, "
                                   f"a division by 0 or an overflowing exp")
    return arr, None


def _fmt_index(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]" if index else ""


# --------------------------------------------------------------------------
# the public checks


def check_gradient(f: Callable[[np.ndarray], float], grad_f: Callable[[np.ndarray], np.ndarray],
                   x: np.ndarray, *, seed: int | None = None, mode: str = "auto",
                   name: str = "grad", batch_size: int | None = None,
                   hint: str | None = None) -> CheckResult:
    """Check an analytic gradient against finite differences.

    Parameters
    ----------
    f : callable
        Scalar-valued function, ``f(x) -> float``.
    grad_f : callable
        ``grad_f(x) -> np.ndarray`` of the shape of ``x``: the gradient to check.
    x : array_like, any shape (P entries)
        Point of the check. It is never modified. Ints and float32 are
        converted to float64 (noted in the message).
    seed : int, optional
        Seeds ``np.random.default_rng`` for the random directions of
        directional mode. The global NumPy random state is not touched.
    mode : {"auto", "full", "directional"}
        ``"full"`` checks every entry (2P evaluations of ``f``, plus 2 per entry that
        needs a second look). ``"directional"`` compares directional
        derivatives along ``N_DIRECTIONS`` random directions (about 12
        evaluations). ``"auto"`` is full up to ``FULL_MODE_MAX_SIZE`` entries.
    name : str
        Name of the gradient in messages, e.g. ``"dW1"``.
    batch_size : int, optional
        N for the "forgot to average over the batch" diagnosis. By default
        ``x.shape[0]`` for a 2-D ``x``.
    hint : str, optional
        Extra advice added to a failure message, e.g. "batchnorm removes the bias".

    Returns
    -------
    CheckResult

    Raises
    ------
    GradientCheckError
        If ``f`` does not return a finite scalar, ``f`` or ``grad_f`` raises
        (the original exception is chained), ``f`` modifies its argument, or
        ``x`` is empty or not numeric.
    """
    if mode not in ("auto", "full", "directional"):
        raise GradientCheckError(f"mode must be 'auto', 'full' or 'directional', not {mode!r}")
    work, notes = _float64_copy(x, "x")
    pristine = work.copy()
    if batch_size is None and work.ndim == 2:
        batch_size = work.shape[0]
    if mode == "auto":
        mode = "full" if work.size <= FULL_MODE_MAX_SIZE else "directional"

    f_scalar, f0 = _scalar_function(f, work)
    try:
        raw = grad_f(work.copy())
    except Exception as err:
        raise GradientCheckError(f"grad_f raised {type(err).__name__}: {err}") from err
    g, problem = _gradient_array(raw, work.shape, name)
    if problem is not None:
        tag, message = problem
        return CheckResult(False, float("inf"), tag, _join(message, *notes, hint), name=name,
                           mode="none", evaluations=1, notes=notes)
    if g.dtype != np.float64:
        notes.append(f"{name} had dtype {g.dtype}")
    # A float32 gradient is only as precise as float32: allow for that.
    rtol = max(RTOL_FLOOR, 4 * float(np.finfo(g.dtype).eps)) if np.issubdtype(g.dtype, np.floating) \
        else RTOL_FLOOR
    g = g.astype(np.float64)

    sigma = _noise_level(f_scalar, work)
    if mode == "full":
        result = _check_full(f_scalar, f0, g, work, sigma, rtol, name, batch_size, hint)
    else:
        result = _check_directional(f_scalar, f0, g, work, sigma, rtol, name, batch_size, hint,
                                    np.random.default_rng(seed))
    if not np.array_equal(work, pristine):
        raise GradientCheckError("f modified its argument in place: the check is meaningless; "
                                 "make f work on a copy (x = x + 1, not x += 1)")
    result.evaluations += 9  # f(x) and the noise probe
    result.notes = notes
    result.message = _join(result.message, *notes)
    return result


def _check_full(f, f0, g, work, sigma, rtol, name, batch_size, hint) -> CheckResult:
    """Entry-by-entry comparison. ``g`` and ``work`` have the shape of ``x``."""
    flat = work.reshape(-1)
    steps = _steps(flat)
    indices = np.arange(flat.size)
    fp, fm, hp, hm = _perturbed_values(f, work, indices, steps)
    probes = 0
    if sigma == 0.0:
        sigma, probes = _resolution(f, work, f0, fp, fm)
    a = g.reshape(-1)
    n, tol, kink, extra = _judge(a, f0, fp, fm, hp, hm, sigma, rtol,
                                 lambda idx: _perturbed_values(f, work, idx, 2 * steps[idx]),
                                 lambda idx: _coarse_slopes(f, work, idx, f0, steps[idx]))
    extra += _refine_kinks(f, f0, a, work, steps, sigma, rtol, n, tol, kink)
    shape = work.shape
    a_t = g.T.reshape(-1) if g.ndim == 2 and g.shape[0] == g.shape[1] else None
    result = _verdict(a, n, tol, kink, a_t, name, batch_size, hint,
                      label=lambda i: f"{name}{_fmt_index(np.unravel_index(i, shape))}",
                      index=lambda i: tuple(int(k) for k in np.unravel_index(i, shape)),
                      localisable=True)
    result.mode = "full"
    result.analytic = g
    result.numerical = n.reshape(shape)
    result.evaluations = 2 * flat.size + extra + probes
    if kink.any():
        count = int(kink.sum())
        shown = ", ".join(f"{name}{_fmt_index(i)}" for i in result.kink_indices[:5])
        more = ", ..." if count > 5 else ""
        result.message = _join(result.message,
                               f"{count} entr{'y lies' if count == 1 else 'ies lie'} within the "
                               f"finite-difference step of a kink (ReLU at 0, abs, max), or where "
                               f"f moves in steps coarser than h (a saturated softmax): "
                               f"{shown}{more}. Finite differences cannot check them there, "
                               f"so they were skipped")
    return result


def _check_directional(f, f0, g, work, sigma, rtol, name, batch_size, hint, rng) -> CheckResult:
    """Compare ``u . g`` with ``(f(x + t u) - f(x - t u)) / 2t`` along random unit ``u``."""
    flat = work.reshape(-1)
    shape = work.shape
    # Random signs times each entry's scale: every entry moves in proportion to
    # its size (like h_i in full mode), and no entry is left out by a tiny
    # Gaussian weight. All directions have the same norm, so it is computed once.
    scale = np.maximum(np.abs(flat), 1.0)
    unit_scale = scale / np.linalg.norm(scale)
    signs = rng.integers(0, 2, size=(N_DIRECTIONS, flat.size), dtype=np.int8).astype(bool)
    length = STEP * np.sqrt(np.mean(scale ** 2))

    def evaluate(idx: np.ndarray, step: float):
        fp, fm, slopes, slopes_t = [], [], [], []
        for j in idx.tolist():
            u = np.where(signs[j], unit_scale, -unit_scale)
            move = step * u
            fp.append(f((flat + move).reshape(shape)))
            fm.append(f((flat - move).reshape(shape)))
            slopes.append(a_flat @ u)
            if g_t is not None:
                slopes_t.append(g_t @ u)
        # Rounding x + t u changes the direction by about eps / t relative, 1e-11:
        # far below every tolerance, so the nominal step is used.
        steps = np.full(len(idx), step)
        return (np.array(fp), np.array(fm), steps, steps,
                np.array(slopes), np.array(slopes_t) if g_t is not None else None)

    a_flat = g.reshape(-1)
    g_t = g.T.reshape(-1) if g.ndim == 2 and g.shape[0] == g.shape[1] else None
    fp, fm, hp, hm, a, a_t = evaluate(np.arange(N_DIRECTIONS), length)
    probes = 0
    if sigma == 0.0:
        sigma, probes = _resolution(f, work, f0, fp, fm)
    n, tol, kink, extra = _judge(a, f0, fp, fm, hp, hm, sigma, rtol,
                                 lambda idx: evaluate(idx, 2 * length)[:4])
    result = _verdict(a, n, tol, kink, a_t, name, batch_size, hint,
                      label=lambda j: f"{name} along random direction {j}",
                      index=lambda j: (int(j),), localisable=False, all_zero=not a_flat.any())
    result.mode = "directional"
    result.analytic, result.numerical = a, n
    result.evaluations = 2 * N_DIRECTIONS + extra + probes
    if kink.any():
        result.message = _join(result.message,
                               f"{int(kink.sum())} of {N_DIRECTIONS} random directions crossed a "
                               f"kink (ReLU at 0, abs, max) within the step and were skipped")
    return result


# --------------------------------------------------------------------------
# verdict and diagnosis


def _verdict(a, n, tol, kink, a_t, name, batch_size, hint, label, index, localisable,
             all_zero=None) -> CheckResult:
    """Turn per-probe numbers (shape ``(M,)``) into a ``CheckResult``."""
    checked = ~kink
    diff = np.abs(a - n)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(diff == 0, 0.0, diff / tol)
    ratio[kink] = -1.0
    kink_indices = [index(i) for i in np.flatnonzero(kink)]
    if not checked.any():
        return CheckResult(True, 0.0, None, f"{name}: nothing could be checked", name=name,
                           kink_indices=kink_indices)
    worst = int(np.argmax(ratio))
    denom = abs(a[worst]) + abs(n[worst])
    error = float(diff[worst] / denom) if denom > 0 else 0.0
    tolerance = float(tol[worst] / denom) if denom > 0 else 0.0
    bad = np.flatnonzero(checked & (ratio > 1.0))
    worst_text = (f"Worst: {label(worst)}: yours {a[worst]:.6g}, numerical {n[worst]:.6g} "
                  f"(allowed difference {tol[worst]:.2g})")
    common = dict(name=name, tolerance=tolerance, worst_index=index(worst),
                  kink_indices=kink_indices)
    if bad.size == 0:
        what = "entries" if localisable else "random directions"
        message = (f"{name} matches the numerical gradient: {int(checked.sum())} {what} checked, "
                   f"worst relative error {error:.1e} (allowed {tolerance:.1e})")
        return CheckResult(True, error, None, message, **common)
    if all_zero is None:
        all_zero = not a[checked].any()
    tags, advice, scale = _diagnose(a[checked], n[checked], tol[checked],
                                    None if a_t is None else a_t[checked],
                                    all_zero, name, batch_size)
    bad_indices = [index(i) for i in bad] if localisable else []
    if not tags:
        if localisable and bad.size <= max(1, checked.sum() // 4):
            shown = ", ".join(label(i) for i in bad[:10]) + (", ..." if bad.size > 10 else "")
            tags, advice = ["entries"], (f"{name} is right except at {bad.size} "
                                         f"entr{'y' if bad.size == 1 else 'ies'}: {shown}")
        else:
            tags, advice = ["mismatch"], (f"{name} does not match the numerical gradient "
                                          f"({bad.size} of {int(checked.sum())} "
                                          f"{'entries' if localisable else 'directions'} differ)")
    message = _join(advice, worst_text, hint)
    return CheckResult(False, error, ",".join(tags), message, bad_indices=bad_indices,
                       scale=scale, **common)


def _diagnose(a, n, tol, a_t, all_zero, name, batch_size):
    """Recognise a zero, sign, scale or transpose bug. Arrays have shape ``(M,)``.

    Returns ``(tags, advice, K)``; ``tags`` is empty when nothing is recognised.
    """
    if all_zero:
        return ["zero"], (f"{name} is all zeros but the true gradient is not: did you forget "
                          f"to compute or accumulate it (np.zeros_like left unfilled)?"), 0.0
    if np.all(np.abs(n) <= tol):
        return ["mismatch"], f"{name} is not zero but should be (the true gradient is 0)", None
    significant = int(np.sum(np.abs(n) > tol))
    for candidate, extra in ((a, []), (a_t, ["transpose"])):
        if candidate is None:
            continue
        k = _fit_scale(candidate, n, tol)
        if k is None or (significant < 2 and not _is_simple(k, batch_size) and not extra):
            continue
        tags = extra + _scale_tags(k)
        if not tags:  # K rounds to 1: a uniform relative error such as 0.1 %
            return ["mismatch"], (f"{name} is {k:.6g}x the true gradient everywhere: off by "
                                  f"{abs(k - 1):.2%}, a slightly wrong constant?"), k
        return tags, _scale_advice(name, k, batch_size, transposed=bool(extra)), k
    return [], "", None


def diagnose(actual: np.ndarray, expected: np.ndarray, tol: np.ndarray | float, *,
             name: str = "grad", batch_size: int | None = None) -> tuple[str | None, str]:
    """Recognise a zero, sign, scale or transpose bug against a known true value.

    The same diagnosis as :func:`check_gradient`'s, for tests that know the
    exact answer instead of a numerical one.

    Parameters
    ----------
    actual : np.ndarray
        What the student's function returned, shape of ``expected``.
    expected : np.ndarray
        The true value.
    tol : np.ndarray or float
        Allowed ``|actual - expected|``, per entry or for all.
    name : str
        How to call the value in the advice.
    batch_size : int, optional
        N, to recognise a missing or extra average over the batch.

    Returns
    -------
    tags : str or None
        Comma-separated tags (``zero``, ``sign``, ``scale:K``, ``transpose``),
        None when no such pattern fits.
    advice : str
        One sentence a student can act on, empty when ``tags`` is None.
    """
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    a, e = actual.reshape(-1), expected.reshape(-1)
    tol = np.broadcast_to(np.asarray(tol, dtype=np.float64), expected.shape).reshape(-1)
    square = actual.ndim == 2 and actual.shape[0] == actual.shape[1]
    all_zero = not np.any(a) and bool(np.any(np.abs(e) > tol))
    tags, advice, _ = _diagnose(a, e, tol, actual.T.reshape(-1) if square else None, all_zero, name, batch_size)
    if not tags or tags == ["mismatch"]:
        return None, ""
    return ", ".join(tags), advice


def _fit_scale(a: np.ndarray, n: np.ndarray, tol: np.ndarray) -> float | None:
    """Least-squares K with ``a ~ K n``, or None if ``a`` is not a multiple of ``n``."""
    nn = float(n @ n)
    if nn == 0.0:
        return None
    k = float(a @ n) / nn
    if k == 0.0:
        return None
    # n carries an error up to tol, so K n carries up to |K| tol.
    fits = np.abs(a - k * n) <= (1 + abs(k)) * tol + 1e-6 * abs(k) * np.max(np.abs(n))
    return k if fits.all() else None


def _is_simple(k: float, batch_size: int | None) -> bool:
    """True for K = -1, an integer, the reciprocal of one, or the batch size."""
    m = abs(k)
    near = lambda v: abs(v - round(v)) < 1e-3 * max(v, 1.0) and round(v) >= 1
    return near(m) or near(1 / m) or (batch_size is not None and abs(m - batch_size) < 1e-3 * m)


def _scale_tags(k: float) -> list[str]:
    tags = ["sign"] if k < 0 else []
    magnitude = f"{abs(k):.3g}"
    if magnitude != "1":
        tags.append(f"scale:{magnitude}")
    return tags


def _scale_advice(name: str, k: float, batch_size: int | None, transposed: bool) -> str:
    """One sentence a student can act on for ``grad = K * true`` (maybe transposed)."""
    m = abs(k)
    start = f"{name} is the transpose of the true gradient" if transposed else name
    if transposed and f"{m:.3g}" == "1":
        text = f"{start}: check the order of the matrix product (dout.T @ X vs X.T @ dout)"
        return text + (", and its sign" if k < 0 else "")
    if k < 0 and f"{m:.3g}" == "1":
        return (f"{name} has the wrong sign everywhere (it is -1x the true gradient): "
                f"check y_hat - y vs y - y_hat, or a minus sign in the chain rule")
    text = f"{start} is {k:.3g}x the true one everywhere" if not transposed else \
        f"{start}, times {k:.3g}"
    if k < 0:
        text += " (wrong sign too)"
    if batch_size is not None and batch_size > 1 and abs(m - batch_size) < 1e-3 * m:
        return text + f": N = batch size ({batch_size}): did you forget to average over the batch?"
    if batch_size is not None and batch_size > 1 and abs(m * batch_size - 1) < 1e-3:
        return text + (f": 1/N with N = batch size ({batch_size}): did you average twice, "
                       f"or average where the loss sums?")
    if abs(m - 0.5) < 1e-3:
        return text + ": a missing factor 2 from the square?"
    if abs(m - 2) < 1e-3:
        return text + ": an extra factor 2 (d/dx x**2 is 2x, and 1/2 x**2 gives x)?"
    return text + ": a constant factor is wrong"


def _join(*parts: str | None) -> str:
    """Sentences joined into one paragraph, skipping empty ones."""
    sentences = [p.strip().rstrip(".") for p in parts if p]
    return " ".join(s if s.endswith(("?", "!")) else s + "." for s in sentences)


# --------------------------------------------------------------------------
# layers


def check_layer(forward: Callable, backward: Callable, inputs: Sequence[np.ndarray], *,
                seed: int | None = None, names: Sequence[str] | None = None,
                mode: str = "auto", hint: str | None = None) -> list[CheckResult]:
    """Check a ``forward``/``backward`` pair with a random upstream gradient.

    Parameters
    ----------
    forward : callable
        ``forward(*inputs) -> (out, cache)``.
    backward : callable
        ``backward(dout, cache) -> gradient`` or a tuple of gradients, one per
        input, in the order of ``inputs``, each of its input's shape.
    inputs : sequence of array_like
        The array inputs of ``forward``. Each one is checked via the scalar
        ``sum(forward(...)[0] * dout)``. Bind other arguments (``eps``,
        integer labels) first, e.g. ``lambda x, g, b: batchnorm_forward(x, g, b, 1e-5)``.
    seed : int, optional
        Seeds ``np.random.default_rng`` for ``dout`` (standard normal, never
        ones: ones hide normalisation bugs) and the directions.
    names : sequence of str, optional
        Names for the gradients in messages; default ``d<input i>``.
    mode, hint
        As in ``check_gradient``. The batch size for diagnoses is
        ``inputs[0].shape[0]`` when the first input is 2-D.

    Returns
    -------
    list of CheckResult, one per input
        A result fails with a clear message if ``forward`` or ``backward``
        modified its inputs (or ``dout``) in place.
    """
    originals = [_float64_copy(x, f"inputs[{i}]")[0] for i, x in enumerate(inputs)]
    names = list(names) if names is not None else [f"d(inputs[{i}])" for i in range(len(originals))]
    if len(names) != len(originals):
        raise GradientCheckError(f"{len(names)} names for {len(originals)} inputs")
    rng = np.random.default_rng(seed)
    batch_size = originals[0].shape[0] if originals[0].ndim == 2 else None

    def run_forward(args: list[np.ndarray]):
        try:
            out = forward(*args)
        except Exception as err:
            raise GradientCheckError(f"forward raised {type(err).__name__}: {err}") from err
        if not (isinstance(out, tuple) and len(out) == 2):
            raise GradientCheckError("forward must return a pair (out, cache)")
        return out

    args = [x.copy() for x in originals]
    out, cache = run_forward(args)
    out = np.asarray(out, dtype=np.float64)
    modified = {i: "forward" for i, (x, y) in enumerate(zip(args, originals)) if not np.array_equal(x, y)}
    dout = rng.standard_normal(out.shape)
    dout_given = dout.copy()
    try:
        grads = backward(dout_given, cache)
    except Exception as err:
        raise GradientCheckError(f"backward raised {type(err).__name__}: {err}") from err
    for i, (x, y) in enumerate(zip(args, originals)):
        if i not in modified and not np.array_equal(x, y):
            modified[i] = "backward"
    if not np.array_equal(dout_given, dout):
        notes_dout = "backward modified dout in place: it must not change its arguments"
    else:
        notes_dout = None
    if len(originals) == 1 and not isinstance(grads, (tuple, list)):
        grads = (grads,)
    if not isinstance(grads, (tuple, list)) or len(grads) != len(originals):
        count = len(grads) if isinstance(grads, (tuple, list)) else 1
        raise GradientCheckError(f"backward returned {count} gradient(s) for {len(originals)} "
                                 f"inputs: return one per input, in the order of the inputs")

    results = []
    for i, (name, grad) in enumerate(zip(names, grads)):
        if i in modified:
            results.append(CheckResult(
                False, float("inf"), "mismatch",
                f"{modified[i]} modified inputs[{i}] in place; a layer must not change its "
                f"arguments (write x = x * 2, not x *= 2, or copy first).", name=name, mode="none"))
            continue

        def loss(z: np.ndarray, i: int = i) -> float:
            trial = [z if k == i else originals[k].copy() for k in range(len(originals))]
            return float(np.sum(np.asarray(run_forward(trial)[0]) * dout))

        result = check_gradient(loss, lambda z, grad=grad: grad, originals[i],
                                seed=rng.integers(2**32), mode=mode, name=name,
                                batch_size=batch_size, hint=hint)
        if notes_dout:
            result.passed, result.diagnosis = False, result.diagnosis or "mismatch"
            result.message = _join(notes_dout, result.message)
        results.append(result)
    return results
