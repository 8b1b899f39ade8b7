"""course_utils.diagrams: what each drawing shows, that it names but never computes gradients, no overlaps."""
import matplotlib

matplotlib.use("Agg")  # no display on CI

import re  # noqa: E402

import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course_utils import diagrams  # noqa: E402


def all_text(fig: Figure) -> str:
    return "\n".join(t.get_text() for ax in fig.axes for t in ax.texts) + "\n" + \
        "\n".join(ax.get_title() for ax in fig.axes)


def text_boxes(fig: Figure):
    """(text, window extent) of every non-empty text of the figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    FigureCanvasAgg(fig)  # a pyplot-free figure gets a canvas that can render
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [(t.get_text(), t.get_window_extent(renderer)) for ax in fig.axes for t in ax.texts if t.get_text().strip()]


def overlapping(fig: Figure) -> list[tuple[str, str]]:
    boxes = text_boxes(fig)
    return [(a, b) for i, (a, ea) in enumerate(boxes) for b, eb in boxes[i + 1:]
            if ea.overlaps(eb) and ea.intersection(ea, eb).width > 1 and ea.intersection(ea, eb).height > 1]


def outside(fig: Figure) -> list[str]:
    width, height = fig.bbox.width, fig.bbox.height
    return [t for t, e in text_boxes(fig) if e.x0 < -1 or e.y0 < -1 or e.x1 > width + 1 or e.y1 > height + 1]


# Code that computes a gradient: an assignment or product with a transpose,
# a sum over an axis, a ReLU mask, 1 - h**2 ... none may appear in a drawing.
FORMULA = re.compile(r"(=\s*[^=]*[@*]|\.T\b|sum\(|axis|> ?0|1 - |\*\*)")


@pytest.mark.parametrize("draw", [diagrams.draw_mlp, diagrams.draw_batchnorm_graph, diagrams.draw_mlp_graph])
def test_figures_are_notebook_width_without_overlaps(draw):
    fig = draw()
    assert isinstance(fig, Figure)
    assert 8 <= fig.get_figwidth() <= 10
    assert overlapping(fig) == []
    assert outside(fig) == []


def test_mlp_names_every_array_and_gradient_with_its_shape():
    text = all_text(diagrams.draw_mlp(3, 4, 2))
    for label in ["X", "(N, D) = (N, 3)", "W1 (H, D) = (4, 3)", "b1 (H,) = (4,)", "z1", "(N, H) = (N, 4)", "ReLU",
                  "h", "W2 (C, H) = (2, 4)", "b2 (C,) = (2,)", "y_hat", "(N, C) = (N, 2)", "L"]:
        assert label in text
    for grad in ["dy_hat (N, C)", "dh (N, H)", "dz1 (N, H)", "dW1 (H, D)", "db1 (H,)", "dW2 (C, H)", "db2 (C,)"]:
        assert grad in text


def test_mlp_draws_one_circle_per_neuron():
    from matplotlib.patches import Circle
    fig = diagrams.draw_mlp(2, 5, 3)
    circles = [p for p in fig.axes[0].patches if isinstance(p, Circle)]
    assert len(circles) == 2 + 5 + 5 + 3
    assert "(N, D) = (N, 2)" in all_text(fig)


@pytest.mark.parametrize("bad", [0, 9, 2.5])
def test_mlp_rejects_widths_it_cannot_draw(bad):
    with pytest.raises(ValueError, match="from 1 to 8"):
        diagrams.draw_mlp(H=bad)


def test_mlp_draws_on_a_given_axes():
    fig = Figure(figsize=(10, 6))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 6)
    assert diagrams.draw_mlp(ax=ax) is fig


def test_batchnorm_graph_has_every_step_forward_and_backward():
    fig = diagrams.draw_batchnorm_graph()
    text = all_text(fig)
    for name in ["X", "h_pre", "bnmean", "bnvar", "bnraw = x̂", "h_pre_bn", "tanh", "logits", "loss",
                 "W1 (H, D)", "gamma (H,)", "beta (H,)", "W2 (C, H)", "softmax"]:
        assert name in text
    for grad in ["dlogits", "dh", "dh_pre_bn", "dbnraw", "dbnvar", "dbnmean", "dh_pre", "dW1, db1",
                 "dgamma, dbeta", "dW2, db2"]:
        assert grad in text
    colours = {matplotlib.colors.to_hex(p.get_edgecolor()) for p in fig.axes[0].patches
               if isinstance(p, matplotlib.patches.FancyArrowPatch)}
    assert {diagrams.FORWARD.lower(), diagrams.BACKWARD.lower()} <= colours


@pytest.mark.parametrize("draw", [diagrams.draw_mlp, diagrams.draw_batchnorm_graph])
def test_drawings_name_gradients_but_give_no_formula(draw):
    for line in all_text(draw()).splitlines():
        if line.startswith("dL/dL") or line.startswith("dloss ="):
            continue
        assert not FORMULA.search(line.replace("γ·x̂ + β", "")), line


def test_mlp_graph_shows_forward_values_and_only_the_callers_gradients():
    fig = diagrams.draw_mlp_graph(values={"x": 1.0}, grads={"L": 1.0, "h1": 0.25})
    text = all_text(fig)
    assert "x = 1" in text and "z1 = 0.5" in text and "h1 = 0.462" in text
    assert "grad = 1" in text and "grad = 0.25" in text
    assert text.count("grad = ?") == 10  # 12 nodes, two gradients given
    assert "∂" not in "\n".join(t.get_text() for t in fig.axes[0].texts)  # no local derivatives computed


def test_mlp_graph_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown inputs"):
        diagrams.draw_mlp_graph(values={"z1": 1.0})
    with pytest.raises(ValueError, match="unknown nodes"):
        diagrams.draw_mlp_graph(grads={"q": 1.0})
