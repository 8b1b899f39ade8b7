"""Hidden tests of 02_gradient_checking: one function per graded test cell.

Run by the grader in its own process (course_utils/grading/verdict.py) with
`nb` giving the student's names; see docs/hidden-tests.md. Every callable
passed into a student function is reference code defined here. Messages
never contain an expected value.
"""
import numpy as np

from course_utils.testing import as_float_array, assert_close, assert_unchanged

# Graded as literals read from the answer cells' text, never run.
ANSWERS = {"buggy_params": set, "q1_answer": str, "q2_answer": str, "q3_answer": str, "q4_answer": str,
           "q5_answer": str}
_KEYS = {"q1_answer": "C", "q2_answer": "A", "q3_answer": "D", "q4_answer": "A", "q5_answer": "B"}


# ---------------------------------------------------------------- references
def _cube(t):
    return t * t * t


def _cube_sum(v):
    return np.sum(v * v * v)


def _cube_grad(v):
    return 3 * v * v


def _ref_numerical_gradient(f, x, h=1e-5):
    x = np.asarray(x, dtype=np.float64)
    g = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        p, m = x.copy(), x.copy()
        p[i] += h
        m[i] -= h
        g[i] = (f(p) - f(m)) / (2 * h)
    return g


def _ref_relative_error(a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    d = np.sqrt(np.sum(a * a)) + np.sqrt(np.sum(b * b))
    return 0.0 if d == 0 else float(np.sqrt(np.sum((a - b) ** 2)) / d)


# ---------------------------------------------------------------- graded cells
def test_forward_difference(nb):
    rng = np.random.default_rng(2001)
    for x, h in zip(rng.uniform(-3.0, 3.0, 40), rng.uniform(0.01, 0.5, 40)):
        x, h = float(x), float(h)
        # for t**3 the forward difference is 3x^2 + 3xh + h^2: central or backward differences differ
        assert_close(nb.forward_difference(_cube, x, h), (_cube(x + h) - _cube(x)) / h,
                     f"forward_difference(t**3, x={x:.4g}, h={h:.4g})", rtol=1e-9, atol=1e-12)
        assert_close(nb.forward_difference(np.exp, x, h), (np.exp(x + h) - np.exp(x)) / h,
                     f"forward_difference(exp, x={x:.4g}, h={h:.4g})", rtol=1e-9, atol=1e-12)
    for h in (1e-8, 1e-4, 1.0, 2.5):  # the step is honoured, small or large
        assert_close(nb.forward_difference(_cube, 1.5, h), (_cube(1.5 + h) - _cube(1.5)) / h,
                     f"forward_difference(t**3, x=1.5, h={h})", rtol=1e-9, atol=1e-12)
    for x in (1e3, -2e4):  # large |x|
        assert_close(nb.forward_difference(_cube, x, 0.5), (_cube(x + 0.5) - _cube(x)) / 0.5,
                     f"forward_difference(t**3, x={x}, h=0.5)", rtol=1e-9, atol=1e-12)


def test_numerical_derivative(nb):
    rng = np.random.default_rng(2002)
    for x, h in zip(rng.uniform(-3.0, 3.0, 40), rng.uniform(0.01, 0.5, 40)):
        x, h = float(x), float(h)
        # for t**3 the central difference is 3x^2 + h^2: forward differences or a missing 2 differ
        assert_close(nb.numerical_derivative(_cube, x, h), 3.0 * x * x + h * h,
                     f"numerical_derivative(t**3, x={x:.4g}, h={h:.4g})", rtol=1e-9, atol=1e-12)
        assert_close(nb.numerical_derivative(np.exp, x, h), (np.exp(x + h) - np.exp(x - h)) / (2.0 * h),
                     f"numerical_derivative(exp, x={x:.4g}, h={h:.4g})", rtol=1e-9, atol=1e-12)
    # the default step is h = 1e-5
    assert_close(nb.numerical_derivative(_cube, 0.0), 1e-10, "numerical_derivative(t**3, 0) with the default h",
                 rtol=1e-6)
    for x in rng.uniform(-2.0, 2.0, 15):
        x = float(x)
        assert_close(nb.numerical_derivative(np.sin, x), (np.sin(x + 1e-5) - np.sin(x - 1e-5)) / 2e-5,
                     f"numerical_derivative(sin, x={x:.4g}) with the default h", rtol=1e-8, atol=1e-12)


def _run_numerical_gradient(nb, f, x, label, **kw):
    x0 = x.copy()
    g = nb.numerical_gradient(f, x, **kw)
    assert_unchanged(x, x0, "x")
    assert isinstance(g, np.ndarray), f"{label}: return a NumPy array, got {type(g).__name__}"
    assert g.dtype == np.float64, f"{label}: return a float64 array, got dtype {g.dtype}"
    as_float_array(g, label, x.shape)
    return g


def test_numerical_gradient(nb):
    rng = np.random.default_rng(2003)
    # 1-D, h honoured: exactly 3 x^2 + h^2 (a forward difference gives 3x^2 + 3xh + h^2)
    x = rng.uniform(-2.0, 2.0, 25)
    for h in (0.1, 0.3):
        label = f"numerical_gradient(sum(v**3), x, h={h})"
        assert_close(_run_numerical_gradient(nb, _cube_sum, x, label, h=h), 3 * x * x + h * h, label,
                     rtol=1e-9, atol=1e-10)
    # default h = 1e-5: at x = 0 every entry is h^2
    label = "numerical_gradient(sum(v**3), zeros(4)) with the default h"
    assert_close(_run_numerical_gradient(nb, _cube_sum, np.zeros(4), label), np.full(4, 1e-10), label,
                 rtol=1e-6, atol=0.0)
    # coupled entries: f(v) = sum(c v^2) + (sum v)^2, gradient 2 c v + 2 sum(v)
    for shape in [(7,), (3, 4), (2, 3, 4)]:
        c = rng.uniform(0.5, 2.0, shape)
        v = rng.normal(0.0, 1.0, shape)
        label = f"numerical_gradient(sum(c v**2) + sum(v)**2) on shape {shape}"
        g = _run_numerical_gradient(nb, lambda t, c=c: np.sum(c * t * t) + np.sum(t) ** 2, v, label)
        assert_close(g, 2 * c * v + 2 * np.sum(v), label, rtol=1e-6, atol=1e-8)
    # f may depend on the shape of its argument (rows of a matrix)
    A = rng.normal(0.0, 1.0, (4, 3))
    M = rng.normal(0.0, 1.0, (4, 3))

    def f(m):
        return np.sum(np.tanh(m @ A.T)[0])

    label = "numerical_gradient(sum(tanh(M @ A.T)[0]), M)"
    assert_close(_run_numerical_gradient(nb, f, M, label), _ref_numerical_gradient(f, M), label,
                 rtol=1e-6, atol=1e-9)
    # large entries: the step is added to the entry, not relative to it
    big = np.array([1e3, -2e3, 5e2])
    label = "numerical_gradient(sum(v**3), x) at large |x|, h=0.5"
    assert_close(_run_numerical_gradient(nb, _cube_sum, big, label, h=0.5), 3 * big * big + 0.25, label,
                 rtol=1e-9, atol=1e-9)


def test_relative_error(nb):
    rng = np.random.default_rng(2004)
    for shape in [(5,), (3, 4), (2, 3, 2), (1,)]:
        for _ in range(8):
            a = rng.normal(0.0, 1.0, shape) * 10.0 ** rng.integers(-6, 6)
            b = a * (1 + rng.normal(0.0, 1.0, shape) * 10.0 ** rng.integers(-9, 1))
            a0, b0 = a.copy(), b.copy()
            e = nb.relative_error(a, b)
            assert_unchanged(a, a0, "a")
            assert_unchanged(b, b0, "b")
            want = _ref_relative_error(a, b)
            assert_close(e, want, f"relative_error on shape {shape}", rtol=1e-9, atol=1e-15)
            assert_close(nb.relative_error(b, a), want, f"relative_error(b, a) on shape {shape} (it is symmetric)",
                         rtol=1e-9, atol=1e-15)
            assert_close(nb.relative_error(1e5 * a, 1e5 * b), want, "relative_error of scaled gradients",
                         rtol=1e-5, atol=1e-15)
    for a, b in [(2.0, -2.0), (0.0, 5.0), (1e-30, 3e-30), (7.5, 7.5), (-1.0, 3.0)]:
        assert_close(nb.relative_error(a, b), _ref_relative_error(a, b), f"relative_error({a}, {b})",
                     rtol=1e-9, atol=1e-15)
    for z in [0.0, np.zeros(4), np.zeros((2, 3))]:
        assert_close(nb.relative_error(z, np.zeros_like(z)), 0.0, "relative_error of two zero gradients",
                     rtol=0.0, atol=0.0)


def _try(fn, *args, **kw):
    try:
        return fn(*args, **kw)
    except Exception:
        return None


def _acceptable_errors(nb, f, grad_f, x, h):
    """The errors a right gradient_check may report: with the reference helpers, or with the student's own.

    gradient_check uses the student's numerical_gradient and relative_error in
    the sandbox, so a bug there (graded in its own cell) must not cost this
    cell too: any error consistent with them is accepted.
    """
    analytic = grad_f(x)
    numerics = [_ref_numerical_gradient(f, x, h)]
    xs = x.copy()
    mine = _try(nb.numerical_gradient, f, xs, h)
    if mine is not None:
        numerics.append(np.asarray(mine, dtype=float))
    analytics = [analytic, grad_f(xs)]  # the student's helper may have moved x
    errors = []
    for num in numerics:
        for an in analytics:
            errors.append(_ref_relative_error(an, num))
            for pair in ((an, num), (num, an)):
                e = _try(nb.relative_error, *pair)
                if e is not None:
                    try:
                        errors.append(float(e))
                    except (TypeError, ValueError):
                        pass
    helpers_keep_x = mine is not None and np.array_equal(xs, x)
    return errors, helpers_keep_x


def _run_gradient_check(nb, f, grad_f, x, label, check_x=True, **kw):
    x0 = x.copy()
    out = nb.gradient_check(f, grad_f, x, **kw)
    if check_x:
        assert_unchanged(x, x0, "x")
    assert isinstance(out, tuple) and len(out) == 2, f"{label}: return the tuple (passed, error)"
    passed, error = out
    assert isinstance(passed, (bool, np.bool_)), f"{label}: passed should be a bool, got {type(passed).__name__}"
    return bool(passed), float(as_float_array(error, f"{label}: error", ()))


def _judge(nb, f, grad_f, x, label, h=None, tol=None):
    """Run the student's gradient_check (h, tol passed only when given) and judge (passed, error)."""
    kw = {k: v for k, v in (("h", h), ("tol", tol)) if v is not None}
    errors, keep_x = _acceptable_errors(nb, f, grad_f, x.copy(), 1e-5 if h is None else h)
    passed, error = _run_gradient_check(nb, f, grad_f, x.copy(), label, check_x=keep_x, **kw)
    if not any(abs(error - e) <= 1e-6 * abs(e) + 1e-12 for e in errors):
        raise AssertionError(f"{label}: error is not the relative error of grad_f(x) and "
                             "numerical_gradient(f, x, h), with the h you were given")
    assert passed == (error < (1e-7 if tol is None else tol)), \
        f"{label}: passed should be True exactly when error < tol"
    return passed, error


def test_gradient_check(nb):
    rng = np.random.default_rng(2005)
    for shape in [(6,), (3, 4), (2, 2, 3)]:
        x = rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
        _judge(nb, _cube_sum, _cube_grad, x, f"a correct gradient on shape {shape}")
        for k in (2.0, -1.0, 0.0, 1.001):
            _judge(nb, _cube_sum, lambda v, k=k: k * _cube_grad(v), x, f"{k} times the true gradient on shape {shape}")
    # h is honoured: with h = 0.1 the numerical gradient of sum(v**3) is 3 v^2 + 0.01
    x = rng.uniform(0.5, 2.0, 8)
    _, error = _judge(nb, _cube_sum, _cube_grad, x, "h=0.1", h=0.1)
    # tol is honoured, on both sides of the error
    for tol in (10 * error, error / 10):
        _judge(nb, _cube_sum, _cube_grad, x, "h=0.1 and a tol near the error", h=0.1, tol=tol)
    _judge(nb, _cube_sum, lambda v: 1.001 * _cube_grad(v), x, "1.001 times the gradient, tol=1e-2", tol=1e-2)
    # a large gradient: relative, not absolute
    _judge(nb, lambda v: 1e6 * _cube_sum(v), lambda v: 1e6 * _cube_grad(v), x, "a correct gradient of size 1e7")


def test_buggy_params(nb):
    assert nb.buggy_params == {"W2", "b1"}, \
        "not the right set of parameters: run your gradient_check on each parameter in turn"


def _quiz(nb, name, label):
    assert getattr(nb, name).strip().upper() == _KEYS[name], f"{label}: not the right answer."


def test_q1(nb):
    _quiz(nb, "q1_answer", "Q1")


def test_q2(nb):
    _quiz(nb, "q2_answer", "Q2")


def test_q3(nb):
    _quiz(nb, "q3_answer", "Q3")


def test_q4(nb):
    _quiz(nb, "q4_answer", "Q4")


def test_q5(nb):
    _quiz(nb, "q5_answer", "Q5")
