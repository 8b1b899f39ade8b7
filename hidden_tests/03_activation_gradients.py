"""Hidden tests of 03_activation_gradients: one function per graded test cell.

Each ``test_*`` function is named after its cell's grade_id and receives
``nb``, the student's names (functions as sandbox proxies, quiz answers as
literals). References live here and nowhere else. Every generator is seeded,
so grades are reproducible; every check is tight (``assert_close``'s default
rtol 1e-11), so a finite-difference estimate of a gradient fails.
"""
import copy
import warnings

import numpy as np

from course_utils.testing import as_float_array, assert_close, assert_finite_difference, assert_unchanged

# Graded from the answer cells' text, never run; each must be exactly a str.
ANSWERS = {"q1_answer": str, "q2_answer": str, "q3_answer": str, "q4_answer": str}
_KEY = {"q1_answer": "D", "q2_answer": "B", "q3_answer": "D", "q4_answer": "A"}


# --------------------------------------------------------------------------- references

def _relu(z):
    return np.where(z > 0, z, 0.0)


def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _softmax_ce(z, y):
    n = z.shape[0]
    s = z - z.max(axis=1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    g = np.exp(log_p)
    g[np.arange(n), y] -= 1.0
    return -log_p[np.arange(n), y].mean(), g / n


# --------------------------------------------------------------------------- helpers

def _right_where(out, expected):
    """Entries where a student's forward output equals the reference (all False if unusable)."""
    expected = np.asarray(expected, dtype=np.float64)
    try:
        out = np.asarray(out, dtype=np.float64)
    except Exception:
        return np.zeros(expected.shape, bool)
    if out.shape != expected.shape:
        return np.zeros(expected.shape, bool)
    with np.errstate(all="ignore"):
        return np.isfinite(out) & (np.abs(out - expected) <= 1e-9 * (1.0 + np.abs(expected)))


def _pair(result, fn, what="(out, cache)"):
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise AssertionError(f"{fn} must return a pair {what}; got {type(result).__name__}.")
    return result


def _entries(value, shape, use, name):
    """The student's array, with the entries outside `use` (where their forward was wrong) zeroed."""
    if use.all() or not isinstance(value, (np.ndarray, float, np.floating)):
        return as_float_array(value, name, shape)
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape != tuple(shape):
        raise AssertionError(f"{name} returned shape {arr.shape}, expected shape {tuple(shape)}.")
    return np.where(use, arr, 0.0)


def _quiet(fn, *args, name):
    """Call fn with every floating-point overflow or invalid operation turned into a failure."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            try:
                return fn(*args)
            except (FloatingPointError, RuntimeWarning) as error:
                raise AssertionError(f"{name} overflowed or produced NaN for |z| <= 1000 ({error}). "
                                     "Never exponentiate a large positive number; remember that np.where "
                                     "evaluates both branches.") from None


def _loud(fn, *args):
    """Call fn with floating-point warnings silenced (forward passes fed to a backward test)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return fn(*args)


def _check_backward(nb, fwd, bwd, ref_out, ref_grad, z, dout, fd_mask=None, quiet=False):
    """One backward test at the points z: value, dout and cache untouched, central difference of the forward.

    The backward pass is judged only on the entries where the student's own
    forward is right (when at least half are), so a wrong forward costs the
    forward's points, not the backward's.
    """
    forward, backward = getattr(nb, fwd), getattr(nb, bwd)
    out, cache = _pair(_loud(forward, z.copy()), fwd)
    ok = _right_where(out, ref_out)
    use = ok if ok.mean() >= 0.5 else np.ones(z.shape, bool)
    cache_before, dout_before = copy.deepcopy(cache), dout.copy()
    if quiet:
        dz = _quiet(backward, dout, cache, name=bwd)
    else:
        dz = backward(dout, cache)
    dz = _entries(dz, z.shape, use, f"{bwd}(dout, cache)")
    assert_close(dz[use], ref_grad[use], f"{bwd}(dout, cache)", inputs={"z": z[use], "dout": dout[use]})
    assert_unchanged(dout, dout_before, "dout")
    assert_unchanged(cache, cache_before, "cache")
    if ok.all() and fd_mask is not None and fd_mask.any():
        # Your forward is right: your backward must also match a central difference of it.
        ones = np.ones(z.shape)
        g = as_float_array(backward(ones, _pair(_loud(forward, z.copy()), fwd)[1]), f"{bwd}(ones, cache)", z.shape)
        assert_finite_difference(g[fd_mask], lambda x: _loud(forward, x)[0], z[fd_mask], f"{bwd}(ones, cache)")


def _answer(nb, name):
    value = getattr(nb, name)
    if not isinstance(value, str) or value.strip().upper() not in ("A", "B", "C", "D"):
        raise AssertionError(f"{name} must be one of the letters 'A', 'B', 'C', 'D'.")
    return value.strip().upper()


# --------------------------------------------------------------------------- ReLU

def test_relu_forward(nb):
    rng = np.random.default_rng(30101)
    cases = [rng.standard_normal(s) * 3.0 for s in [(200,), (7, 5), (1, 1), (2, 3, 4)]]
    cases.append(rng.uniform(-1e6, 1e6, size=(40,)))
    cases.append(np.array([0.0, -0.0, 1e-300, -1e-300, 1e300, -1e300, 5e-324]))
    for z in cases:
        before = z.copy()
        out, _ = _pair(nb.relu_forward(z), "relu_forward")
        assert_close(out, _relu(z), f"relu_forward on shape {z.shape}")
        assert_unchanged(z, before, "z")
    for s in [2.5, -1.25, 0.0]:
        out, _ = _pair(nb.relu_forward(s), "relu_forward")
        assert_close(out, max(s, 0.0), f"relu_forward({s}) for a Python float")


def test_relu_backward(nb):
    rng = np.random.default_rng(30102)
    for shape in [(200,), (6, 4), (1, 1), (3, 2, 5)]:
        z = rng.standard_normal(shape) * 3.0
        flat = z.reshape(-1)
        flat[::5] = 0.0            # exact zeros: the kink, where the gradient must be 0
        flat[1::11] = -0.0
        dout = rng.standard_normal(shape) * 10.0
        _check_backward(nb, "relu_forward", "relu_backward", _relu(z), dout * (z > 0), z, dout,
                        fd_mask=np.abs(z) > 1e-3)
    for s, want in [(2.0, 0.7), (-2.0, 0.0), (0.0, 0.0)]:
        _, cache = _pair(nb.relu_forward(s), "relu_forward")
        assert_close(nb.relu_backward(0.7, cache), want, f"relu_backward(0.7, cache of z={s})")


# --------------------------------------------------------------------------- tanh

def test_tanh_forward(nb):
    rng = np.random.default_rng(30201)
    cases = [rng.standard_normal(s) * 3.0 for s in [(200,), (8, 3), (1, 1), (2, 2, 3)]]
    cases.append(np.array([0.0, 1e-9, -1e-9, 30.0, -30.0, 400.0, -400.0, 1000.0, -1000.0]))
    for z in cases:
        before = z.copy()
        h, _ = _pair(_quiet(nb.tanh_forward, z, name="tanh_forward"), "tanh_forward")
        assert_close(h, np.tanh(z), f"tanh_forward on shape {z.shape}", inputs={"z": z})
        assert_unchanged(z, before, "z")
    x = float(rng.uniform(0.2, 2.0))
    h, _ = _pair(nb.tanh_forward(x), "tanh_forward")
    assert_close(h, np.tanh(x), "tanh_forward(x) for a Python float x")


def test_tanh_backward(nb):
    rng = np.random.default_rng(30202)
    for shape in [(200,), (5, 7), (1, 1), (2, 3, 2)]:
        z = rng.standard_normal(shape) * 2.5
        flat, k = z.reshape(-1), min(3, z.size)
        flat[:k] = [25.0, -400.0, 1000.0][:k]     # deep in the saturated tails
        dout = rng.standard_normal(shape) * 10.0
        _check_backward(nb, "tanh_forward", "tanh_backward", np.tanh(z), dout * (1.0 - np.tanh(z) ** 2),
                        z, dout, fd_mask=np.abs(z) < 10)
    x, d = float(rng.uniform(0.2, 2.0)), float(rng.uniform(-2.0, 2.0))
    _, cache = _pair(nb.tanh_forward(x), "tanh_forward")
    assert_close(nb.tanh_backward(d, cache), d * (1.0 - np.tanh(x) ** 2), "tanh_backward for Python floats")


# --------------------------------------------------------------------------- sigmoid

def test_sigmoid_forward(nb):
    rng = np.random.default_rng(30301)
    cases = [rng.standard_normal(s) * 4.0 for s in [(200,), (6, 5), (1, 1), (2, 3, 2)]]
    cases.append(np.array([-1000.0, -745.0, -709.0, -40.0, -1e-12, 0.0, -0.0, 1e-12, 40.0, 709.0, 745.0, 1000.0]))
    cases.append(rng.uniform(-1000.0, 1000.0, size=(50, 4)))
    for z in cases:
        before = z.copy()
        s, _ = _pair(_quiet(nb.sigmoid_forward, z, name="sigmoid_forward"), "sigmoid_forward")
        assert_close(s, _sigmoid(z), f"sigmoid_forward on shape {z.shape}", inputs={"z": z})
        assert_unchanged(z, before, "z")
    for x in [-1000.0, float(rng.uniform(-3, 3)), 1000.0]:
        s, _ = _pair(_quiet(nb.sigmoid_forward, x, name="sigmoid_forward"), "sigmoid_forward")
        assert_close(s, _sigmoid(np.float64(x)), f"sigmoid_forward({x}) for a Python float")


def test_sigmoid_backward(nb):
    rng = np.random.default_rng(30302)
    cases = [rng.standard_normal(s) * 4.0 for s in [(200,), (6, 5), (1, 1), (2, 3, 2)]]
    cases.append(np.array([-1000.0, -745.0, -709.0, -40.0, -1e-12, 0.0, 1e-12, 40.0, 709.0, 745.0, 1000.0]))
    for z in cases:
        dout = rng.standard_normal(z.shape) * 10.0
        s = _sigmoid(z)
        _check_backward(nb, "sigmoid_forward", "sigmoid_backward", s, dout * s * (1.0 - s), z, dout,
                        fd_mask=np.abs(z) < 20, quiet=True)
    _, cache = _pair(nb.sigmoid_forward(0.0), "sigmoid_forward")
    assert_close(nb.sigmoid_backward(2.0, cache), 0.5, "sigmoid_backward(2.0, cache of z=0.0) for Python floats")


# --------------------------------------------------------------------------- softmax

def test_softmax(nb):
    rng = np.random.default_rng(30401)
    cases = [rng.standard_normal(s) * k for s, k in [((200, 10), 3.0), ((7, 3), 30.0), ((1, 1), 1.0),
                                                       ((1, 4), 2.0), ((5, 1), 10.0), ((3, 2), 1.0)]]
    cases.append(np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -999.0],
                           [1000.0, 1000.0, 1.0], [0.0, 0.0, 0.0]]))
    cases.append(rng.uniform(-1000, 1000, size=(20, 6)))
    for z in cases:
        before = z.copy()
        p = _quiet(nb.softmax, z, name="softmax")
        assert_close(p, _softmax(z), f"softmax on shape {z.shape}")
        assert_unchanged(z, before, "z")
    # shift invariance, row by row
    z = rng.standard_normal((6, 4))
    assert_close(nb.softmax(z + rng.uniform(-500, 500, size=(6, 1))), _softmax(z),
                 "softmax(z + a different constant in every row)", rtol=1e-9)


# --------------------------------------------------------------------------- softmax cross-entropy

def _ce_cases():
    rng = np.random.default_rng(30501)
    cases = []
    for n, c, k in [(200, 10, 3.0), (7, 3, 1.0), (1, 5, 2.0), (1, 1, 1.0), (6, 1, 5.0), (4, 2, 20.0), (13, 4, 0.1)]:
        cases.append((rng.standard_normal((n, c)) * k, rng.integers(0, c, size=n)))
    cases.append((np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0],
                            [1000.0, 1000.0, -1000.0], [-1000.0, -1000.0, -1000.0]]), np.array([1, 1, 0, 2])))
    cases.append((rng.uniform(-1000, 1000, size=(30, 5)), rng.integers(0, 5, size=30)))
    cases.append((np.array([[3.0], [-2.0]]), np.array([0, 0])))     # a single class: loss 0, gradient 0
    return cases


def _ce_call(nb, z, y):
    zb, yb = z.copy(), y.copy()
    res = _pair(_loud(nb.softmax_cross_entropy, z, y), "softmax_cross_entropy", "(loss, dlogits)")
    assert_unchanged(z, zb, "logits")
    assert_unchanged(y, yb, "y")
    return res


def test_softmax_ce_loss(nb):
    for z, y in _ce_cases():
        loss, _ = _ce_call(nb, z, y)
        assert_close(loss, _softmax_ce(z, y)[0], f"loss for logits of shape {z.shape}")


def test_softmax_ce_grad(nb):
    for z, y in _ce_cases():
        _, g = _ce_call(nb, z, y)
        assert_close(g, _softmax_ce(z, y)[1], f"dlogits for logits of shape {z.shape}")
    # Against a central difference of your own loss, where your loss is right.
    rng = np.random.default_rng(30502)
    z, y = rng.standard_normal((5, 4)), rng.integers(0, 4, size=5)
    loss, g = _ce_call(nb, z, y)
    if abs(float(loss) - _softmax_ce(z, y)[0]) < 1e-12:
        num, h = np.zeros_like(z), 1e-6
        for i in np.ndindex(z.shape):
            e = np.zeros_like(z)
            e[i] = h
            num[i] = (float(nb.softmax_cross_entropy(z + e, y)[0]) - float(nb.softmax_cross_entropy(z - e, y)[0])) / (2 * h)
        assert_close(g, num, "dlogits against a central difference of your loss", rtol=1e-6, atol=1e-9)


# --------------------------------------------------------------------------- quiz

def test_q1(nb):
    assert _answer(nb, "q1_answer") == _KEY["q1_answer"], "Q1: not the right answer."


def test_q2(nb):
    assert _answer(nb, "q2_answer") == _KEY["q2_answer"], "Q2: not the right answer."


def test_q3(nb):
    assert _answer(nb, "q3_answer") == _KEY["q3_answer"], "Q3: not the right answer."


def test_q4(nb):
    assert _answer(nb, "q4_answer") == _KEY["q4_answer"], "Q4: not the right answer."

