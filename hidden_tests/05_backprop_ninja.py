"""Hidden tests of 05_backprop_ninja: one function per graded test cell, named after its grade_id.

Each function takes `nb`, the student's names (functions as proxies that run in
the sandbox, literal answers, values). References live here and nowhere else.
Messages never contain a hidden expected value.
"""
import re

import numpy as np

from course_utils.testing import as_float_array, assert_close, assert_unchanged

# Quiz answers are read from the answer cell's text as literals, never run.
ANSWERS = {"q1_answer": str, "q2_answer": str, "q3_answer": str}

EPS = 1e-5
KEYS = ("W1", "b1", "gamma", "beta", "W2", "b2")
SOFTMAX_NAMES = ("dlogprobs", "dprobs", "dcounts_sum_inv", "dcounts_sum", "dcounts", "dnorm_logits",
                 "dlogit_maxes", "dlogits")
LAYER2_NAMES = ("dh", "dW2", "db2")
BN_NAMES = ("dh_pre_bn", "dgamma", "dbeta", "dbnraw", "dbnvar_inv", "dbnvar", "dbndiff2", "dbndiff",
            "dbnmean", "dh_pre")
LAYER1_NAMES = ("dW1", "db1")


# --------------------------------------------------------------------------- messages

def _close(actual, expected, label, **kw):
    """assert_close, with the expected value taken out of the message (the diagnosis stays)."""
    try:
        assert_close(actual, expected, label, **kw)
    except AssertionError as error:
        if type(error) is not AssertionError:   # the helpers' own safe failure type
            raise
        raise AssertionError(re.sub(r", expected \S+ \(", " (", str(error))) from None


# --------------------------------------------------------------------------- references

def _bn_forward(x, gamma, beta, eps=EPS):
    x = np.asarray(x, dtype=np.float64)
    mu = x.sum(axis=0) / x.shape[0]
    var = ((x - mu) ** 2).sum(axis=0) / x.shape[0]
    inv = 1.0 / np.sqrt(var + eps)
    xhat = (x - mu) * inv
    return gamma * xhat + beta, {"x": x, "mean": mu, "var": var, "inv_std": inv, "xhat": xhat,
                                 "gamma": gamma, "eps": eps}


def _bn_backward(dout, cache):
    xhat, g, inv = cache["xhat"], cache["gamma"], cache["inv_std"]
    n = dout.shape[0]
    dxhat = dout * g
    dx = (inv / n) * (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


def _steps(X, y, p):
    """The named intermediates of the classifier's forward pass (with the parameters)."""
    n = X.shape[0]
    v = {k: p[k] for k in KEYS}
    v["h_pre"] = X @ p["W1"].T + p["b1"]
    v["bnmean"] = v["h_pre"].sum(axis=0, keepdims=True) / n
    v["bndiff"] = v["h_pre"] - v["bnmean"]
    v["bndiff2"] = v["bndiff"] ** 2
    v["bnvar"] = v["bndiff2"].sum(axis=0, keepdims=True) / n
    v["bnvar_inv"] = (v["bnvar"] + EPS) ** -0.5
    v["bnraw"] = v["bndiff"] * v["bnvar_inv"]
    v["h_pre_bn"] = p["gamma"] * v["bnraw"] + p["beta"]
    v["h"] = np.tanh(v["h_pre_bn"])
    v["logits"] = v["h"] @ p["W2"].T + p["b2"]
    v.update(_softmax_steps(v["logits"]))
    v["loss"] = float(-v["logprobs"][np.arange(n), y].mean())
    return v


def _softmax_steps(logits):
    v = {"logits": logits, "logit_maxes": logits.max(axis=1, keepdims=True)}
    v["norm_logits"] = logits - v["logit_maxes"]
    v["counts"] = np.exp(v["norm_logits"])
    v["counts_sum"] = v["counts"].sum(axis=1, keepdims=True)
    v["counts_sum_inv"] = v["counts_sum"] ** -1
    v["probs"] = v["counts"] * v["counts_sum_inv"]
    v["logprobs"] = np.log(v["probs"])
    return v


def _ref_softmax(y, v):
    n = v["logprobs"].shape[0]
    r = np.arange(n)
    g = {}
    g["dlogprobs"] = np.zeros_like(v["logprobs"])
    g["dlogprobs"][r, y] = -1.0 / n
    g["dprobs"] = g["dlogprobs"] / v["probs"]
    g["dcounts_sum_inv"] = (g["dprobs"] * v["counts"]).sum(axis=1, keepdims=True)
    g["dcounts_sum"] = -g["dcounts_sum_inv"] / v["counts_sum"] ** 2
    g["dcounts"] = g["dprobs"] * v["counts_sum_inv"] + g["dcounts_sum"]
    g["dnorm_logits"] = g["dcounts"] * v["counts"]
    g["dlogit_maxes"] = -g["dnorm_logits"].sum(axis=1, keepdims=True)
    onehot = np.zeros_like(v["logits"])
    onehot[r, v["logits"].argmax(axis=1)] = 1.0
    g["dlogits"] = g["dnorm_logits"] + onehot * g["dlogit_maxes"]
    return g


def _ref_layer2(dlogits, v):
    return {"dh": dlogits @ v["W2"], "dW2": dlogits.T @ v["h"], "db2": dlogits.sum(axis=0)}


def _ref_bn_ninja(dh, v):
    n = dh.shape[0]
    g = {}
    g["dh_pre_bn"] = dh * (1.0 - v["h"] ** 2)
    g["dgamma"] = (g["dh_pre_bn"] * v["bnraw"]).sum(axis=0)
    g["dbeta"] = g["dh_pre_bn"].sum(axis=0)
    g["dbnraw"] = g["dh_pre_bn"] * v["gamma"]
    g["dbnvar_inv"] = (g["dbnraw"] * v["bndiff"]).sum(axis=0, keepdims=True)
    g["dbnvar"] = -0.5 * g["dbnvar_inv"] * (v["bnvar"] + EPS) ** -1.5
    g["dbndiff2"] = np.ones_like(v["bndiff2"]) * g["dbnvar"] / n
    g["dbndiff"] = g["dbnraw"] * v["bnvar_inv"] + 2.0 * v["bndiff"] * g["dbndiff2"]
    g["dbnmean"] = -g["dbndiff"].sum(axis=0, keepdims=True)
    g["dh_pre"] = g["dbndiff"] + np.ones_like(v["h_pre"]) * g["dbnmean"] / n
    return g


def _ref_layer1(dh_pre, X):
    return {"dW1": dh_pre.T @ X, "db1": dh_pre.sum(axis=0)}


def _ref_classifier(X, y, p, bn_forward=_bn_forward, bn_backward=_bn_backward):
    """Loss and gradients; the batchnorm pair may be the student's (to grade the composition alone)."""
    n = X.shape[0]
    r = np.arange(n)
    h_pre = X @ p["W1"].T + p["b1"]
    hb, cache = bn_forward(h_pre, p["gamma"], p["beta"])
    hb = np.asarray(hb, dtype=np.float64)
    h = np.tanh(hb)
    logits = h @ p["W2"].T + p["b2"]
    z = logits - logits.max(axis=1, keepdims=True)
    lse = np.log(np.exp(z).sum(axis=1))
    loss = float(np.mean(lse - z[r, y]))
    dl = np.exp(z - lse[:, None])
    dl[r, y] -= 1.0
    dl /= n
    dhb = (dl @ p["W2"]) * (1.0 - h ** 2)
    dhp, dga, dbe = (np.asarray(a, dtype=np.float64) for a in bn_backward(dhb, cache))
    return loss, {"W1": dhp.T @ X, "b1": dhp.sum(axis=0), "gamma": dga, "beta": dbe,
                  "W2": dl.T @ h, "b2": dl.sum(axis=0)}


def _ref_td(q, a, t):
    n = q.shape[0]
    e = q[np.arange(n), a] - t
    d = np.zeros(q.shape)
    d[np.arange(n), a] = 2.0 * e / n
    return float(np.sum(e * e) / n), d


# --------------------------------------------------------------------------- helpers

def _params(rng, d, h, c, w2_scale=1.0):
    return {"W1": rng.standard_normal((h, d)), "b1": rng.standard_normal(h),
            "gamma": 1.0 + 0.5 * rng.standard_normal(h), "beta": 0.5 * rng.standard_normal(h),
            "W2": w2_scale * rng.standard_normal((c, h)), "b2": 0.5 * rng.standard_normal(c)}


def _num_grad(f, x, h=1e-6):
    """Central differences of scalar f at a copy of x (steps scaled to each entry)."""
    x = np.array(x, dtype=np.float64)
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        o = x[i]
        s = h * max(1.0, abs(o))
        x[i] = o + s
        fp = f(x)
        x[i] = o - s
        fm = f(x)
        x[i] = o
        out[i] = (fp - fm) / (2 * s)
    return out


def _copy(d):
    return {k: np.array(a, copy=True) for k, a in d.items()}


def _check_dict(g, names, shapes, label):
    if not isinstance(g, dict):
        raise AssertionError(f"{label} must return a dict of gradients; got {type(g).__name__}.")
    for name in names:
        if name not in g:
            raise AssertionError(f"{label}: the dict has no entry {name!r}.")
        as_float_array(g[name], f"{label}[{name!r}]", shapes[name])


def _check_v_unchanged(v, before):
    for k in before:
        assert_unchanged(np.asarray(v[k]), before[k], f"v[{k!r}]")


def _ninja_cases(seed, count=60):
    """(X, y, params, v): random consistent forward passes, plus the edge cases."""
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(count):
        n, d, h, c = int(rng.integers(2, 9)), int(rng.integers(1, 5)), int(rng.integers(1, 6)), int(rng.integers(2, 6))
        p = _params(rng, d, h, c, w2_scale=float(rng.choice([0.3, 1.0, 3.0])))
        X = rng.standard_normal((n, d)) * float(rng.choice([0.5, 1.0, 10.0]))
        y = rng.integers(0, c, n)
        cases.append((X, y, p))
    p = _params(rng, 3, 4, 1)                                     # a single class
    cases.append((rng.standard_normal((5, 3)), np.zeros(5, dtype=int), p))
    p = _params(rng, 2, 3, 3)                                     # a batch of two
    cases.append((rng.standard_normal((2, 2)), np.array([2, 0]), p))
    p = _params(rng, 2, 3, 4, w2_scale=15.0)                      # large logits (tens), label at the max
    X = rng.standard_normal((6, 2))
    cases.append((X, _steps(X, np.zeros(6, dtype=int), p)["logits"].argmax(axis=1), p))
    p = _params(rng, 3, 5, 3)                                     # large inputs and weights
    cases.append((1e3 * rng.standard_normal((7, 3)), rng.integers(0, 3, 7), p))
    return [(X, y, p, _steps(X, y, p)) for X, y, p in cases]


# --------------------------------------------------------------------------- batchnorm_forward

def test_batchnorm_forward(nb):
    rng = np.random.default_rng(5101)
    cases = []
    for _ in range(150):
        n, d = int(rng.integers(1, 9)), int(rng.integers(1, 6))
        cases.append((rng.standard_normal((n, d)) * rng.uniform(0.1, 10, d) + rng.normal(0, 5, d),
                      rng.standard_normal(d), rng.standard_normal(d), 1e-5))
    xc = rng.standard_normal((6, 3))
    xc[:, 1] = 4.25                                                              # a feature with zero variance
    cases.append((xc, np.ones(3), np.zeros(3), 1e-5))
    cases.append((np.array([[1.0, -2.0], [3.0, 5.0]]), np.array([0.5, 2.0]), np.array([0.1, 0.2]), 1e-5))  # two
    cases.append((np.array([[1.0, -2.0, 7.0]]), np.array([0.5, 2.0, 1.0]), np.array([0.1, 0.2, -3.0]), 1e-5))  # one
    cases.append((1e6 + rng.standard_normal((8, 2)), np.ones(2), np.zeros(2), 1e-5))   # large offset
    cases.append((rng.standard_normal((5, 4)) * 1e-3, np.ones(4), np.zeros(4), 1e-3))  # eps comparable to var
    cases.append((rng.standard_normal((6, 2)), np.ones(2), np.zeros(2), 0.5))          # a large eps
    for x, g, b, e in cases:
        x0, g0, b0 = x.copy(), g.copy(), b.copy()
        res = nb.batchnorm_forward(x, g, b, e) if e != 1e-5 else nb.batchnorm_forward(x, g, b)
        if not (isinstance(res, tuple) and len(res) == 2):
            raise AssertionError("batchnorm_forward must return the tuple (out, cache).")
        out, cache = res
        rout, rcache = _bn_forward(x0, g0, b0, e)
        where = f"batchnorm_forward at x of shape {x.shape}, eps={e}"
        _close(out, rout, where + ": out", rtol=1e-9, atol=1e-12)
        if not isinstance(cache, dict):
            raise AssertionError("batchnorm_forward: the cache must be a dict.")
        for k in ("mean", "var", "inv_std", "xhat"):
            if k not in cache:
                raise AssertionError(f"batchnorm_forward: the cache has no key {k!r}.")
            _close(cache[k], rcache[k], where + f": cache[{k!r}]", rtol=1e-9, atol=1e-12)
        for k in ("x", "gamma", "eps"):
            if k not in cache:
                raise AssertionError(f"batchnorm_forward: the cache has no key {k!r}.")
        _close(cache["x"], x0, where + ": cache['x'] (the input itself)", rtol=0, atol=0)
        _close(cache["gamma"], g0, where + ": cache['gamma']", rtol=0, atol=0)
        if float(cache["eps"]) != e:
            raise AssertionError(where + ": cache['eps'] is not the eps passed in.")
        assert_unchanged(x, x0, "x")
        assert_unchanged(g, g0, "gamma")
        assert_unchanged(b, b0, "beta")


# --------------------------------------------------------------------------- the ninja pass, by family

def test_ninja_softmax(nb):
    for X, y, p, v in _ninja_cases(5201):
        sv = {k: v[k] for k in ("logits", "logit_maxes", "norm_logits", "counts", "counts_sum", "counts_sum_inv",
                                "probs", "logprobs")}
        before, y0 = _copy(sv), y.copy()
        g = nb.ninja_softmax_backward(y, sv)
        _check_v_unchanged(sv, before)
        assert_unchanged(y, y0, "y")
        want = _ref_softmax(y0, before)
        shapes = {k: want[k].shape for k in want}
        _check_dict(g, SOFTMAX_NAMES, shapes, "ninja_softmax_backward(y, v)")
        where = f" (N={X.shape[0]}, C={v['logits'].shape[1]})"
        for name in SOFTMAX_NAMES:
            scale = float(np.abs(want["dnorm_logits"]).max()) if name == "dlogit_maxes" else 0.0
            _close(g[name], want[name], f"ninja_softmax_backward: g[{name!r}]" + where,
                   atol=1e-12 + 1e-12 * scale)


def test_ninja_layer2(nb):
    rng = np.random.default_rng(5301)
    for X, y, p, v in _ninja_cases(5302):
        up = rng.standard_normal(v["logits"].shape) * float(rng.choice([0.01, 1.0, 100.0]))
        sv = {"W2": v["W2"], "h": v["h"], "b2": v["b2"]}
        before, up0 = _copy(sv), up.copy()
        g = nb.ninja_layer2_backward(up, sv)
        _check_v_unchanged(sv, before)
        assert_unchanged(up, up0, "dlogits")
        want = _ref_layer2(up0, before)
        _check_dict(g, LAYER2_NAMES, {k: a.shape for k, a in want.items()}, "ninja_layer2_backward(dlogits, v)")
        where = f" (N={X.shape[0]}, H={v['h'].shape[1]}, C={v['logits'].shape[1]})"
        for name in LAYER2_NAMES:
            _close(g[name], want[name], f"ninja_layer2_backward: g[{name!r}]" + where)


def test_ninja_batchnorm(nb):
    rng = np.random.default_rng(5401)
    names = ("h", "gamma", "bnraw", "bndiff", "bndiff2", "bnvar", "bnvar_inv", "bnmean", "h_pre", "h_pre_bn",
             "beta")
    for X, y, p, v in _ninja_cases(5402):
        up = rng.standard_normal(v["h"].shape) * float(rng.choice([0.01, 1.0, 100.0]))
        sv = {k: v[k] for k in names}
        before, up0 = _copy(sv), up.copy()
        g = nb.ninja_batchnorm_backward(up, sv)
        _check_v_unchanged(sv, before)
        assert_unchanged(up, up0, "dh")
        want = _ref_bn_ninja(up0, before)
        _check_dict(g, BN_NAMES, {k: a.shape for k, a in want.items()}, "ninja_batchnorm_backward(dh, v)")
        where = f" (N={X.shape[0]}, H={v['h'].shape[1]})"
        for name in BN_NAMES:
            _close(g[name], want[name], f"ninja_batchnorm_backward: g[{name!r}]" + where, rtol=1e-10,
                   atol=1e-13 * max(1.0, float(np.abs(want[name]).max())))


def test_ninja_layer1(nb):
    rng = np.random.default_rng(5501)
    for X, y, p, v in _ninja_cases(5502, count=40):
        up = rng.standard_normal(v["h_pre"].shape) * float(rng.choice([0.01, 1.0, 100.0]))
        X0, up0 = X.copy(), up.copy()
        g = nb.ninja_layer1_backward(up, X)
        assert_unchanged(X, X0, "X")
        assert_unchanged(up, up0, "dh_pre")
        want = _ref_layer1(up0, X0)
        _check_dict(g, LAYER1_NAMES, {k: a.shape for k, a in want.items()}, "ninja_layer1_backward(dh_pre, X)")
        for name in LAYER1_NAMES:
            _close(g[name], want[name], f"ninja_layer1_backward: g[{name!r}] (N={X.shape[0]}, D={X.shape[1]})")
    # A batch of one.
    X, up = rng.standard_normal((1, 3)), rng.standard_normal((1, 4))
    g = nb.ninja_layer1_backward(up, X)
    want = _ref_layer1(up, X)
    _check_dict(g, LAYER1_NAMES, {k: a.shape for k, a in want.items()}, "ninja_layer1_backward(dh_pre, X)")
    for name in LAYER1_NAMES:
        _close(g[name], want[name], f"ninja_layer1_backward: g[{name!r}] for a batch of one")


# --------------------------------------------------------------------------- batchnorm_backward

def _bn_cases(seed):
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(120):
        n, d = int(rng.integers(2, 9)), int(rng.integers(1, 6))
        cases.append((rng.standard_normal((n, d)) * rng.uniform(0.1, 10, d) + rng.normal(0, 5, d),
                      rng.standard_normal(d), rng.standard_normal(d), 1e-5))
    xc = rng.standard_normal((6, 3))
    xc[:, 1] = -2.5                                                              # a feature with zero variance
    cases.append((xc, np.ones(3), np.zeros(3), 1e-5))
    cases.append((np.array([[1.0, -2.0], [3.0, 5.0]]), np.array([0.5, 2.0]), np.array([0.1, 0.2]), 1e-5))  # two
    cases.append((np.array([[1.0, -2.0, 7.0]]), np.array([0.5, 2.0, 1.0]), np.array([0.1, 0.2, -3.0]), 1e-5))  # one
    cases.append((1e3 * rng.standard_normal((8, 2)), np.ones(2), np.zeros(2), 1e-5))   # large values
    cases.append((rng.standard_normal((5, 4)) * 1e-3, np.ones(4), np.zeros(4), 1e-3))  # eps comparable to var
    return rng, cases


def test_batchnorm_backward(nb):
    rng, cases = _bn_cases(5601)
    for x, g, b, e in cases:
        _, cache = _bn_forward(x, g, b, e)
        dout = rng.standard_normal(x.shape) * float(rng.choice([0.01, 1.0, 100.0]))
        saved, dout0 = {k: np.array(cache[k], copy=True) for k in cache}, dout.copy()
        res = nb.batchnorm_backward(dout, cache)
        if not (isinstance(res, tuple) and len(res) == 3):
            raise AssertionError("batchnorm_backward must return the tuple (dx, dgamma, dbeta).")
        rdx, rdg, rdb = _bn_backward(dout0, saved)
        where = f"batchnorm_backward at x of shape {x.shape}, eps={e}"
        _close(res[2], rdb, where + ": dbeta")
        _close(res[1], rdg, where + ": dgamma", rtol=1e-10)
        _close(res[0], rdx, where + ": dx", rtol=1e-10, atol=1e-13 * max(1.0, float(np.abs(rdx).max())))
        assert_unchanged(dout, dout0, "dout")
        for k in saved:
            assert_unchanged(np.asarray(cache[k]), saved[k], f"cache[{k!r}]")
    # Against a central difference of the student's own batchnorm_forward, only where it is right.
    for x, g, b, e in cases[:8] + cases[-5:-2]:
        try:
            out, scache = nb.batchnorm_forward(x, g, b)
            ok = np.allclose(out, _bn_forward(x, g, b)[0], rtol=1e-9, atol=1e-12) and all(
                np.allclose(scache[k], _bn_forward(x, g, b)[1][k], rtol=1e-9, atol=1e-12)
                for k in ("mean", "var", "inv_std", "xhat"))
        except Exception:
            ok = False
        if not ok or x.shape[0] < 2:
            continue
        dout = rng.standard_normal(x.shape)
        dx, dg, _ = nb.batchnorm_backward(dout, scache)
        num_dx = _num_grad(lambda z: float(np.sum(np.asarray(nb.batchnorm_forward(z, g, b)[0]) * dout)), x)
        num_dg = _num_grad(lambda z: float(np.sum(np.asarray(nb.batchnorm_forward(x, z, b)[0]) * dout)), g)
        _close(dx, num_dx, "dx against a central difference of your batchnorm_forward", rtol=1e-5,
               atol=1e-6 * max(1.0, float(np.abs(num_dx).max())))
        _close(dg, num_dg, "dgamma against a central difference of your batchnorm_forward", rtol=1e-5,
               atol=1e-6 * max(1.0, float(np.abs(num_dg).max())))


# --------------------------------------------------------------------------- classifier_loss

def _student_bn(nb):
    return (lambda x, g, b: nb.batchnorm_forward(x, g, b)), (lambda d, c: nb.batchnorm_backward(d, c))


def _matches(loss, grads, want):
    rl, rg = want
    if not np.isclose(float(loss), rl, rtol=1e-10, atol=1e-12):
        return False
    scale = max(1.0, max(float(np.abs(a).max()) for a in rg.values()))
    return all(np.asarray(grads[k]).shape == rg[k].shape and
               np.allclose(np.asarray(grads[k], dtype=np.float64), rg[k], rtol=1e-9, atol=1e-10 * scale)
               for k in KEYS)


def test_classifier_loss(nb):
    rng = np.random.default_rng(5701)
    cases = []
    for _ in range(40):
        n, d, h, c = int(rng.integers(2, 10)), int(rng.integers(1, 5)), int(rng.integers(1, 7)), int(rng.integers(2, 6))
        cases.append((rng.standard_normal((n, d)), rng.integers(0, c, n), _params(rng, d, h, c)))
    cases.append((rng.standard_normal((6, 3)), np.zeros(6, dtype=int), _params(rng, 3, 4, 1)))      # one class
    cases.append((rng.standard_normal((2, 2)), np.array([1, 0]), _params(rng, 2, 3, 2)))            # batch of two
    cases.append((rng.standard_normal((8, 2)), rng.integers(0, 3, 8), _params(rng, 2, 5, 3, 400.0)))  # logits ~ 1000
    cases.append((1e3 * rng.standard_normal((7, 3)), rng.integers(0, 4, 7), _params(rng, 3, 4, 4)))  # large inputs
    own, exact = None, []
    for i, (X, y, p) in enumerate(cases):
        pc, Xc, yc = _copy(p), X.copy(), y.copy()
        res = nb.classifier_loss(X, y, p)
        if not (isinstance(res, tuple) and len(res) == 2):
            raise AssertionError("classifier_loss must return the tuple (loss, grads).")
        loss, grads = res
        if not isinstance(grads, dict):
            raise AssertionError("classifier_loss: grads must be a dict.")
        for k in KEYS:
            if k not in grads:
                raise AssertionError(f"classifier_loss: grads has no key {k!r}.")
            as_float_array(grads[k], f"grads[{k!r}]", pc[k].shape)
        as_float_array(loss, "the loss", ())
        for k in KEYS:
            assert_unchanged(p[k], pc[k], f"params[{k!r}]")
        assert_unchanged(X, Xc, "X")
        assert_unchanged(y, yc, "y")
        want = _ref_classifier(Xc, yc, pc)
        if _matches(loss, grads, want):
            exact.append(i)
            continue
        # Graded on its own: composing the student's own batchnorm pair correctly is right here too.
        if own is None:
            own = _student_bn(nb)
        try:
            theirs = _ref_classifier(Xc, yc, pc, *own)
        except Exception:
            theirs = None
        if theirs is not None and _matches(loss, grads, theirs):
            continue
        where = f"classifier_loss with X of shape {X.shape}, {pc['W2'].shape[0]} classes"
        _close(loss, want[0], where + ": the loss", rtol=1e-10)
        scale = max(1.0, max(float(np.abs(a).max()) for a in want[1].values()))
        for k in KEYS:
            _close(grads[k], want[1][k], where + f": grads[{k!r}]", rtol=1e-9, atol=1e-10 * scale)
        raise AssertionError(where + ": the gradients are not those of the loss.")
    # Against a central difference of the student's own loss, where the student's batchnorm pair is right.
    for X, y, p in [cases[i] for i in exact[:4]]:
        loss, grads = nb.classifier_loss(X, y, p)
        for k in KEYS:
            if k == "b1":
                continue   # exactly zero: the central difference is pure rounding
            num = _num_grad(lambda z: float(nb.classifier_loss(X, y, {**p, k: z})[0]), p[k])
            _close(grads[k], num, f"grads[{k!r}] against a central difference of your loss", rtol=1e-5, atol=1e-7)


# --------------------------------------------------------------------------- td_loss

def test_td_loss(nb):
    rng = np.random.default_rng(5801)
    cases = []
    for _ in range(200):
        n, a = int(rng.integers(1, 12)), int(rng.integers(1, 6))
        cases.append((rng.normal(0, 3, (n, a)), rng.integers(0, a, n), rng.normal(0, 3, n)))
    cases.append((rng.standard_normal((7, 1)), np.zeros(7, dtype=int), rng.standard_normal(7)))   # a single action
    cases.append((rng.standard_normal((1, 4)), np.array([3]), np.array([0.25])))                   # a batch of one
    cases.append((rng.standard_normal((9, 3)), np.full(9, 2), rng.standard_normal(9)))            # repeated actions
    cases.append((rng.normal(0, 1e6, (6, 3)), rng.integers(0, 3, 6), rng.normal(0, 1e6, 6)))     # large values
    cases.append((rng.standard_normal((5, 3)), np.array([0, 1, 2, 1, 0]), None))                   # zero TD error
    for i, (q, a, t) in enumerate(cases):
        if t is None:
            t = q[np.arange(q.shape[0]), a].copy()
        q0, a0, t0 = q.copy(), a.copy(), t.copy()
        res = nb.td_loss(q, a, t)
        if not (isinstance(res, tuple) and len(res) == 2):
            raise AssertionError("td_loss must return the tuple (loss, dq_values).")
        rl, rd = _ref_td(q0, a0, t0)
        where = f"td_loss with q_values of shape {q.shape}, actions={a0.tolist()}"
        _close(res[0], rl, where + ": loss")
        _close(res[1], rd, where + ": dq_values")
        assert_unchanged(q, q0, "q_values")
        assert_unchanged(a, a0, "actions")
        assert_unchanged(t, t0, "targets")
        # Against a central difference of the student's own loss (only where that loss is right).
        if i < 10:
            num = _num_grad(lambda z: float(nb.td_loss(z, a0, t0)[0]), q0)
            _close(res[1], num, where + ": dq_values against a central difference of your loss", rtol=1e-5, atol=1e-7)


# --------------------------------------------------------------------------- quiz

def _letter(nb, name):
    value = getattr(nb, name)
    return value.strip().upper()


def test_q1(nb):
    assert _letter(nb, "q1_answer") == "B", "q1: not the right answer; reread 'Why the biased variance' in section 2."


def test_q2(nb):
    assert _letter(nb, "q2_answer") == "D", "q2: not the right answer; reread the end of section 4."


def test_q3(nb):
    assert _letter(nb, "q3_answer") == "A", "q3: not the right answer; reread 'Why the target is a constant'."
