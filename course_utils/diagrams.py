"""Drawn diagrams of the course's networks (matplotlib only).

- :func:`draw_mlp`: the 2-layer MLP of notebook 04 (seed 003's
  "Illustration"), neurons as circles, every array with its shape, the
  forward pass left to right and the gradients flowing back.
- :func:`draw_batchnorm_graph`: the computational graph of notebook 05's
  batchnorm classifier, forward in blue, gradients back in vermillion.
- :func:`draw_mlp_graph`: a two-neuron-wide MLP expression drawn with
  :func:`course_utils.plots.plot_graph`, values and gradients on the nodes.

The diagrams name the gradients and give their shapes; they never say how
to compute one (that is the students' work). Every function returns a
:class:`matplotlib.figure.Figure` made without pyplot, so a notebook cell
that ends with the call shows it once.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from .plots import OKABE_ITO, plot_graph

__all__ = ["draw_batchnorm_graph", "draw_mlp", "draw_mlp_graph"]

FORWARD = OKABE_ITO["blue"]
BACKWARD = OKABE_ITO["vermillion"]
_GREY = "#9A9A9A"
_FONT = 10.0  # points: figures are shown at 100 dpi, 8-10 inches wide


def _canvas(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    """A new pyplot-free figure of `size` inches with data units of one inch, or `ax`'s."""
    if ax is None:
        fig = Figure(figsize=size, dpi=100)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, size[0])
        ax.set_ylim(0, size[1])
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax.figure, ax


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], color: str, *,
           rad: float = 0.0, lw: float = 1.6, style: str = "-", shrink: float = 2.0) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=13, color=color, lw=lw,
                                 linestyle=style, connectionstyle=f"arc3,rad={rad}",
                                 shrinkA=shrink, shrinkB=shrink, zorder=2))


# ------------------------------------------------------------------ MLP ---

def _column(n: int, centre: float, room: float) -> list[float]:
    """`n` neuron heights centred on `centre`, top to bottom, at most `room` apart in all."""
    step = min(0.62, room / max(n - 1, 1))
    return [centre + (n - 1) / 2 * step - i * step for i in range(n)]


def draw_mlp(D: int = 3, H: int = 4, C: int = 2, *, ax: Axes | None = None) -> Figure:
    """Draw the course's 2-layer MLP with the shape of every array.

    ``X (N, D) -> linear W1 (H, D), b1 (H,) -> z1 (N, H) -> ReLU -> h (N, H)
    -> linear W2 (C, H), b2 (C,) -> y_hat (N, C) -> loss L``. Neurons are
    circles (one row of the batch); the forward pass runs left to right in
    blue, and the gradients (``dy_hat``, ``dh``, ``dz1``, ``dW1``...) flow
    back right to left in vermillion, named with their shapes.

    Parameters
    ----------
    D, H, C : int
        Input, hidden and output widths (1 to 8 each); the defaults are seed
        003's network.
    ax : Axes, optional
        Where to draw, in data units of about one inch (x 0..10, y 0..6);
        a new 10 x 6 inch figure when None.

    Returns
    -------
    Figure

    Raises
    ------
    ValueError
        For a width outside 1..8.
    """
    for name, n in (("D", D), ("H", H), ("C", C)):
        if not (isinstance(n, int) and 1 <= n <= 8):
            raise ValueError(f"{name} must be an int from 1 to 8, got {n!r}")
    fig, ax = _canvas(ax, (10.0, 6.0))
    xs = {"X": 0.9, "z1": 3.5, "h": 5.3, "y_hat": 7.8, "L": 9.35}
    centre, radius = 3.25, 0.2
    layers = {"X": _column(D, centre, 2.9), "z1": _column(H, centre, 2.9),
              "h": _column(H, centre, 2.9), "y_hat": _column(C, centre, 2.9)}

    # Fully connected layers in grey, ReLU one to one; neurons over them.
    for src, dst in (("X", "z1"), ("h", "y_hat")):
        for y0 in layers[src]:
            for y1 in layers[dst]:
                ax.plot([xs[src] + radius, xs[dst] - radius], [y0, y1], color=_GREY, lw=0.7, zorder=1)
    for y in layers["z1"]:
        _arrow(ax, (xs["z1"] + radius, y), (xs["h"] - radius, y), _GREY, lw=1.0, shrink=0)
    for y in layers["y_hat"]:
        ax.plot([xs["y_hat"] + radius, xs["L"] - 0.3], [y, centre], color=_GREY, lw=0.7, zorder=1)
    fills = {"X": "#D6EAF8", "z1": "#FBEBC8", "h": "#FBEBC8", "y_hat": "#D5F0E6"}
    for name, heights in layers.items():
        for y in heights:
            ax.add_patch(Circle((xs[name], y), radius, fc=fills[name], ec="#333333", lw=1.2, zorder=3))
    ax.add_patch(FancyBboxPatch((xs["L"] - 0.3, centre - 0.25), 0.6, 0.5, boxstyle="round,pad=0.02",
                                fc="#EEEEEE", ec="#333333", lw=1.2, zorder=3))
    ax.text(xs["L"], centre, "L", ha="center", va="center", fontsize=12, fontweight="bold", zorder=4)

    # Every array with its shape, under its column.
    arrays = {"X": f"X\n(N, D) = (N, {D})", "z1": f"z1\n(N, H) = (N, {H})", "h": f"h\n(N, H) = (N, {H})",
              "y_hat": f"y_hat\n(N, C) = (N, {C})", "L": "L\nscalar"}
    for name, label in arrays.items():
        ax.text(xs[name], 1.72, label, ha="center", va="top", fontsize=_FONT, family="monospace")

    # The operations and their parameters, over the gaps between columns.
    ops = [((xs["X"] + xs["z1"]) / 2, f"linear\nW1 (H, D) = ({H}, {D})\nb1 (H,) = ({H},)"),
           ((xs["z1"] + xs["h"]) / 2, "ReLU\nelementwise"),
           ((xs["h"] + xs["y_hat"]) / 2, f"linear\nW2 (C, H) = ({C}, {H})\nb2 (C,) = ({C},)"),
           ((xs["y_hat"] + xs["L"]) / 2, "loss\n(MSE)")]
    for x, label in ops:
        ax.text(x, 5.25, label, ha="center", va="top", fontsize=_FONT, family="monospace",
                bbox=dict(boxstyle="round,pad=0.25", fc="white", ec=_GREY, lw=0.8))
    _arrow(ax, (0.4, 5.7), (9.6, 5.7), FORWARD, lw=2.0)
    ax.text(5.0, 5.78, "forward: values, left to right", ha="center", va="bottom", fontsize=_FONT,
            color=FORWARD, fontweight="bold")

    # The backward pass: one gradient per array, same shape, right to left.
    _arrow(ax, (9.6, 0.55), (0.4, 0.55), BACKWARD, lw=2.0)
    ax.text(5.0, 0.1, "backward: gradients of L, right to left (each has its array's shape)",
            ha="center", va="bottom", fontsize=_FONT, color=BACKWARD, fontweight="bold")
    grads = {"X": "dX (N, D)", "z1": "dz1 (N, H)", "h": "dh (N, H)", "y_hat": "dy_hat (N, C)", "L": "dL/dL = 1"}
    for name, label in grads.items():
        ax.text(xs[name], 0.62, label, ha="center", va="bottom", fontsize=_FONT, family="monospace",
                color=BACKWARD, fontweight="bold",
                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"))
    for x, label in ((xs["X"] + xs["z1"]) / 2, "dW1 (H, D)\ndb1 (H,)"), \
                    ((xs["h"] + xs["y_hat"]) / 2, "dW2 (C, H)\ndb2 (C,)"):
        ax.text(x, 4.35, label, ha="center", va="bottom", fontsize=_FONT, family="monospace",
                color=BACKWARD, fontweight="bold",
                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec=BACKWARD, lw=0.8))
    return fig


# ------------------------------------------------------------ batchnorm ---

# name: (x, y, label, shape); the makemore names of notebook 05's forward_steps.
# Row one runs left to right, row two (after tanh) right to left.
_BN_NODES: dict[str, tuple[float, float, str, str]] = {
    "X": (0.8, 4.0, "X", "(N, D)"),
    "h_pre": (2.6, 4.0, "h_pre", "(N, H)"),
    "bnmean": (4.65, 4.85, "bnmean", "(1, H)"),
    "bnvar": (4.65, 3.15, "bnvar", "(1, H)"),
    "bnraw": (6.7, 4.0, "bnraw = x̂", "(N, H)"),
    "h_pre_bn": (8.9, 4.0, "h_pre_bn", "(N, H)"),
    "h": (8.9, 1.3, "h", "(N, H)"),
    "logits": (6.7, 1.3, "logits", "(N, C)"),
    "loss": (4.5, 1.3, "loss", "scalar"),
}
# The parameters and labels: (x, y, text, the node they feed, gradient names, where those go).
_BN_PARAMS: list[tuple[float, float, str, str, str, tuple[float, float, str]]] = [
    (1.7, 2.75, "W1 (H, D)\nb1 (H,)", "h_pre", "dW1, db1", (2.32, 2.75, "left")),
    (7.7, 2.75, "gamma (H,)\nbeta (H,)", "h_pre_bn", "dgamma, dbeta", (7.7, 2.3, "center")),
    (7.8, 0.3, "W2 (C, H)\nb2 (C,)", "logits", "dW2, db2", (8.42, 0.3, "left")),
    (4.5, 0.3, "y (N,)", "loss", "", (0.0, 0.0, "left")),
]
# (src, dst, operation, arc, where the operation's name goes: x, y, vertical alignment).
_BN_EDGES: list[tuple[str, str, str, float, tuple[float, float, str] | None]] = [
    ("X", "h_pre", "linear", 0.0, (1.7, 4.12, "bottom")),
    ("h_pre", "bnmean", "mean", 0.0, (3.62, 4.5, "bottom")),
    ("h_pre", "bnvar", "", 0.0, None),
    ("bnmean", "bnvar", "var", 0.0, (4.95, 4.0, "center")),
    ("h_pre", "bnraw", "normalise", -0.5, (4.65, 5.42, "bottom")),
    ("bnmean", "bnraw", "", 0.0, None),
    ("bnvar", "bnraw", "", 0.0, None),
    ("bnraw", "h_pre_bn", "γ·x̂ + β", 0.0, (7.8, 4.12, "bottom")),
    ("h_pre_bn", "h", "tanh", 0.0, (9.4, 2.0, "center")),
    ("h", "logits", "linear", 0.0, (7.8, 1.2, "top")),
    ("logits", "loss", "softmax\ncross-entropy", 0.0, (5.6, 1.2, "top")),
]
_BN_BOX = (1.3, 0.82)  # width, height in inches


def _edge_point(centre: tuple[float, float], towards: tuple[float, float],
                size: tuple[float, float]) -> tuple[float, float]:
    """Where the segment from a box's `centre` towards `towards` leaves the box of `size`."""
    dx, dy = towards[0] - centre[0], towards[1] - centre[1]
    scale = min(size[0] / 2 / abs(dx) if dx else math.inf, size[1] / 2 / abs(dy) if dy else math.inf)
    return centre[0] + dx * scale, centre[1] + dy * scale


def draw_batchnorm_graph(*, ax: Axes | None = None) -> Figure:
    """Draw the computational graph of notebook 05's batchnorm classifier.

    ``X -> linear (W1, b1) -> h_pre -> batchnorm (bnmean, bnvar, bnraw = x̂,
    gamma, beta) -> h_pre_bn -> tanh -> h -> linear (W2, b2) -> logits ->
    softmax cross-entropy (y) -> loss``, with the shape of every
    intermediate. Forward edges are solid blue; every box also names its
    gradient (``dlogits``, ``dh``, ``dh_pre_bn``, ``dbnraw``, ``dbnvar``,
    ``dbnmean``, ``dh_pre``...) in vermillion, and dashed vermillion arrows
    show the gradient flowing back along each edge. A value used by several
    operations (``h_pre``, ``bnmean``) receives a gradient from each.

    Parameters
    ----------
    ax : Axes, optional
        Where to draw, in data units of about one inch (x 0..10, y 0..6.2);
        a new 10 x 6.2 inch figure when None.

    Returns
    -------
    Figure
    """
    fig, ax = _canvas(ax, (10.0, 6.2))
    w, h = _BN_BOX
    centres = {name: (x, y) for name, (x, y, _, _) in _BN_NODES.items()}

    for src, dst, op, rad, where in _BN_EDGES:
        a, b = centres[src], centres[dst]
        if rad:  # an arc over the top: leave and enter through the boxes' tops
            start, end = (a[0] + 0.25, a[1] + h / 2), (b[0] - 0.25, b[1] + h / 2)
        else:
            start, end = _edge_point(a, b, (w, h)), _edge_point(b, a, (w, h))
        _arrow(ax, start, end, FORWARD, rad=rad)
        # The gradient goes back along the same edge, just beside it (below a rightward edge).
        dx, dy = end[0] - start[0], end[1] - start[1]
        norm = math.hypot(dx, dy)
        off = (dy / norm * 0.1, -dx / norm * 0.1)
        _arrow(ax, (end[0] + off[0], end[1] + off[1]), (start[0] + off[0], start[1] + off[1]),
               BACKWARD, rad=-rad * 0.96, lw=1.2, style="--", shrink=5)
        if op:
            ax.text(where[0], where[1], op, ha="center", va=where[2], fontsize=_FONT - 1, color=FORWARD,
                    style="italic", zorder=5)

    for name, (x, y, label, shape) in _BN_NODES.items():
        ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.08",
                                    fc="#E4F2FB", ec=OKABE_ITO["sky"], lw=1.5, zorder=3))
        grad = "dloss = 1" if name == "loss" else f"d{name}"
        for dy, text, color, weight in ((0.2, label, "black", "bold"), (0.0, shape, "black", "normal"),
                                        (-0.2, grad, BACKWARD, "bold")):
            ax.text(x, y + dy, text, ha="center", va="center", fontsize=_FONT - (dy == 0), color=color,
                    family="monospace", fontweight=weight, zorder=4)

    for x, y, text, into, grads, (gx, gy, ha) in _BN_PARAMS:
        ax.text(x, y, text, ha="center", va="center", fontsize=_FONT - 1, family="monospace", zorder=4,
                bbox=dict(boxstyle="round,pad=0.25", fc="#FBEBC8", ec=OKABE_ITO["orange"], lw=1.2))
        _arrow(ax, (x, y), _edge_point(centres[into], (x, y), (w, h)), OKABE_ITO["orange"], lw=1.2, shrink=18)
        if grads:
            ax.text(gx, gy, grads, ha=ha, va="center", fontsize=_FONT - 1, family="monospace",
                    color=BACKWARD, fontweight="bold", zorder=4)

    ax.text(0.2, 1.75, "blue, solid: forward values", fontsize=_FONT, color=FORWARD, fontweight="bold")
    ax.text(0.2, 1.35, "vermillion, dashed: gradient", fontsize=_FONT, color=BACKWARD, fontweight="bold")
    ax.text(0.2, 0.95, "of the loss flowing back;", fontsize=_FONT, color=BACKWARD, fontweight="bold")
    ax.text(0.2, 0.55, "dname has name's shape", fontsize=_FONT, color=BACKWARD, fontweight="bold")
    ax.text(0.2, 0.15, "orange: parameters, labels", fontsize=_FONT, color=OKABE_ITO["orange"], fontweight="bold")
    return fig


# ------------------------------------------------------------ MLP graph ---

_GRAPH_INPUTS = {"x": 2.0, "w1": 0.5, "w2": -1.0, "v1": 1.5, "v2": 0.8, "t": 1.0}


def draw_mlp_graph(values: Mapping[str, float] | None = None, grads: Mapping[str, float] | None = None,
                   *, ax: Axes | None = None) -> Figure:
    """Draw a two-neuron-wide MLP as a computational graph, with values and gradients.

    The expression is ``z1 = w1 * x``, ``z2 = w2 * x``, ``h1 = tanh(z1)``,
    ``h2 = tanh(z2)``, ``y = v1 * h1 + v2 * h2`` and ``L = (y - t) ** 2``:
    the forward values are computed here, the gradients are the caller's
    (from their own backward pass), shown as ``?`` where missing. Drawn by
    :func:`course_utils.plots.plot_graph`.

    Parameters
    ----------
    values : mapping of str to float, optional
        Inputs overriding the defaults ``x = 2, w1 = 0.5, w2 = -1,
        v1 = 1.5, v2 = 0.8, t = 1``.
    grads : mapping of str to float, optional
        ``dL/dnode`` for any of the nodes ``x, w1, w2, v1, v2, t, z1, z2,
        h1, h2, y, L``.
    ax : Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    Figure

    Raises
    ------
    ValueError
        For a value or gradient of an unknown node.
    """
    values = dict(values or {})
    grads = dict(grads or {})
    if set(values) - set(_GRAPH_INPUTS):
        raise ValueError(f"unknown inputs {sorted(set(values) - set(_GRAPH_INPUTS))}; "
                         f"the inputs are {', '.join(_GRAPH_INPUTS)}")
    v = {**_GRAPH_INPUTS, **{k: float(x) for k, x in values.items()}}
    v["z1"], v["z2"] = v["w1"] * v["x"], v["w2"] * v["x"]
    v["h1"], v["h2"] = math.tanh(v["z1"]), math.tanh(v["z2"])
    v["y"] = v["v1"] * v["h1"] + v["v2"] * v["h2"]
    v["L"] = (v["y"] - v["t"]) ** 2
    if set(grads) - set(v):
        raise ValueError(f"gradients of unknown nodes {sorted(set(grads) - set(v))}; the nodes are {', '.join(v)}")
    ops = {"z1": "*", "z2": "*", "h1": "tanh", "h2": "tanh", "y": "v·h sum", "L": "(y-t)²"}
    order = ["w1", "x", "w2", "z1", "z2", "v1", "h1", "h2", "v2", "t", "y", "L"]
    nodes = {name: {"value": v[name], "grad": grads.get(name), "op": ops.get(name)} for name in order}
    edges = [("w1", "z1", None), ("x", "z1", None), ("x", "z2", None), ("w2", "z2", None),
             ("z1", "h1", None), ("z2", "h2", None), ("v1", "y", None), ("h1", "y", None),
             ("h2", "y", None), ("v2", "y", None), ("y", "L", None), ("t", "L", None)]
    if ax is None:
        fig = Figure(figsize=(9.0, 5.4), dpi=100)
        ax = fig.add_axes((0.01, 0.08, 0.98, 0.84))
    return plot_graph(nodes, edges, title="A two-neuron MLP: values forward, gradients of L backward", ax=ax)
