"""Write ``integrity.json`` beside the autograded notebook (never through a link) and warn the TA."""
from __future__ import annotations

import json
import os

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from .safefs import write_new

REPORT = "integrity.json"


def read_report(folder: str) -> dict:
    """The integrity report of one autograded submission folder, by notebook.

    Parameters
    ----------
    folder : str
        ``autograded/<student>/<assignment>``.

    Returns
    -------
    dict
        notebook name -> ``{"flags": [...], "kernel_died": bool, "sandbox": str,
        "errors": [...], "seconds": float}``; empty when the folder has no
        report (or a link stands in its place: links are never followed).
    """
    try:
        fd = os.open(os.path.join(folder, REPORT), os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return {}
    with os.fdopen(fd) as fh:
        return json.load(fh)


class IntegrityReport(NbGraderPreprocessor):
    """Last autograde-stage preprocessor: save and log what the integrity checks found."""

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        folder = resources.get("metadata", {}).get("path") or os.getcwd()
        info = dict(nb.metadata.get("integrity", {}))
        report = read_report(folder)
        report[resources["nbgrader"]["notebook"]] = info
        write_new(os.path.join(folder, REPORT), json.dumps(report, indent=1, sort_keys=True, default=str))
        who = f"{resources['nbgrader']['student']}/{resources['nbgrader']['notebook']}"
        if info.get("flags") or info.get("errors") or info.get("kernel_died"):
            self.log.warning("INTEGRITY %s: %d flag(s), %d error(s)%s; see %s", who, len(info.get("flags", [])),
                             len(info.get("errors", [])), ", kernel died" if info.get("kernel_died") else "",
                             os.path.join(folder, REPORT))
        return nb, resources
