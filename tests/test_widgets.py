"""course_utils.widgets: build each widget, drive it, read what it shows."""
import matplotlib

matplotlib.use("Agg")  # before pyplot: no display on CI

import ipywidgets as W  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import widgets  # noqa: E402

PNG = b"\x89PNG"


def is_png(image):
    return bytes(image.value).startswith(PNG)  # ipywidgets holds it as a memoryview


# Seed 000's tiny model, written here as the notebook's solution would be.
def loss(w, x, y):
    return (w * x - y) ** 2


def grad(w, x, y):
    return 2 * (w * x - y) * x


def grad_blank(w, x, y):
    raise NotImplementedError


def grad_buggy(w, x, y):
    raise ZeroDivisionError("division by zero\nsecond line of the message")


def forward_difference(f, x, h):
    return (f(x + h) - f(x)) / h


def numerical_derivative(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_derivative_blank(f, x, h=1e-5):
    raise NotImplementedError


ESTIMATORS = {"forward difference": forward_difference, "central difference": numerical_derivative}


# -------------------------------------------------------------- tangent ---

def test_tangent_explorer_shows_numbers_that_follow_the_slider():
    open_figures = plt.get_fignums()
    box = widgets.tangent_explorer(loss, grad, 2.0, 3.0, w0=0.5)
    assert isinstance(box, W.VBox)
    slider, status, image = box.children
    assert isinstance(slider, W.FloatSlider) and slider.value == 0.5
    assert "L(w) = 4" in status.value and "dL/dw = -8" in status.value  # (0.5*2 - 3)**2, 2*(-2)*2
    first_png = bytes(image.value)
    assert first_png.startswith(PNG)
    slider.value = 2.0
    assert "L(w) = 1" in status.value and "dL/dw = 4" in status.value
    assert bytes(image.value) != first_png
    assert plt.get_fignums() == open_figures  # redrawing leaks no figure


def test_tangent_figure_draws_curve_point_and_tangent_with_the_given_slope():
    fig, summary = widgets.tangent_figure(loss, grad, 2.0, 3.0, 1.0, w_range=(-1.0, 3.0))
    ax = fig.axes[0]
    curve, point, tangent = ax.get_lines()
    assert curve.get_xdata()[0] == -1.0 and curve.get_xdata()[-1] == 3.0
    assert point.get_xdata()[0] == 1.0 and point.get_ydata()[0] == pytest.approx(1.0)
    xs, ys = tangent.get_xdata(), tangent.get_ydata()
    assert (ys[-1] - ys[0]) / (xs[-1] - xs[0]) == pytest.approx(grad(1.0, 2.0, 3.0))
    assert ax.get_xlabel() and ax.get_ylabel()


def test_tangent_explorer_with_blank_grad_still_renders_and_says_what_to_do():
    box = widgets.tangent_explorer(loss, grad_blank, 2.0, 3.0)
    slider, status, image = box.children
    assert "implement grad_blank() above, then re-run this cell" in status.value
    assert "L(w) =" in status.value and is_png(image)
    slider.value = 1.0
    assert "implement grad_blank()" in status.value and "w = 1.000" in status.value


def test_tangent_explorer_shows_other_errors_in_one_line():
    _, status, image = widgets.tangent_explorer(loss, grad_buggy, 2.0, 3.0).children
    assert "ZeroDivisionError: division by zero" in status.value
    assert "second line" not in status.value and "Traceback" not in status.value
    _, status, image = widgets.tangent_explorer(lambda w, x, y: 1 / 0, grad, 2.0, 3.0).children
    assert "ZeroDivisionError" in status.value and is_png(image)


def test_tangent_explorer_rejects_bad_ranges():
    with pytest.raises(ValueError, match="w_range"):
        widgets.tangent_explorer(loss, grad, 2.0, 3.0, w_range=(1.0, -1.0))
    with pytest.raises(ValueError, match="w0"):
        widgets.tangent_explorer(loss, grad, 2.0, 3.0, w0=10.0)


# ------------------------------------------------------------ step size ---

def test_step_size_report_errors_are_v_shaped():
    hs = np.logspace(-14, -1, 27)
    errors, problems = widgets.step_size_report(np.sin, np.cos, 1.0, ESTIMATORS, hs)
    assert problems == {}
    for label in ESTIMATORS:
        best = np.argmin(errors[label])
        assert 0 < best < len(hs) - 1
        assert errors[label][0] > errors[label][best] < errors[label][-1]
    assert np.min(errors["central difference"]) < np.min(errors["forward difference"])


def test_step_size_explorer_follows_the_slider():
    open_figures = plt.get_fignums()
    box = widgets.step_size_explorer(np.sin, np.cos, 1.0, ESTIMATORS, h0=1e-5)
    slider, status, image = box.children
    assert isinstance(slider, W.FloatLogSlider)
    assert slider.min == -16 and slider.max == -1
    assert f"{np.cos(1.0):.16g}" in status.value
    before_text, before_png = status.value, bytes(image.value)
    expected = f"{forward_difference(np.sin, 1.0, 1e-5):.16g}"
    assert expected in before_text
    slider.value = 1e-2
    assert status.value != before_text and bytes(image.value) != before_png
    assert f"{forward_difference(np.sin, 1.0, 1e-2):.16g}" in status.value
    assert plt.get_fignums() == open_figures


def test_step_size_figure_has_the_curves_and_a_line_at_h():
    hs = np.logspace(-14, -1, 27)
    errors, _ = widgets.step_size_report(np.sin, np.cos, 1.0, ESTIMATORS, hs)
    fig = widgets.step_size_figure(hs, errors, 3e-7)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    (line,) = [ln for ln in ax.get_lines() if ln.get_gid() == "current-h"]
    assert line.get_xdata()[0] == 3e-7
    assert {"curve:forward difference", "curve:central difference"} <= {ln.get_gid() for ln in ax.get_lines()}
    # a line under the region names stops below them
    (words,) = [t for t in ax.texts if "truncation" in t.get_text()]
    ax = widgets.step_size_figure(hs, errors, words.get_position()[0]).axes[0]
    (line,) = [ln for ln in ax.get_lines() if ln.get_gid() == "current-h"]
    (words,) = [t for t in ax.texts if "truncation" in t.get_text()]
    assert ax.transAxes.transform((0, line.get_ydata()[1]))[1] < words.get_window_extent().y0


def test_step_size_figure_blank_keeps_the_line_off_the_note():
    hs = np.logspace(-16, -1, 31)
    for h in (1e-14, 1e-5, 1e-2):
        fig = widgets.step_size_figure(hs, {}, h)
        ax = fig.axes[0]
        fig.canvas.draw()
        (note,) = ax.texts
        box = note.get_window_extent()
        x = ax.transData.transform((h, 0.5))[0]
        assert not box.x0 <= x <= box.x1, h


def test_step_size_explorer_with_a_blank_estimator_keeps_the_others():
    estimators = {"forward difference": forward_difference, "central difference": numerical_derivative_blank}
    _, status, image = widgets.step_size_explorer(np.sin, np.cos, 1.0, estimators).children
    assert "implement numerical_derivative_blank() above, then re-run this cell" in status.value
    assert "forward difference: estimate" in status.value
    assert is_png(image)


def test_step_size_explorer_with_everything_blank_still_renders():
    estimators = {"central difference": numerical_derivative_blank}
    slider, status, image = widgets.step_size_explorer(np.sin, np.cos, 1.0, estimators).children
    assert "implement numerical_derivative_blank()" in status.value and is_png(image)
    slider.value = 1e-3
    assert "implement numerical_derivative_blank()" in status.value


# ----------------------------------------------------------------- quiz ---

CHAIN_RULE = ["A) dy/dx = dy/dg + dg/dx", "B) dy/dx = dy/dg × dg/dx",
              "C) dy/dx = dy/dg - dg/dx", "D) dy/dx = (dy/dg) / (dg/dx)"]


@pytest.mark.parametrize("answer", ["B", "b", 1])
def test_quiz_feedback(answer):
    box = widgets.quiz("If y = f(g(x)), what is dy/dx?", CHAIN_RULE, answer, explanation="Multiply local derivatives.")
    question, choices, check, feedback = box.children
    assert "dy/dx" in question.value and isinstance(choices, W.RadioButtons) and choices.value is None
    check.click()
    assert "Pick an answer" in feedback.value
    choices.value = CHAIN_RULE[0]
    check.click()
    assert "try again" in feedback.value and "Multiply" not in feedback.value
    choices.value = CHAIN_RULE[1]
    assert feedback.value == ""  # a new choice clears the old verdict
    check.click()
    assert "Correct" in feedback.value and "Multiply local derivatives." in feedback.value


def test_quiz_options_without_letters_and_bad_answers():
    _, choices, check, feedback = widgets.quiz("2 + 2?", ["3", "4"], "B").children
    choices.value = "4"
    check.click()
    assert "Correct" in feedback.value
    with pytest.raises(ValueError):
        widgets.quiz("2 + 2?", ["3", "4"], "E")
    with pytest.raises(ValueError):
        widgets.quiz("2 + 2?", ["3", "4"], 2)
    with pytest.raises(ValueError):
        widgets.quiz("2 + 2?", ["4"], 0)
