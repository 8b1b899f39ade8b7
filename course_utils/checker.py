"""The reference gradient checker: finite differences that know their own error.

``check_gradient(f, grad_f, x)`` compares an analytic gradient with central
differences of ``f``. It does not use one fixed threshold. For every entry it
estimates how wrong the finite difference itself can be, and fails an entry
only when the analytic value is further away than that:

1. Central differences with a step scaled to the entry, ``h_i = cbrt(eps) *
   s_i`` where ``s_i`` is ``|x_i|`` (an exact 0 gets a thousandth of x's typical size,
   so its step follows x's scale): 2P evaluations.
   An entry passes here when it agrees within ``f``'s rounding noise (measured
   once, at steps far too small for truncation to show) and that noise is
   small enough to have seen a 1% error.
2. Every other entry is looked at along a ladder of steps ``h_i * 3.3**k``,
   first ``k = -1, 1``, then ``k = -6 .. 8`` if that did not settle it. How the
   estimate moves from one step to the next measures, per entry, both the
   truncation error (it shrinks with the step) and the rounding noise (it
   grows as the step shrinks): the step with the smallest bound is used. The
   ratio 3.3 is not a power of 2 so that no three steps alias on a periodic
   ``f``. Steps above ``k = 6`` (0.8% of the entry, where float32 is best
   resolved) can pass an entry but not fail it: they average out whatever
   ``f`` does at smaller scales. An entry whose one-sided slopes keep the
   same jump at every step lies on a kink (ReLU at 0, ``abs``, ``max``): it
   is skipped and reported.
3. An entry whose bound is too wide to see a 1% error (``f`` computes in
   float32, or rounds coarsely) is *undecided*: listed, named in the message,
   never counted as passed. It still fails if it is off by more than the bound.
4. A failed check is diagnosed: a weighted scale fit on the trusted entries
   (sign, scale, zero), the transpose, a finite-difference estimate, and the
   few entries that are wrong.

Above ``FULL_MODE_MAX_SIZE`` entries (or with ``mode="directional"``) the
checker compares directional derivatives along ``N_DIRECTIONS`` random
directions instead. Unless they show a global pattern (sign, scale), it then
bisects the entries with block directions to find a wrong one, even when the
directions agree: a 1% error in one entry of 1e5 hides in random directions.

Misuse that cannot be turned into a verdict (``f`` returns an array, ``f``
or ``grad_f`` raises, empty ``x``) raises ``GradientCheckError``. The original
exception is chained to it. Mistakes in the gradient itself (wrong shape,
NaN, a list, None) give a failed ``CheckResult``.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

EPS = np.finfo(np.float64).eps
# cbrt(eps) balances the h**2 truncation error of central differences against
# the eps/h rounding error: about 6e-6 relative to the entry.
STEP = EPS ** (1.0 / 3.0)
# An entry's scale is |x_i|. Entries below ZERO_SIZE of x's median size are
# zeros (a bias at initialisation, ReLU at 0): they get ZERO_SCALE of x's
# median size, a step that follows x's scale and that f's rounding does not
# drown. ZERO_SIZE is small so that entries of very different sizes in one x
# (1e-6 next to 1e6, with a median anywhere between) each keep their own.
ZERO_SIZE = 1e-14
ZERO_SCALE = 1e-3
# Full mode costs 2P evaluations of f; above this many entries the checker
# switches to directional mode. At 5000 entries a course sized loss still
# checks entry by entry in well under a second.
FULL_MODE_MAX_SIZE = 5000
N_DIRECTIONS = 6
# The noise probe uses a handful of samples, and f's rounding can be larger
# where entries change. 30x keeps correct gradients safe, and the bound is
# still about 1e-9 of a unit-scale gradient.
ROUNDING_SAFETY = 30.0
# The rounding of a float32 result or input is at most half a unit of the
# last place: 4x that unit covers it 8 times over.
FLOAT32_SAFETY = 4.0
# Bounds read off the ladder are a few samples of the error: 3x covers them.
STEP_SAFETY = 3.0
# Differences below this relative size are not worth a second look: about
# what an analytic formula loses to its own rounding.
RTOL_FLOOR = 1e-10
# Ratio of successive steps of the ladder, and its range of exponents: from
# h / 1300 (f bends at a much smaller scale than x) to 14000 h, 8% of x
# (f computes in float32: with the t**2 term extrapolated away, its error
# is t**4 + noise / t, smallest near eps32 ** (1/5) = 4% of x).
RATIO = 3.3
LADDER = np.arange(-6, 9)
# The largest rung at which a failure is believed: 1300 h, 0.8% of x.
LOCAL_TOP = 6
# A check must be able to see an error of this relative size at an entry, or
# the entry is undecided. Bounds up to half of it keep a 1% error visible.
RESOLVE = 0.01
# A gradient that is 0 within a bound this small against |f| / |x_i| is judged 0.
ZERO_RTOL = 1e-7
# Right to better than this, but not to the last digits: a finite-difference
# estimate returned as the gradient.
ESTIMATE_RTOL = 1e-5
# A kink keeps the same jump between one-sided slopes at every step; at a
# smooth point the jump shrinks in proportion to the step (by 3.3x a rung).
KINK_RATIO = 0.4


class GradientCheckError(ValueError):
    """The check could not be run: ``f`` or ``grad_f`` was misused or raised."""


@dataclass(repr=False)
class CheckResult:
    """Outcome of one gradient check.

    Attributes
    ----------
    passed : bool
        True when no judged entry (or direction) disagrees beyond the numerical
        gradient's own error and at least one entry could be judged.
    error : float
        Relative error ``|g - n| / (|g| + |n|)`` of the worst judged entry (or
        direction), the one furthest outside its allowed difference. ``inf``
        for shape or non-finite gradients.
    diagnosis : str or None
        None when passed; otherwise comma-separated tags, most specific first:
        ``shape``, ``nonfinite``, ``zero``, ``sign``, ``scale:K``,
        ``transpose``, ``estimate``, ``entries``, ``mismatch``, or
        ``undecided`` when no entry could be judged.
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
        Entries outside their allowed difference (full mode, or the entry
        named by directional mode's localisation).
    kink_indices : list of tuple of int
        Entries within the step of a kink: skipped. In directional mode, the
        skipped directions ``(j,)``.
    undecided : list of tuple of int
        Entries (or directions) where ``f``'s own rounding hides a 1% error:
        neither passed nor failed.
    resolution : float
        Smallest relative error the check could see at its judged entries
        (the worst of them); ``nan`` when nothing was judged.
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
    undecided: list[tuple[int, ...]] = field(default_factory=list)
    resolution: float = float("nan")
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

# What each probe (an entry, or a direction) ends up as.
OK, BAD, UNDECIDED, KINK = 0, 1, 2, 3


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
        Step of a plain central difference. By default each entry gets its
        own step from the ladder of ``check_gradient`` (starting at
        ``cbrt(eps) * |x_i|``), with Richardson extrapolation: about 1e-10
        relative error on smooth float64 functions at any scale, for 6 to
        26 evaluations per entry.

    Returns
    -------
    np.ndarray, float64, shape of ``x``
        ``(f(x + h e_i) - f(x - h e_i)) / (2 h)`` for every entry ``i``, or its
        extrapolation to step 0 when ``h`` is None.
    """
    work, _ = _float64_copy(x, "x")
    f_scalar, f0 = _scalar_function(f, work)
    flat = work.reshape(-1)
    indices = np.arange(flat.size)
    if h is not None:
        fp, fm, hp, hm = _perturbed_values(f_scalar, work, indices, np.full(flat.size, float(h)))
        return ((fp - fm) / (hp + hm)).reshape(work.shape)
    scale = _scales(flat)
    steps = STEP * scale
    evaluate = lambda idx, t: _perturbed_values(f_scalar, work, idx, t)
    sigma = _noise_level(f_scalar, work, scale)
    first = evaluate(indices, steps)
    n, _, _, _ = _examine(evaluate, None, f0, steps, sigma, 0.0, first,
                          _precision(_looks_float32(f0, *first[:2])))
    return n.reshape(work.shape)


def _scales(flat: np.ndarray) -> np.ndarray:
    """Per-entry scale ``|x_i|``; ``ZERO_SCALE`` of x's median size for (near) zeros."""
    size = np.abs(flat)
    nonzero = size[size > 0]
    median = float(np.median(nonzero)) if nonzero.size else 1.0
    return np.where(size < ZERO_SIZE * median, ZERO_SCALE * median, size)


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


def _random_signs(rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` random signs, +1 or -1, as int8 (times a float array: ``np.where`` is 20x slower)."""
    return 2 * rng.integers(0, 2, size=size, dtype=np.int8) - 1


def _noise_level(f: Callable, work: np.ndarray, scale: np.ndarray) -> float:
    """Standard deviation of the rounding noise of ``f`` near ``work``.

    ``f`` is sampled at 8 tiny steps along a fixed random direction, whose
    entries are each entry's scale. Fourth differences remove the smooth
    part, so what is left is rounding noise; this catches cancellation inside
    ``f`` that ``eps * |f|`` would miss. The steps are 1e-4 and 1e-6 of the
    finite-difference step, so the truncation of an entry along which ``f``
    bends sharply cannot pass for noise; the smaller of the two estimates is
    kept. If ``f`` did not move at either, it moves in coarse steps (a
    saturated softmax rounds ``1 + 1e-10``; float32 rounds its inputs):
    larger steps, 1e-2 and 1 of the finite-difference step, then measure
    those, because two rungs of the ladder can land on the same stair and
    hide them. The larger estimate is kept: at 1e-2 a float32 input moves by
    half a unit, so only some of them change. 0 if ``f`` never moved.
    The points start one step away from ``x``, so a kink at ``x`` itself does
    not look like noise.
    """
    rng = np.random.default_rng(0)  # private and fixed: the verdict must not depend on seed
    direction = (_random_signs(rng, work.size) * scale).reshape(work.shape)
    for fractions, keep in (((1e-4, 1e-6), min), ((1e-2, 1.0), max)):
        estimates = []
        for fraction in fractions:
            delta = fraction * STEP
            values = np.array([f(work + j * delta * direction) for j in range(1, 9)])
            _require_finite(values)
            sigma = float(np.sqrt(np.mean(np.diff(values, 4) ** 2) / 70.0))  # Var(d4) = 70 sigma^2
            if sigma > 0:
                estimates.append(sigma)
        if estimates:
            return keep(estimates)
    return 0.0


def _examine(evaluate: Callable, a: np.ndarray | None, f0: float, steps: np.ndarray,
             sigma: float, rtol: float, first: tuple[np.ndarray, ...], precision: float = EPS,
             typical: float | None = None):
    """Numerical slopes with error bounds, probe by probe (an entry or a direction).

    Parameters
    ----------
    evaluate : callable
        ``evaluate(idx, t) -> (fp, fm, hp, hm)``: ``f`` at ``x +/- t[k]`` along
        probe ``idx[k]`` and the steps actually taken, each shape ``(len(idx),)``.
    a : np.ndarray, shape (M,), or None
        Analytic slopes to judge; None to estimate only (``numerical_gradient``).
    f0, steps, sigma, rtol
        ``f(x)``, base steps (M,), rounding noise of ``f``, relative floor.
    precision : float
        Machine epsilon of ``f``'s arithmetic: float64's, or float32's when
        ``f`` computes in float32 (its inputs and value are then rounded).
    first : tuple of np.ndarray
        ``evaluate(arange(M), steps)``, already computed.
    typical : float, optional
        A typical base step (default: the median of ``steps``).

    Returns
    -------
    n, tol : np.ndarray, shape (M,)
        Numerical slopes and the allowed ``|a - n|``.
    status : np.ndarray of int, shape (M,)
        ``OK``, ``BAD``, ``UNDECIDED`` or ``KINK`` per probe.
    evaluations : int
        Calls to ``f`` after ``first``.
    """
    m, width, c0 = len(steps), LADDER.size, int(-LADDER[0])
    ladder = dict(D=np.full((m, width), np.nan), J=np.full((m, width), np.nan),
                  T=np.full((m, width), np.nan), fscale=np.full(m, abs(f0)))
    _store(ladder, np.arange(m), c0, f0, *first)
    fp, fm = first[0], first[1]
    n = ladder["D"][:, c0].copy()
    tol = _floor(sigma, precision, ladder["fscale"], n, steps) / ladder["T"][:, c0] + rtol * np.abs(n)
    status = np.full(m, UNDECIDED)
    # steps / STEP is each probe's scale; an entry a hair from 0 (1e-9) does not
    # make its gradient negligible, so the scale is at least x's typical one.
    typical = float(np.median(steps)) if typical is None else typical
    zero = ZERO_RTOL * ladder["fscale"] * STEP / np.maximum(steps, typical)
    if a is None:
        todo = np.arange(m)
    else:
        # Both sides agree that f does not move and the gradient is exactly 0.
        # f not moving over +/- h only bounds its slope by f's rounding over h,
        # about precision |f| / h: below ``zero`` (ZERO_RTOL |f| STEP / h) in
        # float64, so evidence of an exact 0; not when f computes in float32.
        exact = (a == 0) & (fp == f0) & (fm == f0) & (precision / STEP <= ZERO_RTOL)
        # The first pass has no truncation bound: it can pass an entry, not fail one.
        passed = exact | ((np.abs(a - n) <= tol) & _settled(a, n, tol, zero))
        status[passed] = OK
        todo = np.flatnonzero(~passed)
    evaluations = 0
    for rungs in ([-1, 1], [k for k in LADDER if k not in (-1, 0, 1)]):
        if todo.size == 0:
            break
        for k in rungs:
            fp, fm, hp, hm = evaluate(todo, steps[todo] * RATIO ** k)
            _store(ladder, todo, k + c0, f0, fp, fm, hp, hm)
            evaluations += 2 * todo.size
        quantum = _smallest_change(ladder)
        est, bound, usable, crossed = _bounds({key: v[todo] for key, v in ladder.items()},
                                              sigma, rtol, quantum, precision, steps[todo])
        n[todo[usable]], tol[todo[usable]] = est[usable], bound[usable]
        final = rungs[-1] == LADDER[-1]
        if a is None:
            done = usable & (bound <= 1e-10 * np.abs(est))
        else:
            done = usable & _settled(a[todo], est, bound, zero[todo])
            right = np.abs(a[todo] - est) <= bound
            confirmed = np.ones(todo.size, dtype=bool)
            if final:
                local = {key: v[todo][:, :LOCAL_TOP + c0 + 1] if v.ndim == 2 else v[todo]
                         for key, v in ladder.items()}
                est_l, bound_l, confirmed, agrees = _local_verdict(
                    a[todo], local, zero[todo], sigma, rtol, quantum, precision, steps[todo])
                switch = ~right & agrees  # the smaller steps settle it, and they are right
                n[todo[switch]], tol[todo[switch]] = est_l[switch], bound_l[switch]
                right, done = right | switch, done | switch
                doubtful = ~right & ~confirmed
                tol[todo[doubtful]] = np.fmax(bound_l[doubtful], tol[todo[doubtful]])
            status[todo[done]] = np.where(right, OK, np.where(confirmed, BAD, UNDECIDED))[done]
        if final and a is not None:
            # Not settled: fails if off by more than its bound; otherwise a
            # kink (at larger steps, with noise at smaller ones) or undecided.
            rest, found, kinked = todo[~done], usable[~done], crossed[~done]
            off = found & (np.abs(a[rest] - n[rest]) > tol[rest]) & confirmed[~done]
            status[rest] = np.where(off, BAD, np.where(kinked, KINK, UNDECIDED))
        todo = todo[~done]
    return n, tol, status, evaluations


def _local_verdict(a: np.ndarray, local: dict, zero: np.ndarray, sigma: float, rtol: float,
                   quantum: float, precision: float, steps: np.ndarray):
    """The verdict on analytic slopes ``a`` (M,) from the ladder's rungs up to LOCAL_TOP only.

    Steps above LOCAL_TOP can pass an entry but not fail it: they average
    whatever f does at smaller scales (a float32 sum of sin(x / k) looks like
    a smooth f with another slope). A failure must show at LOCAL_TOP or
    below. Returns ``estimate, bound, confirmed, agrees``, each shape (M,):
    ``confirmed`` where ``a`` is off there too, ``agrees`` where those rungs
    settle the entry and ``a`` is right.
    """
    est, bound, usable, _ = _bounds(local, sigma, rtol, quantum, precision, steps)
    off = np.abs(a - est) > bound
    return est, bound, usable & off, usable & ~off & _settled(a, est, bound, zero)


def _floor(sigma: float, precision: float, fscale, slope, steps):
    """Rounding error of ``f(x + t) - f(x - t)`` with safety: divide by ``t`` for a slope bound.

    ``f``'s measured noise, or its value rounded to ``precision``; in float32
    also the rounding of the input, which moves ``f`` by its slope times
    ``precision * |x_i|`` (``steps / STEP`` is the entry's scale).
    """
    if precision > EPS:
        # float32: the noise of f's own arithmetic is in sigma (30x for its
        # few samples). Rounding the result, and the moved input, to float32
        # moves f by at most half a unit of the last place each: known
        # bounds, so FLOAT32_SAFETY is enough and float32 entries get judged.
        return np.maximum(np.maximum(ROUNDING_SAFETY * sigma, FLOAT32_SAFETY * precision * fscale),
                          FLOAT32_SAFETY * precision * np.abs(slope) * steps / STEP)
    return ROUNDING_SAFETY * np.maximum(sigma, precision * fscale)


def _smallest_change(ladder: dict) -> float:
    """Smallest nonzero ``|f(x +/- t) - f(x)|`` on the ladder so far, 0 if none."""
    D, J, T = ladder["D"], ladder["J"], ladder["T"]
    with np.errstate(invalid="ignore"):
        changes = np.abs(np.concatenate([(D + J / 2) * T, (D - J / 2) * T]).ravel())
    changes = changes[changes > 0]
    return float(changes.min()) if changes.size else 0.0


def _settled(a: np.ndarray, n: np.ndarray, tol: np.ndarray, zero: np.ndarray) -> np.ndarray:
    """Probes whose bound is sharp enough to have seen a 1% error.

    Also a gradient that is 0 on both sides within a bound below ``zero``
    (``ZERO_RTOL`` of f's size over the entry's): 1% of 0 is nothing, and
    such a bound is far below anything f could be asked to resolve. This is
    how the bias before a batchnorm, whose true gradient is 0, passes.
    """
    sharp = tol <= 0.5 * RESOLVE * np.maximum(np.abs(a), np.abs(n))
    return sharp | ((np.abs(a) <= tol) & (np.abs(n) <= tol) & (tol <= zero))


def _store(ladder: dict, idx: np.ndarray, column: int, f0: float, fp, fm, hp, hm) -> None:
    """Record one rung of the ladder: slope ``D``, jump of one-sided slopes ``J``, step ``T``."""
    _require_finite(fp, fm)
    ladder["D"][idx, column] = (fp - fm) / (hp + hm)
    ladder["J"][idx, column] = (fp - f0) / hp - (f0 - fm) / hm
    ladder["T"][idx, column] = np.minimum(hp, hm)
    ladder["fscale"][idx] = np.maximum.reduce([ladder["fscale"][idx], np.abs(fp), np.abs(fm)])


def _bounds(ladder: dict, sigma: float, rtol: float, quantum: float, precision: float,
            steps: np.ndarray):
    """Best slope on each probe's ladder and its error bound.

    Rungs are columns, steps growing by ``RATIO``. For a smooth ``f`` the slope
    at step ``t`` is ``f' + c t**2 + noise / t``. How far it moved from the rung
    below (scaled to this step, the largest such move below counts) bounds
    the noise and the truncation; the move to the rung above, over
    ``RATIO**2 - 1``, bounds the truncation again. A rung is usable when
    both neighbours exist and no kink lies within its step. The estimate is
    Richardson's: the ``t**2`` term removed using the rung above.

    Returns ``estimate, bound, usable, crossed``, each shape ``(M,)``; ``crossed``
    marks probes whose larger steps cross a kink.
    """
    D, J, T = ladder["D"], ladder["J"], ladder["T"]
    # Where f never moved, its smallest change is unknown: take the smallest one
    # seen along any probe (a saturated loss moves in steps far above eps |f|),
    # or eps times its terms, assumed of order 1 (f = 0 exactly).
    still = np.all((D == 0) | np.isnan(D), axis=1)
    fscale = np.where(still, np.maximum(ladder["fscale"], 1.0), ladder["fscale"])
    floor = _floor(sigma, precision, fscale[:, None], D, steps[:, None]) / T
    floor[still] = np.maximum(floor[still], 2 * quantum / T[still])
    moved = np.abs(np.diff(D, axis=1))  # (M, K - 1): |D[c + 1] - D[c]|
    noise = np.full_like(D, np.nan)
    noise[:, 1:] = np.fmax.accumulate(moved * T[:, 1:], axis=1) / T[:, 1:]
    trunc = np.full_like(D, np.nan)
    trunc[:, :-1] = moved / (RATIO ** 2 - 1)
    bound = STEP_SAFETY * (noise + trunc) + floor + rtol * np.abs(D)
    # A kink: the jump is well above noise (it carries about 3.5x the noise of
    # D) and the same at this rung and the one below. Two kinky rungs in a row
    # mean the step crosses a kink, and so does every larger one.
    kinky = np.zeros(D.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        kinky[:, 1:] = ((np.abs(J[:, 1:]) > 3.5 * noise[:, 1:] + floor[:, 1:])
                        & (np.abs(J[:, 1:] - J[:, :-1]) <= KINK_RATIO * np.abs(J[:, 1:])))
    crossing = kinky.copy()
    crossing[:, :-1] &= kinky[:, 1:]
    crossing[:, -1] = False
    beyond = np.logical_or.accumulate(crossing, axis=1)
    # A rung where f did not move, or moved the same both ways, only says the
    # slope is below f's granularity over t, which is unknown (a saturated
    # softmax moves in steps far above eps |f|): no evidence, unless f never moves.
    silent = (D == 0) & ~still[:, None]
    valid = np.isfinite(bound) & ~beyond & ~silent
    score = np.where(valid, bound, np.inf)
    best = np.argmin(score, axis=1)
    rows = np.arange(D.shape[0])
    usable = np.isfinite(score[rows, best])
    c = np.minimum(best + 1, D.shape[1] - 1)
    estimate = D[rows, best] - (D[rows, c] - D[rows, best]) / (RATIO ** 2 - 1)
    return estimate, bound[rows, best], usable, beyond[:, -1]


def _require_finite(*values: np.ndarray) -> None:
    """Raise if ``f`` was not finite somewhere within the steps around ``x``."""
    for v in values:
        if not np.all(np.isfinite(v)):
            raise GradientCheckError(f"f is {v[~np.isfinite(v)][0]} at a point within the "
                                     f"finite-difference step of x: it must be finite near x")


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
        column = len(shape) == 2 and shape[1] == 1
        if (len(shape) == 1 or column) and arr.shape == (shape[0], shape[0]) and shape[0] > 1:
            # (N, 1) - (N,) broadcasts to (N, N): a keepdims slip, not a batch sum.
            hint = ": did you compute (N, 1) - (N,)? check keepdims"
        elif arr.shape == shape[::-1] and len(shape) == 2:
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
        ``"full"`` checks every entry (2P evaluations of ``f``, plus 4 to 26 per
        entry that needs a second look). ``"directional"`` compares directional
        derivatives along ``N_DIRECTIONS`` random directions (about 30
        evaluations), then bisects for a wrong entry (some 40 more).
        ``"auto"`` is full up to ``FULL_MODE_MAX_SIZE`` entries.
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

    scale = _scales(work.reshape(-1))
    sigma = _noise_level(f_scalar, work, scale)
    check = _check_full if mode == "full" else _check_directional
    result = check(f_scalar, f0, g, work, scale, sigma, rtol, name, batch_size, hint,
                   np.random.default_rng(seed))
    if not np.array_equal(work, pristine):
        raise GradientCheckError("f modified its argument in place: the check is meaningless; "
                                 "make f work on a copy (x = x + 1, not x += 1)")
    result.evaluations += 17  # f(x) and the noise probe
    result.notes = notes
    result.message = _join(result.message, *notes)
    return result


def _check_full(f, f0, g, work, scale, sigma, rtol, name, batch_size, hint, rng) -> CheckResult:
    """Entry-by-entry comparison. ``g`` and ``work`` have the shape of ``x``; ``scale`` is flat."""
    flat = work.reshape(-1)
    shape = work.shape
    steps = STEP * scale
    evaluate = lambda idx, t: _perturbed_values(f, work, idx, t)
    first = evaluate(np.arange(flat.size), steps)
    float32 = _looks_float32(f0, *first[:2])
    a = g.reshape(-1)
    n, tol, status, extra = _examine(evaluate, a, f0, steps, sigma, rtol, first, _precision(float32))
    a_t = g.T.reshape(-1) if g.ndim == 2 and g.shape[0] == g.shape[1] else None
    result = _verdict(a, n, tol, status, a_t, name, batch_size, hint,
                      label=lambda i: f"{name}{_fmt_index(np.unravel_index(i, shape))}",
                      index=lambda i: tuple(int(k) for k in np.unravel_index(i, shape)),
                      localisable=True, float32=float32)
    result.mode = "full"
    result.analytic = g
    result.numerical = n.reshape(shape)
    result.evaluations = 2 * flat.size + extra
    return result


def _looks_float32(f0: float, *values: np.ndarray) -> bool:
    """True when ``f``'s values are all float32 numbers, some with more bits than float16's 11.

    A float64 result of float64 arithmetic is exactly a float32 number with
    probability 2**-29, so every value being one is proof enough. All values
    are used, not a few: a float32 ``f`` often does not move at the first
    step, and a few equal values (or simple ones like 0.5) prove nothing.
    """
    sample = np.concatenate([[f0], *values])
    if not np.all(sample.astype(np.float32) == sample):
        return False
    mantissa = np.frexp(sample)[0] * 2.0 ** 11
    return bool(np.any(mantissa != np.round(mantissa)))


def _precision(float32: bool) -> float:
    return float(np.finfo(np.float32).eps) if float32 else EPS


def _check_directional(f, f0, g, work, scale, sigma, rtol, name, batch_size, hint, rng) -> CheckResult:
    """Compare ``u . g`` with ``(f(x + t u) - f(x - t u)) / 2t`` along random unit ``u``."""
    flat = work.reshape(-1)
    shape = work.shape
    # Random signs times each entry's scale: every entry moves in proportion to
    # its size (like h_i in full mode), and no entry is left out by a tiny
    # Gaussian weight. All directions have the same norm, so it is computed once.
    unit_scale = scale / np.linalg.norm(scale)
    length = STEP * np.sqrt(np.mean(scale ** 2))

    def evaluate(idx: np.ndarray, t: np.ndarray):
        # Rounding x + t u changes the direction by about eps / t relative:
        # far below every bound, so the nominal step is used.
        fp, fm = [], []
        for j, step in zip(idx.tolist(), t.tolist()):
            move = step * units[j]
            fp.append(f((flat + move).reshape(shape)))
            fm.append(f((flat - move).reshape(shape)))
        return np.array(fp), np.array(fm), t, t

    a_flat = g.reshape(-1)
    units = [_random_signs(rng, flat.size) * unit_scale for _ in range(N_DIRECTIONS)]
    a = np.array([a_flat @ u for u in units])
    g_t = g.T.reshape(-1) if g.ndim == 2 and g.shape[0] == g.shape[1] else None
    a_t = None if g_t is None else np.array([g_t @ u for u in units])
    steps = np.full(N_DIRECTIONS, length)
    first = evaluate(np.arange(N_DIRECTIONS), steps)
    float32 = _looks_float32(f0, *first[:2])
    n, tol, status, extra = _examine(evaluate, a, f0, steps, sigma, rtol, first, _precision(float32))
    result = _verdict(a, n, tol, status, a_t, name, batch_size, hint,
                      label=lambda j: f"{name} along random direction {j}",
                      index=lambda j: (int(j),), localisable=False,
                      all_zero=not a_flat.any(), float32=float32)
    result.mode = "directional"
    result.analytic, result.numerical = a, n
    result.evaluations = 2 * N_DIRECTIONS + extra
    # A single wrong entry shows as a small error in every direction: a
    # mismatch, or, when small enough, what looks like an estimate. A 1% error
    # in one entry of 1e5 is often below what 6 directions resolve, so a pass
    # is bisected too: about 4 log2(P) evaluations, and a wrong entry's share
    # of a block grows as the block shrinks.
    if result.passed or result.diagnosis in ("mismatch", "estimate"):
        _localise(result, f, f0, a_flat, work, scale, sigma, rtol, rng, units, a, n, tol, status,
                  _precision(float32))
    return result


def _localise(result: CheckResult, f, f0, a_flat, work, scale, sigma, rtol, rng,
              units, a, n, tol, status, precision) -> None:
    """Name the wrong entry behind disagreeing directions, by bisection.

    Each round compares the two halves of the remaining entries along a
    fixed random-sign direction restricted to each half, and keeps the half that
    disagrees more (relative to its size). A wrong entry's share of a
    direction grows as the block shrinks, while truncation and noise do not,
    so about log2(P) rounds of 2 evaluations find it. The entry is then
    checked on its own like in full mode. If fixing that one entry explains
    every direction, the result becomes ``entries``; otherwise the entry is
    named as an example. Updates ``result`` in place.
    """
    flat = work.reshape(-1)
    shape = work.shape
    # One fixed direction v: random signs times each entry's own full-mode step
    # (smaller moves let f's rounding swamp a needle in the first rounds).
    # Slopes along v are linear in the blocks, so a half's slope is its
    # parent's minus its sibling's: 2 evaluations a round, not 4.
    v = _random_signs(rng, flat.size) * scale

    def slope(block: np.ndarray) -> tuple[float, float]:
        centre = flat[block]  # perturbed in place and restored: no copy of x per round
        flat[block] = centre + STEP * v[block]
        fp = f(work)
        flat[block] = centre - STEP * v[block]
        fm = f(work)
        flat[block] = centre
        return (fp - fm) / (2 * STEP), max(abs(fp), abs(fm))

    # The remaining entries are order[lo:hi]: halves are slices (views), and
    # each entry's term a_i v_i is computed once, in that order.
    order = rng.permutation(flat.size)
    terms_in_order = (a_flat * v)[order]
    lo, hi = 0, flat.size
    d_parent, seen = slope(order)
    evaluations = 2
    while hi - lo > 1:
        mid = lo + (hi - lo + 1) // 2
        d_first, f_first = slope(order[lo:mid])
        evaluations += 2
        seen = max(seen, f_first)
        ds = (d_first, d_parent - d_first)
        floor = ROUNDING_SAFETY * max(sigma, precision * max(abs(f0), seen)) / STEP
        scores = []
        for (start, stop), d in zip(((lo, mid), (mid, hi)), ds):
            terms = terms_in_order[start:stop]
            # Relative to the size of the block's terms, not to their sum: a
            # small block whose terms cancel would otherwise look wrong.
            scores.append(abs(float(terms.sum()) - d) / (float(np.linalg.norm(terms)) + abs(d) + floor))
        k = int(np.argmax(scores))
        (lo, hi), d_parent = ((lo, mid), (mid, hi))[k], ds[k]
    i = int(order[lo])
    evaluate = lambda idx, t: _perturbed_values(f, work, np.array([i])[idx], t)
    steps = STEP * scale[[i]]
    n_i, tol_i, status_i, more = _examine(evaluate, a_flat[[i]], f0, steps, sigma, rtol,
                                          evaluate(np.arange(1), steps), precision,
                                          typical=STEP * float(np.median(scale)))
    result.evaluations += evaluations + 2 + more
    if status_i[0] != BAD:
        return
    index = tuple(int(k) for k in np.unravel_index(i, shape))
    label = f"{result.name}{_fmt_index(index)}"
    worst = f"{label}: yours {a_flat[i]:.6g}, numerical {n_i[0]:.6g} (allowed difference {tol_i[0]:.2g})"
    fixed = a - (a_flat[i] - n_i[0]) * np.array([u[i] for u in units])
    judged = (status == OK) | (status == BAD)
    result.bad_indices = [index]
    if result.passed:
        # The directions could not see it; the entry checked on its own did.
        denom = abs(a_flat[i]) + abs(n_i[0])
        result.passed, result.diagnosis, result.worst_index = False, "entries", index
        result.error, result.tolerance = abs(a_flat[i] - n_i[0]) / denom, tol_i[0] / denom
        result.message = (f"{result.name} is right except at 1 entry, found by bisecting its "
                          f"{flat.size} entries (too small an error for random directions "
                          f"to show): {worst}.")
    elif np.all(np.abs(fixed - n)[judged] <= tol[judged]):
        result.diagnosis, result.worst_index = "entries", index
        result.message = (f"{result.name} is right except at 1 entry, found by bisecting its "
                          f"{flat.size} entries: {worst}.")
    else:
        result.message = _join(result.message, f"One wrong entry, found by bisection: {worst}")


# --------------------------------------------------------------------------
# verdict and diagnosis


def _verdict(a, n, tol, status, a_t, name, batch_size, hint, label, index, localisable,
             all_zero=None, float32=False) -> CheckResult:
    """Turn per-probe numbers (shape ``(M,)``) into a ``CheckResult``."""
    judged = (status == OK) | (status == BAD)
    diff = np.abs(a - n)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(diff == 0, 0.0, diff / tol)
        relative_tol = tol / np.maximum(np.abs(a), np.abs(n))
    ratio[~judged] = -1.0
    kink_indices = [index(i) for i in np.flatnonzero(status == KINK)]
    undecided = [index(i) for i in np.flatnonzero(status == UNDECIDED)]
    remarks = [_kink_remark(label, localisable, status),
               _undecided_remark(label, relative_tol, status, float32, localisable)]
    common = dict(name=name, kink_indices=kink_indices, undecided=undecided)
    if not judged.any():
        message = _join(f"{name}: nothing could be checked", *remarks, hint)
        return CheckResult(False, float("nan"), "undecided", message, **common)
    worst = int(np.argmax(ratio))
    denom = abs(a[worst]) + abs(n[worst])
    error = float(diff[worst] / denom) if denom > 0 else 0.0
    tolerance = float(tol[worst] / denom) if denom > 0 else 0.0
    seen = judged & np.isfinite(relative_tol)
    resolution = float(np.max(relative_tol[seen])) if seen.any() else 0.0
    bad = np.flatnonzero(status == BAD)
    worst_text = (f"Worst: {label(worst)}: yours {a[worst]:.6g}, numerical {n[worst]:.6g} "
                  f"(allowed difference {tol[worst]:.2g})")
    common.update(tolerance=tolerance, worst_index=index(worst), resolution=resolution)
    count = int(judged.sum())
    plural = lambda k: _count(k, localisable)
    if bad.size == 0:
        message = _join(f"{name} matches the numerical gradient: {plural(count)} checked, "
                        f"worst relative error {error:.1e} (allowed {tolerance:.1e})", *remarks)
        return CheckResult(True, error, None, message, **common)
    if all_zero is None:
        all_zero = not a[judged].any()
    tags, advice, scale = _diagnose(a[judged], n[judged], tol[judged],
                                    None if a_t is None else a_t[judged],
                                    all_zero, name, batch_size)
    bad_indices = [index(i) for i in bad] if localisable else []
    few = localisable and bad.size <= max(1, count // 4)
    if few and scale is not None:
        # A fit on the judged entries alone must not claim "everywhere" when f's
        # rounding left most entries undecided: an undecided entry that agrees
        # with the numerical value but not, by far, with K times it refutes K.
        # And a K that rounds to 1 only says the few bad entries are averaged in.
        undecided_ok = (status == UNDECIDED) & (diff <= tol) & \
            (np.abs(a - scale * n) > 3 * (1 + abs(scale)) * tol)
        if undecided_ok.any() or tags == ["mismatch"]:
            tags, scale = [], None
    if not tags:
        if few:
            shown = ", ".join(label(i) for i in bad[:10]) + (", ..." if bad.size > 10 else "")
            tags, advice = ["entries"], (f"{name} is right except at {plural(bad.size)}: {shown}")
        else:
            tags, advice = ["mismatch"], (f"{name} does not match the numerical gradient "
                                          f"({bad.size} of {plural(count)} differ)")
    message = _join(advice, worst_text, *remarks, hint)
    return CheckResult(False, error, ",".join(tags), message, bad_indices=bad_indices,
                       scale=scale, **common)


def _kink_remark(label, localisable, status) -> str | None:
    """Say which probes lie on a kink and were skipped."""
    idx = np.flatnonzero(status == KINK)
    if idx.size == 0:
        return None
    if not localisable:
        return (f"{idx.size} of {status.size} random directions crossed a kink (ReLU at 0, abs, max) "
                f"within the step and were skipped")
    shown = ", ".join(label(i) for i in idx[:5]) + (", ..." if idx.size > 5 else "")
    return (f"{idx.size} entr{'y lies' if idx.size == 1 else 'ies lie'} on a kink (ReLU at 0, abs, "
            f"max) at every step: {shown}. Finite differences cannot check them there, so they "
            f"were skipped")


def _undecided_remark(label, relative_tol, status, float32, localisable) -> str | None:
    """Say which probes f's rounding left undecided, and what size of error it hides."""
    idx = np.flatnonzero(status == UNDECIDED)
    if idx.size == 0:
        return None
    hidden = 2 * float(np.min(relative_tol[idx]))
    if hidden >= 10:  # "errors below 14146%" says less than this
        size = f"{hidden:.0f} times the gradient"
    else:
        size = f"{hidden:.0%}" if hidden >= 0.01 else f"{hidden:.1%}"
    shown = ", ".join(label(i) for i in idx[:5]) + (", ..." if idx.size > 5 else "")
    cause = "f seems to compute in float32" if float32 else "f's own rounding is too coarse"
    return (f"{cause}: errors below {size} cannot be seen here, so {_count(idx.size, localisable)} "
            f"{'is' if idx.size == 1 else 'are'} left undecided: {shown}")


def _count(k: int, localisable: bool) -> str:
    """``"1 entry"``, ``"3 entries"``, ``"2 directions"``."""
    if localisable:
        return f"{k} entr{'y' if k == 1 else 'ies'}"
    return f"{k} direction{'' if k == 1 else 's'}"


def _diagnose(a, n, tol, a_t, all_zero, name, batch_size):
    """Recognise a zero, sign, scale, transpose or estimate bug. Arrays have shape ``(M,)``.

    Returns ``(tags, advice, K)``; ``tags`` is empty when nothing is recognised.
    """
    if all_zero:
        return ["zero"], (f"{name} is all zeros but the true gradient is not: did you forget "
                          f"to compute or accumulate it (np.zeros_like left unfilled)?"), 0.0
    if np.all(np.abs(n) <= tol):
        return ["mismatch"], f"{name} is not zero but should be (the true gradient is 0)", None
    off = np.abs(a - n)
    bad = off > tol
    # Every entry right to a few parts in 1e5 and many of them not exact: what a
    # finite difference returns, not a formula.
    if bad.sum() >= max(1, bad.size // 4) and np.all(off <= ESTIMATE_RTOL * np.abs(n) + tol):
        rel = float(np.max(off[bad] / np.abs(n[bad])))
        digit = int(np.floor(-np.log10(rel))) + 1
        return ["estimate"], (f"{name} looks like a numerical estimate (off in the {_ordinal(digit)} "
                              f"digit): return the exact formula"), None
    # Fit K only on entries the finite differences pin down well.
    trusted = np.abs(n) > 10 * tol
    significant = int(np.sum(np.abs(n) > tol))
    for candidate, extra in ((a, []), (a_t, ["transpose"])):
        if candidate is None:
            continue
        k = _fit_scale(candidate, n, tol, trusted)
        if k is None or (significant < 2 and not _is_simple(k, batch_size) and not extra):
            continue
        if abs(k) < 1e-3 and not (batch_size and abs(abs(k) * batch_size - 1) < 1e-3):
            continue  # a tiny multiple is a gradient that is mostly missing, not a factor
        tags = extra + _scale_tags(k)
        if not tags:  # K rounds to 1: a uniform relative error such as 0.1 %
            return ["mismatch"], (f"{name} is {k:.6g}x the true gradient everywhere: off by "
                                  f"{abs(k - 1):.2%}, a slightly wrong constant?"), k
        return tags, _scale_advice(name, k, batch_size, transposed=bool(extra)), k
    return [], "", None


def _ordinal(k: int) -> str:
    return f"{k}{'th' if 10 <= k % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"


def diagnose(actual: np.ndarray, expected: np.ndarray, tol: np.ndarray | float, *,
             name: str = "grad", batch_size: int | None = None) -> tuple[str | None, str]:
    """Recognise a zero, sign, scale, transpose or estimate bug against a known true value.

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
        Comma-separated tags (``zero``, ``sign``, ``scale:K``, ``transpose``,
        ``estimate``), None when no such pattern fits.
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


def _fit_scale(a: np.ndarray, n: np.ndarray, tol: np.ndarray, trusted: np.ndarray) -> float | None:
    """K with ``a ~ K n``, or None if ``K n`` does not explain ``a`` at every entry.

    Least squares on the trusted entries, each weighted by ``1 / tol**2``: an
    entry with a loose bound (truncation, float32) cannot pull K away.
    """
    if not trusted.any():
        trusted = np.abs(n) > tol
    w = 1.0 / np.maximum(tol[trusted], EPS * np.abs(n[trusted])) ** 2
    nn = float(np.sum(w * n[trusted] ** 2))
    if nn == 0.0:
        return None
    k = float(np.sum(w * a[trusted] * n[trusted])) / nn
    if k == 0.0:
        return None
    # n carries an error up to tol, so K n carries up to |K| tol; K itself is
    # known to about 1e-9 relative.
    fits = np.abs(a - k * n) <= (1 + abs(k)) * tol + 1e-9 * np.abs(k * n)
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
    sentences = [p.strip() for p in parts if p]
    return " ".join(s if s.endswith((".", "?", "!")) else s + "." for s in sentences)


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
        modified its inputs, ``dout``, or any array inside the cache (nested
        in tuples, lists or dicts) in place.
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
    cache_before = _snapshot(cache)
    dout = rng.standard_normal(out.shape)
    dout_given = dout.copy()
    try:
        grads = backward(dout_given, cache)
    except Exception as err:
        raise GradientCheckError(f"backward raised {type(err).__name__}: {err}") from err
    for i, (x, y) in enumerate(zip(args, originals)):
        if i not in modified and not np.array_equal(x, y):
            modified[i] = "backward"
    changed = []
    if not np.array_equal(dout_given, dout):
        changed.append("dout")
    where = _first_change(cache_before, cache, "cache")
    if where is not None and not any(v == "backward" for v in modified.values()):
        changed.append(where)
    side_effect = (f"backward modified {' and '.join(changed)} in place: it must not change its "
                   f"arguments (write a = a * 2, not a *= 2, or copy first)") if changed else None
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
        if side_effect:
            result.passed, result.diagnosis = False, result.diagnosis or "mismatch"
            result.message = _join(side_effect, result.message)
        results.append(result)
    return results


def _snapshot(value: Any) -> Any:
    """Copies of the arrays in ``value``, through nested tuples, lists and dicts."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (tuple, list)):
        return type(value)(_snapshot(v) for v in value) if isinstance(value, list) \
            else tuple(_snapshot(v) for v in value)
    if isinstance(value, dict):
        return {key: _snapshot(v) for key, v in value.items()}
    return copy.copy(value)


def _first_change(before: Any, after: Any, path: str) -> str | None:
    """Where ``after`` differs from its snapshot ``before``, e.g. ``"cache[1]['x']"``; None if nowhere."""
    if isinstance(before, np.ndarray):
        same = isinstance(after, np.ndarray) and before.shape == after.shape and \
            np.array_equal(before, after, equal_nan=before.dtype.kind in "fc")
        return None if same else path
    if isinstance(before, (tuple, list)):
        if len(before) != len(after):
            return path
        for k, (b, v) in enumerate(zip(before, after)):
            found = _first_change(b, v, f"{path}[{k}]")
            if found:
                return found
        return None
    if isinstance(before, dict):
        if before.keys() != after.keys():
            return path
        for key in before:
            found = _first_change(before[key], after[key], f"{path}[{key!r}]")
            if found:
                return found
        return None
    if isinstance(before, (bool, int, float, str, np.generic)):  # a number swapped inside a list or dict
        same = type(after) is type(before) and (before == after or (before != before and after != after))
        return None if same else path
    return None
