"""Faults during grading cost the faulty cell or submission only (issue 6).

One `nbgrader autograde` run of 01_chain_rule, with the repository's
nbgrader_config.py and a 5 s cell timeout (`c.Execute.timeout`), grades: the
solution (twice, as two students, and once more with --force), an infinite
loop, os._exit in an answer cell, a 10 MB print, and a correct answer that
writes warnings to stderr. Student cells run in the sandboxed kernel; graded
test cells are judged in the grader against it (course_utils/grading).
"""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

import nbgrading as ng
from course_utils.grading.sandbox import sandbox_problem

pytestmark = pytest.mark.skipif(sandbox_problem() is not None,
                                reason=f"no grading sandbox on this machine: {sandbox_problem()}")

ASSIGNMENT = "01_chain_rule"
TIMEOUT = 5


LOOP = "def df(x):\n    while True:\n        pass\n"
EXIT = "import os\nos._exit(1)\n"
HUGE = 'print("x" * 10_000_000)\n'
WARN = ('import sys, warnings\n'
        'def dg(x):\n'
        '    warnings.warn("a harmless warning", RuntimeWarning)\n'
        '    print("note on stderr", file=sys.stderr)\n'
        '    return np.cos(x ** 2) * 2 * x\n')


def with_answer(cell_id: str, code: str, append: bool = False):
    """The solution submission with answer cell `cell_id` replaced (or extended) by `code`."""
    nb = ng.solution_submission(ASSIGNMENT)
    (cell,) = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == cell_id]
    cell.source = cell.source + "\n" + code if append else code
    return nb


def scores_of(course: Path, students) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    name = Path(ng.notebook_name(ASSIGNMENT)).stem
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {s: {g.name: float(g.score) for g in gb.find_submission_notebook(name, ASSIGNMENT, s).grades}
                for s in students}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    course = ng.make_course(root, ASSIGNMENT)
    with open(course / "nbgrader_config.py", "a") as fh:
        fh.write(f"\nc.Execute.timeout = {TIMEOUT}\n")
    submissions = {
        "solution": ng.solution_submission(ASSIGNMENT),
        "solution_again": ng.solution_submission(ASSIGNMENT),
        "loop": with_answer("df", LOOP),
        "exit": with_answer("dg", EXIT),
        "huge": with_answer("loss", HUGE, append=True),
        "warn": with_answer("dg", WARN),
    }
    for student, nb in submissions.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / ng.notebook_name(ASSIGNMENT)))
    # Plain `nbgrader autograde`: it must finish (exit 0) whatever the submissions do.
    ng.nbgrader(course, "autograde", ASSIGNMENT)
    first = scores_of(course, submissions)
    ng.nbgrader(course, "autograde", ASSIGNMENT, "--force", "--student", "solution")
    again = scores_of(course, ["solution"])["solution"]
    return course, first, again


def report(course: Path, student: str) -> dict:
    path = course / "autograded" / student / ASSIGNMENT / "integrity.json"
    return json.loads(path.read_text())[Path(ng.notebook_name(ASSIGNMENT)).stem]


def test_infinite_loop_costs_its_cell_only(graded):
    course, scores, _ = graded
    full = ng.graded_cells(ASSIGNMENT)
    assert scores["loop"]["test_df"] == 0
    assert {k: v for k, v in scores["loop"].items() if k != "test_df"} == {k: v for k, v in full.items()
                                                                           if k != "test_df"}
    info = report(course, "loop")
    assert info["kernel_died"] is False and any("test_df" in e and "timed out" in e for e in info["errors"])


def test_dead_kernel_scores_zero_and_others_are_graded(graded):
    """os._exit in the dg answer cell: the cells judged before it keep their points, the rest score 0."""
    course, scores, _ = graded
    full = ng.graded_cells(ASSIGNMENT)
    before = ("test_loss", "test_grad", "test_df")
    assert {k: scores["exit"][k] for k in before} == {k: full[k] for k in before}
    assert not any(v for k, v in scores["exit"].items() if k not in before)
    info = report(course, "exit")
    assert info["kernel_died"] is True and any("died" in e for e in info["errors"])
    assert scores["solution"] == full


def test_huge_output_is_truncated(graded):
    course, scores, _ = graded
    notebook = course / "autograded" / "huge" / ASSIGNMENT / ng.notebook_name(ASSIGNMENT)
    assert notebook.stat().st_size < 1_000_000
    assert scores["huge"] == ng.graded_cells(ASSIGNMENT)


def test_stderr_warnings_cost_nothing(graded):
    _, scores, _ = graded
    assert scores["warn"] == ng.graded_cells(ASSIGNMENT)


def test_grading_is_reproducible(graded):
    course, scores, again = graded
    assert scores["solution"] == scores["solution_again"] == again
    info = report(course, "solution")
    assert info["flags"] == [] and info["errors"] == [] and info["kernel_died"] is False
    assert info["sandbox"] == "bwrap"
    print(f"sandboxed grading of {ASSIGNMENT}: {info['seconds']:.2f} s")
