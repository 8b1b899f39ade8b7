"""Property tests of the reference checker on hard ground (hypothesis).

Entries spanning 12 orders of magnitude in one x, and functions that round
their input and value to float32. Correct gradients never fail; every planted
bug fails or is reported as undecided, never passed.
"""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.checker import check_gradient, numerical_gradient

FAST = settings(max_examples=40, deadline=None)


def separable(seed: int, p: int):
    """f = sum(sin(w x / s) + 0.3 (x / s)**2) with scales s from 1e-6 to 1e6."""
    rng = np.random.default_rng(seed)
    s = 10.0 ** rng.uniform(-6, 6, p)
    w = rng.uniform(0.5, 3, p)
    x = s * rng.uniform(-2, 2, p)
    f = lambda x: float(np.sum(np.sin(w * x / s)) + 0.3 * np.sum((x / s) ** 2))
    g = lambda x: w * np.cos(w * x / s) / s + 0.6 * x / s ** 2
    return f, g, x


def in_float32(f):
    """``f`` with its input and its value rounded to float32."""
    return lambda x: float(np.float32(f(x.astype(np.float32).astype(np.float64))))


@FAST
@given(seed=st.integers(0, 2**32 - 1), p=st.integers(2, 30))
def test_numerical_gradient_is_accurate_at_every_scale(seed, p):
    f, g, x = separable(seed, p)
    num = numerical_gradient(f, x)
    assert np.all(np.abs(num - g(x)) <= 1e-8 * np.abs(g(x)) + 1e-12 * np.max(np.abs(g(x))))


@FAST
@given(seed=st.integers(0, 2**32 - 1), p=st.integers(2, 30))
def test_correct_gradients_pass_across_twelve_orders_of_magnitude(seed, p):
    f, g, x = separable(seed, p)
    result = check_gradient(f, g, x, seed=seed)
    assert result.passed, str(result)


@FAST
@given(seed=st.integers(0, 2**32 - 1), p=st.integers(4, 30),
       bug=st.sampled_from(["sign", "zero", "x2", "entry"]))
def test_bugs_in_quiet_entries_are_caught_across_scales(seed, p, bug):
    f, g, x = separable(seed, p)
    i = int(np.argmin(np.abs(g(x))))  # the quietest entry

    def bad(z):
        out = g(z)
        if bug == "entry":
            out[i] *= 1.01
            return out
        return {"sign": -out, "zero": 0 * out, "x2": 2 * out}[bug]
    result = check_gradient(f, bad, x, seed=seed)
    assert not result.passed, str(result)
    if bug == "entry":
        assert result.diagnosis == "entries" and result.bad_indices == [(i,)]


@FAST
@given(seed=st.integers(0, 2**32 - 1), p=st.integers(2, 20))
def test_float32_functions_never_raise_false_alarms(seed, p):
    rng = np.random.default_rng(seed)
    c, x = rng.standard_normal((3, p)), rng.uniform(-2, 2, p)
    f = in_float32(lambda x: np.sum(c[0] * x + c[1] * x ** 2 + c[2] * np.sin(x)))
    g = lambda x: c[0] + 2 * c[1] * x + c[2] * np.cos(x)
    result = check_gradient(f, g, x, seed=seed)
    assert result.passed or result.diagnosis == "undecided", str(result)


@FAST
@given(seed=st.integers(0, 2**32 - 1), p=st.integers(2, 20),
       k=st.sampled_from([-1.0, 0.0, 0.5, 2.0]))
def test_float32_functions_never_pass_a_wrong_gradient(seed, p, k):
    rng = np.random.default_rng(seed)
    c, x = rng.standard_normal((3, p)), rng.uniform(-2, 2, p)
    f = in_float32(lambda x: np.sum(c[0] * x + c[1] * x ** 2 + c[2] * np.sin(x)))
    g = lambda x: c[0] + 2 * c[1] * x + c[2] * np.cos(x)
    result = check_gradient(f, lambda x: k * g(x), x, seed=seed)
    assert not result.passed, str(result)
    if result.undecided:
        assert "f seems to compute in float32: errors below" in result.message


@FAST
@given(seed=st.integers(0, 2**32 - 1))
def test_a_fast_oscillation_does_not_alias(seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 1.5, 5)  # the default step of old was a whole period of sin(x / 1e-6)
    f = lambda x: float(np.sum(np.sin(x / 1e-6))) * 1e-6
    g = lambda x: np.cos(x / 1e-6)
    assert check_gradient(f, g, x, seed=seed).passed
    assert not check_gradient(f, lambda x: 0.99 * g(x), x, seed=seed).passed
