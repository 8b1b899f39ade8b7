"""Feedback that says what failed without giving the hidden tests away.

nbgrader's feedback HTML shows the autograded notebook as it is: hidden
test code, full tracebacks (with the test's lines and reference values) and
``expected ...`` values. :class:`HideHiddenTests` (first in
``c.GenerateFeedback.preprocessors``) rewrites the notebook before it is
rendered:

- the ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` region of
  every cell becomes ``# hidden tests ran here``;
- every error is reduced to its last line, ``Name: message``, with
  ``expected ...`` fragments removed;
- any output that quotes a line of the hidden tests (read from the cell
  history by a cheat, say) is withheld.
"""
from __future__ import annotations

import re

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

HIDDEN = re.compile(r"^([ \t]*)### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[^\n]*", re.S | re.M)
# "..., expected 1.5 (2 of 10 entries wrong)." / "..., expected shape (3,)." / "expected: [1, 2]"
EXPECTED = re.compile(r",?\s*\bexpected\b:?\s*(?:shape\s*)?(?:\([^)]*\)|\[[^\]]*\]|[^\s,;(]+?)(?=[\s,;(]|\.?$)",
                      re.I | re.M)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def hide_expected(message: str) -> str:
    """`message` with every ``expected <value>`` fragment removed.

    Parameters
    ----------
    message : str
        An assertion message, e.g. ``"dg(x) entry (3,) at x=0.5: got 1.2, expected 1.3 (1 of 10 entries wrong)."``.

    Returns
    -------
    str
        e.g. ``"dg(x) entry (3,) at x=0.5: got 1.2 (1 of 10 entries wrong)."``.
    """
    return EXPECTED.sub("", ANSI.sub("", message))


def hide_hidden_tests(source: str) -> str:
    """`source` with each hidden-test region replaced by one comment line."""
    return HIDDEN.sub(lambda m: f"{m.group(1)}# hidden tests ran here", source)


def _hidden_lines(nb: NotebookNode) -> set[str]:
    lines = set()
    for cell in nb.cells:
        for region in HIDDEN.finditer(cell.get("source", "")):
            lines.update(line.strip() for line in region.group(0).splitlines()[1:-1] if len(line.strip()) >= 12)
    return lines


def _output_text(output: NotebookNode) -> str:
    if output.output_type == "stream":
        return output.get("text", "")
    if output.output_type == "error":  # the traceback is dropped anyway: only the message is shown
        return output.get("evalue", "")
    return "\n".join(v if isinstance(v, str) else str(v) for v in output.get("data", {}).values())


class HideHiddenTests(NbGraderPreprocessor):
    """Feedback preprocessor: hide hidden tests, tracebacks and expected values."""

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        secret = _hidden_lines(nb)
        for cell in nb.cells:
            cell.source = hide_hidden_tests(cell.source)
            if cell.cell_type != "code":
                continue
            outputs = []
            for output in cell.outputs:
                text = _output_text(output)
                if any(line in text for line in secret):
                    output = NotebookNode(output_type="stream", name="stdout",
                                          text="[output withheld: it quotes hidden test code]\n")
                elif output.output_type == "error":
                    message = hide_expected(f"{output.ename}: {output.evalue}")[:600]
                    output.evalue = message.split(": ", 1)[-1]
                    output.traceback = [message]
                elif output.output_type == "stream":
                    output.text = hide_expected(output.text)
                outputs.append(output)
            cell.outputs = outputs
        return nb, resources
