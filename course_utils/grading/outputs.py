"""Cap the bytes of a cell's outputs (``LimitOutput`` caps lines only)."""
from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

NOTE = "\n... output truncated: {size} bytes in this cell, {limit} kept ...\n"


class CapOutputBytes(NbGraderPreprocessor):
    """Keep at most `max_bytes` of output per cell; errors always keep their name.

    A 10 MB print becomes its first 100 kB and a note; a huge image or HTML
    becomes a plain-text note; a huge error message is cut.
    """

    max_bytes = Integer(100_000, help="Bytes of output kept per cell.").tag(config=True)

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict, index: int):
        if cell.cell_type != "code":
            return cell, resources
        size = sum(_size(o) for o in cell.outputs)
        if size <= self.max_bytes:
            return cell, resources
        budget = self.max_bytes
        kept = []
        for output in cell.outputs:
            if output.output_type == "stream":
                if budget <= 0:
                    continue
                output.text = output.text[:budget]
                budget -= len(output.text)
            elif output.output_type == "error":
                output.evalue = output.evalue[:2000]
                output.traceback = [line[:2000] for line in output.traceback[-20:]]
            elif _size(output) > budget:
                output.data = {"text/plain": "(a large output was removed)"}
                output.metadata = {}
            budget -= _size(output) if output.output_type != "stream" else 0
            kept.append(output)
        note = NOTE.format(size=size, limit=self.max_bytes)
        kept.insert(next((i for i, o in enumerate(kept) if o.output_type == "error"), len(kept)),
                    NotebookNode(output_type="stream", name="stdout", text=note))
        cell.outputs = kept
        return cell, resources


def _size(output: NotebookNode) -> int:
    if output.output_type == "stream":
        return len(output.get("text", ""))
    if output.output_type == "error":
        return len(output.get("evalue", "")) + sum(len(line) for line in output.get("traceback", []))
    return sum(len(v) if isinstance(v, str) else len(str(v)) for v in output.get("data", {}).values())
