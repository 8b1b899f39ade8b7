"""Write ``integrity.json`` beside the autograded notebook and warn the TA."""
from __future__ import annotations

import json
import os

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

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
        notebook name -> ``{"flags": [...], "cleanroom": {...}, "kernel_died": ...}``;
        empty when the folder has no report.
    """
    path = os.path.join(folder, REPORT)
    if not os.path.exists(path):
        return {}
    with open(path) as fh:
        return json.load(fh)


class IntegrityReport(NbGraderPreprocessor):
    """Last autograde-stage preprocessor: save and log what the integrity checks found."""

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        folder = resources.get("metadata", {}).get("path") or os.getcwd()
        info = dict(nb.metadata.get("integrity", {}))
        report = read_report(folder)
        report[resources["nbgrader"]["notebook"]] = info
        with open(os.path.join(folder, REPORT), "w") as fh:
            json.dump(report, fh, indent=1, sort_keys=True, default=str)
        who = f"{resources['nbgrader']['student']}/{resources['nbgrader']['notebook']}"
        failed = info.get("cleanroom", {}).get("failed", {})
        for cell, why in failed.items():
            self.log.warning("INTEGRITY %s: %s scores 0: %s", who, cell, why)
        if info.get("flags") or failed or info.get("kernel_died"):
            self.log.warning("INTEGRITY %s: %d flag(s), %d cell(s) failed the clean room; see %s", who,
                             len(info.get("flags", [])), len(failed), os.path.join(folder, REPORT))
        return nb, resources
