"""Build submissions from the course notebooks and grade them with real nbgrader.

A *submission* is the release notebook with its answer cells filled in:
- the solution: every answer cell gets the source notebook's solution code;
- the blank release: the release notebook as students receive it;
- a planted bug: the solution with one text replacement in one answer cell.

`grade` copies the course into a temporary directory, runs
`nbgrader generate_assignment` there, drops the submissions into
`submitted/<student>/`, runs one `nbgrader autograde` and reads every graded
cell's score back from the gradebook.
"""
from __future__ import annotations

import copy
import json
import os
import re
import runpy
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "source"
RELEASE = REPO / "release"
BUGS = Path(__file__).resolve().parent / "planted_bugs"
ASSIGNMENTS = sorted(p.name for p in SOURCE.iterdir() if p.is_dir() and not p.name.startswith("."))

_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


@dataclass(frozen=True)
class PlantedBug:
    """One planted bug: replace `find` by `replace` in answer cell `cell`.

    `loses` names the graded test cells that must score 0; every other graded
    cell of the notebook must keep its full points.
    """

    name: str
    cell: str
    find: str
    replace: str
    loses: tuple[str, ...]


def notebook_name(assignment: str) -> str:
    """The one notebook of an assignment, e.g. ``chain_rule.ipynb``."""
    (path,) = sorted((SOURCE / assignment).glob("*.ipynb"))
    return path.name


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def solutions(assignment: str) -> dict[str, str]:
    """Answer-cell grade_id -> solution code (markers removed) from source/."""
    nb = read(SOURCE / assignment / notebook_name(assignment))
    answers = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            lines = cell.source.splitlines()
            answers[meta["grade_id"]] = "\n".join(line for line in lines if not _MARKER.match(line))
    return answers


def blank_submission(assignment: str) -> nbformat.NotebookNode:
    """The release notebook, as a student receives it."""
    return read(RELEASE / assignment / notebook_name(assignment))


def solution_submission(assignment: str) -> nbformat.NotebookNode:
    """The release notebook with every answer cell holding the solution."""
    nb = copy.deepcopy(blank_submission(assignment))
    answers = solutions(assignment)
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            cell.source = answers[_grade_id(cell)]
    return nb


def planted_bugs(assignment: str) -> list[PlantedBug]:
    """The planted bugs of an assignment, from tests/planted_bugs/<assignment>.py."""
    path = BUGS / f"{assignment}.py"
    if not path.exists():
        return []
    return [PlantedBug(**{**bug, "loses": tuple(bug["loses"])}) for bug in runpy.run_path(str(path))["BUGS"]]


def buggy_submission(assignment: str, bug: PlantedBug) -> nbformat.NotebookNode:
    """The solution with `bug` planted in its answer cell."""
    nb = solution_submission(assignment)
    (cell,) = [c for c in nb.cells if _grade_id(c) == bug.cell]
    if cell.source.count(bug.find) != 1:
        raise AssertionError(f"bug {bug.name!r}: {bug.find!r} must occur exactly once in cell {bug.cell!r}")
    cell.source = cell.source.replace(bug.find, bug.replace)
    return nb


def graded_cells(assignment: str) -> dict[str, float]:
    """grade_id -> points of every graded cell in the source notebook."""
    nb = read(SOURCE / assignment / notebook_name(assignment))
    return {
        _grade_id(c): float(c.metadata.nbgrader["points"])
        for c in nb.cells
        if c.get("metadata", {}).get("nbgrader", {}).get("grade")
    }


def sandbox_args() -> list[str]:
    """Extra autograde arguments: none where bubblewrap works.

    Elsewhere the tests still check the verdicts, with kernels that are not
    sandboxed (the attack tests that need the sandbox skip); on CI a missing
    sandbox is an error, since .ci/run installs bubblewrap.
    """
    from course_utils.grading.sandbox import sandbox_problem

    problem = sandbox_problem()
    if problem is None:
        return []
    if os.environ.get("CI"):
        raise RuntimeError(f"CI must grade in the sandbox: {problem}")
    return ["--JudgedExecute.unsafe_no_sandbox=True"]


def nbgrader(course: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run an nbgrader command in `course`; raise with its output when it fails."""
    if args and args[0] == "autograde":
        args = (*args, *sandbox_args())
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def make_course(root: Path, assignment: str) -> Path:
    """A temporary course directory holding the config and one source assignment."""
    course = root / "course"
    course.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", course)
    shutil.copytree(SOURCE / assignment, course / "source" / assignment)
    (course / "hidden_tests").mkdir()
    shutil.copy(REPO / "hidden_tests" / f"{assignment}.py", course / "hidden_tests")
    nbgrader(course, "generate_assignment", assignment, "--force")
    return course


def grade(root: Path, assignment: str, submissions: dict[str, nbformat.NotebookNode]) -> dict[str, dict[str, float]]:
    """Autograde `submissions` (student id -> notebook); student -> grade_id -> score."""
    course = make_course(root, assignment)
    name = notebook_name(assignment)
    for student, nb in submissions.items():
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / name))
    nbgrader(course, "autograde", assignment)
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in submissions:
            sub = gb.find_submission_notebook(Path(name).stem, assignment, student)
            scores[student] = {g.name: float(g.score) for g in sub.grades}
    return scores


def generated_release(root: Path, assignment: str) -> dict:
    """The release notebook that nbgrader generates from source/, as JSON."""
    course = make_course(root, assignment)
    return json.loads((course / "release" / assignment / notebook_name(assignment)).read_text())
