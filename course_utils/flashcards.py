"""Flashcards: click a card to reveal its answer; print the set, one card per page.

:func:`flashcards` shows the cards as an ipywidgets grid. Its "Print
flashcards" button writes :func:`flashcards_html` to a self-contained HTML
file and links to it (open it in a new tab, or download it), ready to print
or save as a PDF from the browser. Plain ipywidgets and HTML: it works on
Binder, JupyterLab and the classic notebook without any extension.
"""
from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path

import ipywidgets as W

__all__ = ["flashcards", "flashcards_html"]

_SHOW, _HIDE = "Show answer", "Hide answer"

_PAGE_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 46em; margin: 2em auto;
       padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; }
.card { border: 2px solid #56B4E9; border-radius: 12px; padding: 1.5em 2em; margin: 0 0 2em 0;
        page-break-after: always; break-after: page; page-break-inside: avoid; break-inside: avoid; }
.card:last-child { page-break-after: auto; break-after: auto; }
.number { color: #0072B2; font-weight: bold; font-size: 0.9em; }
.question { font-size: 1.35em; font-weight: bold; margin: 0.6em 0 1.2em 0; }
.answer { font-size: 1.1em; line-height: 1.5; border-top: 1px dashed #999; padding-top: 1em; }
.answer::before { content: "Answer. "; font-weight: bold; color: #D55E00; }
@media print { .noprint { display: none; } body { margin: 0; max-width: none; }
               .card { border: none; margin: 0; } }
"""


def _checked(cards: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The cards as a list of (question, answer) strings; ValueError if they are not."""
    pairs = list(cards)
    if not pairs:
        raise ValueError("cards is empty: give at least one (question, answer) pair")
    for i, card in enumerate(pairs):
        if not (isinstance(card, (tuple, list)) and len(card) == 2 and all(isinstance(s, str) for s in card)):
            raise ValueError(f"card {i} must be a (question, answer) pair of strings, got {card!r}")
    return [(q, a) for q, a in pairs]


def flashcards_html(cards: Sequence[tuple[str, str]], *, title: str = "Flashcards") -> str:
    """A self-contained HTML page of the cards, one card per printed page.

    Each card is a ``<section class="card">`` with its question, then its
    answer; CSS ``page-break-after: always`` (and ``break-after: page``)
    puts every card on a page of its own when printed. All text is escaped.

    Parameters
    ----------
    cards : sequence of (str, str)
        ``(question, answer)`` pairs, in order.
    title : str
        The page's title and heading.

    Returns
    -------
    str
        The whole HTML document.

    Raises
    ------
    ValueError
        For no cards, or a card that is not a pair of strings.
    """
    pairs = _checked(cards)
    sections = "\n".join(
        f'<section class="card"><div class="number">Card {i} of {len(pairs)}</div>\n'
        f'<p class="question">{html.escape(q)}</p>\n<p class="answer">{html.escape(a)}</p></section>'
        for i, (q, a) in enumerate(pairs, start=1))
    name = html.escape(title)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{name}</title>\n'
            f"<style>{_PAGE_CSS}</style></head>\n<body>\n"
            f'<h1 class="noprint">{name}</h1>\n'
            '<p class="noprint">One card per page: print this page (Ctrl+P or Cmd+P), or save it as a PDF. '
            '<button onclick="window.print()">Print</button></p>\n'
            f"{sections}\n</body></html>\n")


def _card(number: int, question: str, answer: str) -> W.VBox:
    """One card: the question, its answer (hidden), and the button that shows or hides it."""
    prompt = W.HTML(f"<div style='font-size:1.05em'><b>Q{number}.</b> {html.escape(question)}</div>")
    reveal = W.HTML(f"<div style='color:#8A3A00'><b>A.</b> {html.escape(answer)}</div>",
                    layout=W.Layout(display="none"))
    button = W.Button(description=_SHOW, tooltip="Click to reveal the answer; click again to hide it",
                      layout=W.Layout(width="100%"))

    def toggle(_button: W.Button) -> None:
        hidden = reveal.layout.display == "none"
        reveal.layout.display = None if hidden else "none"
        button.description = _HIDE if hidden else _SHOW
        button.button_style = "warning" if hidden else ""

    button.on_click(toggle)
    return W.VBox([prompt, reveal, button],
                  layout=W.Layout(border="2px solid #56B4E9", padding="8px 12px",
                                  justify_content="space-between"))


def flashcards(cards: Sequence[tuple[str, str]], *, title: str = "Flashcards",
               path: str | Path = "flashcards.html") -> W.VBox:
    """Flashcards as a widget: click a card to reveal its answer, print them all.

    Parameters
    ----------
    cards : sequence of (str, str)
        ``(question, answer)`` pairs, in order.
    title : str
        Heading of the widget and of the printable page.
    path : str or Path
        Where the "Print flashcards" button writes the printable page,
        relative to the working directory (the notebook's folder).

    Returns
    -------
    ipywidgets.VBox
        Children: ``[HTML (title), GridBox (one VBox per card), Button
        "Print flashcards", HTML (the links, empty until printed)]``. A card's
        children are ``[HTML (question), HTML (answer, hidden), Button]``;
        clicking the button shows the answer, clicking it again hides it.
        The print button writes :func:`flashcards_html` to `path` and shows
        a link that opens it in a new tab and one that downloads it.

    Raises
    ------
    ValueError
        For no cards, or a card that is not a pair of strings.
    """
    pairs = _checked(cards)
    heading = W.HTML(f"<h3 style='margin:0.2em 0'>{html.escape(title)}</h3>"
                     f"<i>{len(pairs)} cards. Answer each in your head first, then click the card.</i>")
    grid = W.GridBox([_card(i, q, a) for i, (q, a) in enumerate(pairs, start=1)],
                     layout=W.Layout(grid_template_columns="repeat(auto-fill, minmax(300px, 1fr))",
                                     grid_gap="10px", width="100%"))
    print_button = W.Button(description="Print flashcards", icon="print", button_style="info",
                            tooltip="Write a printable page, one card per page, and link to it")
    links = W.HTML()

    def write(_button: W.Button) -> None:
        page = flashcards_html(pairs, title=title)
        target = Path(path)
        try:
            target.write_text(page, encoding="utf-8")
        except OSError as error:
            links.value = f"<span style='color:#B34700'>Could not write {html.escape(str(target))}: " \
                          f"{html.escape(str(error))}</span>"
            return
        href = html.escape(target.as_posix(), quote=True)
        data = base64.b64encode(page.encode("utf-8")).decode("ascii")
        links.value = (f"Wrote <code>{html.escape(str(target))}</code>: "
                       f'<a href="{href}" target="_blank" rel="noopener">open it in a new tab</a> or '
                       f'<a href="data:text/html;charset=utf-8;base64,{data}" '
                       f'download="{html.escape(target.name, quote=True)}">download it</a>, '
                       "then print it (one card per page) or save it as a PDF.")

    print_button.on_click(write)
    return W.VBox([heading, grid, print_button, links])
