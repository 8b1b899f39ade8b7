"""Interactive explorers and self-check quizzes for the course notebooks.

Each builder returns the top-level ipywidgets container, so the last
expression of a notebook cell displays it. Figures are built outside pyplot
and rendered to PNG into an ``ipywidgets.Image``: no figure piles up as a
slider moves, and nothing depends on the notebook's matplotlib backend.

The notebooks pass in the students' own functions. In a blank release those
raise NotImplementedError; the widgets then still render and say what to
implement, instead of showing a traceback.
"""
from __future__ import annotations

import html
import io
from collections.abc import Callable, Mapping, Sequence

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from .plots import OKABE_ITO, legend_below, plot_step_error

__all__ = [
    "quiz",
    "step_size_explorer",
    "step_size_figure",
    "step_size_report",
    "tangent_explorer",
    "tangent_figure",
]


def _name(fn: Callable) -> str:
    name = getattr(fn, "__name__", "")
    return name if name.isidentifier() else "the function"  # a lambda is "<lambda>"


def _call(fn: Callable, *args, name: str | None = None) -> tuple[object, str | None]:
    """Call ``fn(*args)``; return ``(result, None)`` or ``(None, message)``.

    ``name`` is the student's function named in the message (default ``fn``'s).
    """
    name = name or _name(fn)
    try:
        return fn(*args), None
    except NotImplementedError:
        return None, f"implement {name}() above, then re-run this cell"
    except Exception as exc:  # a student's bug: show one line, not a traceback
        first = (str(exc).strip().splitlines() or [""])[0]
        return None, f"{name}() raised {type(exc).__name__}: {first}".rstrip(": ")


def _warning_html(message: str) -> str:
    return ("<div style='background:#FFF4E0;border-left:4px solid #E69F00;padding:4px 8px;'>"
            f"⚠ {html.escape(message)}</div>")


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return buf.getvalue()


def _as_float(value: object) -> float:
    """A loss or gradient as one number; arrays (several examples) are averaged."""
    return float(np.mean(np.asarray(value, dtype=np.float64)))


# ---------------------------------------------------------- tangent line ---

def tangent_figure(
    loss: Callable, grad: Callable, x: object, y: object, w: float, *,
    w_range: tuple[float, float] = (-3.0, 3.0),
) -> tuple[Figure, str]:
    """Draw ``L(w) = loss(w, x, y)`` and its tangent at ``w``.

    Parameters
    ----------
    loss, grad : callable
        ``loss(w, x, y)`` and ``grad(w, x, y)`` for a scalar ``w``. If they
        return arrays (``x``, ``y`` holding several examples), the mean is used.
    x, y : float or array_like
        The data, passed through unchanged.
    w : float
        Where to draw the tangent.
    w_range : (float, float)
        The range of ``w`` plotted.

    Returns
    -------
    fig : Figure
        A figure not registered with pyplot (nothing to close).
    summary : str
        HTML: the numbers at ``w``, or a message saying what to fix.
    """
    fig = Figure(figsize=(7.0, 3.6))
    ax = fig.add_subplot()
    ax.set_xlabel("weight w")
    ax.set_ylabel("loss L(w)")
    ax.set_title("The loss as a function of w, and its tangent at the current w")
    ws = np.linspace(w_range[0], w_range[1], 201)
    ax.set_xlim(*w_range)
    curve, message = _call(lambda: [_as_float(loss(v, x, y)) for v in ws], name=_name(loss))
    if message is not None:
        ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", wrap=True)
        return fig, _warning_html(message)
    curve = np.asarray(curve)
    ax.plot(ws, curve, color=OKABE_ITO["blue"], lw=2, label="L(w) = loss(w, x, y)")
    value = _as_float(loss(w, x, y))
    ax.plot([w], [value], "o", color="black", ms=7, zorder=4)
    finite = curve[np.isfinite(curve)]
    if finite.size:  # a steep tangent must not squash the curve
        pad = 0.08 * (finite.max() - finite.min()) + 1e-12
        ax.set_ylim(finite.min() - pad, finite.max() + pad)
    ax.grid(True, color="#e5e5e5", lw=0.6)
    numbers = f"w = {w:.3f} &nbsp;&nbsp; L(w) = {value:.4g}"

    slope, message = _call(grad, w, x, y)
    if message is None:
        try:
            slope = _as_float(slope)
        except (TypeError, ValueError) as exc:
            message = f"{_name(grad)}() returned something that is not a number: {exc}"
    if message is not None:
        legend_below(ax)
        return fig, f"<code>{numbers}</code>" + _warning_html(message)
    ax.plot(ws, value + slope * (ws - w), ls="--", color=OKABE_ITO["vermillion"], lw=1.8,
            label=f"tangent, slope = grad(w, x, y) = {slope:.4g}")
    legend_below(ax)
    return fig, f"<code>{numbers} &nbsp;&nbsp; dL/dw = {slope:.4g}</code>"


def tangent_explorer(
    loss: Callable, grad: Callable, x: object, y: object, *,
    w_range: tuple[float, float] = (-3.0, 3.0), w0: float | None = None,
) -> W.VBox:
    """A slider for ``w`` that redraws ``L(w)`` and its tangent line.

    Parameters
    ----------
    loss, grad : callable
        The student's ``loss(w, x, y)`` and ``grad(w, x, y)``.
    x, y : float or array_like
        The data (seed lesson: one example).
    w_range : (float, float)
        Slider and plot range of ``w``.
    w0 : float, optional
        Starting ``w``; default the middle of ``w_range``.

    Returns
    -------
    ipywidgets.VBox
        Children: ``[FloatSlider, HTML (the numbers or what to fix), Image]``.
    """
    lo, hi = map(float, w_range)
    if not lo < hi:
        raise ValueError(f"w_range must be (low, high) with low < high, got {w_range!r}")
    w0 = (lo + hi) / 2 if w0 is None else float(w0)
    if not lo <= w0 <= hi:
        raise ValueError(f"w0 = {w0} lies outside w_range {w_range!r}")
    slider = W.FloatSlider(value=w0, min=lo, max=hi, step=(hi - lo) / 200, description="w",
                           readout_format=".2f", continuous_update=True,
                           layout=W.Layout(width="60%"))
    status = W.HTML()
    image = W.Image(format="png")

    def update(_change: object = None) -> None:
        fig, status.value = tangent_figure(loss, grad, x, y, slider.value, w_range=(lo, hi))
        image.value = _png(fig)

    slider.observe(update, names="value")
    update()
    return W.VBox([slider, status, image])


# ------------------------------------------------------------- step size ---

def step_size_report(
    f: Callable, df: Callable, x: float, estimators: Mapping[str, Callable], hs: np.ndarray,
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Errors of each estimator over the steps ``hs``, for :func:`step_size_figure`.

    Parameters
    ----------
    f, df : callable
        The function and its exact derivative, on scalars.
    x : float
        Where to differentiate.
    estimators : mapping of str to callable
        ``label -> estimator(f, x, h)`` returning an estimate of ``f'(x)``.
    hs : array_like, shape (K,)
        Step sizes.

    Returns
    -------
    errors : dict of str to ndarray, shape (K,)
        ``|estimate - df(x)|`` for every estimator that ran.
    problems : dict of str to str
        ``label -> message`` for every estimator (or ``"exact"`` for ``df``)
        that raised.
    """
    exact, message = _call(df, x)
    if message is not None:
        return {}, {"exact": message}
    errors, problems = {}, {}
    for label, estimator in estimators.items():
        estimates, message = _call(lambda: [float(estimator(f, x, h)) for h in hs], name=_name(estimator))
        if message is not None:
            problems[label] = message
        else:
            errors[label] = np.abs(np.asarray(estimates) - float(exact))
    return errors, problems


def step_size_figure(hs: np.ndarray, errors: Mapping[str, np.ndarray], h: float) -> Figure:
    """The error curves of :func:`step_size_report` with a vertical line at ``h``.

    Parameters
    ----------
    hs : array_like, shape (K,)
        Step sizes.
    errors : mapping of str to ndarray, shape (K,)
        Absolute errors per estimator; may be empty (then a note is drawn).
    h : float
        The slider's step size.

    Returns
    -------
    Figure
        A figure not registered with pyplot; the line at ``h`` has gid
        ``"current-h"``.
    """
    fig = Figure(figsize=(7.0, 4.6))
    ax = fig.add_subplot()
    if errors:
        plot_step_error(hs, errors, ax=ax)
    else:
        ax.set_xscale("log")
        ax.set_xlim(min(hs), max(hs))
        ax.set_xlabel("step size h")
        # In the half of the plot away from the slider's line, so the line never crosses it.
        left_half = np.log(h / min(hs)) < np.log(max(hs) / h)
        ax.text(0.75 if left_half else 0.25, 0.5, "No estimator ran yet:\nsee the message above.",
                transform=ax.transAxes, ha="center", va="center")
    # The line stops below any words it would cross (the region names at the top).
    frame = ax.get_window_extent()
    x = ax.transData.transform((h, 1.0))[0]
    crossed = [t.get_window_extent() for t in ax.texts if t.get_text()]
    top = min([(box.y0 - frame.y0) / frame.height - 0.02 for box in crossed if box.x0 <= x <= box.x1], default=1.0)
    ax.axvline(h, ymax=top, color="black", lw=1.2, ls="-.", gid="current-h", label=f"slider: h = {h:.1e}")
    legend_below(ax)
    return fig


def step_size_explorer(
    f: Callable, df: Callable, x: float, estimators: Mapping[str, Callable], *,
    h0: float = 1e-5, h_range: tuple[float, float] = (1e-16, 1e-1),
) -> W.VBox:
    """A log-scale slider for the step ``h`` over the V-shaped error curves.

    Parameters
    ----------
    f, df : callable
        The function and its exact derivative, on scalars.
    x : float
        Where to differentiate.
    estimators : mapping of str to callable
        ``label -> estimator(f, x, h)``, e.g. the student's
        ``forward_difference`` and ``numerical_derivative``.
    h0 : float
        Starting step.
    h_range : (float, float)
        Smallest and largest step, both positive.

    Returns
    -------
    ipywidgets.VBox
        Children: ``[FloatLogSlider, HTML (estimates and errors at h, or what
        to fix), Image]``.
    """
    lo, hi = map(float, h_range)
    if not 0 < lo < hi:
        raise ValueError(f"h_range must be (low, high) with 0 < low < high, got {h_range!r}")
    if not lo <= h0 <= hi:
        raise ValueError(f"h0 = {h0} lies outside h_range {h_range!r}")
    if not estimators:
        raise ValueError("estimators is empty: give at least one, e.g. {'central': numerical_derivative}")
    hs = np.logspace(np.log10(lo), np.log10(hi), 61)
    errors, problems = step_size_report(f, df, x, estimators, hs)  # once: the curves do not move
    slider = W.FloatLogSlider(value=h0, base=10, min=np.log10(lo), max=np.log10(hi), step=0.25,
                              description="h", readout_format=".1e", continuous_update=False,
                              layout=W.Layout(width="60%"))
    status = W.HTML()
    image = W.Image(format="png")

    def update(_change: object = None) -> None:
        h = slider.value
        rows = []
        if "exact" in problems:
            rows.append(_warning_html(problems["exact"]))
        else:
            exact = float(df(x))
            rows.append(f"<code>exact f′(x) = {exact:.16g}</code>")
            for label, estimator in estimators.items():
                if label in problems:
                    rows.append(_warning_html(f"{label}: {problems[label]}"))
                    continue
                estimate, message = _call(estimator, f, x, h)
                if message is not None:
                    rows.append(_warning_html(f"{label}: {message}"))
                    continue
                rows.append(f"<code>{html.escape(label)}: estimate = {float(estimate):.16g}, "
                            f"error = {abs(float(estimate) - exact):.2e}</code>")
        status.value = "<br>".join(rows)
        image.value = _png(step_size_figure(hs, errors, h))

    slider.observe(update, names="value")
    update()
    return W.VBox([slider, status, image])


# ------------------------------------------------------------------ quiz ---

def _answer_index(options: Sequence[str], answer: int | str) -> int:
    if isinstance(answer, str):
        letter = answer.strip().rstrip(").").upper()
        for i, option in enumerate(options):
            if option.strip().upper().startswith((f"{letter})", f"{letter}.")):
                return i
        if len(letter) == 1 and letter.isalpha():  # options without "A)" prefixes
            index = ord(letter) - ord("A")
        else:
            raise ValueError(f"answer {answer!r} is not a letter like 'B' or an index")
    elif isinstance(answer, (int, np.integer)) and not isinstance(answer, bool):
        index = int(answer)
    else:
        raise ValueError(f"answer must be an option letter or an index, got {answer!r}")
    if not 0 <= index < len(options):
        raise ValueError(f"answer {answer!r} does not name one of the {len(options)} options")
    return index


def quiz(
    question: str, options: Sequence[str], answer: int | str, *, explanation: str = "",
) -> W.VBox:
    """A multiple-choice question with instant feedback, for self-checking.

    Parameters
    ----------
    question : str
        The question (plain text).
    options : sequence of str
        The choices, e.g. ``["A) dy/dg + dg/dx", "B) dy/dg × dg/dx", ...]``.
    answer : str or int
        The correct option's letter (``"B"``) or its index (``1``).
    explanation : str
        Shown once the right option is checked.

    Returns
    -------
    ipywidgets.VBox
        Children: ``[HTML (question), RadioButtons, Button "Check", HTML (feedback)]``.
    """
    options = [str(o) for o in options]
    if len(options) < 2:
        raise ValueError("a quiz needs at least 2 options")
    if len(set(options)) != len(options):
        raise ValueError("quiz options must be distinct")
    correct = _answer_index(options, answer)

    prompt = W.HTML(f"<b>{html.escape(question)}</b>")
    choices = W.RadioButtons(options=options, value=None, layout=W.Layout(width="max-content"))
    check = W.Button(description="Check", button_style="info")
    feedback = W.HTML()

    def on_check(_button: W.Button) -> None:
        if choices.index is None:
            feedback.value = "Pick an answer first."
        elif choices.index == correct:
            more = f" {html.escape(explanation)}" if explanation else ""
            feedback.value = f"<span style='color:#007A55'><b>✓ Correct.</b></span>{more}"
        else:
            feedback.value = "<span style='color:#B34700'><b>✗ Not quite: try again.</b></span>"

    # A new choice clears the old verdict, so it cannot be mistaken for this one's.
    choices.observe(lambda _change: setattr(feedback, "value", ""), names="value")
    check.on_click(on_check)
    return W.VBox([prompt, choices, check, feedback])
