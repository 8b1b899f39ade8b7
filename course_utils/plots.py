"""Plotting helpers for the course notebooks (matplotlib only).

Every function draws on ``ax`` (or a new figure when ``ax`` is None) and
returns the :class:`matplotlib.figure.Figure`. Colours come from the
Okabe-Ito palette, which stays distinguishable under the common forms of
colour blindness; where colour carries meaning, marker shape or a text label
carries it too.

None of these functions computes an exercise's answer: the notebooks pass in
values computed with the students' own functions.

In a notebook with the inline backend, end the call with ``;`` (or assign
the figure): a returned figure as the cell's last value would show twice.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch
from matplotlib.transforms import ScaledTranslation, blended_transform_factory

__all__ = [
    "OKABE_ITO",
    "legend_below",
    "plot_activation",
    "plot_decision_boundary",
    "plot_graph",
    "plot_losses",
    "plot_step_error",
]

# Okabe & Ito (2008), "Color Universal Design"; black left out of the cycle.
OKABE_ITO = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "green": "#009E73",
    "orange": "#E69F00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
}
_CYCLE = list(OKABE_ITO.values())
_MARKERS = ["o", "s", "^", "D", "v", "P", "X"]
_WIDTH = 7.0  # inches: the width of a notebook cell's output at 100 dpi
# Smallest font size, in points, of the computational graph's edge labels.
# Figures are shown at 100 dpi in a notebook, so points are what one reads.
_LABEL_PT = 9.0
# Only a graph too wide for its labels (many columns) goes below _LABEL_PT.
_MIN_LABEL_PT = 7.0
# Widest node box, as a fraction of the column spacing: the rest of the
# column is the gap that holds the edge labels.
_BOX_W = 0.58

# The smallest error drawn on a log axis. An estimate that equals the exact
# derivative to the last bit has error 0, which a log axis cannot show (it
# would silently drop the point); 1e-17 sits just below float64's resolution
# of values near 1 (eps = 2.2e-16), so such points land at the bottom instead.
ERROR_FLOOR = 1e-17


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


def _fmt(value: float, digits: int) -> str:
    return f"{value:.{digits}g}"


# ---------------------------------------------------------------- graphs ---

def _graph_layout(nodes: Mapping[str, Mapping], edges: Sequence[tuple]) -> dict[str, tuple[float, float]]:
    """Grid positions (column, row): column = topological depth, left to right.

    Raises ValueError for an edge naming an unknown node, or for a cycle.
    """
    preds: dict[str, list[str]] = {name: [] for name in nodes}
    succs: dict[str, list[str]] = {name: [] for name in nodes}
    for edge in edges:
        if len(edge) != 3:
            raise ValueError(f"each edge must be (src, dst, local_derivative), got {edge!r}")
        src, dst, _ = edge
        for end in (src, dst):
            if end not in nodes:
                raise ValueError(
                    f"edge {src!r} -> {dst!r} names unknown node {end!r}; "
                    f"known nodes: {', '.join(map(repr, nodes))}"
                )
        preds[dst].append(src)
        succs[src].append(dst)

    # Kahn's algorithm: whatever is never freed of incoming edges lies on a cycle.
    indegree = {name: len(p) for name, p in preds.items()}
    order = [name for name in nodes if indegree[name] == 0]
    for name in order:  # order grows while we walk it
        for nxt in succs[name]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                order.append(nxt)
    if len(order) < len(nodes):
        stuck = [name for name in nodes if indegree[name] > 0]
        raise ValueError(f"the graph has a cycle; it runs through {', '.join(map(repr, stuck))}")

    depth: dict[str, int] = {}
    for name in order:
        depth[name] = max((depth[p] + 1 for p in preds[name]), default=0)
    # An input (like the bias b in w*x + b) sits just left of its first use,
    # not in column 0, so its arrow does not cut across the columns between.
    for name in order:
        if not preds[name] and succs[name]:
            depth[name] = min(depth[s] for s in succs[name]) - 1

    columns: dict[int, list[str]] = {}
    for name in nodes:
        columns.setdefault(depth[name], []).append(name)
    pos = {}
    for col, names in columns.items():
        for i, name in enumerate(names):
            pos[name] = (float(col), (len(names) - 1) / 2 - i)  # centred, top to bottom
    return pos


def plot_graph(
    nodes: Mapping[str, Mapping],
    edges: Sequence[tuple[str, str, float | None]],
    *,
    title: str | None = None,
    ax: Axes | None = None,
    digits: int = 3,
) -> Figure:
    """Draw a computational graph with each node's value and gradient.

    Nodes are rounded boxes showing ``name = value`` and ``grad = ...`` (the
    gradient of the loss with respect to the node, in vermillion); a node's
    operation (``"*"``, ``"tanh"``...) sits in an orange tab on the box's top
    edge. Each arrow is labelled with its local derivative
    ``∂dst/∂src = ...`` (blue, at least 9 pt; on two lines when the gap
    between the boxes is narrow). Each label's gid is ``"edge:src->dst"``.

    Parameters
    ----------
    nodes : mapping of str to mapping
        ``name -> {"value": float, "grad": float or None, "op": str or None,
        "pos": (x, y)}``; only ``value`` is required. ``grad`` None is shown
        as ``?``. ``pos`` is in grid units (one unit per column and per row);
        nodes without it are placed by topological depth, left to right.
    edges : sequence of (str, str, float or None)
        ``(src, dst, local_derivative)``; a None derivative leaves the arrow
        unlabelled.
    title : str, optional
        Axes title; default ``"Computational graph"``.
    ax : Axes, optional
        Where to draw; a new figure when None, 7 inches wide (up to 10 for
        graphs of more than five columns).
    digits : int
        Significant digits of the numbers shown.

    Returns
    -------
    Figure

    Raises
    ------
    ValueError
        For an empty graph, a node without a value, an edge naming an
        unknown node, or a cycle.
    """
    if not nodes:
        raise ValueError("nodes is empty: give at least one node")
    for name, spec in nodes.items():
        if "value" not in spec:
            raise ValueError(f"node {name!r} has no 'value'")
    pos = _graph_layout(nodes, edges)
    for name, spec in nodes.items():
        if spec.get("pos") is not None:
            pos[name] = tuple(map(float, spec["pos"]))

    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    n_rows = max(ys) - min(ys) + 1
    if ax is None:
        height = 1.0 + 1.1 * n_rows
        # Past five columns the figure widens (up to 10 inches, which
        # JupyterLab still shows unscaled), so node text stays readable.
        width = float(np.clip(1.4 * (max(xs) - min(xs) + 1), _WIDTH, 10.0))
        fig = plt.figure(figsize=(width, height))
        # Use the full width: columns need the room for their arrow labels.
        ax = fig.add_axes((0.01, 0.4 / height, 0.98, 1 - 0.85 / height))
    fig = ax.figure
    ax.set_axis_off()
    ax.set_xlim(min(xs) - (_BOX_W / 2 + 0.04), max(xs) + (_BOX_W / 2 + 0.04))  # boxes are at most _BOX_W wide
    ax.set_ylim(min(ys) - 0.55, max(ys) + 0.55)
    ax.set_title("Computational graph" if title is None else title, fontsize=12)

    # Boxes must fit their text; text has a size in points, the layout is in
    # data units, so measure the text and convert. Wide graphs get smaller
    # text rather than overlapping boxes.
    extent = ax.get_window_extent()
    px_per_unit_x = extent.width / (ax.get_xlim()[1] - ax.get_xlim()[0])
    px_per_unit_y = extent.height / (ax.get_ylim()[1] - ax.get_ylim()[0])
    fontsize = float(np.clip(px_per_unit_x / fig.dpi * 5.8, 6.0, 10.5))

    value_texts, grad_texts, badges = {}, {}, {}
    for name, spec in nodes.items():
        x, y = pos[name]
        grad = spec.get("grad")
        value_texts[name] = ax.text(x, y, f"{name} = {_fmt(spec['value'], digits)}",
                                    ha="center", va="bottom", zorder=4)
        grad_texts[name] = ax.text(x, y, "grad = ?" if grad is None else f"grad = {_fmt(grad, digits)}",
                                   ha="center", va="top", zorder=4,
                                   color=OKABE_ITO["vermillion"], fontweight="bold")
        if spec.get("op"):
            badges[name] = ax.text(x, y, str(spec["op"]), ha="center", va="center", zorder=5,
                                   fontweight="bold",
                                   bbox=dict(boxstyle="round,pad=0.2", fc="#FBEBC8",
                                             ec=OKABE_ITO["orange"], lw=1.2))
    texts = [*value_texts.values(), *grad_texts.values()]
    for attempt in range(3):  # measure, shrink if too wide for a column, measure again
        for t in [*texts, *badges.values()]:
            t.set_fontsize(fontsize)
        text_w = max(t.get_window_extent().width for t in texts)
        box_w = (text_w + 1.2 * fontsize) / px_per_unit_x
        if box_w <= _BOX_W or fontsize <= 6.0 or attempt == 2:
            break
        fontsize = max(6.0, fontsize * _BOX_W / box_w)
    # Edge labels are read at notebook width: at least _LABEL_PT points,
    # whatever the node text shrank to.
    label_size = max(_LABEL_PT, 0.9 * fontsize)
    line_h = max(t.get_window_extent().height for t in texts)
    # Room for the op badge, which sits astride the top edge like a tab.
    top_pad = 0.9 * line_h if badges else 0.0
    box_h = (2 * line_h + 0.7 * fontsize + top_pad) / px_per_unit_y
    gap = 0.12 * line_h / px_per_unit_y  # between the value line and the grad line
    shift = -top_pad / 2 / px_per_unit_y  # text sits below the badge

    for name in nodes:
        x, y = pos[name]
        ax.add_patch(FancyBboxPatch((x - box_w / 2, y - box_h / 2), box_w, box_h,
                                    boxstyle="round,pad=0,rounding_size=0.06", mutation_aspect=0.5,
                                    fc="#E4F2FB", ec=OKABE_ITO["sky"], lw=1.5, zorder=3))
        value_texts[name].set_y(y + shift + gap)
        grad_texts[name].set_y(y + shift - gap)
        if name in badges:
            badges[name].set_y(y + box_h / 2)

    for src, dst, local in edges:
        start = (pos[src][0] + box_w / 2, pos[src][1])
        end = (pos[dst][0] - box_w / 2, pos[dst][1])
        ax.annotate("", xy=end, xytext=start, zorder=2,
                    arrowprops=dict(arrowstyle="-|>", color="#444444", lw=1.3, shrinkA=0, shrinkB=1,
                                    mutation_scale=12))
        if local is not None:
            mid = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
            rise = abs(end[1] - start[1]) * px_per_unit_y
            label = ax.text(*mid, f"∂{dst}/∂{src} = {_fmt(local, digits)}", ha="center", va="center",
                            fontsize=label_size, color=OKABE_ITO["blue"], zorder=6, gid=f"edge:{src}->{dst}",
                            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.9))
            # The gap between the boxes, less the label's white pad and a
            # little air on each side: a wider label would cover the boxes.
            # Break it after the partial derivative; if even that is too wide
            # (very wide graphs only), shrink it to fit.
            room = (end[0] - start[0]) * px_per_unit_x - 1.2 * label_size * fig.dpi / 72
            if label.get_window_extent().width > room:
                label.set_text(f"∂{dst}/∂{src}\n= {_fmt(local, digits)}")
                width = label.get_window_extent().width
                if width > room > 0:
                    label.set_fontsize(max(_MIN_LABEL_PT, label.get_fontsize() * room / width))
            # On a (nearly) level arrow the label would hide the whole arrow:
            # set it just above the line instead.
            if rise < label.get_window_extent().height:
                label.set_va("bottom")
                label.set_transform(ax.transData + ScaledTranslation(0, 3 / 72, fig.dpi_scale_trans))

    key = [
        Line2D([], [], ls="none", marker="s", ms=8, mfc="#E4F2FB", mec=OKABE_ITO["sky"], label="name = value (forward)"),
        Line2D([], [], ls="none", marker="s", ms=8, color=OKABE_ITO["vermillion"], label="grad = ∂L/∂node (backward)"),
        Line2D([], [], ls="none", marker="s", ms=8, color=OKABE_ITO["blue"], label="∂dst/∂src: local derivative"),
    ]
    ax.legend(handles=key, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3, frameon=False,
              fontsize=_LABEL_PT, handletextpad=0.3, columnspacing=1.2)
    return fig


# ------------------------------------------------------------ step size ---

def plot_step_error(
    hs: np.ndarray,
    errors: Mapping[str, np.ndarray],
    *,
    best: Mapping[str, float] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    ylabel: str | None = None,
) -> Figure:
    """Plot the error of derivative estimates against the step size, log-log.

    Each curve is V-shaped: to the right the truncation error of the formula
    falls as ``h`` shrinks (slope = the order of accuracy; dashed guides of
    slope 1 and 2 are drawn to read it off), to the left round-off error
    grows as ``h`` shrinks. The two regions are shaded and each curve's best
    step is marked.

    Parameters
    ----------
    hs : array_like, shape (K,)
        Positive step sizes, in any order.
    errors : mapping of str to array_like of shape (K,)
        ``label -> |estimate - exact|`` at each step. Zeros (and anything
        below ``ERROR_FLOOR``) are drawn at ``ERROR_FLOOR``; NaNs are gaps.
    best : mapping of str to float, optional
        ``label -> h`` to mark as that curve's best step (e.g. the
        theoretical optimum); by default each curve's minimum error.
    ax : Axes, optional
        Where to draw; a new figure when None.
    title : str, optional
        Axes title.
    ylabel : str, optional
        Label of the error axis; default ``"absolute error |estimate − exact|"``.
        Say what ``errors`` holds, e.g. ``"median relative error"``.

    Returns
    -------
    Figure
        Each curve is a Line2D whose gid is ``"curve:" + label``, its
        best-step marker (a star; the step is in the legend) one whose gid is
        ``"best:" + label``. The words naming the regions sit in a band above
        the data and the legend below the axes, so no curve crosses text.
    """
    hs = np.asarray(hs, dtype=np.float64)
    if hs.ndim != 1 or hs.size < 2:
        raise ValueError(f"hs must be a 1-D array of at least 2 step sizes, got shape {hs.shape}")
    if not np.all(np.isfinite(hs) & (hs > 0)):
        raise ValueError("every step size in hs must be positive and finite (they go on a log axis)")
    if not errors:
        raise ValueError("errors is empty: give at least one curve, e.g. {'central difference': errs}")
    order = np.argsort(hs)
    hs = hs[order]
    curves = {}
    for label, err in errors.items():
        err = np.abs(np.asarray(err, dtype=np.float64))
        if err.shape != hs.shape:
            raise ValueError(f"errors[{label!r}] has shape {err.shape}, expected {hs.shape} like hs")
        curves[label] = np.maximum(err[order], ERROR_FLOOR)  # NaN stays NaN: a gap

    fig, ax = _new_axes(ax, (_WIDTH, 4.6))
    ax.set_xscale("log")
    ax.set_yscale("log")

    best_h = {}
    for i, (label, err) in enumerate(curves.items()):
        color = _CYCLE[i % len(_CYCLE)]
        if best is not None and label in best:
            hb = float(best[label])
            eb = float(np.exp(np.interp(np.log(hb), np.log(hs), np.log(err))))
        elif best is None and np.any(np.isfinite(err)):
            k = int(np.nanargmin(err))
            hb, eb = hs[k], err[k]
        else:
            hb = None
        # The best step goes in the legend, not beside the star, where other curves may pass.
        name = label if hb is None else f"{label} (best h ≈ {hb:.0e})"
        ax.plot(hs, err, color=color, lw=1.8, marker=_MARKERS[i % len(_MARKERS)], ms=3.5, label=name,
                gid=f"curve:{label}")
        if hb is not None:
            best_h[label] = hb
            ax.plot([hb], [eb], ls="none", marker="*", ms=16, mfc=color, mec="black", mew=0.8,
                    zorder=5, clip_on=False, gid=f"best:{label}")

    finite = np.concatenate([e[np.isfinite(e)] for e in curves.values()])
    y_lo, y_hi = finite.min() / 10, finite.max() * 3
    x_lo, x_hi = hs[0], hs[-1]
    ax.set_xlim(x_lo, x_hi)

    # Guides of slope 1 and 2 over the right-hand (truncation) decades, fanning
    # out from one point below every curve there, so they cross no curve and
    # not each other; the legend names them.
    span = np.log10(x_hi / max(best_h.values())) if best_h else np.log10(x_hi / x_lo) / 2
    h0 = x_hi / 10 ** float(np.clip(span, 1.0, 3.0))
    on_guide = hs >= h0
    lowest = np.nanmin(np.vstack(list(curves.values()))[:, on_guide], axis=0)
    e0 = min(np.nanmin(lowest / (hs[on_guide] / h0) ** p) for p in (1, 2)) / 4 if np.any(np.isfinite(lowest)) \
        else y_hi / 1000
    for p, style in ((1, (0, (5, 3))), (2, (0, (2, 2)))):
        ax.plot([h0, x_hi], [e0, e0 * (x_hi / h0) ** p], ls=style, color="#555555", lw=1.2, gid=f"slope:{p}",
                label=f"slope {p} guide: error ∝ h{'²' if p == 2 else ''}")
    y_lo = min(y_lo, e0 / 3)

    # Left of every best h, round-off dominates; right of every best h,
    # truncation does. Between the minima of different formulas it depends
    # on the formula, so that band stays unshaded. The words sit in a band
    # above the data, so no curve crosses them.
    top = blended_transform_factory(ax.transData, ax.transAxes)
    words = []
    if best_h:
        h_left, h_right = min(best_h.values()), max(best_h.values())
        for lo, hi, color, text in [
            (x_lo, h_left, OKABE_ITO["orange"], "round-off error\ndominates\n(grows as h shrinks)"),
            (h_right, x_hi, OKABE_ITO["sky"], "truncation error\ndominates\n(falls as h shrinks)"),
        ]:
            if hi <= lo:
                continue
            ax.axvspan(lo, hi, color=color, alpha=0.12, lw=0, zorder=0)
            if np.log10(hi / lo) >= 2.5:  # room for the words
                words.append(ax.text(np.sqrt(lo * hi), 0.98, text, transform=top, ha="center", va="top",
                                     fontsize=9, color="#333333"))
    if words:
        band = max(w.get_window_extent().height for w in words) / ax.get_window_extent().height
        decades = np.log10(y_hi / y_lo)
        y_hi = y_lo * 10 ** (decades / max(1 - band - 0.04, 0.3))
    ax.set_ylim(y_lo, y_hi)

    zero = " (errors of exactly 0 are drawn at {:.0e})".format(ERROR_FLOOR)
    drawn_at_floor = np.any(np.concatenate([e for e in curves.values()]) == ERROR_FLOOR)
    ax.set_xlabel("step size h" + (zero if drawn_at_floor else ""))
    ax.set_ylabel("absolute error |estimate − exact|" if ylabel is None else ylabel)
    ax.set_title("Error of a derivative estimate against the step size" if title is None else title)
    ax.grid(True, which="major", color="#dddddd", lw=0.6)
    legend_below(ax)
    return fig


def legend_below(ax: Axes) -> None:
    """Put ``ax``'s legend under its x-axis label, in two columns, where it can hide no data.

    Parameters
    ----------
    ax : Axes
        Axes whose labelled artists go in the legend (called again after
        adding one, it replaces the legend).
    """
    below = ax.transAxes + ScaledTranslation(0, -42 / 72, ax.figure.dpi_scale_trans)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), bbox_transform=below, ncol=2, fontsize=9,
              frameon=False, handlelength=2.5, columnspacing=1.5)


# ---------------------------------------------------------------- losses ---

def plot_losses(
    losses: Sequence[float] | Mapping[str, Sequence[float]],
    *,
    ax: Axes | None = None,
    title: str | None = None,
    logy: bool = False,
    every: int | None = None,
) -> Figure:
    """Plot one or several loss curves against the training step.

    Parameters
    ----------
    losses : sequence of float, or mapping of str to sequence of float
        One curve, shape (T,), or ``label -> curve`` (curves may differ in
        length), e.g. ``{"MSE": mse_losses, "MAE": mae_losses}``.
    ax : Axes, optional
        Where to draw; a new figure when None.
    title : str, optional
        Axes title; default ``"Training loss"``.
    logy : bool
        Log-scale the loss axis (shows progress once the loss gets small).
    every : int, optional
        The losses were recorded every ``every`` steps, so entry ``i`` is
        drawn at step ``i * every``; default 1.

    Returns
    -------
    Figure
    """
    if every is None:
        every = 1
    if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
        raise ValueError(f"every must be a positive integer, got {every!r}")
    curves = dict(losses) if isinstance(losses, Mapping) else {"loss": losses}
    if not curves:
        raise ValueError("losses is empty: give at least one curve")

    fig, ax = _new_axes(ax, (_WIDTH, 3.8))
    for i, (label, curve) in enumerate(curves.items()):
        curve = np.asarray(curve, dtype=np.float64)
        if curve.ndim != 1 or curve.size == 0:
            raise ValueError(f"losses[{label!r}] must be a non-empty 1-D sequence, got shape {curve.shape}")
        steps = np.arange(curve.size) * every
        ax.plot(steps, curve, color=_CYCLE[i % len(_CYCLE)], lw=1.8,
                label=f"{label} (final {_fmt(curve[-1], 3)})")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title("Training loss" if title is None else title)
    ax.grid(True, color="#dddddd", lw=0.6)
    ax.legend(fontsize=9)
    return fig


# ----------------------------------------------------------- activations ---

def plot_activation(
    f: Callable[[np.ndarray], np.ndarray],
    df: Callable[[np.ndarray], np.ndarray],
    *,
    name: str,
    z: np.ndarray | None = None,
    ax: Sequence[Axes] | None = None,
) -> Figure:
    """Plot an activation function beside its derivative.

    Parameters
    ----------
    f, df : callable
        ``f(z)`` and ``f'(z)`` on an array ``z`` of shape (K,), each
        returning an array of shape (K,).
    name : str
        The activation's name, used in the titles (``"ReLU"``, ``"ReLU′"``).
    z : array_like, shape (K,), optional
        Where to evaluate; default ``np.linspace(-5, 5, 401)``.
    ax : sequence of 2 Axes, optional
        Left (function) and right (derivative) axes; a new 1x2 figure when None.

    Returns
    -------
    Figure
    """
    z = np.linspace(-5.0, 5.0, 401) if z is None else np.asarray(z, dtype=np.float64)
    if z.ndim != 1 or z.size < 2:
        raise ValueError(f"z must be a 1-D array of at least 2 points, got shape {z.shape}")
    values = {}
    for label, fn in (("f", f), ("df", df)):
        out = np.asarray(fn(z), dtype=np.float64)
        if out.shape != z.shape:
            raise ValueError(f"{label}(z) returned shape {out.shape}; expected {z.shape}, one value per z")
        values[label] = out

    if ax is None:
        fig, axes = plt.subplots(1, 2, figsize=(_WIDTH, 3.0), layout="constrained")
    else:
        if len(ax) != 2:
            raise ValueError(f"ax must be a sequence of 2 axes (function, derivative), got {len(ax)}")
        axes = list(ax)
        fig = axes[0].figure
    panels = [(values["f"], name, f"{name}(z)", OKABE_ITO["blue"]),
              (values["df"], f"{name}′ (derivative)", f"{name}′(z)", OKABE_ITO["vermillion"])]
    for a, (y, panel_title, ylabel, color) in zip(axes, panels):
        a.axhline(0, color="#999999", lw=0.8)
        a.axvline(0, color="#999999", lw=0.8)
        a.plot(z, y, color=color, lw=2)
        a.set_title(panel_title)
        a.set_xlabel("z")
        a.set_ylabel(ylabel)
        a.grid(True, color="#e5e5e5", lw=0.6)
    return fig


# ------------------------------------------------------ decision boundary ---

def plot_decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    resolution: int = 200,
) -> Figure:
    """Plot a 2-D classifier's decision regions with the data on top.

    Parameters
    ----------
    predict : callable
        ``predict(points)`` for ``points`` of shape (M, 2) returns integer
        labels of shape (M,); scores of shape (M, C) are also accepted and
        reduced with ``argmax`` along axis 1.
    X : array_like, shape (N, 2)
        The data points.
    y : array_like of int, shape (N,)
        Their labels.
    ax : Axes, optional
        Where to draw; a new figure when None.
    title : str, optional
        Axes title (default ``"Decision boundary"``); the training accuracy
        ``mean(predict(X) == y)`` is appended.
    resolution : int
        Grid points per axis of the background, at least 2.

    Returns
    -------
    Figure
        The class legend sits outside the axes, to the right, so it never
        hides data points.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (N, 2), got {X.shape}")
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},) to match X, got {y.shape}")
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(f"resolution must be an integer of at least 2, got {resolution!r}")

    def labels_of(points: np.ndarray) -> np.ndarray:
        out = np.asarray(predict(points))
        if out.ndim == 2 and out.shape[0] == len(points):
            out = out.argmax(axis=1)
        if out.shape != (len(points),):
            raise ValueError(f"predict(points) must return shape ({len(points)},), got {out.shape}")
        return out

    pad = 0.1 * (X.max(axis=0) - X.min(axis=0)) + 0.1
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid_labels = labels_of(np.column_stack([gx.ravel(), gy.ravel()]))
    train_pred = labels_of(X)
    classes = np.unique(np.concatenate([y, grid_labels, train_pred]))
    index = np.searchsorted(classes, grid_labels).reshape(gx.shape)  # label -> colour slot
    colors = [_CYCLE[i % len(_CYCLE)] for i in range(len(classes))]

    if ax is None:
        # Constrained layout keeps the legend, outside the axes, in the figure.
        fig, ax = plt.subplots(figsize=(_WIDTH * 0.85, 4.6), layout="constrained")
    fig = ax.figure
    levels = np.arange(len(classes) + 1) - 0.5
    ax.contourf(gx, gy, index, levels=levels, colors=colors, alpha=0.25)
    if len(classes) > 1:
        ax.contour(gx, gy, index, levels=levels[1:-1], colors="#333333", linewidths=0.8)
    for k, label in enumerate(classes):
        mask = y == label
        if mask.any():
            ax.scatter(X[mask, 0], X[mask, 1], s=22, color=colors[k], marker=_MARKERS[k % len(_MARKERS)],
                       edgecolors="black", linewidths=0.5, label=f"class {label}", zorder=3)
    accuracy = float(np.mean(train_pred == y))
    ax.set_title(f"{'Decision boundary' if title is None else title} (accuracy {accuracy:.1%})")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    # Data such as a spiral fills every corner: any legend inside the axes
    # would hide points, so it sits outside, to the right.
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize=9, frameon=False,
              handletextpad=0.3)
    return fig
