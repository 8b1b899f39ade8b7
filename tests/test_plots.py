"""course_utils.plots: what each figure contains, and its argument checks."""
import matplotlib

matplotlib.use("Agg")  # before pyplot: no display on CI

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course_utils import make_spiral, plots  # noqa: E402

# Seed 004: z = w*x + b (split as m = w*x, z = m + b), h = tanh(z), dL/dh = 0.4.
NODES = {
    "w": {"value": 0.5, "grad": 0.63},
    "x": {"value": 2.0, "grad": 0.16},
    "m": {"value": 1.0, "grad": 0.314, "op": "*"},
    "b": {"value": -0.5, "grad": 0.31},
    "z": {"value": 0.5, "grad": 0.314, "op": "+"},
    "h": {"value": 0.462, "grad": 0.4, "op": "tanh"},
}
EDGES = [("w", "m", 2.0), ("x", "m", 0.5), ("m", "z", 1.0), ("b", "z", 1.0), ("z", "h", 0.786)]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def all_text(fig):
    return "\n".join(texts(fig) + [ax.get_title() for ax in fig.axes])


# ----------------------------------------------------------------- graph ---

def test_graph_shows_values_gradients_ops_and_local_derivatives():
    fig = plots.plot_graph(NODES, EDGES, title="h = tanh(w*x + b)")
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    shown = all_text(fig)
    for line in ["w = 0.5", "x = 2", "b = -0.5", "h = 0.462", "grad = 0.314", "grad = 0.63",
                 "grad = 0.16", "grad = 0.31", "grad = 0.4", "tanh", "*", "+", "h = tanh(w*x + b)"]:
        assert line in shown, line
    flat = shown.replace("\n", " ")
    for label in ["∂m/∂w = 2", "∂m/∂x = 0.5", "∂z/∂b = 1", "∂h/∂z = 0.786"]:
        assert label in flat, label
    arrows = [c for c in fig.axes[0].get_children() if type(c).__name__ == "Annotation"]
    assert len(arrows) == len(EDGES)


def test_graph_gradients_are_coloured_apart_from_values():
    fig = plots.plot_graph(NODES, EDGES)
    ax = fig.axes[0]
    value = next(t for t in ax.texts if t.get_text() == "w = 0.5")
    grad = next(t for t in ax.texts if t.get_text() == "grad = 0.63")
    assert value.get_color() != grad.get_color()


def test_graph_lays_out_left_to_right_by_depth_and_keeps_given_positions():
    fig = plots.plot_graph(NODES, EDGES)
    where = {t.get_text().split(" = ")[0]: t.get_position() for t in fig.axes[0].texts if " = " in t.get_text()}
    assert where["w"][0] < where["m"][0] < where["z"][0] < where["h"][0]
    assert where["b"][0] == where["m"][0]  # an input sits just left of its first use
    nodes = {**NODES, "h": {**NODES["h"], "pos": (7.0, 3.0)}}
    fig = plots.plot_graph(nodes, EDGES)
    h_text = next(t for t in fig.axes[0].texts if t.get_text() == "h = 0.462")
    assert h_text.get_position()[0] == 7.0


def test_graph_unknown_grad_and_missing_derivative():
    fig = plots.plot_graph({"a": {"value": 1.0}, "b": {"value": 2.0, "grad": None}}, [("a", "b", None)])
    shown = all_text(fig)
    assert shown.count("grad = ?") == 2 and "∂" not in shown


def test_graph_draws_on_a_given_axes():
    fig, ax = plt.subplots()
    assert plots.plot_graph(NODES, EDGES, ax=ax) is fig


# The graphs of notebooks 01 and 05: given positions, a node named "w*x".
_W, _X, _B, _DH = 0.5, 2.0, -0.5, 0.4
_H = float(np.tanh(_W * _X + _B))
_DZ = _DH * (1 - _H**2)
NOTEBOOK_GRAPHS = [
    ({"w": {"value": _W, "grad": _DZ * _X, "pos": (0, 1)}, "x": {"value": _X, "grad": _DZ * _W, "pos": (0, 0)},
      "b": {"value": _B, "grad": _DZ, "pos": (1, -1)}, "wx": {"value": 1.0, "grad": _DZ, "op": "*", "pos": (1, 0.5)},
      "z": {"value": 0.5, "grad": _DZ, "op": "+", "pos": (2, 0)}, "h": {"value": _H, "grad": _DH, "op": "tanh", "pos": (3, 0)}},
     [("w", "wx", _X), ("x", "wx", _W), ("wx", "z", 1.0), ("b", "z", 1.0), ("z", "h", 1 - _H**2)]),
    ({"w": {"value": _W, "grad": _DZ * _X, "pos": (0, 0)}, "x": {"value": _X, "grad": _DZ * _W, "pos": (0, 1)},
      "b": {"value": _B, "grad": _DZ, "pos": (1, 2)}, "w*x": {"value": 1.0, "grad": _DZ, "op": "*", "pos": (1, 0.5)},
      "z": {"value": 0.5, "grad": _DZ, "op": "+", "pos": (2, 1)}, "h": {"value": _H, "grad": _DH, "op": "tanh", "pos": (3, 1)}},
     [("w", "w*x", _X), ("x", "w*x", _W), ("w*x", "z", 1.0), ("b", "z", 1.0), ("z", "h", 1 - _H**2)]),
    (NODES, EDGES),
]


@pytest.mark.parametrize("nodes, edges", NOTEBOOK_GRAPHS, ids=["notebook 01", "notebook 05", "auto layout"])
def test_graph_edge_labels_are_readable_and_clear_of_boxes_and_each_other(nodes, edges):
    with plt.rc_context({"figure.dpi": 100}):  # the notebook's inline backend: points as shown
        fig = plots.plot_graph(nodes, edges)
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.texts if (t.get_gid() or "").startswith("edge:")]
    assert len(labels) == len(edges)
    assert min(t.get_fontsize() for t in labels) >= 9.0
    boxes = [patch.get_window_extent(renderer) for patch in ax.patches]
    assert len(boxes) == len(nodes)
    extents = [t.get_bbox_patch().get_window_extent(renderer) for t in labels]  # with the white pad
    for label, extent in zip(labels, extents):
        for box in boxes:
            assert not extent.overlaps(box), f"{label.get_gid()} label covers a node box"
    for i, a in enumerate(extents):
        for j in range(i):
            assert not a.overlaps(extents[j]), f"{labels[i].get_gid()} and {labels[j].get_gid()} labels overlap"


@pytest.mark.parametrize("edges, message", [
    ([("w", "q", 1.0)], "unknown node 'q'"),
    ([("w", "m", 1.0), ("m", "w", 1.0)], "cycle"),
    ([("w", "w", 1.0)], "cycle"),
])
def test_graph_rejects_unknown_nodes_and_cycles(edges, message):
    with pytest.raises(ValueError, match=message):
        plots.plot_graph(NODES, edges)


# ------------------------------------------------------------- step size ---

HS = np.logspace(-12, -1, 45)
# Model V curves (no finite differences here): round-off 1e-16/h plus truncation h or h**2.
FORWARD = 1e-16 / HS + HS
CENTRAL = 1e-16 / HS + HS**2


def test_step_error_log_log_with_labels_and_one_curve_per_estimator():
    fig = plots.plot_step_error(HS, {"forward difference": FORWARD, "central difference": CENTRAL})
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert "h" in ax.get_xlabel() and "error" in ax.get_ylabel()
    gids = [line.get_gid() for line in ax.get_lines()]
    assert "curve:forward difference" in gids and "curve:central difference" in gids
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0].startswith("forward difference (best h ≈") and legend[1].startswith("central difference")


def test_step_error_ylabel_says_what_the_errors_are():
    fig = plots.plot_step_error(HS, {"central difference": CENTRAL})
    assert fig.axes[0].get_ylabel() == "absolute error |estimate − exact|"
    fig = plots.plot_step_error(HS, {"central difference": CENTRAL}, ylabel="median relative error")
    assert fig.axes[0].get_ylabel() == "median relative error"


def test_step_error_marks_each_minimum():
    fig = plots.plot_step_error(HS, {"forward difference": FORWARD, "central difference": CENTRAL})
    best = {line.get_gid(): line.get_xdata()[0] for line in fig.axes[0].get_lines()
            if (line.get_gid() or "").startswith("best:")}
    assert best == {"best:forward difference": HS[np.argmin(FORWARD)],
                    "best:central difference": HS[np.argmin(CENTRAL)]}
    # the minima sit near the optima 1e-8 and 1e-16 ** (1/3) ≈ 5e-6 of the model curves
    assert 3e-9 < best["best:forward difference"] < 3e-8
    assert 1e-6 < best["best:central difference"] < 2e-5
    assert sum("best h" in t.get_text() for t in fig.axes[0].get_legend().get_texts()) == 2


def test_step_error_given_best_overrides_the_minimum():
    fig = plots.plot_step_error(HS, {"central difference": CENTRAL}, best={"central difference": 1e-3})
    (marker,) = [line for line in fig.axes[0].get_lines() if line.get_gid() == "best:central difference"]
    assert marker.get_xdata()[0] == 1e-3


def test_step_error_shades_regions_and_draws_slope_guides():
    fig = plots.plot_step_error(HS, {"forward difference": FORWARD, "central difference": CENTRAL})
    ax = fig.axes[0]
    shown = all_text(fig)
    assert "round-off" in shown and "truncation" in shown
    assert len(ax.patches) == 2  # the two shaded spans
    guides = {line.get_gid(): line for line in ax.get_lines() if (line.get_gid() or "").startswith("slope:")}
    assert set(guides) == {"slope:1", "slope:2"}
    for p, line in [(1, guides["slope:1"]), (2, guides["slope:2"])]:
        x, y = np.log10(line.get_xdata()), np.log10(line.get_ydata())
        assert (y[1] - y[0]) / (x[1] - x[0]) == pytest.approx(p)
        assert line.get_linestyle() != "-"
        # below every curve over its whole span, so it crosses none
        for curve in (FORWARD, CENTRAL):
            span = (HS >= line.get_xdata()[0]) & (HS <= line.get_xdata()[1])
            guide = np.interp(np.log10(HS[span]), x, y)
            assert np.all(guide < np.log10(curve[span]))
    legend = "\n".join(t.get_text() for t in ax.get_legend().get_texts())
    assert "slope 1 guide" in legend and "slope 2 guide" in legend


def test_step_error_text_and_legend_cross_no_curve():
    """The region names sit above every curve, the legend below the axes (02's V-curves crossed them)."""
    float32_like = np.minimum(1e-7 / HS + HS**2, 1.0)  # flat at the top on the left, like float32's round-off
    fig = plots.plot_step_error(HS, {"float64": CENTRAL, "float32": float32_like})
    ax = fig.axes[0]
    fig.canvas.draw()
    frame = ax.get_window_extent()
    for text in ax.texts:
        box = text.get_window_extent()
        for line in ax.get_lines():
            points = ax.transData.transform(np.column_stack([line.get_xdata(), line.get_ydata()]))
            inside = (points[:, 0] >= box.x0) & (points[:, 0] <= box.x1)
            assert np.all(points[inside, 1] < box.y0), f"{line.get_gid()} crosses {text.get_text()!r}"
    assert ax.get_legend().get_window_extent().y1 < frame.y0


def test_step_error_survives_exact_zeros():
    errors = CENTRAL.copy()
    errors[10] = 0.0
    fig = plots.plot_step_error(HS, {"central difference": errors})
    (curve,) = [line for line in fig.axes[0].get_lines() if line.get_gid() == "curve:central difference"]
    assert np.all(curve.get_ydata() > 0) and np.min(curve.get_ydata()) == plots.ERROR_FLOOR
    fig.canvas.draw()  # a log axis with a zero would fail or drop the point here
    assert "exactly 0" in fig.axes[0].get_xlabel()


@pytest.mark.parametrize("hs, errors, message", [
    (HS, {}, "errors is empty"),
    (-HS, {"c": CENTRAL}, "positive"),
    (HS, {"c": CENTRAL[:-1]}, "shape"),
    (HS[:1], {"c": CENTRAL[:1]}, "at least 2"),
])
def test_step_error_rejects_bad_input(hs, errors, message):
    with pytest.raises(ValueError, match=message):
        plots.plot_step_error(hs, errors)


# ---------------------------------------------------------------- losses ---

def test_losses_single_and_dict():
    fig = plots.plot_losses([3.0, 2.0, 1.5, 1.2])
    ax = fig.axes[0]
    assert ax.get_xlabel() == "step" and ax.get_ylabel() == "loss" and ax.get_yscale() == "linear"
    assert len(ax.get_lines()) == 1 and list(ax.get_lines()[0].get_ydata()) == [3.0, 2.0, 1.5, 1.2]

    fig = plots.plot_losses({"MSE": [1.0, 0.5, 0.25], "MAE": [1.0, 0.8, 0.6, 0.4]}, logy=True, every=10,
                            title="MSE vs MAE")
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_title() == "MSE vs MAE"
    lines = ax.get_lines()
    assert len(lines) == 2 and list(lines[1].get_xdata()) == [0, 10, 20, 30]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0].startswith("MSE") and "0.25" in legend[0] and legend[1].startswith("MAE")
    assert lines[0].get_color() != lines[1].get_color()


@pytest.mark.parametrize("losses, kwargs", [([], {}), ({}, {}), ([1.0], {"every": 0}), ([[1.0]], {})])
def test_losses_rejects_bad_input(losses, kwargs):
    with pytest.raises(ValueError):
        plots.plot_losses(losses, **kwargs)


# ----------------------------------------------------------- activations ---

def relu(z):
    return np.maximum(z, 0.0)


def relu_prime(z):
    return (z > 0).astype(float)


def test_activation_two_panels_with_names():
    fig = plots.plot_activation(relu, relu_prime, name="ReLU")
    assert len(fig.axes) == 2
    left, right = fig.axes
    assert left.get_title() == "ReLU" and right.get_title().startswith("ReLU′")
    assert left.get_xlabel() == "z" and right.get_xlabel() == "z"
    (f_line,) = [line for line in left.get_lines() if len(line.get_xdata()) == 401]
    (df_line,) = [line for line in right.get_lines() if len(line.get_xdata()) == 401]
    assert f_line.get_xdata()[0] == -5 and f_line.get_xdata()[-1] == 5
    assert np.array_equal(df_line.get_ydata(), relu_prime(df_line.get_xdata()))


def test_activation_on_given_axes_and_custom_z():
    fig, axes = plt.subplots(1, 2)
    z = np.linspace(-1, 1, 11)
    assert plots.plot_activation(np.tanh, lambda z: 1 - np.tanh(z) ** 2, name="tanh", z=z, ax=axes) is fig
    assert any(len(line.get_xdata()) == 11 for line in axes[1].get_lines())
    with pytest.raises(ValueError, match="2 axes"):
        plots.plot_activation(np.tanh, np.tanh, name="tanh", ax=[axes[0]])


def test_activation_reports_wrong_output_shape():
    with pytest.raises(ValueError, match="shape"):
        plots.plot_activation(relu, lambda z: 1.0, name="ReLU")


# ------------------------------------------------------ decision boundary ---

def test_decision_boundary_regions_points_and_accuracy():
    X = np.array([[-1.0, 0.0], [-0.5, 1.0], [1.0, 0.0], [0.5, -1.0]])
    y = np.array([0, 0, 1, 0])

    def predict(points):
        return (points[:, 0] > 0).astype(int)  # right half is class 1: 3 of 4 right

    fig = plots.plot_decision_boundary(predict, X, y, title="Half planes", resolution=50)
    ax = fig.axes[0]
    assert "Half planes" in ax.get_title() and "75.0%" in ax.get_title()
    assert any(isinstance(c, ContourSet) for c in ax.get_children())  # the filled regions
    scatters = [c for c in ax.collections if not isinstance(c, ContourSet)]
    assert sorted(len(s.get_offsets()) for s in scatters) == [1, 3]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]
    assert ax.get_xlabel() and ax.get_ylabel()


def test_decision_boundary_legend_sits_outside_the_axes():
    # A spiral's points reach every corner: a legend inside would hide some.
    X, y = make_spiral(n_per_class=50, n_classes=3, noise=0.2, seed=0)
    fig = plots.plot_decision_boundary(lambda p: np.zeros(len(p), int), X, y, resolution=20)
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend, frame = ax.get_legend().get_window_extent(renderer), ax.get_window_extent(renderer)
    assert legend.x0 >= frame.x1 and not legend.overlaps(frame)
    assert fig.get_window_extent(renderer).contains(legend.x1 - 1, legend.y0 + 1)  # and inside the figure


def test_decision_boundary_accepts_scores():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]])
    y = np.array([0, 1, 2])
    fig = plots.plot_decision_boundary(lambda p: np.eye(3)[np.clip(p[:, 0].round().astype(int), 0, 2)],
                                       X, y, resolution=20)
    assert "100.0%" in fig.axes[0].get_title()


def test_decision_boundary_rejects_bad_shapes():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match="y must have shape"):
        plots.plot_decision_boundary(lambda p: np.zeros(len(p), int), X, np.zeros(3, int))
    with pytest.raises(ValueError, match="predict"):
        plots.plot_decision_boundary(lambda p: np.zeros(3, int), X, np.zeros(4, int))
