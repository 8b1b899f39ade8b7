"""Benchmark of the reference gradient checker against the classroom rules.

Run ``python benchmarks/bench_checker.py`` (about 2 minutes) or with
``--quick`` (a few seconds). Prints:

* the false-alarm rate over correct gradients of many families and scales;
* detection rate and tag accuracy over a zoo of planted bugs (no kink points);
* the same for the CS231n rule (h=1e-5, max rel_error < 1e-7, and < 1e-5)
  and the DLS rule (epsilon=1e-7, ||g-n|| / (||g||+||n||) < 2e-7), and
  torch.autograd.gradcheck when torch is installed;
* the harder zoo, per family: false alarms, bugs caught and right tags for
  entries of mixed scales (1e-6 .. 1e6 in one x), functions whose input and
  result are rounded to float32, a small model computed in float32 throughout, needles (one entry off by 1%) among 1e5, broadcasting bugs,
  near-kinks, batch-averaging bugs and layers whose backward mutates the cache;
* numerical_gradient's worst relative error per scale;
* full-mode time as a ratio to its 2P evaluations of f (a small MLP loss),
  and directional-mode time at P = 1e5, localisation of a needle included.

A bug counts as caught when the check fails, or when it lists the bug's
entries as undecided (the checker said it could not see them: no guess).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

# One BLAS thread: the timings compare loops of small products, and extra
# threads only add scheduling noise to them.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from course_utils.checker import check_gradient, check_layer, numerical_gradient  # noqa: E402

try:
    import torch
except ImportError:
    torch = None


# --------------------------------------------------------------------------
# families of correct (f, grad, x); each takes a Generator and returns
# f, grad, x, square (bool: x is a square matrix whose gradient is not symmetric)


def poly(rng):
    p = rng.integers(1, 40)
    c = rng.standard_normal((4, p))
    x = rng.uniform(-2, 2, p)
    f = lambda x: np.sum(c[0] * x + c[1] * x ** 2 + c[2] * x ** 3 + c[3] * x ** 4)
    g = lambda x: c[0] + 2 * c[1] * x + 3 * c[2] * x ** 2 + 4 * c[3] * x ** 3
    return f, g, x


def exp_log(rng):
    p = rng.integers(1, 40)
    a, c = rng.uniform(-2, 2, p), rng.standard_normal(p)
    x = rng.uniform(-3, 3, p)
    f = lambda x: np.sum(c * np.exp(a * x)) + np.sum(np.log1p(x ** 2))
    g = lambda x: c * a * np.exp(a * x) + 2 * x / (1 + x ** 2)
    return f, g, x


def badly_scaled(rng):
    """A family scaled by 1e-6 .. 1e6 in value and 1e-3 .. 1e3 in x."""
    f0, g0, x0 = FAMILIES_SMOOTH[rng.integers(len(FAMILIES_SMOOTH))](rng)
    out, inp = 10.0 ** rng.uniform(-6, 6), 10.0 ** rng.uniform(-3, 3)
    f = lambda x: out * f0(x / inp)
    g = lambda x: out * g0(x / inp) / inp
    return f, g, x0 * inp


def trig(rng):
    p = rng.integers(1, 40)
    w = rng.uniform(0.1, 5, p)
    x = rng.uniform(-3, 3, p)
    f = lambda x: np.sum(np.sin(w * x) * np.cos(x)) + np.sum(np.tanh(x)) ** 2
    g = lambda x: (w * np.cos(w * x) * np.cos(x) - np.sin(w * x) * np.sin(x)
                   + 2 * np.sum(np.tanh(x)) * (1 - np.tanh(x) ** 2))
    return f, g, x


def exact_zeros(rng):
    """Only some entries matter: the gradient has exact zeros."""
    p = rng.integers(2, 40)
    used = rng.random(p) < 0.5
    c = rng.standard_normal(p) * used
    x = rng.standard_normal(p)
    f = lambda x: np.sum(c * x ** 2) + np.sum(c * np.sin(x))
    g = lambda x: 2 * c * x + c * np.cos(x)
    return f, g, x


def constant(rng):
    p = rng.integers(1, 40)
    value = rng.standard_normal() * 10.0 ** rng.integers(-6, 7)
    x = rng.standard_normal(p)
    f = lambda x: value + 0.0 * np.sum(x)
    g = lambda x: np.zeros_like(x)
    return f, g, x


def linear_cancelling(rng):
    """A sum of large terms of both signs that is nearly 0."""
    p = rng.integers(2, 60)
    c = rng.standard_normal(p) * 1e3
    x = rng.standard_normal(p)
    x[-1] = -(c[:-1] @ x[:-1]) / c[-1]  # f(x) is about 0
    f = lambda x: c @ x
    g = lambda x: c.copy()
    return f, g, x


def quadratic_form(rng):
    n = rng.integers(2, 7)
    a = rng.standard_normal((n, n))
    x = rng.standard_normal((n, n))
    f = lambda x: np.sum((a @ x) ** 2) + np.sum(a * x)
    g = lambda x: 2 * a.T @ (a @ x) + a
    return f, g, x


def linear_regression(rng):
    n, d, k = rng.integers(1, 9), rng.integers(1, 6), rng.integers(1, 6)
    X, Y = rng.standard_normal((n, d)), rng.standard_normal((n, k))
    W = rng.standard_normal((k, d))
    f = lambda W: np.mean((X @ W.T - Y) ** 2)
    g = lambda W: 2 * (X @ W.T - Y).T @ X / (n * k)
    return f, g, W


def mlp(rng):
    n, d, h = rng.integers(1, 8), rng.integers(1, 5), rng.integers(1, 6)
    X, y = rng.standard_normal((n, d)), rng.standard_normal(n)
    w2 = rng.standard_normal(h)
    W1 = rng.standard_normal((h, d))
    act, dact = [(np.tanh, lambda z: 1 - np.tanh(z) ** 2),
                 (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
                 (lambda z: np.maximum(z, 0), lambda z: (z > 0) * 1.0)][rng.integers(3)]

    def f(W):
        return 0.5 * np.mean((act(X @ W.T) @ w2 - y) ** 2)

    def g(W):
        z = X @ W.T
        r = (act(z) @ w2 - y) / n
        return (np.outer(r, w2) * dact(z)).T @ X
    return f, g, W1


def softmax_ce(rng):
    n, c = rng.integers(1, 8), rng.integers(1, 6)
    logits = rng.standard_normal((n, c)) * 10.0 ** rng.uniform(-1, 2)
    y = rng.integers(c, size=n)

    def probs(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    f = lambda z: -np.mean(np.log(probs(z)[np.arange(n), y]))

    def g(z):
        p = probs(z)
        p[np.arange(n), y] -= 1
        return p / n
    return f, g, logits


def relu_at_zero(rng):
    """ReLU with some entries exactly at the kink; derivative 0 there."""
    p = rng.integers(2, 40)
    x = rng.standard_normal(p)
    x[rng.random(p) < 0.3] = 0.0
    c = rng.standard_normal(p)
    f = lambda x: np.sum(c * np.maximum(x, 0))
    g = lambda x: c * (x > 0)
    return f, g, x


FAMILIES_SMOOTH = [poly, exp_log, trig, exact_zeros, quadratic_form, linear_regression,
                   softmax_ce]
FAMILIES = FAMILIES_SMOOTH + [badly_scaled, badly_scaled, constant, linear_cancelling, mlp,
                              relu_at_zero]
# mlp may land near a ReLU kink by chance; relu_at_zero always does.
BUG_FAMILIES = FAMILIES_SMOOTH + [badly_scaled, linear_cancelling]


# --------------------------------------------------------------------------
# bugs: each returns (bad_grad, expected_tag) or None when it would not be a bug


def plant(kind, f, g, x, rng):
    g0 = g(x.copy())
    size = np.max(np.abs(g0))
    if kind == "shape":
        return (lambda x: g(x).reshape(-1)[:-1] if x.size > 1 else np.append(g(x), 0.0)), "shape"
    if kind == "nonfinite":
        i = rng.integers(x.size)

        def bad(x):
            out = g(x).astype(float).copy()
            out.flat[i] = np.nan
            return out
        return bad, "nonfinite"
    if size == 0 or not numerical_gradient(f, x).any():
        return None  # a gradient too small for float64 to see: every multiple of it is "right"
    if kind == "sign":
        return (lambda x: -g(x)), "sign"
    if kind == "scale":
        choices = [2.0, 0.5, 3.0, 10.0] + ([float(x.shape[0])] if x.ndim == 2 and x.shape[0] > 1 else [])
        k = choices[rng.integers(len(choices))]
        return (lambda x: k * g(x)), f"scale:{k:.3g}"
    if kind == "zero":
        return (lambda x: np.zeros_like(g(x))), "zero"
    if kind == "transpose":
        if x.ndim != 2 or x.shape[0] != x.shape[1] or np.max(np.abs(g0 - g0.T)) < 1e-2 * size:
            return None
        return (lambda x: g(x).T), "transpose"
    if kind == "one_entry":
        if x.size < 4:
            return None
        i = rng.integers(x.size)
        delta = 0.05 * max(abs(g0.flat[i]), size)

        def bad(x):
            out = g(x).copy()
            out.flat[i] += delta
            return out
        return bad, "entries"
    if kind == "off_0.1%":
        return (lambda x: 1.001 * g(x)), None
    if kind == "wrong_point":
        # the gradient evaluated at a slightly different point, where that differs
        if np.max(np.abs(g(x * 1.01 + 0.01) - g0)) < 1e-3 * size:
            return None
        return (lambda x: g(x * 1.01 + 0.01)), None
    raise ValueError(kind)


BUGS = ["sign", "scale", "zero", "transpose", "shape", "nonfinite", "one_entry", "off_0.1%",
        "wrong_point"]
TAGGED = {"sign", "scale", "zero", "transpose", "shape", "nonfinite"}


# --------------------------------------------------------------------------
# classroom rules


def fd_gradient(f, x, h):
    x = x.astype(float).copy()
    grad = np.zeros_like(x)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        fp = f(x)
        flat[i] = old - h
        fm = f(x)
        flat[i] = old
        out[i] = (fp - fm) / (2 * h)
    return grad


def cs231n_error(f, grad, x):
    num = fd_gradient(f, x, 1e-5)
    a = np.asarray(grad(x.copy()), dtype=float)
    return float(np.max(np.abs(a - num) / np.maximum(1e-8, np.abs(a) + np.abs(num))))


def dls_error(f, grad, x):
    num = fd_gradient(f, x, 1e-7)
    a = np.asarray(grad(x.copy()), dtype=float)
    denom = np.linalg.norm(a) + np.linalg.norm(num)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - num) / denom)


def torch_passes(f, grad, x):
    """torch.autograd.gradcheck on f, with the backward supplied by grad."""
    class Fn(torch.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return torch.tensor(f(t.detach().numpy().copy()), dtype=torch.float64)

        @staticmethod
        def backward(ctx, dout):
            (t,) = ctx.saved_tensors
            return dout * torch.from_numpy(np.asarray(grad(t.detach().numpy().copy()), dtype=float))
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    return torch.autograd.gradcheck(Fn.apply, (t,), raise_exception=False)


def safe(rule, *args):
    """A rule 'fails' a gradient when it errors or returns NaN."""
    try:
        return rule(*args)
    except Exception:
        return float("inf")


RULES = {
    "CS231n (h=1e-5, <1e-7)": lambda f, g, x: safe(cs231n_error, f, g, x) < 1e-7,
    "CS231n (h=1e-5, <1e-5)": lambda f, g, x: safe(cs231n_error, f, g, x) < 1e-5,
    "DLS (eps=1e-7, <2e-7)": lambda f, g, x: safe(dls_error, f, g, x) < 2e-7,
}
if torch is not None:
    RULES["torch gradcheck"] = lambda f, g, x: safe(torch_passes, f, g, x) is True


# --------------------------------------------------------------------------
# experiments


def false_alarms(n_cases: int, rng) -> None:
    print(f"\n== Correct gradients: {n_cases} cases over {len(FAMILIES)} families ==")
    ours = Counter()
    rules = Counter()
    per_family, no_verdict = Counter(), Counter()
    n_rule_cases = max(n_cases // 10, 200)  # the baselines are slower and do not need 10k
    for k in range(n_cases):
        family = FAMILIES[k % len(FAMILIES)]
        f, g, x = family(rng)
        result = check_gradient(f, g, x, seed=k)
        # As in the harder zoo: "undecided" (nothing could be judged) is not a
        # pass, but no bug is claimed either; it is counted apart.
        if result.diagnosis == "undecided":
            ours["no verdict"] += 1
            no_verdict[family.__name__] += 1
        elif not result.passed:
            ours["alarm"] += 1
            per_family[family.__name__] += 1
            if ours["alarm"] <= 3:
                print(f"  false alarm in {family.__name__}: {result}")
        if k < n_rule_cases:
            for name, rule in RULES.items():
                rules[name] += not rule(f, g, x)
    print(f"  check_gradient: {ours['alarm']} false alarms / {n_cases} "
          f"= {ours['alarm'] / n_cases:.2%}  {dict(per_family) or ''}")
    print(f"  check_gradient: no verdict (nothing could be judged, not a pass) in "
          f"{ours['no verdict']} / {n_cases} = {ours['no verdict'] / n_cases:.2%}  "
          f"{dict(no_verdict) or ''}")
    for name in RULES:
        print(f"  {name:24s}: {rules[name]} false alarms / {n_rule_cases} = "
              f"{rules[name] / n_rule_cases:.2%}")


def detection(n_cases: int, rng) -> None:
    print(f"\n== Planted bugs: about {n_cases} cases ==")
    caught, tagged, total = Counter(), Counter(), Counter()
    rule_caught = defaultdict(Counter)
    misses = []
    k = 0
    while sum(total.values()) < n_cases:
        kind = BUGS[k % len(BUGS)]
        # only square matrices can be transposed without changing shape
        family = quadratic_form if kind == "transpose" else BUG_FAMILIES[rng.integers(len(BUG_FAMILIES))]
        k += 1
        f, g, x = family(rng)
        planted = plant(kind, f, g, x, rng)
        if planted is None:
            continue
        bad, tag = planted
        total[kind] += 1
        result = check_gradient(f, bad, x, seed=k)
        caught[kind] += not result.passed
        first = (result.diagnosis or "").split(",")[0]
        if tag is not None and first == tag:
            tagged[kind] += 1
        elif tag is not None and len(misses) < 5:
            misses.append(f"  {kind} in {family.__name__} tagged {result.diagnosis}: {result}")
        for name, rule in RULES.items():
            rule_caught[name][kind] += not rule(f, bad, x)
    header = f"  {'bug':12s} {'cases':>6s} {'ours':>8s} {'tag ok':>8s}" + "".join(
        f" {name[:18]:>19s}" for name in RULES)
    print(header)
    for kind in BUGS:
        row = f"  {kind:12s} {total[kind]:6d} {caught[kind] / total[kind]:8.1%}"
        row += f" {tagged[kind] / total[kind]:8.1%}" if kind in TAGGED or kind == "one_entry" else f" {'-':>8s}"
        row += "".join(f" {rule_caught[name][kind] / total[kind]:19.1%}" for name in RULES)
        print(row)
    all_cases = sum(total.values())
    print(f"  {'all':12s} {all_cases:6d} {sum(caught.values()) / all_cases:8.1%} "
          f"{sum(tagged[b] for b in TAGGED) / sum(total[b] for b in TAGGED):8.1%}"
          + "".join(f" {sum(rule_caught[n].values()) / all_cases:19.1%}" for n in RULES))
    print("  (tag ok over sign, scale, zero, transpose, shape, nonfinite in 'all')")
    for line in misses:
        print(line)


def make_mlp_loss(P: int, rng):
    """A small MLP loss as a function of W1 (H, 50) with about P entries."""
    N, D = 4, 50
    H = max(1, P // D)
    X, y = rng.standard_normal((N, D)), rng.standard_normal(N)
    W1 = rng.standard_normal((H, D)) / np.sqrt(D)
    w2 = rng.standard_normal(H) / np.sqrt(H)

    def f(W):
        return 0.5 * np.mean((np.tanh(X @ W.T) @ w2 - y) ** 2)

    def g(W):
        h = np.tanh(X @ W.T)
        r = (h @ w2 - y) / N
        return (np.outer(r, w2) * (1 - h ** 2)).T @ X
    return f, g, W1


def time_2p(f, x) -> float:
    """Time of the 2P evaluations alone, perturbing in place like any checker."""
    w = x.copy()
    flat = w.reshape(-1)
    values = flat.tolist()  # Python floats: the leanest loop, so the ratio is not flattered
    start = time.perf_counter()
    for i, old in enumerate(values):
        flat[i] = old + 1e-5
        f(w)
        flat[i] = old - 1e-5
        f(w)
        flat[i] = old
    return time.perf_counter() - start


def timing(sizes, rng) -> None:
    print("\n== Full mode time / time of its 2P evaluations (small MLP loss) ==")
    for P in sizes:
        f, g, W = make_mlp_loss(P, rng)
        # best of a few runs of each, so that other load on the machine cancels out
        checks, evals = [], []
        for _ in range(3 if P <= 10_000 else 1):
            start = time.perf_counter()
            result = check_gradient(f, g, W, mode="full")
            checks.append(time.perf_counter() - start)
            evals.append(time_2p(f, W))
        print(f"  P = {W.size:6d}: {min(checks):8.3f} s, 2P evaluations alone {min(evals):8.3f} s, "
              f"ratio {min(checks) / min(evals):.3f}, {result.evaluations} evaluations, "
              f"passed={result.passed}")
    f, g, W = make_mlp_loss(100_000, rng)
    times = []
    for seed in range(5):
        start = time.perf_counter()
        result = check_gradient(f, g, W, mode="directional", seed=seed)
        times.append(time.perf_counter() - start)
    print(f"  directional at P = {W.size}: median {1e3 * np.median(times):.1f} ms "
          f"({result.evaluations} evaluations, passed={result.passed})")


# --------------------------------------------------------------------------
# the harder zoo: each family returns f, grad, x and a list of planted bugs
# (name, bad_grad, expected first tag or None, the entries it touches or None)


def mixed_scales(rng):
    """Separable f whose entries live at scales from 1e-6 to 1e6 in one x."""
    p = int(rng.integers(4, 40))
    s = 10.0 ** rng.uniform(-6, 6, p)
    w = rng.uniform(0.5, 3, p)
    x = s * rng.uniform(-2, 2, p)
    f = lambda x: np.sum(np.sin(w * x / s)) + 0.3 * np.sum((x / s) ** 2)
    g = lambda x: w * np.cos(w * x / s) / s + 0.6 * x / s ** 2
    return f, g, x


def float32_of(family):
    """The family computed in float32: inputs and result rounded to float32."""
    def make(rng):
        f0, g, x = family(rng)
        f = lambda x: float(np.float32(f0(x.astype(np.float32).astype(np.float64))))
        return f, g, x
    make.__name__ = f"float32 {family.__name__}"
    return make


def near_kink(rng):
    """ReLU with entries a hair (1e-9 .. 1e-6 relative) from the kink."""
    p = int(rng.integers(4, 40))
    x = rng.standard_normal(p)
    near = rng.random(p) < 0.3
    x[near] = np.sign(rng.standard_normal(near.sum())) * 10.0 ** rng.uniform(-9, -6, near.sum())
    c = rng.standard_normal(p)
    f = lambda x: np.sum(c * np.maximum(x, 0)) + 0.5 * np.sum(x ** 2)
    g = lambda x: c * (x > 0) + x
    return f, g, x


def batch_mean(rng):
    """A loss averaged over a batch of N rows; x is (N, D)."""
    n, d = int(rng.integers(2, 12)), int(rng.integers(1, 6))
    t = rng.standard_normal((n, d))
    x = rng.standard_normal((n, d))
    f = lambda x: np.mean(np.sum((np.tanh(x) - t) ** 2, axis=1))
    g = lambda x: 2 * (np.tanh(x) - t) * (1 - np.tanh(x) ** 2) / n
    return f, g, x


def float32_mlp(rng):
    """A tanh layer and a softmax cross-entropy computed in float32 throughout, like a
    float32 model: every sum and product rounds, not only the input and the result.
    The gradient is the exact one of the same formula."""
    n, d, c = int(rng.integers(2, 9)), int(rng.integers(2, 9)), int(rng.integers(2, 6))
    X = rng.standard_normal((n, d))
    V = rng.standard_normal((c, d)) / np.sqrt(d)
    y = rng.integers(c, size=n)
    W = rng.standard_normal((d, d)) / np.sqrt(d) * 10.0 ** rng.uniform(-0.5, 0.5)

    def loss(W, dtype):
        H = np.tanh(X.astype(dtype) @ W.astype(dtype).T)
        z = H @ V.astype(dtype).T
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -np.mean(logp[np.arange(n), y]), H

    def g(W):
        _, H = loss(W, np.float64)
        z = H @ V.T
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(n), y] -= 1
        dH = p @ V / n
        return ((1 - H ** 2) * dH).T @ X
    return (lambda W: float(loss(W, np.float32)[0])), g, W


HARD_FAMILIES = [mixed_scales, float32_of(poly), float32_of(exp_log), float32_of(trig),
                 float32_mlp, near_kink, batch_mean]


def hard_bugs(family, f, g, x, rng):
    """Bugs planted in a hard-zoo case: (kind, bad, tag, entries)."""
    g0 = g(x.copy())
    # Single-entry bugs go where the entry matters to f at 1e-6 or more: 1% of
    # a gradient that moves f by less is below anything float64 can resolve.
    scale = np.maximum(np.abs(x), 1e-3 * np.median(np.abs(x)))
    matters = np.flatnonzero(np.abs(g0 * scale).reshape(-1) >= 1e-6 * max(abs(f(x.copy())), 1e-300))
    i = int(rng.choice(matters)) if matters.size else 0
    bugs = [("sign", lambda x: -g(x), "sign", None), ("zero", lambda x: 0 * g(x), "zero", None),
            ("x2", lambda x: 2 * g(x), "scale:2", None)]

    def one_entry(factor):
        def bad(x):
            out = g(x).copy()
            out.flat[i] = out.flat[i] * factor if out.flat[i] != 0 else 0.01 * np.max(np.abs(g0))
            return out
        return bad
    if x.size >= 4 and matters.size:
        bugs.append(("1% entry", one_entry(1.01), "entries", [np.unravel_index(i, x.shape)]))
        bugs.append(("sign entry", one_entry(-1.0), "entries", [np.unravel_index(i, x.shape)]))
    if family is batch_mean:
        n = x.shape[0]
        bugs += [("no mean", lambda x: n * g(x), f"scale:{n:.3g}", None),
                 ("mean twice", lambda x: g(x) / n, f"scale:{1 / n:.3g}", None)]
    return bugs


def hard_zoo(n_cases: int, rng) -> None:
    print(f"\n== Harder zoo: {n_cases} correct cases per family, and bugs planted in them ==")
    print("  (no verdict: nothing could be judged at 1%, not a pass; undecided: a bug's entries were")
    print("   listed as undecided instead of passed)")
    print(f"  {'family':22s} {'alarms':>8s} {'no verdict':>10s} {'bugs':>6s} {'caught':>8s} {'tag ok':>8s} "
          f"{'undecided':>9s}")
    totals = Counter()
    for family in HARD_FAMILIES:
        c = Counter()
        for k in range(n_cases):
            f, g, x = family(rng)
            result = check_gradient(f, g, x, seed=k)
            # "undecided" (nothing could be judged) is not a pass, but no bug is claimed.
            c["verdict undecided"] += result.diagnosis == "undecided"
            c["alarm"] += not result.passed and result.diagnosis != "undecided"
            if not result.passed and result.diagnosis != "undecided" and c["alarm"] <= 2:
                print(f"    {family.__name__}: false alarm: {result}"[:300])
            for kind, bad, tag, entries in hard_bugs(family, f, g, x, rng):
                if np.array_equal(bad(x.copy()), g(x.copy())):
                    continue
                result = check_gradient(f, bad, x, seed=k)
                hidden = entries is not None and all(tuple(int(v) for v in e) in result.undecided
                                                     for e in entries)
                c["bugs"] += 1
                c["caught"] += (not result.passed) or hidden
                c["undecided"] += hidden and result.passed
                first = (result.diagnosis or "").split(",")[0]
                c["tagged"] += first == tag or hidden
                if result.passed and not hidden and c["missed"] < 2:
                    c["missed"] += 1
                    print(f"    {family.__name__}: missed {kind}: {result}"[:300])  # printed before its row
        print(f"  {family.__name__:22s} {c['alarm'] / n_cases:8.1%} {c['verdict undecided'] / n_cases:10.1%} "
              f"{c['bugs']:6d} "
              f"{c['caught'] / c['bugs']:8.1%} {c['tagged'] / c['bugs']:8.1%} {c['undecided']:9d}")
        totals += c
    totals["cases"] = n_cases * len(HARD_FAMILIES)
    print(f"  {'all':22s} {totals['alarm'] / totals['cases']:8.1%} "
          f"{totals['verdict undecided'] / totals['cases']:10.1%} {totals['bugs']:6d} "
          f"{totals['caught'] / totals['bugs']:8.1%} {totals['tagged'] / totals['bugs']:8.1%} "
          f"{totals['undecided']:9d}")
    shapes_and_layers(rng)


def shapes_and_layers(rng) -> None:
    """Broadcasting shape bugs and layers whose backward mutates the cache."""
    keepdims = 0
    for _ in range(20):
        n = int(rng.integers(2, 9))
        y = rng.standard_normal(n)
        f = lambda z: np.mean((z - y) ** 2)
        bad = lambda z: 2 * (z.reshape(-1, 1) - y) / n  # (N, 1) - (N,) is (N, N)
        result = check_gradient(f, bad, rng.standard_normal(n))
        keepdims += result.diagnosis == "shape" and "keepdims" in result.message
    mutated = 0
    for _ in range(20):
        X, W, b = rng.standard_normal((4, 3)), rng.standard_normal((2, 3)), rng.standard_normal(2)

        def forward(X, W, b):
            return X @ W.T + b, {"inputs": (X.copy(), W.copy()), "b": b}

        def backward(dout, cache):
            X, W = cache["inputs"]
            W *= 1.0 + 1e-3  # a scaled copy saved for later, in place
            return dout @ (W / (1.0 + 1e-3)), dout.T @ X, dout.sum(axis=0)
        results = check_layer(forward, backward, (X, W, b), seed=0)
        mutated += all(not r.passed and "cache" in r.message for r in results)
    print(f"  broadcast (N,1)-(N,) : shape tag with keepdims hint in {keepdims}/20")
    print(f"  layer mutating cache : caught in {mutated}/20")


def numerical_accuracy(rng) -> None:
    print("\n== numerical_gradient: worst relative error per scale (smooth float64) ==")
    row = []
    for e in range(-6, 7, 2):
        worst = 0.0
        for family in FAMILIES_SMOOTH:
            f0, g0, x0 = family(rng)
            s = 10.0 ** e
            f = lambda x: f0(x / s)
            num, true = numerical_gradient(f, x0 * s), g0(x0) / s
            worst = max(worst, float(np.max(np.abs(num - true)) / max(np.max(np.abs(true)), 1e-300)))
        row.append(f"1e{e:+d}: {worst:.1e}")
    f, g, x = mixed_scales(rng)
    num, true = numerical_gradient(f, x), g(x)
    row.append(f"mixed: {float(np.max(np.abs(num - true) / np.abs(true))):.1e} (per entry)")
    print("  " + ", ".join(row))


def needles(n_cases: int, rng) -> None:
    print(f"\n== Needles: one entry off by 1% among P = 1e5, directional mode ({n_cases} cases) ==")
    f, g, W = make_mlp_loss(100_000, rng)
    g0 = g(W)
    found, caught, times = 0, 0, []
    for k in range(n_cases):
        i = int(rng.integers(W.size))

        def bad(W, i=i):
            out = g(W).copy()
            out.flat[i] *= 1.01
            return out
        start = time.perf_counter()
        result = check_gradient(f, bad, W, mode="directional", seed=k)
        times.append(time.perf_counter() - start)
        caught += not result.passed
        found += result.diagnosis == "entries" and result.bad_indices == [np.unravel_index(i, W.shape)]
    print(f"  caught {caught}/{n_cases}, named with 'entries' {found}/{n_cases}, "
          f"median {1e3 * np.median(times):.1f} ms (|g| at needles ~ {np.median(np.abs(g0)):.1e})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small run (a few seconds)")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the cases")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    false_alarms(1_000 if args.quick else 10_000, rng)
    detection(500 if args.quick else 3_000, rng)
    hard_zoo(15 if args.quick else 150, rng)
    numerical_accuracy(rng)
    needles(5 if args.quick else 30, rng)
    timing([100, 1_000] if args.quick else [100, 1_000, 10_000, 100_000], rng)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
