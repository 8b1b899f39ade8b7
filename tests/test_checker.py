"""Tests of the reference gradient checker (course_utils/checker.py)."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from course_utils.checker import (FULL_MODE_MAX_SIZE, N_DIRECTIONS, CheckResult,
                                  GradientCheckError, check_gradient, check_layer,
                                  numerical_gradient)

RNG = np.random.default_rng(12345)


def tags(result: CheckResult) -> list[str]:
    return (result.diagnosis or "").split(",")


# --------------------------------------------------------------------------
# correct gradients are never flagged

A = RNG.standard_normal((4, 4))
C = RNG.standard_normal(30)


def mlp_case():
    X, y = RNG.standard_normal((6, 3)), RNG.standard_normal(6)
    w2 = RNG.standard_normal(5)

    def f(W):
        return 0.5 * np.mean((np.tanh(X @ W.T) @ w2 - y) ** 2)

    def g(W):
        h = np.tanh(X @ W.T)
        r = (h @ w2 - y) / 6
        return (np.outer(r, w2) * (1 - h ** 2)).T @ X
    return f, g, RNG.standard_normal((5, 3))


def softmax_case():
    y = np.array([0, 2, 1])

    def probs(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def g(z):
        p = probs(z)
        p[np.arange(3), y] -= 1
        return p / 3
    return (lambda z: -np.mean(np.log(probs(z)[np.arange(3), y]))), g, \
        np.array([[1000.0, 0.0, -3.0], [2.0, 1.0, 0.5], [-1.0, 4.0, 0.0]])


CORRECT = {
    "cubic": (lambda x: np.sum(x ** 3 - 2 * x), lambda x: 3 * x ** 2 - 2, RNG.uniform(-2, 2, 30)),
    "exp_log": (lambda x: np.sum(np.exp(x)) + np.sum(np.log1p(x ** 2)),
                lambda x: np.exp(x) + 2 * x / (1 + x ** 2), RNG.uniform(-5, 5, 30)),
    "tiny_values": (lambda x: 1e-6 * np.sum(np.sin(x)), lambda x: 1e-6 * np.cos(x), RNG.standard_normal(30)),
    "huge_values": (lambda x: 1e6 * np.sum(x ** 4), lambda x: 4e6 * x ** 3, RNG.standard_normal(30)),
    "huge_x": (lambda x: np.sum(np.sqrt(x)), lambda x: 0.5 / np.sqrt(x), RNG.uniform(1e5, 1e6, 30)),
    "tiny_x": (lambda x: np.sum(C * x ** 2), lambda x: 2 * C * x, 1e-6 * RNG.standard_normal(30)),
    "exact_zeros": (lambda x: np.sum(x[::2] ** 2), lambda x: np.where(np.arange(30) % 2 == 0, 2 * x, 0.0),
                    RNG.standard_normal(30)),
    "all_zero_gradient": (lambda x: np.sum(0.0 * x) + 7.0, lambda x: np.zeros_like(x), RNG.standard_normal(30)),
    "constant": (lambda x: 3.5, lambda x: np.zeros_like(x), RNG.standard_normal((3, 3))),
    "cancelling_sum": (lambda x: 1e4 * (np.sum(x) - np.sum(x[::-1])) + x[0],
                       lambda x: np.eye(1, 30, 0)[0], RNG.standard_normal(30)),
    "matrix": (lambda x: np.sum((A @ x) ** 2), lambda x: 2 * A.T @ A @ x, RNG.standard_normal((4, 4))),
    "mlp": mlp_case(),
    "softmax_large_logits": softmax_case(),
    "relu_away_from_kink": (lambda x: np.sum(C * np.maximum(x, 0)), lambda x: C * (x > 0),
                            np.where(RNG.random(30) < 0.5, -1, 1) * RNG.uniform(0.1, 2, 30)),
}


@pytest.mark.parametrize("case", sorted(CORRECT))
def test_correct_gradient_passes(case):
    f, g, x = CORRECT[case]
    result = check_gradient(f, g, x, seed=0)
    assert result.passed, str(result)
    assert result.diagnosis is None
    assert result.error <= result.tolerance
    assert "matches" in result.message


@pytest.mark.parametrize("case", sorted(CORRECT))
def test_correct_gradient_passes_in_directional_mode(case):
    f, g, x = CORRECT[case]
    result = check_gradient(f, g, x, seed=1, mode="directional")
    assert result.passed, str(result)
    assert result.mode == "directional"


def test_relu_at_exactly_zero_with_subgradient_zero_passes_and_says_kink():
    x = np.array([0.0, 1.5, -2.0, 0.0, 0.3])
    result = check_gradient(lambda x: np.sum(np.maximum(x, 0)), lambda x: (x > 0) * 1.0, x)
    assert result.passed
    assert result.kink_indices == [(0,), (3,)]
    assert "kink" in result.message


@pytest.mark.parametrize("f, g, x", [
    (lambda x: np.sum(np.abs(x)), np.sign, np.array([0.0, 1.0, -1.0])),
    (lambda x: np.max(x), lambda x: (np.arange(3) == np.argmax(x)) * 1.0, np.array([2.0, 2.0, -1.0])),
    (lambda x: np.sum(np.maximum(x, 0)), lambda x: (x > 0) * 1.0, np.array([1e-7, -3e-6, 2.0])),
])
def test_kinks_do_not_fail(f, g, x):
    assert check_gradient(f, g, x).passed


def test_saturated_softmax_passes():
    """Loss exactly 0, or moving in steps of eps coarser than h * slope."""
    y = np.array([1, 0, 1])

    def f(z, out):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return -out * np.mean(np.log((e / e.sum(axis=1, keepdims=True))[np.arange(3), y]))

    def g(z, out):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        p[np.arange(3), y] -= 1
        return out * p / 3
    result = check_gradient(lambda z: f(z, 1.0), lambda z: g(z, 1.0),
                            np.array([[1.0, 60.0], [50.0, 0.0], [0.0, 40.0]]))
    assert result.passed, str(result)
    # A case from the benchmark: the loss moves in steps of 1e-11, coarser than h * slope.
    x = np.array([[1.1147868306518947, 2.746112234836038],
                  [-1.8773102465258622, -4.0145986906049],
                  [-0.6545166634327669, 5.674318850379508]])
    inp, out = 0.05451369134275099, 311446.3199502481
    result = check_gradient(lambda x: f(x / inp, out), lambda x: g(x / inp, out) / inp, x)
    assert result.passed, str(result)


def test_relu_without_mask_is_caught():
    X, C = RNG.standard_normal((6, 3)), RNG.standard_normal((6, 4))
    f = lambda W: np.sum(np.maximum(X @ W.T, 0) * C)
    W = RNG.standard_normal((4, 3))
    assert check_gradient(f, lambda W: ((X @ W.T > 0) * C).T @ X, W).passed
    result = check_gradient(f, lambda W: C.T @ X, W)
    assert not result.passed


def test_wrong_gradient_next_to_kink_still_fails_elsewhere():
    x = np.array([0.0, 1.5, -2.0, 0.7])
    result = check_gradient(lambda x: np.sum(np.maximum(x, 0) ** 2), lambda x: 3 * np.maximum(x, 0), x)
    assert not result.passed
    assert tags(result)[0] == "scale:1.5"


# --------------------------------------------------------------------------
# every wrong gradient is caught, with the right tag

F_SIN = (lambda x: np.sum(np.sin(x) * x), lambda x: np.cos(x) * x + np.sin(x))


def test_sign_flip_on_tiny_gradient():
    x = RNG.standard_normal(20)
    result = check_gradient(lambda x: 1e-6 * np.sum(np.cos(x)), lambda x: 1e-6 * np.sin(x), x)
    assert not result.passed
    assert result.diagnosis == "sign"
    assert "wrong sign" in result.message


def test_gradient_off_by_a_tenth_of_a_percent():
    f, g = F_SIN
    x = RNG.uniform(1, 2, 20)
    result = check_gradient(f, lambda x: 1.001 * g(x), x)
    assert not result.passed
    assert "0.10%" in result.message


def test_one_wrong_entry_of_a_hundred_is_located():
    f, g = F_SIN
    x = RNG.standard_normal((10, 10))

    def bad(x):
        out = g(x)
        out[3, 7] *= 1.01
        return out
    result = check_gradient(f, bad, x, name="dW1")
    assert not result.passed
    assert result.diagnosis == "entries"
    assert result.bad_indices == [(3, 7)]
    assert result.worst_index == (3, 7)
    assert "dW1[3, 7]" in result.message
    assert f"{bad(x)[3, 7]:.6g}" in result.message and f"{g(x)[3, 7]:.6g}" in result.message


def test_transposed_square_matrix():
    result = check_gradient(lambda x: np.sum((A @ x) ** 2), lambda x: (2 * A.T @ A @ x).T,
                            RNG.standard_normal((4, 4)))
    assert not result.passed
    assert result.diagnosis == "transpose"


@pytest.mark.parametrize("k, tag, words", [(2.0, "scale:2", "extra factor 2"),
                                           (0.5, "scale:0.5", "missing factor 2 from the square"),
                                           (1 / 3, "scale:0.333", "constant factor")])
def test_scale(k, tag, words):
    f, g = F_SIN
    result = check_gradient(f, lambda x: k * g(x), RNG.uniform(1, 2, 10))
    assert result.diagnosis == tag
    assert words in result.message
    assert result.scale == pytest.approx(k, rel=1e-6)


def test_batch_size_factor_says_average():
    X, y = RNG.standard_normal((32, 3)), RNG.standard_normal(32)
    f = lambda w: np.mean((X @ w - y) ** 2)
    result = check_gradient(f, lambda w: 2 * X.T @ (X @ w - y), RNG.standard_normal(3), batch_size=32)
    assert result.diagnosis == "scale:32"
    assert "N = batch size" in result.message and "average over the batch" in result.message


def test_batch_size_taken_from_2d_input():
    f = lambda x: np.mean(x ** 2)
    result = check_gradient(f, lambda x: 2 * x, RNG.standard_normal((8, 2)))
    assert result.diagnosis == "scale:16"  # 16 = x.size; x.shape[0] = 8 is not the factor
    result = check_gradient(lambda x: np.sum(x ** 2) / 8, lambda x: 2 * x, RNG.standard_normal((8, 2)))
    assert result.diagnosis == "scale:8"
    assert "average over the batch" in result.message


def test_zero_gradient_where_true_is_not():
    f, g = F_SIN
    result = check_gradient(f, lambda x: np.zeros_like(x), RNG.uniform(1, 2, 10))
    assert result.diagnosis == "zero"


def test_not_zero_but_should_be_with_hint():
    result = check_gradient(lambda b: 0.0 * np.sum(b) + 1.0, lambda b: np.ones_like(b), np.zeros(4),
                            name="db1", hint="batchnorm removes the bias")
    assert not result.passed
    assert "db1 is not zero but should be" in result.message
    assert "batchnorm removes the bias" in result.message


@pytest.mark.parametrize("bad, words", [
    (lambda x: x[:-1], "shape (4,) but should have shape (5,)"),
    (lambda x: list(x), "is a list"),
    (lambda x: None, "forget to return"),
    (lambda x: x.reshape(1, 5), "reshape"),
])
def test_wrong_shape_is_a_failed_result(bad, words):
    result = check_gradient(lambda x: np.sum(x ** 2), bad, np.arange(5.0))
    assert not result.passed
    assert result.diagnosis == "shape"
    assert words in result.message


def test_transposed_shape_is_named():
    result = check_gradient(lambda x: np.sum(x ** 2), lambda x: 2 * x.T, np.ones((2, 3)))
    assert result.diagnosis == "shape"
    assert "transpose" in result.message


def test_nonfinite_gradient():
    def bad(x):
        out = 2 * x
        out[2] = np.nan
        return out
    result = check_gradient(lambda x: np.sum(x ** 2), bad, np.arange(5.0), name="dz")
    assert result.diagnosis == "nonfinite"
    assert "dz[2] is nan" in result.message


def test_unrecognisable_error_is_a_mismatch():
    f, g = F_SIN
    result = check_gradient(f, lambda x: g(x) + np.linspace(0, 1, x.size), RNG.uniform(1, 2, 10))
    assert result.diagnosis == "mismatch"


def test_directional_mode_catches_sign_and_scale():
    f, g = F_SIN
    x = RNG.standard_normal(FULL_MODE_MAX_SIZE + 1)
    assert check_gradient(f, g, x, seed=3).passed
    sign = check_gradient(f, lambda x: -g(x), x, seed=3)
    assert sign.mode == "directional" and sign.diagnosis == "sign"
    scale = check_gradient(f, lambda x: 0.5 * g(x), x, seed=3)
    assert scale.diagnosis == "scale:0.5"
    zero = check_gradient(f, lambda x: 0 * x, x, seed=3)
    assert zero.diagnosis == "zero"
    assert scale.evaluations <= 6 * N_DIRECTIONS + 17


def test_directional_mode_catches_transpose():
    x = RNG.standard_normal((4, 4))
    result = check_gradient(lambda x: np.sum((A @ x) ** 2), lambda x: (2 * A.T @ A @ x).T, x,
                            mode="directional", seed=0)
    assert result.diagnosis == "transpose"


# --------------------------------------------------------------------------
# bad input gets a clear message


def test_f_returning_an_array_is_a_clear_error():
    with pytest.raises(GradientCheckError, match="must return a scalar.*np.sum"):
        check_gradient(lambda x: x ** 2, lambda x: 2 * x, np.ones(3))


def test_exception_in_f_is_reraised_with_a_short_message():
    def f(x):
        return np.sum(x) / 0 if False else {}["key"]
    with pytest.raises(GradientCheckError, match="f raised KeyError") as info:
        check_gradient(f, lambda x: x, np.ones(3))
    assert isinstance(info.value.__cause__, KeyError)


def test_exception_in_grad_f_is_reraised_with_a_short_message():
    with pytest.raises(GradientCheckError, match="grad_f raised ValueError") as info:
        check_gradient(lambda x: np.sum(x), lambda x: x @ np.ones((4, 4)), np.ones(3))
    assert isinstance(info.value.__cause__, ValueError)
    assert len(str(info.value)) < 300


def test_int_and_float32_inputs_are_converted():
    for x in (np.arange(4), np.arange(4, dtype=np.float32)):
        result = check_gradient(lambda x: np.sum(x ** 2), lambda x: 2 * x, x)
        assert result.passed
        assert "float64" in result.message


@pytest.mark.parametrize("x, words", [(np.zeros(0), "empty"), (np.array(["a"]), "numeric"),
                                      (np.array([np.nan]), "NaN")])
def test_bad_x(x, words):
    with pytest.raises(GradientCheckError, match=words):
        check_gradient(lambda x: 0.0, lambda x: x, x)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_f_not_finite_near_x_is_an_error():
    with pytest.raises(GradientCheckError, match="f is nan at a point within"):
        check_gradient(lambda x: np.sum(np.sqrt(x)), lambda x: np.ones(2), np.array([1.0, 0.0]))


def test_f_that_modifies_its_argument_is_an_error():
    def f(x):
        x += 1
        return np.sum(x ** 2)
    with pytest.raises(GradientCheckError, match="modified its argument"):
        check_gradient(f, lambda x: 2 * x, np.ones(3))


def test_gradient_check_error_is_a_value_error():
    assert issubclass(GradientCheckError, ValueError)


# --------------------------------------------------------------------------
# numerical_gradient, seeding, no side effects


def test_numerical_gradient_and_x_unchanged():
    x = RNG.standard_normal((3, 4))
    before = x.copy()
    num = numerical_gradient(lambda x: np.sum(np.exp(x)), x)
    assert num.dtype == np.float64 and num.shape == x.shape
    np.testing.assert_allclose(num, np.exp(x), rtol=1e-8)
    np.testing.assert_array_equal(x, before)
    coarse = numerical_gradient(lambda x: np.sum(x ** 3), np.array([1.0]), h=1e-2)
    assert coarse[0] == pytest.approx(3 + 1e-4, rel=1e-9)  # central difference of x**3: 3x^2 + h^2


def test_check_gradient_does_not_touch_x_or_global_random_state():
    x = RNG.standard_normal(6000)
    before, state = x.copy(), np.random.get_state()[1].copy()
    check_gradient(lambda x: np.sum(x ** 2), lambda x: 2 * x, x)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_full_mode_costs_2p_evaluations_for_a_correct_gradient():
    f, g, x = CORRECT["mlp"]
    result = check_gradient(f, g, x)
    assert result.evaluations == 2 * x.size + 17


def test_result_prints_readably():
    f, g = F_SIN
    text = str(check_gradient(f, lambda x: -g(x), np.ones(3), name="dx"))
    assert text.startswith("FAIL [sign] dx:")
    assert "CheckResult(passed=False" in repr(check_gradient(f, lambda x: -g(x), np.ones(3)))


# --------------------------------------------------------------------------
# check_layer


def linear_forward(X, W, b):
    return X @ W.T + b, (X, W, b)


def linear_backward(dout, cache):
    X, W, b = cache
    return dout @ W, dout.T @ X, dout.sum(axis=0)


LAYER_INPUTS = (RNG.standard_normal((5, 3)), RNG.standard_normal((4, 3)), RNG.standard_normal(4))


def test_check_layer_passes_a_correct_layer():
    results = check_layer(linear_forward, linear_backward, LAYER_INPUTS, seed=0, names=["dX", "dW", "db"])
    assert [r.passed for r in results] == [True, True, True]
    assert [r.name for r in results] == ["dX", "dW", "db"]


def test_check_layer_uses_random_dout():
    def backward(dout, cache):  # right only when dout is all ones
        X, W, b = cache
        return dout @ W, dout.T @ X, np.ones(4) * dout.shape[0]
    results = check_layer(linear_forward, backward, LAYER_INPUTS, seed=0)
    assert [r.passed for r in results] == [True, True, False]


def test_check_layer_mean_instead_of_sum_says_batch():
    def backward(dout, cache):
        X, W, b = cache
        return dout @ W, dout.T @ X, dout.mean(axis=0)
    db = check_layer(linear_forward, backward, LAYER_INPUTS, seed=0)[2]
    assert db.diagnosis == "scale:0.2"
    assert "batch size (5)" in db.message


def test_check_layer_catches_mutating_forward_and_backward():
    def relu_forward(z):
        z[z < 0] = 0
        return z, z

    def relu_backward(dout, cache):
        return dout * (cache > 0)
    (result,) = check_layer(relu_forward, relu_backward, (RNG.standard_normal((3, 3)),))
    assert not result.passed and "forward modified inputs[0] in place" in result.message

    def relu_forward_ok(z):
        return np.maximum(z, 0), z

    def relu_backward_bad(dout, cache):
        cache[cache < 0] = 0
        return dout * (cache > 0)
    (result,) = check_layer(relu_forward_ok, relu_backward_bad, (RNG.standard_normal((3, 3)),))
    assert not result.passed and "backward modified inputs[0] in place" in result.message


def test_check_layer_relu_at_exactly_zero():
    z = np.array([[0.0, 1.0, -1.0], [0.0, 0.0, 2.0]])
    (result,) = check_layer(lambda z: (np.maximum(z, 0), z), lambda dout, z: dout * (z > 0), (z,), seed=0)
    assert result.passed
    assert len(result.kink_indices) == 3


def test_check_layer_is_seeded():
    wrong = lambda dout, cache: tuple(0.9 * g for g in linear_backward(dout, cache))
    first = check_layer(linear_forward, wrong, LAYER_INPUTS, seed=7)
    second = check_layer(linear_forward, wrong, LAYER_INPUTS, seed=7)
    assert [r.message for r in first] == [r.message for r in second]
    assert all(r.diagnosis == "scale:0.9" for r in first)


def test_check_layer_wrong_number_of_gradients():
    with pytest.raises(GradientCheckError, match="2 gradient"):
        check_layer(linear_forward, lambda dout, cache: linear_backward(dout, cache)[:2], LAYER_INPUTS)


# --------------------------------------------------------------------------
# properties over random compositions


def composition(seed: int, n: int, out_scale: float):
    """A random smooth f of a square matrix x (n, n), its gradient and a point."""
    rng = np.random.default_rng(seed)
    w, c1, c2, c3 = rng.uniform(0.2, 3, (n, n)), *rng.standard_normal((3, n, n))
    a = rng.standard_normal((n, n))

    def f(x):
        return out_scale * (np.sum(c1 * np.sin(w * x)) + 0.5 * np.sum(c2 * x ** 2)
                            + np.sum(c3 * np.tanh(a @ x)) + np.log1p(np.sum(x ** 2)))

    def g(x):
        return out_scale * (c1 * w * np.cos(w * x) + c2 * x + a.T @ (c3 * (1 - np.tanh(a @ x) ** 2))
                            + 2 * x / (1 + np.sum(x ** 2)))
    return f, g, rng.standard_normal((n, n)) * rng.choice([1e-3, 1.0, 30.0])


SCALES = st.sampled_from([1e-6, 1e-3, 1.0, 1e3, 1e6])


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6), out_scale=SCALES)
def test_property_correct_compositions_pass(seed, n, out_scale):
    f, g, x = composition(seed, n, out_scale)
    result = check_gradient(f, g, x, seed=seed)
    assert result.passed, str(result)


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 6), out_scale=SCALES,
       bug=st.sampled_from(["sign", "scale", "transpose", "entry", "zero"]),
       k=st.sampled_from([2.0, 0.5, 3.0, 0.1]))
def test_property_mutated_compositions_fail_with_the_right_tag(seed, n, out_scale, bug, k):
    f, g, x = composition(seed, n, out_scale)
    true = g(x)
    size = np.max(np.abs(true))
    if bug == "sign":
        bad, tag = (lambda x: -g(x)), "sign"
    elif bug == "scale":
        bad, tag = (lambda x: k * g(x)), f"scale:{k:.3g}"
    elif bug == "transpose":
        assume(np.max(np.abs(true - true.T)) > 1e-3 * size)
        bad, tag = (lambda x: g(x).T), "transpose"
    elif bug == "entry":
        i, j = seed % n, (seed // n) % n

        def bad(x):
            out = g(x)
            out[i, j] += 0.01 * size
            return out
        tag = "entries"
    else:
        bad, tag = (lambda x: np.zeros_like(x)), "zero"
    result = check_gradient(f, bad, x, seed=seed)
    assert not result.passed
    assert tags(result)[0] == tag, str(result)
    if bug == "entry":
        assert result.bad_indices == [(i, j)]


def test_sharp_curvature_is_judged_not_skipped_as_a_kink():
    # A variance near 0 under a square root bends sharply at the scale of the
    # default step; that is no kink, so a 1% error there must still be caught.
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=(8, 3)), rng.normal(size=(8, 3))
    d = x - x.mean(0)

    def f(v):
        return float(np.sum(w * d / np.sqrt(v + 1e-5)))

    def dvar(v):
        return np.sum(w * d * -0.5 * (v + 1e-5) ** -1.5, axis=0)

    v = np.array([1e-4, 1e-3, 2.0])
    assert check_gradient(f, dvar, v).passed
    wrong = check_gradient(f, lambda z: dvar(z) * np.array([1.01, 1.0, 1.0]), v)
    assert not wrong.passed and wrong.diagnosis == "entries" and wrong.bad_indices == [(0,)]
    assert not wrong.kink_indices


def _in_float32(f):
    """f computed in float32: inputs and result rounded, as a float32 student loss."""
    return lambda x: float(np.float32(f(x.astype(np.float32).astype(np.float64))))


def test_float32_f_that_does_not_move_at_the_first_step_is_not_an_exact_zero():
    # A float32 f does not change over a step of 6e-6 |x|: that is no evidence
    # that the slope is 0, so an all-zero gradient must not pass.
    f = _in_float32(lambda x: float(np.sum(0.3 * np.exp(0.5 * x) + np.log1p(x ** 2))))
    x = np.array([0.013044269599887137])
    result = check_gradient(f, lambda x: np.zeros_like(x), x)
    assert not result.passed and result.diagnosis == "zero"


def test_float32_one_sign_flipped_entry_is_entries_not_sign_everywhere():
    # Most entries are undecided in float32; those that agree with the
    # numerical gradient show the sign is not wrong everywhere.
    rng = np.random.default_rng(9)  # a case where 12 of 13 entries were once tagged 'sign'
    w, x = rng.uniform(0.1, 5, 13), rng.uniform(-3, 3, 13)
    f = _in_float32(lambda x: float(np.sum(np.sin(w * x) * np.cos(x)) + np.sum(np.tanh(x)) ** 2))
    g = lambda x: (w * np.cos(w * x) * np.cos(x) - np.sin(w * x) * np.sin(x)
                   + 2 * np.sum(np.tanh(x)) * (1 - np.tanh(x) ** 2))
    for i in range(x.size):
        def bad(x, i=i):
            out = g(x).copy()
            out[i] = -out[i]
            return out
        result = check_gradient(f, bad, x)
        assert not result.passed or (i,) in result.undecided
        if not result.passed:
            assert result.diagnosis == "entries" and result.bad_indices == [(i,)]


@pytest.mark.parametrize("seed, i", [(0, 68968), (2, 2348), (3, 82987)])
def test_directional_mode_finds_a_needle_the_directions_cannot_see(seed, i):
    # 1% off in one entry of 1e5 moves each random direction by ~1e-7 relative:
    # the directions pass, and only the bisection that always follows names it.
    rng = np.random.default_rng(0)
    c, x = rng.standard_normal(100_000), rng.standard_normal(100_000)
    f = lambda x: float(np.sum(c * np.tanh(x)) + 0.1 * np.sum(x ** 2))

    def bad(x):
        out = c * (1 - np.tanh(x) ** 2) + 0.2 * x
        out[i] *= 1.01
        return out
    result = check_gradient(f, bad, x, mode="directional", seed=seed)
    assert not result.passed and result.diagnosis == "entries"
    assert result.bad_indices == [(i,)] and result.worst_index == (i,)
    assert f"grad[{i}]" in result.message


def test_sign_flip_at_an_entry_a_hair_from_zero_is_not_passed():
    # |x_i| = 4e-9 must not make a gradient of 0.5 look negligible ("judged 0").
    rng = np.random.default_rng(9)
    c, x = rng.standard_normal(20), rng.standard_normal(20)
    x[14] = 3.7e-9
    f = lambda x: float(np.sum(c * np.maximum(x, 0)) + 0.5 * np.sum(x ** 2))
    g = lambda x: c * (x > 0) + x

    def bad(x):
        out = g(x)
        out[14] = -out[14]
        return out
    result = check_gradient(f, bad, x)
    assert (not result.passed and result.bad_indices == [(14,)]) or (14,) in result.undecided


def test_loss_on_stairs_is_not_judged_from_two_rungs_on_the_same_stair():
    # A saturated softmax whose loss (4.5e-13) moves in stairs of 3e-19: two rungs
    # of the ladder gave exactly the same slope, which looked like "no noise" and
    # failed a correct entry (benchmark case 6365). Correct: never a failure.
    x = np.array([[-10.051309688068892, -10.446967703210671, -7.587199553736976,
                   -0.8270509360129799],
                  [-7.322509578664904, -10.608856508262377, 13.657703655246072,
                   6.668891677973354]])
    y = np.array([3, 2])
    inp, out = 0.3041796011351432, 0.0027617429307754404

    def probs(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def f(x):
        return -out * np.mean(np.log(probs(x / inp)[np.arange(2), y]))

    def g(x):
        p = probs(x / inp)
        p[np.arange(2), y] -= 1
        return out * p / 2 / inp
    result = check_gradient(f, g, x)
    assert result.passed or result.diagnosis == "undecided", str(result)
    assert not result.bad_indices


def _float32_mlp_loss(seed):
    """Softmax cross-entropy of a tanh layer, computed in float32 throughout."""
    rng = np.random.default_rng(seed)
    X, V = rng.standard_normal((6, 5)), rng.standard_normal((3, 5)) / np.sqrt(5)
    y = rng.integers(3, size=6)
    W = rng.standard_normal((5, 5)) / np.sqrt(5)

    def forward(W, dtype):
        H = np.tanh(X.astype(dtype) @ W.astype(dtype).T)
        z = H @ V.astype(dtype).T
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -np.mean(logp[np.arange(6), y]), H

    def grad(W):
        _, H = forward(W, np.float64)
        p = np.exp(H @ V.T)
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(6), y] -= 1
        return ((1 - H ** 2) * (p @ V / 6)).T @ X
    return (lambda W: float(forward(W, np.float32)[0])), grad, W


@pytest.mark.parametrize("seed", range(8))
def test_float32_model_is_judged_and_a_large_bug_fails(seed):
    # float32 rounds every sum and product: the ladder's larger steps (up to 8%
    # of x) are what resolve 1% here, so a correct gradient is judged, not undecided.
    f, g, W = _float32_mlp_loss(seed)
    result = check_gradient(f, g, W)
    assert result.passed and result.diagnosis is None, str(result)
    assert "float32" in result.message
    result = check_gradient(f, lambda W: 1.3 * g(W), W)
    assert not result.passed and result.diagnosis == "scale:1.3", str(result)


@pytest.mark.parametrize("seed", range(8))
def test_float32_one_entry_off_by_two_percent_is_never_passed_silently(seed):
    f, g, W = _float32_mlp_loss(seed)
    i = int(np.argmax(np.abs(g(W))))

    def bad(W):
        out = g(W)
        out.flat[i] *= 1.02
        return out
    result = check_gradient(f, bad, W)
    index = tuple(int(k) for k in np.unravel_index(i, W.shape))
    assert (not result.passed and index in result.bad_indices) or index in result.undecided, str(result)


@pytest.mark.parametrize("seed", [27, 28, 106, 145, 169, 191])
def test_float32_wiggle_averaged_by_large_steps_is_not_a_failure(seed):
    # sin(x / k) with a period below 1% of x, in float32: steps small enough to
    # follow it are drowned in float32 noise, and larger ones average it away,
    # which looked like a smooth f with another slope. These seeds were false
    # alarms when steps above LOCAL_TOP could fail an entry.
    rng = np.random.default_rng(seed)
    p = int(rng.integers(10, 200))
    c, x = rng.standard_normal(p), rng.standard_normal(p) * 10.0 ** rng.uniform(-3, 3)
    k = 10.0 ** rng.uniform(-3, 0) * np.max(np.abs(x))

    def f(x):
        x32, c32 = x.astype(np.float32), c.astype(np.float32)
        return float(np.sum(c32 * x32 * x32, dtype=np.float32) / np.float32(2)
                     + np.sum(np.sin(x32 / np.float32(k)), dtype=np.float32))
    result = check_gradient(f, lambda x: c * x + np.cos(x / k) / k, x)
    assert result.passed or result.diagnosis == "undecided", str(result)


def test_undecided_message_ends_with_an_ellipsis_and_says_times_not_thousands_of_percent():
    x = np.linspace(1.0, 2.0, 8)
    result = check_gradient(lambda x: float(np.float32(1000 + np.sum(1e-4 * x ** 2))),
                            lambda x: 2e-4 * x, x)
    assert result.diagnosis == "undecided"
    assert result.message.endswith("grad[4], ...") and "...." not in result.message
    assert "errors below 141 times the gradient cannot be seen" in result.message  # not "14146%"
