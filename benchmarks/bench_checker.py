"""Benchmark of the reference gradient checker against the classroom rules.

Run ``python benchmarks/bench_checker.py`` (about 2 minutes) or with
``--quick`` (a few seconds). Prints:

* the false-alarm rate over correct gradients of many families and scales;
* detection rate and tag accuracy over a zoo of planted bugs (no kink points);
* the same for the CS231n rule (h=1e-5, max rel_error < 1e-7, and < 1e-5)
  and the DLS rule (epsilon=1e-7, ||g-n|| / (||g||+||n||) < 2e-7), and
  torch.autograd.gradcheck when torch is installed;
* full-mode time as a ratio to its 2P evaluations of f (a small MLP loss),
  and directional-mode time at P = 1e5.
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
from course_utils.checker import check_gradient, numerical_gradient  # noqa: E402

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
    per_family = Counter()
    n_rule_cases = max(n_cases // 10, 200)  # the baselines are slower and do not need 10k
    for k in range(n_cases):
        family = FAMILIES[k % len(FAMILIES)]
        f, g, x = family(rng)
        result = check_gradient(f, g, x, seed=k)
        if not result.passed:
            ours["alarm"] += 1
            per_family[family.__name__] += 1
            if ours["alarm"] <= 3:
                print(f"  false alarm in {family.__name__}: {result}")
        if k < n_rule_cases:
            for name, rule in RULES.items():
                rules[name] += not rule(f, g, x)
    print(f"  check_gradient: {ours['alarm']} false alarms / {n_cases} "
          f"= {ours['alarm'] / n_cases:.2%}  {dict(per_family) or ''}")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small run (a few seconds)")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the cases")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    false_alarms(1_000 if args.quick else 10_000, rng)
    detection(500 if args.quick else 3_000, rng)
    timing([100, 1_000] if args.quick else [100, 1_000, 10_000, 100_000], rng)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
