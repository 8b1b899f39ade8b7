"""Hidden tests of 04_mlp_backprop: one function per graded test cell, named after its grade_id.

Each function takes `nb`, the student's names (functions as proxies that run in
the sandbox, literal answers, values). References live here and nowhere else.
Messages never contain a hidden expected value.
"""
import copy

import numpy as np

from course_utils.testing import as_float_array, assert_close, assert_unchanged

# Quiz answers are read from the answer cell's text as literals, never run.
ANSWERS = {"q1_answer": str, "q2_answer": str, "q3_answer": str, "q4_answer": str}

KEYS = ("W1", "b1", "W2", "b2")


# --------------------------------------------------------------------------- references

def _lin(X, W, b):
    return X @ W.T + b


def _mlp_f(X, p):
    z1 = X @ p["W1"].T + p["b1"]
    h1 = np.where(z1 > 0, z1, 0.0)
    return h1 @ p["W2"].T + p["b2"], (X, z1, h1, p["W2"])


def _mlp_b(dy, c):
    X, z1, h1, W2 = c
    d1 = (dy @ W2) * (z1 > 0)
    return {"W1": d1.T @ X, "b1": d1.sum(axis=0), "W2": dy.T @ h1, "b2": dy.sum(axis=0)}


def _mse(yh, y):
    d = yh - y
    return np.mean(d ** 2), 2.0 * d / d.size


def _mae(yh, y):
    d = yh - y
    return np.mean(np.abs(d)), np.sign(d) / d.size


def _ref_train(X, y, p, lr, steps):
    p = {k: v.copy() for k, v in p.items()}
    out = []
    for _ in range(steps):
        yh, c = _mlp_f(X, p)
        loss, d = _mse(yh, y)
        out.append(loss)
        g = _mlp_b(d, c)
        p = {k: p[k] - lr * g[k] for k in p}
    return np.array(out)


# --------------------------------------------------------------------------- helpers

def _params(rng, D, H, C, scale=1.0):
    return {"W1": rng.standard_normal((H, D)) * scale, "b1": rng.standard_normal(H) * 0.5,
            "W2": rng.standard_normal((C, H)) * scale, "b2": rng.standard_normal(C) * 0.5}


def _copy_params(p):
    return {k: v.copy() for k, v in p.items()}


def _num_grad(f, x, h=1e-6):
    """Central differences of scalar f at every entry of x (reference code, runs on the grader's side)."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        g[i] = (f(xp) - f(xm)) / (2 * h)
    return g


def _snapshot(cache):
    try:
        return copy.deepcopy(cache)
    except Exception:
        return cache


def _forward_right(out, expected):
    """True when a student's forward output equals the reference everywhere."""
    expected = np.asarray(expected, dtype=np.float64)
    try:
        out = np.asarray(out, dtype=np.float64)
    except Exception:
        return False
    if out.shape != expected.shape:
        return False
    with np.errstate(all="ignore"):
        return bool(np.all(np.isfinite(out) & (np.abs(out - expected) <= 1e-9 * (1.0 + np.abs(expected)))))


def _pair(result, fn, what="(out, cache)"):
    if not (isinstance(result, tuple) and len(result) == 2):
        raise AssertionError(f"{fn} must return a pair {what}; got {type(result).__name__}.")
    return result


def _check_params_unchanged(params, before):
    if set(params) != set(before):
        raise AssertionError("your function added or removed keys of `params`; leave the caller's dict alone.")
    for k in before:
        assert_unchanged(params[k], before[k], f'params["{k}"]')


def _grads_dict(g, p, name):
    if not isinstance(g, dict):
        raise AssertionError(f"{name} must return a dict with keys W1, b1, W2, b2; got {type(g).__name__}.")
    if set(g) != set(KEYS):
        raise AssertionError(f"{name} returned keys {sorted(g)}; expected exactly W1, b1, W2, b2.")
    return {k: as_float_array(g[k], f'{name}["{k}"]', p[k].shape) for k in KEYS}


def _with_zero_kinks(rng, X, p):
    """A zero input row and zero biases on half the hidden units: z1 == 0 exactly there."""
    X, p = X.copy(), _copy_params(p)
    X[0] = 0.0
    p["b1"][: (p["b1"].size + 1) // 2] = 0.0
    return X, p


# --------------------------------------------------------------------------- linear layer

LINEAR_SHAPES = [(200, 5, 3), (1, 4, 6), (7, 1, 1), (1, 1, 1), (13, 8, 1), (3, 2, 9)]


def test_linear_forward(nb):
    rng = np.random.default_rng(40101)
    for N, Din, Dout in LINEAR_SHAPES:
        for scale in (1.0, 1e3):
            X, W, b = rng.standard_normal((N, Din)) * scale, rng.standard_normal((Dout, Din)), rng.standard_normal(Dout)
            before = [X.copy(), W.copy(), b.copy()]
            out, _ = _pair(nb.linear_forward(X, W, b), "linear_forward")
            assert_close(out, _lin(X, W, b), f"linear_forward with N={N}, D_in={Din}, D_out={Dout}")
            for a, bb, name in zip([X, W, b], before, ["X", "W", "b"]):
                assert_unchanged(a, bb, name)


def _linear_backward_cases(nb, seed):
    """(tag, G, X, W, result of the student's linear_backward) at many shapes; checks dout and cache unchanged."""
    rng = np.random.default_rng(seed)
    for N, Din, Dout in LINEAR_SHAPES:
        X, W, b = rng.standard_normal((N, Din)), rng.standard_normal((Dout, Din)), rng.standard_normal(Dout)
        G = rng.standard_normal((N, Dout)) * (1e3 if N == 13 else 1.0)
        _, cache = _pair(nb.linear_forward(X.copy(), W.copy(), b.copy()), "linear_forward")
        cb, Gb = _snapshot(cache), G.copy()
        res = nb.linear_backward(G, cache)
        if not (isinstance(res, tuple) and len(res) == 3):
            raise AssertionError("linear_backward must return a tuple (dX, dW, db).")
        assert_unchanged(G, Gb, "dout")
        assert_unchanged(cache, cb, "cache")
        yield f" with N={N}, D_in={Din}, D_out={Dout}", G, X, W, res


def _linear_backward_fd(nb, seed, which):
    """The student's gradient `which` (0 dX, 1 dW, 2 db) against a central difference of their own forward."""
    rng = np.random.default_rng(seed)
    X, W, b = rng.standard_normal((4, 3)), rng.standard_normal((2, 3)), rng.standard_normal(2)
    G = rng.standard_normal((4, 2))
    out, cache = _pair(nb.linear_forward(X, W, b), "linear_forward")
    if not _forward_right(out, _lin(X, W, b)):
        return
    res = nb.linear_backward(G, cache)
    args = [X, W, b]

    def f(t):
        a = list(args)
        a[which] = t
        return float(np.sum(np.asarray(nb.linear_forward(*a)[0], dtype=float) * G))
    name = ["dX", "dW", "db"][which]
    assert_close(res[which], _num_grad(f, args[which].copy()), f"{name} against a central difference of your forward",
                 rtol=1e-6, atol=1e-8)


def test_linear_backward(nb):
    """dX: the gradient that flows on to the layer below."""
    for tag, G, X, W, res in _linear_backward_cases(nb, 40102):
        assert_close(res[0], G @ W, "dX" + tag)
    _linear_backward_fd(nb, 40103, 0)


def test_linear_backward_dw(nb):
    for tag, G, X, W, res in _linear_backward_cases(nb, 40104):
        assert_close(res[1], G.T @ X, "dW" + tag)
    _linear_backward_fd(nb, 40105, 1)


def test_linear_backward_db(nb):
    for tag, G, X, W, res in _linear_backward_cases(nb, 40106):
        assert_close(res[2], G.sum(axis=0), "db" + tag)
    _linear_backward_fd(nb, 40107, 2)


# --------------------------------------------------------------------------- losses

LOSS_SHAPES = [(200, 3), (64, 1), (1, 1), (1, 5), (9, 2), (30,)]


def _loss_cases(nb, fn, seed, ties=False):
    rng = np.random.default_rng(seed)
    for shape in LOSS_SHAPES:
        for scale in (3.0, 1e4):
            yh, y = rng.standard_normal(shape) * scale, rng.standard_normal(shape)
            if ties:
                flat = yh.reshape(-1)
                flat[::4] = y.reshape(-1)[::4]          # exact ties: the subgradient 0
            b1, b2 = yh.copy(), y.copy()
            res = _pair(getattr(nb, fn)(yh, y), fn, "(loss, dy_hat)")
            assert_unchanged(yh, b1, "y_hat")
            assert_unchanged(y, b2, "y")
            yield f" for shape {shape}", yh, y, res


def _loss_fd(nb, fn, ref, seed):
    """The student's gradient against a central difference of their own loss, where their loss is right."""
    rng = np.random.default_rng(seed)
    yh, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    loss, grad = _pair(getattr(nb, fn)(yh, y), fn, "(loss, dy_hat)")
    if abs(float(as_float_array(loss, f"{fn} loss", ())) - ref(yh, y)[0]) < 1e-12:
        assert_close(grad, _num_grad(lambda t: float(getattr(nb, fn)(t, y)[0]), yh),
                     f"{fn} gradient against a central difference of your loss", rtol=1e-6, atol=1e-9)


def test_mse_loss(nb):
    for tag, yh, y, res in _loss_cases(nb, "mse_loss", 40201):
        assert_close(res[0], _mse(yh, y)[0], "mse_loss loss" + tag)


def test_mse_grad(nb):
    for tag, yh, y, res in _loss_cases(nb, "mse_loss", 40203):
        assert_close(res[1], _mse(yh, y)[1], "mse_loss gradient" + tag + " (n = every element averaged over)")
    _loss_fd(nb, "mse_loss", _mse, 40202)


def test_mae_loss(nb):
    for tag, yh, y, res in _loss_cases(nb, "mae_loss", 40501, ties=True):
        assert_close(res[0], _mae(yh, y)[0], "mae_loss loss" + tag)


def test_mae_grad(nb):
    for tag, yh, y, res in _loss_cases(nb, "mae_loss", 40503, ties=True):
        assert_close(res[1], _mae(yh, y)[1], "mae_loss gradient" + tag + " (subgradient 0 at ties)")
    _loss_fd(nb, "mae_loss", _mae, 40502)


# --------------------------------------------------------------------------- the MLP

MLP_SHAPES = [(200, 3, 16, 2), (1, 3, 4, 2), (5, 2, 7, 1), (1, 1, 1, 1), (12, 6, 5, 3), (9, 4, 6, 1)]


def test_mlp_forward(nb):
    rng = np.random.default_rng(40301)
    for N, D, H, C in MLP_SHAPES:
        p = _params(rng, D, H, C)
        X = rng.standard_normal((N, D)) * (1e3 if N == 12 else 1.0)
        pb, Xb = _copy_params(p), X.copy()
        yh, _ = _pair(nb.mlp_forward(X, p), "mlp_forward")
        assert_close(yh, _mlp_f(X, p)[0], f"mlp_forward with N={N}, D={D}, H={H}, C={C}")
        assert_unchanged(X, Xb, "X")
        _check_params_unchanged(p, pb)
    # hidden units that are exactly at 0 or negative contribute nothing
    p = _params(rng, 3, 4, 2)
    p["b1"] = np.array([0.0, -100.0, 0.0, 5.0])
    X = np.vstack([np.zeros(3), rng.standard_normal((3, 3))])
    assert_close(_pair(nb.mlp_forward(X, p), "mlp_forward")[0], _mlp_f(X, p)[0], "mlp_forward with dead and zero units")


def _mlp_backward_cases(nb, seed):
    """(tag, grads of the student, reference grads) at many shapes, with exact zeros in z1 where N > 2."""
    rng = np.random.default_rng(seed)
    for N, D, H, C in MLP_SHAPES:
        p = _params(rng, D, H, C)
        X = rng.standard_normal((N, D))
        if N > 2:
            X, p = _with_zero_kinks(rng, X, p)
        dy = rng.standard_normal((N, C)) * (1e3 if N == 12 else 1.0)
        _, cache = _pair(nb.mlp_forward(X.copy(), _copy_params(p)), "mlp_forward")
        cb, dyb = _snapshot(cache), dy.copy()
        g = _grads_dict(nb.mlp_backward(dy, cache), p, "mlp_backward")
        assert_unchanged(dy, dyb, "dy_hat")
        assert_unchanged(cache, cb, "cache")
        yield f" with N={N}, D={D}, H={H}, C={C}", g, _mlp_b(dy, _mlp_f(X, p)[1])


def _mlp_backward_fd(nb, seed, keys):
    """The student's gradients `keys` against a central difference of their own mlp_forward + MSE."""
    rng = np.random.default_rng(seed)
    p = _params(rng, 3, 5, 2)
    X, y = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    while np.min(np.abs(X @ p["W1"].T + p["b1"])) < 1e-3:   # keep away from the kink
        p["b1"] = p["b1"] + 0.01
    out, cache = _pair(nb.mlp_forward(X, p), "mlp_forward")
    if not _forward_right(out, _mlp_f(X, p)[0]):
        return
    g = _grads_dict(nb.mlp_backward(_mse(_mlp_f(X, p)[0], y)[1], cache), p, "mlp_backward")
    for k in keys:
        def f(t, k=k):
            q = dict(p)
            q[k] = t
            return float(_mse(np.asarray(nb.mlp_forward(X, q)[0], dtype=float), y)[0])
        assert_close(g[k], _num_grad(f, p[k].copy()), f'mlp_backward(...)["{k}"] against a central difference',
                     rtol=1e-6, atol=1e-9)


def test_mlp_backward(nb):
    """The output layer's gradients W2 and b2."""
    for tag, g, want in _mlp_backward_cases(nb, 40302):
        for k in ("W2", "b2"):
            assert_close(g[k], want[k], f'mlp_backward(...)["{k}"]' + tag)
    _mlp_backward_fd(nb, 40303, ("W2", "b2"))


def test_mlp_backward_hidden(nb):
    """The hidden layer's gradients W1 and b1, exact zeros in z1 included."""
    for tag, g, want in _mlp_backward_cases(nb, 40304):
        for k in ("W1", "b1"):
            assert_close(g[k], want[k], f'mlp_backward(...)["{k}"]' + tag)
    _mlp_backward_fd(nb, 40305, ("W1", "b1"))


# --------------------------------------------------------------------------- training

def _replay(nb, X, y, p, lr, steps):
    """The losses that the loop would give with the student's own layer functions; None if they fail."""
    try:
        p = _copy_params(p)
        out = []
        for _ in range(steps):
            yh, c = nb.mlp_forward(X, p)
            loss, d = nb.mse_loss(yh, y)
            out.append(float(loss))
            g = nb.mlp_backward(d, c)
            p = {k: np.asarray(p[k]) - lr * np.asarray(g[k], dtype=float) for k in p}
        return np.array(out)
    except Exception:
        return None


def _close(a, b, rtol=1e-9):
    return b is not None and a.shape == b.shape and bool(np.all(np.abs(a - b) <= 1e-12 + rtol * np.abs(b)))


def test_train_mlp(nb):
    """The loop is graded on its own: it may use the student's layer functions or correct ones."""
    rng = np.random.default_rng(40401)
    for N, D, H, C, lr, steps in [(30, 3, 8, 2, 0.05, 25), (1, 2, 3, 1, 0.1, 4), (10, 4, 6, 1, 0.01, 1),
                                  (10, 4, 6, 1, 0.01, 0), (50, 2, 10, 3, 0.1, 40)]:
        p = _params(rng, D, H, C, scale=0.5)
        X, y = rng.standard_normal((N, D)), rng.standard_normal((N, C))
        pb, Xb, yb = _copy_params(p), X.copy(), y.copy()
        losses = nb.train_mlp(X, y, p, lr, steps)
        _check_params_unchanged(p, pb)
        assert_unchanged(X, Xb, "X")
        assert_unchanged(y, yb, "y")
        if not isinstance(losses, (list, tuple, np.ndarray)):
            raise AssertionError(f"train_mlp must return a list of losses; got {type(losses).__name__}.")
        losses = list(losses)
        if len(losses) != steps:
            raise AssertionError(f"train_mlp(..., steps={steps}) returned {len(losses)} losses.")
        if not steps:
            continue
        got = np.array([float(as_float_array(v, "each loss", ())) for v in losses])
        if not (_close(got, _ref_train(X, y, p, lr, steps)) or _close(got, _replay(nb, X, y, p, lr, steps))):
            raise AssertionError(f"train_mlp with N={N}, lr={lr}, steps={steps}: the losses are not those of plain "
                                 "gradient descent on the MSE, losses[i] measured before step i's update.")
    # A second call from the same params gives the same losses: nothing leaked between runs.
    p = _params(rng, 3, 5, 2, scale=0.5)
    X, y = rng.standard_normal((12, 3)), rng.standard_normal((12, 2))
    a, b = nb.train_mlp(X, y, p, 0.05, 6), nb.train_mlp(X, y, p, 0.05, 6)
    if not _close(np.array(b, dtype=float), np.array(a, dtype=float), rtol=1e-12):
        raise AssertionError("train_mlp called twice with the same params gave different losses: "
                             "the first call changed something the second one used.")


# --------------------------------------------------------------------------- debugging

def _debug_cases(nb, seed, kinks):
    rng = np.random.default_rng(seed)
    for N, D, H, C in [(20, 3, 6, 2), (1, 2, 3, 1), (7, 4, 5, 3), (64, 5, 8, 1)]:
        p = _params(rng, D, H, C)
        X, y = rng.standard_normal((N, D)), rng.standard_normal((N, C))
        if kinks and N > 1:
            X, p = _with_zero_kinks(rng, X, p)
        elif not kinks:
            while np.min(np.abs(X @ p["W1"].T + p["b1"])) < 1e-6:
                p["b1"] = p["b1"] + 0.01
        pb = _copy_params(p)
        res = _pair(nb.debug_backward_fixed(X, y, p), "debug_backward_fixed", "(loss, grads)")
        _check_params_unchanged(p, pb)
        yh, c = _mlp_f(X, p)
        loss, dy = _mse(yh, y)
        yield f" with N={N}", res, loss, _mlp_b(dy, c), p


def _right_or_not(actual, expected, name):
    """assert_close without its diagnosis: a debug exercise never says which bug is left."""
    try:
        assert_close(actual, expected, name)
    except AssertionError:
        raise AssertionError(f"{name} is not right yet: gradient-check it.") from None


def test_debug_backward_fixed(nb):
    for kinks in (False, True):
        for tag, res, loss, want, p in _debug_cases(nb, 40601 + kinks, kinks):
            _right_or_not(res[0], loss, "debug_backward_fixed loss" + tag)
            g = _grads_dict(res[1], p, "debug_backward_fixed")
            for k in ("W2", "b2", "W1", "b1"):
                _right_or_not(g[k], want[k], f'debug_backward_fixed grads["{k}"]' + tag)


# --------------------------------------------------------------------------- quiz

_KEY = {1: "B", 2: "D", 3: "A", 4: "C"}


def _quiz(nb, i):
    assert str(getattr(nb, f"q{i}_answer")).strip().upper() == _KEY[i], f"Q{i}: not the right answer."


def test_quiz_q1(nb):
    _quiz(nb, 1)


def test_quiz_q2(nb):
    _quiz(nb, 2)


def test_quiz_q3(nb):
    _quiz(nb, 3)


def test_quiz_q4(nb):
    _quiz(nb, 4)
