"""Hidden tests of 01_chain_rule: one function per graded test cell.

Run by the grader in its own process (course_utils/grading/verdict.py) with
`nb` giving the student's names; see docs/hidden-tests.md. Messages never
contain an expected value.
"""
import numpy as np

from course_utils.testing import as_float_array, assert_close, assert_finite_difference, assert_unchanged

# Graded as literals read from the answer cells' text, never run.
ANSWERS = {"q2_answer": str, "q4_answer": str}
_KEYS = {"q2_answer": "D", "q4_answer": "A"}


# ---------------------------------------------------------------- references
def _loss(w, x, y):
    return (w * x - y) ** 2


def _grad(w, x, y):
    return 2.0 * (w * x - y) * x


def _f(x):
    return (2.0 * x + 1.0) ** 2


def _df(x):
    return 4.0 * (2.0 * x + 1.0)


def _g(x):
    return np.sin(x * x)


def _dg(x):
    return 2.0 * x * np.cos(x * x)


def _c(x):
    return (3.0 * x + 2.0) ** 3


def _dc(x):
    return 9.0 * (3.0 * x + 2.0) ** 2


def _tanh_neuron(w, x, b, dh):
    t = np.tanh(w * x + b)
    dz = dh * (1.0 - t * t)
    return dz, dz * x, dz * w, dz + 0.0 * b


# ---------------------------------------------------------------- helpers
def _copies(*arrays):
    return [np.array(a, copy=True) for a in arrays]


def _check_unchanged(arrays, copies, names):
    for a, c, n in zip(arrays, copies, names):
        if isinstance(a, np.ndarray):
            assert_unchanged(a, c, n)


def _elementwise_derivative(nb_fn, name, ref_f, ref_df, seed, x_random, x_big, x_nd, scalars):
    """The shared checks of df, dg, dcubic: random points, a central difference, large |x|, arrays, numbers."""
    x = x_random
    x0 = x.copy()
    d = nb_fn(x)
    assert_unchanged(x, x0, "x")
    assert_close(d, ref_df(x), f"{name}(x) at random points", inputs={"x": x})
    assert_finite_difference(d, ref_f, x, f"{name}(x)")
    assert_close(nb_fn(x_big), ref_df(x_big), f"{name}(x) at large |x|", inputs={"x": x_big})
    X0 = x_nd.copy()
    assert_close(nb_fn(x_nd), ref_df(x_nd), f"{name}(x) with a {x_nd.shape} array", inputs={"x": x_nd})
    assert_unchanged(x_nd, X0, "x")
    for v in scalars:
        assert_close(nb_fn(v), ref_df(v), f"{name}({v})")


def _tanh_call(nb, args, shape, label, which=("dz", "dw", "dx", "db")):
    """Call the student's tanh_neuron_backward, check the format of the gradients `which` and that no input changed."""
    copies = _copies(*args)
    out = nb.tanh_neuron_backward(*args)
    _check_unchanged(args, copies, ("w", "x", "b", "dh"))
    assert isinstance(out, tuple) and len(out) == 4, "return the tuple (dz, dw, dx, db)"
    return tuple(as_float_array(o, f"{n} {label}", shape) if n in which else o
                 for o, n in zip(out, ("dz", "dw", "dx", "db")))


def _tanh_cases(seed):
    """(args, broadcast shape, label) of the points where tanh_neuron_backward is checked."""
    rng = np.random.default_rng(seed)
    w, x, b = rng.normal(0.0, 1.0, (3, 200))
    dh = rng.normal(0.0, 2.0, 200)
    cases = [((w, x, b, dh), (200,), "at random points")]
    cases.append(((np.array([0.01, -0.002, 0.3, 1e-3, 0.05]), np.array([40.0, 300.0, -2.0, 800.0, -30.0]),
                   np.array([0.2, -0.1, 0.4, 0.0, 0.3]), np.array([1e3, -5e3, 2e4, 3e3, -1e4])),
                  (5,), "at large x and dh"))
    cases.append(((np.array([5.0, -4.0]), np.array([4.0, 6.0]), np.array([1.0, 0.5]), np.array([1.0, 1.0])),
                  (2,), "at saturated neurons"))
    cases.append(((0.7, rng.normal(0.0, 2.0, 50), -0.2, 1.5), (50,), "with w, b, dh numbers and x of shape (50,)"))
    cases.append(((rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(4, 3))),
                  (4, 3), "with (4, 3) arrays and b of shape (3,)"))
    for i in range(12):
        args = (float(w[i]), float(x[i]), float(b[i]), float(dh[i]))
        cases.append((args, (), "at plain numbers"))
    return cases


# ---------------------------------------------------------------- graded cells
def test_loss(nb):
    rng = np.random.default_rng(1001)
    w, x, y = rng.normal(0.0, 2.0, (3, 200))
    copies = _copies(w, x, y)
    assert_close(nb.loss(w, x, y), _loss(w, x, y), "loss(w, x, y) at random points", inputs={"w": w, "x": x, "y": y})
    _check_unchanged((w, x, y), copies, ("w", "x", "y"))
    for i in range(20):  # plain numbers in, a number out
        args = (float(w[i]), float(x[i]), float(y[i]))
        assert_close(nb.loss(*args), _loss(*args), "loss(w, x, y) with numbers")
    assert_close(nb.loss(0.7, x, y), _loss(0.7, x, y), "loss(0.7, x, y) (w a number, x and y arrays)")
    X = rng.normal(0.0, 1.0, (4, 5))
    assert_close(nb.loss(X, 2.0, -1.0), _loss(X, 2.0, -1.0), "loss(w, 2, -1) with a (4, 5) array w")
    big = np.array([1e3, -2e3, 5e4, 0.0])
    assert_close(nb.loss(big, big[::-1].copy(), 3.0), _loss(big, big[::-1], 3.0), "loss at large |w|, |x|")


def test_grad(nb):
    rng = np.random.default_rng(1002)
    w, x, y = rng.normal(0.0, 2.0, (3, 200))
    copies = _copies(w, x, y)
    g = nb.grad(w, x, y)
    _check_unchanged((w, x, y), copies, ("w", "x", "y"))
    # 1. Against the exact derivative, tightly: a finite-difference estimate fails.
    assert_close(g, _grad(w, x, y), "grad(w, x, y) at random points", inputs={"w": w, "x": x, "y": y})
    bw = np.array([1e3, -2e3, 5e4, 3e2, -7e3, 1e4])
    bx = np.array([4e2, 3.0, -2.0, -1e3, 0.5, 8e3])
    by = np.array([1.0, -5.0, 2.0, 0.0, 3.0, -1.0])
    assert_close(nb.grad(bw, bx, by), _grad(bw, bx, by), "grad(w, x, y) at large |w|, |x|",
                 inputs={"w": bw, "x": bx, "y": by})
    for i in range(20):
        args = (float(w[i]), float(x[i]), float(y[i]))
        assert_close(nb.grad(*args), _grad(*args), "grad(w, x, y) with numbers")
    assert_close(nb.grad(0.7, x, y), _grad(0.7, x, y), "grad(0.7, x, y) (w a number, x and y arrays)")
    W = rng.normal(0.0, 1.0, (4, 5))
    assert_close(nb.grad(W, -1.5, 2.0), _grad(W, -1.5, 2.0), "grad(w, -1.5, 2) with a (4, 5) array w")
    # 2. Against a central difference of the student's own loss, only where that loss is right.
    try:
        loss_ok = bool(np.allclose(np.asarray(nb.loss(w, x, y), dtype=float), _loss(w, x, y), rtol=1e-12, atol=1e-12))
    except Exception:
        loss_ok = False
    if loss_ok:
        assert_finite_difference(g, lambda v: nb.loss(v, x, y), w, "grad(w, x, y) against your loss")


def test_df(nb):
    rng = np.random.default_rng(1003)
    _elementwise_derivative(nb.df, "df", _f, _df, 1003, rng.normal(0.0, 3.0, 200),
                            np.array([1e4, -3e5, 2e6, 7e3]), rng.normal(0.0, 2.0, (3, 4, 5)),
                            [0.0, 1.0, -0.5, 2.5, 0.3, -7.25])


def test_dg(nb):
    rng = np.random.default_rng(1004)
    _elementwise_derivative(nb.dg, "dg", _g, _dg, 1004, rng.uniform(-3.0, 3.0, 200),
                            np.array([31.0, -57.5, 120.25, 400.0]), rng.uniform(-2.0, 2.0, (6, 7)),
                            [0.5, 1.0, 2.0, -1.7, 0.0])


def test_dcubic(nb):
    rng = np.random.default_rng(1005)
    _elementwise_derivative(nb.dcubic, "dcubic", _c, _dc, 1005, rng.normal(0.0, 2.0, 200),
                            np.array([1e3, -4e4, 2.5e5, 9e3]), rng.normal(0.0, 1.0, (5, 2, 3)),
                            [0.0, 1.0, -0.5, 2.5, -3.25])


def _answer(nb, name):
    value = getattr(nb, name)
    return value.strip().upper()


def test_q2(nb):
    assert _answer(nb, "q2_answer") == _KEYS["q2_answer"], "Q2: not the right answer."


def test_q4(nb):
    assert _answer(nb, "q4_answer") == _KEYS["q4_answer"], "Q4: not the right answer."


def test_tanh_neuron_backward(nb):
    """dz = dL/dz, through tanh: against the exact derivative and a central difference of tanh."""
    for args, shape, label in _tanh_cases(1006):
        dz = _tanh_call(nb, args, shape, label, which=("dz",))[0]
        assert_close(dz, np.broadcast_to(_tanh_neuron(*args)[0], shape), f"dz of tanh_neuron_backward {label}")
    rng = np.random.default_rng(1016)
    w, x, b = rng.normal(0.0, 1.0, (3, 100))
    dh = rng.normal(0.0, 2.0, 100)
    dz = _tanh_call(nb, (w, x, b, dh), (100,), "at random points", which=("dz",))[0]
    assert_finite_difference(dz, lambda z: dh * np.tanh(z), w * x + b, "dz")


def test_tanh_linear_step(nb):
    """dw, dx, db: through z = w x + b, judged against the student's own dz (so a wrong dz costs once)."""
    for args, shape, label in _tanh_cases(1007):
        dz, dw, dx, db = _tanh_call(nb, args, shape, label)
        w, x, b, dh = (np.broadcast_to(np.asarray(a, dtype=float), shape) for a in args)
        if not np.all(np.isfinite(dz)):
            raise AssertionError(f"dz {label}: not finite")
        assert_close(dw, dz * x, f"dw of tanh_neuron_backward {label}, given your dz")
        assert_close(dx, dz * w, f"dx of tanh_neuron_backward {label}, given your dz")
        assert_close(db, dz, f"db of tanh_neuron_backward {label}, given your dz")
    # dz must not be zero everywhere (then the three checks above say nothing)
    dz = _tanh_call(nb, (0.5, 2.0, -0.5, 0.4), (), "at the worked example")[0]
    assert abs(float(dz)) > 1e-3, "dz at the worked example: zero, so dw, dx and db cannot be judged"
