"""The TA tool end to end: `backprop-course` over a class of sample submissions.

A temporary course holds the repository's nbgrader_config.py, source/ and
release/ of one assignment. Its class: the solution, the blank release, one
student per planted bug, and the broken and the cheating submissions a TA
meets (duplicated cell ids, a kernel that dies, JSON that does not parse, a
missing notebook, a deleted test cell, monkeypatching). The whole round runs
through the command line (release, check-release, grade --workers 2,
feedback, export) and the scores are read back from the exported CSV.
"""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import nbgrading as ng

ASSIGNMENT = "01_chain_rule"
# The integrity defences (static screen, clean room) live in the course's nbgrader config.
INTEGRITY = "course_utils.grading" in (ng.REPO / "nbgrader_config.py").read_text()


def cli(course: Path, *args: str) -> subprocess.CompletedProcess:
    """Run `python -m course_utils.ta --course COURSE ARGS` and capture its output."""
    return subprocess.run([sys.executable, "-m", "course_utils.ta", "--course", str(course), *args],
                          check=False, capture_output=True, text=True, timeout=900)


def make_course(root: Path) -> Path:
    """A course with the repository's config, source/ and release/ of ASSIGNMENT."""
    course = root / "course"
    course.mkdir()
    shutil.copy(ng.REPO / "nbgrader_config.py", course)
    for folder in ("source", "release"):
        shutil.copytree(ng.REPO / folder / ASSIGNMENT, course / folder / ASSIGNMENT)
    return course


def _cell(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    (cell,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    return cell


def _first_answer(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code")


def submissions() -> dict[str, nbformat.NotebookNode | str | None]:
    """Student -> notebook (or raw text, or None for an empty folder)."""
    subs: dict[str, nbformat.NotebookNode | str | None] = {
        "solution": ng.solution_submission(ASSIGNMENT),
        "blank": ng.blank_submission(ASSIGNMENT),
        **{f"bug_{bug.cell}": ng.buggy_submission(ASSIGNMENT, bug) for bug in one_bug_per_function()},
    }
    dup = ng.solution_submission(ASSIGNMENT)
    answer = _first_answer(dup)
    answer.id = _cell(dup, "test_" + answer.metadata.nbgrader.grade_id).id
    subs["dupids"] = json.dumps(dup)  # as raw JSON: nbformat.write would repair the ids
    dead = ng.solution_submission(ASSIGNMENT)
    _first_answer(dead).source = "import os\nos._exit(1)"
    subs["dead"] = dead
    subs["badjson"] = '{"cells": [{"cell_type": "code", "source": "def loss(w, x, y):\n'
    subs["missing"] = None
    # The sign bug of `grad`, hidden by deleting its test cell (nbgrader puts it back).
    deleted = ng.buggy_submission(ASSIGNMENT, _bug("sign"))
    deleted.cells.remove(_cell(deleted, "test_grad"))
    subs["cheat_deleted_test"] = deleted
    # The same bug, hidden by making every comparison pass.
    patched = ng.buggy_submission(ASSIGNMENT, _bug("sign"))
    _cell(patched, "grad").source += ("\n\nimport course_utils.testing\n"
                                     "np.allclose = lambda *args, **kwargs: True\n"
                                     "course_utils.testing.assert_close = lambda *args, **kwargs: None\n")
    subs["cheat_monkeypatch"] = patched
    return subs


def one_bug_per_function() -> list[ng.PlantedBug]:
    """The first planted bug of every answer cell (all of them would make the test too slow)."""
    first: dict[str, ng.PlantedBug] = {}
    for bug in ng.planted_bugs(ASSIGNMENT):
        first.setdefault(bug.cell, bug)
    return list(first.values())


def _bug(word: str) -> ng.PlantedBug:
    return next(b for b in ng.planted_bugs(ASSIGNMENT) if word in b.name and b.cell == "grad")


def submit(course: Path, subs: dict) -> None:
    name = ng.notebook_name(ASSIGNMENT)
    for student, nb in subs.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        if isinstance(nb, str):
            (folder / name).write_text(nb)
        elif nb is not None:
            nbformat.write(nb, str(folder / name))


@pytest.fixture(scope="module")
def round_(tmp_path_factory):
    """One grading round through the CLI; the outputs of every command and the exported CSV."""
    course = make_course(tmp_path_factory.mktemp("ta"))
    out = {"release": cli(course, "release"), "check": cli(course, "check-release")}
    submit(course, submissions())
    out["grade"] = cli(course, "grade", "--workers", "2")
    out["feedback"] = cli(course, "feedback")
    out["export"] = cli(course, "export", "--output", str(course / "grades.csv"))
    with open(course / "grades.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    return course, out, rows


def scores(row: dict) -> dict[str, float]:
    prefix = f"{ASSIGNMENT}:"
    return {k[len(prefix):]: float(v) for k, v in row.items() if k.startswith(prefix) and k != prefix + "total"}


def attention(out: dict) -> dict[str, str]:
    """Student -> the reasons listed under "Needs attention" by `grade`."""
    text = out["grade"].stdout.split("Needs attention", 1)[-1]
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith(f"  {ASSIGNMENT}  "):
            student, reason = line.split(f"  {ASSIGNMENT}  ", 1)[1].split(": ", 1)
            found[student] = found.get(student, "") + reason + "; "
    return found


def test_commands_succeed(round_):
    _, out, _ = round_
    for command in ("release", "check", "feedback", "export"):
        assert out[command].returncode == 0, f"{command}:\n{out[command].stdout}\n{out[command].stderr}"
    # Some submissions cannot be graded: `grade` says so with its exit status.
    assert out["grade"].returncode == 1, out["grade"].stdout + out["grade"].stderr
    assert "grading [" in out["grade"].stderr  # the progress bar


def test_solution_full_and_blank_zero(round_):
    _, _, rows = round_
    points = ng.graded_cells(ASSIGNMENT)
    assert scores(rows["solution"]) == points
    assert float(rows["solution"]["total"]) == sum(points.values()) == float(rows["solution"]["max_total"])
    assert set(scores(rows["blank"]).values()) == {0.0}


def test_each_planted_bug_loses_its_cells(round_):
    _, _, rows = round_
    points = ng.graded_cells(ASSIGNMENT)
    for bug in one_bug_per_function():
        want = {cell: 0.0 if cell in bug.loses else pts for cell, pts in points.items()}
        assert scores(rows[f"bug_{bug.cell}"]) == want, bug.name


@pytest.mark.parametrize("student, reason", [
    ("dead", "kernel died"), ("badjson", "unreadable JSON"), ("missing", "missing notebook")])
def test_broken_submission_gets_zero_and_attention(round_, student, reason):
    _, out, rows = round_
    assert set(scores(rows[student]).values()) == {0.0}
    assert reason in attention(out).get(student, ""), out["grade"].stdout
    assert reason in rows[student]["note"]


def test_duplicate_cell_ids_are_repaired_graded_and_listed(round_):
    # nbformat renames duplicated ids when it reads the notebook, so the work is graded normally.
    _, out, rows = round_
    assert scores(rows["dupids"]) == ng.graded_cells(ASSIGNMENT)
    assert "duplicate cell ids" in attention(out)["dupids"]


def test_honest_submissions_need_no_attention(round_):
    _, out, _ = round_
    honest = {"solution", "blank", *(f"bug_{bug.cell}" for bug in one_bug_per_function())}
    flagged = {s: reason for s, reason in attention(out).items() if s in honest}
    assert not flagged, flagged


def test_deleted_test_cell_is_restored_and_listed(round_):
    _, out, rows = round_
    assert scores(rows["cheat_deleted_test"])["test_grad"] == 0.0
    assert "test_grad was deleted" in attention(out)["cheat_deleted_test"]


@pytest.mark.skipif(not INTEGRITY, reason="nbgrader_config.py has no integrity defences yet")
def test_monkeypatching_does_not_pay_and_is_flagged(round_):
    _, out, rows = round_
    assert scores(rows["cheat_monkeypatch"])["test_grad"] == 0.0
    for where in (attention(out)["cheat_monkeypatch"], rows["cheat_monkeypatch"]["note"]):
        assert "integrity flags" in where or "clean room" in where, where


def test_feedback_for_every_graded_submission(round_):
    course, out, rows = round_
    graded = set(rows) - {"badjson", "missing"}
    have = {p.parent.parent.name for p in (course / "feedback").glob(f"*/{ASSIGNMENT}/*.html")}
    assert have == graded
    assert str(course / "feedback") in out["feedback"].stdout


def test_regrading_gives_the_same_scores(round_):
    course, _, rows = round_
    again = cli(course, "grade", "--force", "--workers", "2", "--students", "solution", "bug_grad")
    assert again.returncode == 0, again.stdout + again.stderr
    export = cli(course, "export", "--output", str(course / "again.csv"))
    assert export.returncode == 0, export.stderr
    with open(course / "again.csv", newline="") as f:
        regraded = {row["student"]: row for row in csv.DictReader(f)}
    assert regraded == rows


def test_check_release_names_a_hand_edited_notebook(tmp_path):
    course = make_course(tmp_path)
    path = course / "release" / ASSIGNMENT / ng.notebook_name(ASSIGNMENT)
    nb = json.loads(path.read_text())
    nb["cells"][0]["source"] = "edited by hand"
    path.write_text(json.dumps(nb))
    proc = cli(course, "check-release")
    assert proc.returncode == 1
    assert f"release/{ASSIGNMENT}/{ng.notebook_name(ASSIGNMENT)}" in proc.stderr


def test_unknown_assignment_is_a_clear_error(tmp_path):
    proc = cli(make_course(tmp_path), "grade", "99_nope")
    assert proc.returncode == 2 and "no such assignment" in proc.stderr
