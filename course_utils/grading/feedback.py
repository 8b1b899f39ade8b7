"""Notebooks that are safe to open: no script, no event handler, no remote load.

A submission's outputs and markdown are the student's to write: a
``<script>`` in an HTML output or an ``<img onerror>`` in a markdown cell
would run in the TA's formgrader and in the feedback a student opens.
:class:`SafeNotebook` cleans the autograded notebook itself (the
formgrader renders that copy) and again before feedback is rendered:

- outputs keep only ``text/plain``, PNG and JPEG; HTML, JavaScript, SVG
  and widget views become a plain-text note (their ``text/plain``
  fallback when they have one);
- markdown is cleaned with bleach: an allow-list of tags, no attributes
  but ``href`` (http, https, mailto, ``#``) and ``src`` of ``data:`` images;
  markdown images that point elsewhere become their alt text;
- attachments other than PNG and JPEG are dropped.

:class:`SafeFeedbackExporter`'s template (``templates/feedback/safe_feedback.html.j2``) adds a Content Security
Policy with ``script-src 'none'`` and no remote sources, names each graded
cell by its exercise in the contents, and styles tables.

Hidden tests never enter a notebook (``course_utils/grading/verdict.py``),
so there is nothing of them to hide; the verdict messages carry no hidden
expected value.
"""
from __future__ import annotations

import re
from pathlib import Path

import bleach
from nbconvert.exporters import HTMLExporter
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List, default

TEMPLATES = str(Path(__file__).parent / "templates" / "feedback")
SAFE_MIME = ("text/plain", "image/png", "image/jpeg")
TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "span",
        "strong", "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul"}
ATTRIBUTES = {"a": ["href", "title"], "img": ["src", "alt"], "td": ["align"], "th": ["align"]}
PROTOCOLS = {"http", "https", "mailto", "data"}
# ![alt](url "title") whose url is not a data: URI
REMOTE_IMAGE = re.compile(r"!\[([^\]]*)\]\((?!\s*data:image/(?:png|jpeg);)[^)]*\)")


# [text](javascript:...) in markdown syntax, which the markdown renderer would turn into a link
SCRIPT_LINK = re.compile(r"\]\(\s*(?:javascript|vbscript|data)\s*:", re.I)


def _allowed(tag: str, name: str, value: str) -> bool:
    """bleach's attribute filter: images only from data: PNG/JPEG, links never to data:."""
    if tag == "img" and name == "src":
        return re.match(r"data:image/(png|jpeg);", value.strip()) is not None
    if name == "href" and value.strip().lower().startswith("data:"):
        return False
    return name in ATTRIBUTES.get(tag, [])


CLEANER = bleach.Cleaner(tags=TAGS, attributes=_allowed, protocols=PROTOCOLS, strip=True, strip_comments=True)


def clean_markdown(source: str) -> str:
    """`source` with unsafe HTML removed and remote images reduced to their alt text.

    Parameters
    ----------
    source : str
        A markdown cell's source.

    Returns
    -------
    str
        Markdown whose HTML cannot run code or load anything remote.
    """
    return CLEANER.clean(SCRIPT_LINK.sub("](#", REMOTE_IMAGE.sub(r"\1", source)))


BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")


def _safe(mime: str, value: object) -> bool:
    """Plain text is escaped when rendered; an image is inlined into an attribute, so it must be base64."""
    if mime == "text/plain":
        return isinstance(value, (str, list))
    return mime in SAFE_MIME and isinstance(value, str) and BASE64.fullmatch(value) is not None


def clean_output(output: NotebookNode) -> NotebookNode:
    """`output` with only plain text and PNG/JPEG images (strict base64) left."""
    if output.get("output_type") not in ("display_data", "execute_result"):
        return output
    data = {k: v for k, v in output.get("data", {}).items() if _safe(k, v)}
    if "application/vnd.jupyter.widget-view+json" in output.get("data", {}):
        data = {"text/plain": "(an interactive widget, not shown here)"}
    if not data:
        data = {"text/plain": "(an interactive or HTML output, not shown here)"}
    output.data = data
    output.metadata = {}
    return output


class SafeNotebook(NbGraderPreprocessor):
    """Clean every output and markdown cell so the notebook can be opened safely."""

    # The HTML exporter configures this for every preprocessor; declared, as nbgrader's GetGrades
    # does, so that traitlets does not warn about an unknown option.
    display_data_priority = List([]).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = clean_markdown(cell.source)
            if "attachments" in cell:
                cell.attachments = {name: {k: v for k, v in bundle.items() if k != "text/plain" and _safe(k, v)}
                                    for name, bundle in cell.attachments.items()}
            if cell.cell_type == "code":
                cell.outputs = [clean_output(o) for o in cell.outputs]
        return nb, resources


class SafeFeedbackExporter(HTMLExporter):
    """nbgrader's feedback page, wrapped: a CSP that allows no script, exercise names, styled tables.

    Used only by ``generate_feedback`` (``c.GenerateFeedback.exporter_class``), so the
    formgrader's own HTMLExporter keeps its template. nbgrader picks the "feedback" template
    and its folder; this adds ours, which extends it.
    """

    @default("template_file")
    def _template_file_default(self) -> str:
        return "safe_feedback.html.j2"

    @default("template_paths")
    def _template_paths(self, prune: bool = True, root_dirs: list[str] | None = None) -> list[str]:
        return [*super()._template_paths(prune=prune, root_dirs=root_dirs), TEMPLATES]
