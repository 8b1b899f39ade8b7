"""course_utils.testing: the assertions the notebooks' tests are built from."""
import numpy as np
import pytest

from course_utils.testing import (CheckFailed, as_float_array, assert_close, assert_finite_difference,
                                  assert_unchanged)


def test_exact_formulas_pass_and_a_central_difference_fails():
    x = np.linspace(-3, 3, 101)
    exact = 9 * (3 * x + 2) ** 2
    assert_close(81 * x ** 2 + 108 * x + 36, exact, "dcubic(x)")  # same derivative, another form
    h = 1e-5
    estimate = ((3 * (x + h) + 2) ** 3 - (3 * (x - h) + 2) ** 3) / (2 * h)
    with pytest.raises(CheckFailed, match=r"^dcubic\(x\): \[estimate\] .*entries wrong\)\. "
                                          r"At entry \(\d+,\) at x=.*: got .* expected "):
        assert_close(estimate, exact, "dcubic(x)", inputs={"x": x})


def test_a_finite_difference_scalar_is_called_an_estimate():
    with pytest.raises(CheckFailed) as error:
        assert_close(30.000000000640625, 30.0, "df(x)")
    assert error.value.advice.startswith("[estimate]")
    assert "numerical estimate (off in the 11th digit): return the exact formula" in error.value.advice
    assert str(error.value).endswith("got 30.000000000640625, expected 30.0.")


@pytest.mark.parametrize("value, words", [(None, "return"), ([1.0, 2.0], "list"), ("1", "str"),
                                          (np.ones(3), "shape"), (np.array([np.nan, 1.0]), "NaN")])
def test_bad_return_values_are_named(value, words):
    with pytest.raises(CheckFailed, match=words) as error:
        as_float_array(value, "grad(w, x, y)", shape=(2,))
    assert str(error.value).startswith("grad(w, x, y) ")
    assert error.value.label == "grad(w, x, y)" and words in error.value.advice


def test_finite_difference_of_the_students_forward():
    x = np.linspace(-2, 2, 41)
    assert_finite_difference(np.cos(x ** 2) * 2 * x, lambda z: np.sin(z ** 2), x, "dg(x)")
    with pytest.raises(CheckFailed, match="against a central difference"):
        assert_finite_difference(np.cos(x ** 2), lambda z: np.sin(z ** 2), x, "dg(x)")


def test_in_place_changes_are_caught():
    before = np.arange(3.0)
    assert_unchanged(before.copy(), before, "x")
    with pytest.raises(CheckFailed, match="changed its argument `x` in place") as error:
        assert_unchanged(before + 1, before, "x")
    assert error.value.label == "argument x"


@pytest.mark.parametrize("factor, tag, words", [(-1.0, "sign", "wrong sign"), (0.5, "scale:0.5", "factor 2"),
                                                (0.0, "zero", "all zeros")])
def test_a_failure_says_what_kind_of_wrong(factor, tag, words):
    x = np.linspace(-1, 1, 7)
    with pytest.raises(AssertionError, match=rf"^dsin\(x\): \[{tag}\] .*{words}"):
        assert_close(factor * np.cos(x), np.cos(x), "dsin(x)")


def test_advice_names_the_diagnosis_and_count_but_no_expected_value():
    x = np.linspace(0.5, 1.5, 200)
    true = np.cos(x)
    wrong = true.copy()
    wrong[[3, 50, 120]] += 0.5
    with pytest.raises(CheckFailed) as error:
        assert_close(-true, true, "grad(w, x, y)")
    assert "[sign]" in error.value.advice and "200 of 200 entries wrong" in error.value.advice
    with pytest.raises(CheckFailed) as error:
        assert_close(wrong, true, "grad(w, x, y)")
    failure = error.value
    assert isinstance(failure, AssertionError)
    assert failure.advice == "3 of 200 entries wrong"
    assert "expected" not in failure.advice and "expected" in str(failure)


def test_no_diagnosis_for_an_unrecognisable_error():
    x = np.linspace(-1, 1, 7)
    with pytest.raises(CheckFailed) as error:
        assert_close(np.cos(x) + x ** 3, np.cos(x), "dsin(x)")
    assert "[" not in error.value.advice


def test_helpers_hide_their_own_frames():
    import course_utils.testing as testing
    for helper in (testing.as_float_array, testing.assert_close, testing.assert_finite_difference,
                   testing.assert_unchanged):
        assert "__tracebackhide__" in helper.__code__.co_varnames
