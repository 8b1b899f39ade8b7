"""course_utils.testing: the assertions the notebooks' tests are built from."""
import numpy as np
import pytest

from course_utils.testing import as_float_array, assert_close, assert_finite_difference, assert_unchanged


def test_exact_formulas_pass_and_a_central_difference_fails():
    x = np.linspace(-3, 3, 101)
    exact = 9 * (3 * x + 2) ** 2
    assert_close(81 * x ** 2 + 108 * x + 36, exact, "dcubic(x)")  # same derivative, another form
    h = 1e-5
    estimate = ((3 * (x + h) + 2) ** 3 - (3 * (x - h) + 2) ** 3) / (2 * h)
    with pytest.raises(AssertionError, match=r"dcubic\(x\) entry \(\d+,\) at x=.*got .* expected .*entries wrong"):
        assert_close(estimate, exact, "dcubic(x)", inputs={"x": x})


@pytest.mark.parametrize("value, words", [(None, "return"), ([1.0, 2.0], "list"), ("1", "str"),
                                          (np.ones(3), "shape"), (np.array([np.nan, 1.0]), "NaN")])
def test_bad_return_values_are_named(value, words):
    with pytest.raises(AssertionError, match=words):
        as_float_array(value, "grad(w, x, y)", shape=(2,))


def test_finite_difference_of_the_students_forward():
    x = np.linspace(-2, 2, 41)
    assert_finite_difference(np.cos(x ** 2) * 2 * x, lambda z: np.sin(z ** 2), x, "dg(x)")
    with pytest.raises(AssertionError, match="against a central difference"):
        assert_finite_difference(np.cos(x ** 2), lambda z: np.sin(z ** 2), x, "dg(x)")


def test_in_place_changes_are_caught():
    before = np.arange(3.0)
    assert_unchanged(before.copy(), before, "x")
    with pytest.raises(AssertionError, match="changed its argument `x` in place"):
        assert_unchanged(before + 1, before, "x")


@pytest.mark.parametrize("factor, tag, words", [(-1.0, "sign", "wrong sign"), (0.5, "scale:0.5", "factor 2"),
                                                (0.0, "zero", "all zeros")])
def test_a_failure_says_what_kind_of_wrong(factor, tag, words):
    x = np.linspace(-1, 1, 7)
    with pytest.raises(AssertionError, match=rf"Diagnosis \[{tag}\]: .*{words}"):
        assert_close(factor * np.cos(x), np.cos(x), "dsin(x)")


def test_no_diagnosis_for_an_unrecognisable_error():
    x = np.linspace(-1, 1, 7)
    with pytest.raises(AssertionError) as error:
        assert_close(np.cos(x) + x ** 3, np.cos(x), "dsin(x)")
    assert "Diagnosis" not in str(error.value)
