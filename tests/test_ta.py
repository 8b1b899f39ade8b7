"""The TA tool (`backprop-course`): scanning submitted/, grading a class, feedback, names, export.

Everything here runs against tiny courses built in temporary folders, so it
does not depend on the course notebooks or on the grading engine, which
have tests of their own (test_assignments, test_integrity, the cheats):

- unit tests of the pieces (safe file access, the scan of submitted/,
  integrity reports, the roster) on synthetic folders;
- one class graded through the command line with real nbgrader, whose
  kernel step is replaced by `fake_judge.FakeJudge` (in the temporary
  course): it runs no code, fails each test cell whose answer still raises
  or says WRONG, writes integrity.json like the real engine, and refuses to
  grade ("no sandbox") unless given `--JudgedExecute.unsafe_no_sandbox=True`
  or the environment says a sandbox exists (FAKE_BWRAP=1).
"""
from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_utils.ta.course import Course
from course_utils.ta.gradebook import graded_cells, integrity_reasons, read_attention, save_attention
from course_utils.ta.grade import preflight
from course_utils.ta.roster import read_roster, register
from course_utils.ta.safefs import UnsafePath, open_nofollow, read_bytes, unsafe_entries, write_text
from course_utils.ta.submissions import scan, suggest

REPO = Path(__file__).resolve().parents[1]
A1, A2 = "01_basics", "02_more"
NB = "basics.ipynb"

CONFIG = '''\
import os
c = get_config()
c.CourseDirectory.course_id = "backprop"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db") + "?timeout=60"
c.ClearSolutions.code_stub = {"python": '# YOUR CODE HERE\\nraise NotImplementedError("not written yet")'}
c.OverwriteCells.add_missing_cells = True
from nbgrader.converters import Autograde
from nbgrader.preprocessors import Execute
from fake_judge import FakeJudge
c.Autograde.autograde_preprocessors = [FakeJudge if p is Execute else p
                                       for p in Autograde.class_traits()["autograde_preprocessors"].default()]
'''

FAKE_JUDGE = '''\
"""Stands in for the grading engine: no kernel, a verdict from the answer's text, an integrity.json."""
import json
import os

from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool


class JudgedExecute(NbGraderPreprocessor):
    unsafe_no_sandbox = Bool(False).tag(config=True)


class FakeJudge(JudgedExecute):
    def preprocess(self, nb, resources):
        sandbox = "bwrap" if os.environ.get("FAKE_BWRAP") else None
        if sandbox is None and not self.unsafe_no_sandbox:
            raise RuntimeError("NO SANDBOX: student code would run unconfined, so nothing is graded: bwrap not found")
        answer = ""
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution"):
                answer = cell.source
            elif meta.get("grade") and cell.cell_type == "code":
                wrong = "NotImplementedError" in answer or "WRONG" in answer
                cell.outputs = [new_output("error", ename="AssertionError", evalue="wrong",
                                           traceback=[])] if wrong else []
        student = resources["nbgrader"]["student"]
        info = {"flags": ["import os (cell f)"] if student == "flagged" else [],
                "kernel_died": student == "dies",
                "sandbox": sandbox or "none (unsafe-no-sandbox)",
                "errors": ["timeout: cell test_g ran over 60 s"] if student == "slow" else []}
        folder = resources["metadata"]["path"]
        path = os.path.join(folder, "integrity.json")
        report = json.load(open(path)) if os.path.exists(path) else {}
        report[resources["nbgrader"]["notebook"]] = info
        with open(path, "w") as fh:
            json.dump(report, fh)
        return nb, resources
'''


def _cell(kind: str, source: str, grade_id: str | None = None, *, solution=False, grade=False, points=0):
    cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
    if grade_id:
        cell.metadata["nbgrader"] = {"grade_id": grade_id, "solution": solution, "grade": grade,
                                     "locked": not solution, "schema_version": 3,
                                     **({"points": points} if grade else {})}
    return cell


def source_notebook() -> nbformat.NotebookNode:
    """Two functions and a two-question quiz with one answer cell."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    sol = "    ### BEGIN SOLUTION\n    return {}\n    ### END SOLUTION"
    nb.cells = [
        _cell("markdown", "# Basics"),
        _cell("code", "def f(x):\n" + sol.format("2 * x"), "f", solution=True),
        _cell("code", "assert f(1) == 2", "test_f", grade=True, points=2),
        _cell("code", "def g(x):\n" + sol.format("x + 1"), "g", solution=True),
        _cell("code", "assert g(1) == 2", "test_g", grade=True, points=1),
        _cell("code", '### BEGIN SOLUTION\nq1, q2 = "A", "B"\n### END SOLUTION', "quiz", solution=True),
        _cell("code", 'assert q1 == "A"', "test_q1", grade=True, points=1),
        _cell("code", 'assert q2 == "B"', "test_q2", grade=True, points=1),
    ]
    return nb


def cli(course: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `python -m course_utils.ta --course COURSE ARGS` and capture its output."""
    return subprocess.run([sys.executable, "-m", "course_utils.ta", "--course", str(course), *args],
                          check=False, capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})}, cwd=course)


def make_course(root: Path, assignments=(A1, A2)) -> Path:
    course = root / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text(CONFIG)
    (course / "fake_judge.py").write_text(FAKE_JUDGE)
    for a in assignments:
        (course / "source" / a).mkdir(parents=True)
        nbformat.write(source_notebook(), str(course / "source" / a / NB))
    return course


def answer(nb: nbformat.NotebookNode, grade_id: str, source: str) -> None:
    (cell,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    cell.source = source


def released(course: Path, a: str = A1) -> nbformat.NotebookNode:
    return nbformat.read(str(course / "release" / a / NB), as_version=4)


def solved(course: Path) -> nbformat.NotebookNode:
    nb = released(course)
    answer(nb, "f", "def f(x):\n    return 2 * x")
    answer(nb, "g", "def g(x):\n    return x + 1")
    answer(nb, "quiz", 'q1, q2 = "A", "B"')
    return nb


def put(course: Path, student: str, nb, assignment: str = A1) -> Path:
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True)
    if isinstance(nb, str):
        (folder / NB).write_text(nb)
    elif nb is not None:
        nbformat.write(nb, str(folder / NB))
    return folder


# ---------------------------------------------------------------- unit tests: safe file access


def test_open_nofollow_refuses_symlinks_at_every_component(tmp_path):
    (tmp_path / "real" / "sub").mkdir(parents=True)
    (tmp_path / "real" / "sub" / "f.json").write_text("{}")
    (tmp_path / "secret").write_text("gradebook")
    os.symlink(tmp_path / "real", tmp_path / "linkdir")
    os.symlink(tmp_path / "secret", tmp_path / "real" / "sub" / "link.json")
    assert read_bytes(tmp_path, "real", "sub", "f.json") == b"{}"
    with pytest.raises(UnsafePath):
        read_bytes(tmp_path, "real", "sub", "link.json")
    with pytest.raises(UnsafePath):
        read_bytes(tmp_path, "linkdir", "sub", "f.json")
    with pytest.raises(FileNotFoundError):
        read_bytes(tmp_path, "real", "sub", "missing.json")
    with pytest.raises(ValueError):
        open_nofollow(tmp_path, "real/sub", "f.json")


def test_a_fifo_is_refused_without_hanging(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(UnsafePath, match="not a regular file"):
        read_bytes(tmp_path, "pipe")
    assert unsafe_entries(tmp_path) == [("pipe", "special")]


def test_write_text_replaces_a_planted_symlink_instead_of_writing_through_it(tmp_path):
    target = tmp_path / "gradebook.db"
    target.write_text("precious")
    (tmp_path / "autograded").mkdir()
    os.symlink(target, tmp_path / "autograded" / "needs_attention.json")
    write_text(tmp_path / "autograded" / "needs_attention.json", "{}")
    assert target.read_text() == "precious"
    assert not (tmp_path / "autograded" / "needs_attention.json").is_symlink()
    assert (tmp_path / "autograded" / "needs_attention.json").read_text() == "{}"


def test_attention_list_round_trips_and_ignores_a_symlink(tmp_path):
    course = Course(tmp_path)
    save_attention(course, {A1: {"ann": ["kernel died"]}})
    assert read_attention(course) == {A1: {"ann": ["kernel died"]}}
    path = tmp_path / "autograded" / "needs_attention.json"
    path.unlink()
    (tmp_path / "elsewhere.json").write_text(json.dumps({A1: {"ann": ["planted"]}}))
    os.symlink(tmp_path / "elsewhere.json", path)
    assert read_attention(course) == {}


# ---------------------------------------------------------------- unit tests: submitted/


def _course_with_sources(tmp_path: Path) -> Course:
    for a in (A1, A2, "03_chain_rule"):
        (tmp_path / "source" / a).mkdir(parents=True)
        nbformat.write(source_notebook(), str(tmp_path / "source" / a / NB))
    (tmp_path / "nbgrader_config.py").write_text("")
    return Course(tmp_path)


def test_scan_lists_what_is_not_a_submission(tmp_path):
    course = _course_with_sources(tmp_path)
    sub = tmp_path / "submitted"
    (sub / "ann" / A1).mkdir(parents=True)
    (sub / "ann" / A2).mkdir()
    (sub / "ann" / ".ipynb_checkpoints").mkdir()
    (sub / "dave" / "03_chainrule").mkdir(parents=True)
    (sub / "dave" / "homework").mkdir()
    (sub / "bob").mkdir()
    (sub / "bob" / NB).write_text("{}")
    (sub / "notes.txt").write_text("")
    os.symlink(tmp_path / "source", sub / "mallory")
    (sub / "eve").mkdir()
    os.symlink(tmp_path / "source" / A1, sub / "eve" / A1)
    os.mkfifo(sub / "eve" / "pipe")

    found = scan(course)
    assert found.submissions == {A1: ["ann"], A2: ["ann"], "03_chain_rule": []}
    assert found.students == ["ann", "bob", "dave", "eve"]
    assert "mallory" in found.names and "notes.txt" in found.names
    strays = {s.path: s.reason for s in found.strays}
    assert strays["submitted/dave/03_chainrule"] == \
        "not an assignment of this course; did you mean 03_chain_rule?"
    assert "the assignments are 01_basics, 02_more, 03_chain_rule" in strays["submitted/dave/homework"]
    assert "symlink" in strays["submitted/mallory"]
    assert "symlink" in strays[f"submitted/eve/{A1}"]
    assert "special" in strays["submitted/eve/pipe"]
    assert f"move it into submitted/bob/{A1}/" in strays[f"submitted/bob/{NB}"] or \
        "outside any assignment folder" in strays[f"submitted/bob/{NB}"]
    assert "not a student folder" in strays["submitted/notes.txt"]
    assert not any(".ipynb_checkpoints" in p for p in strays)
    # Only the chosen students' strays, and those directly in submitted/.
    assert {s.path for s in found.strays_of(["dave"])} == {
        "submitted/dave/03_chainrule", "submitted/dave/homework", "submitted/notes.txt"}


def test_suggest_uses_difflib_and_ignores_case():
    known = ["01_chain_rule", "02_gradient_checking"]
    assert suggest("01_chainrule", known) == "01_chain_rule"
    assert suggest("01-Chain-Rule", known) == "01_chain_rule"
    assert suggest("lab", known) is None


def test_preflight_never_reads_through_a_symlink_or_fifo(tmp_path):
    course = _course_with_sources(tmp_path)
    secret = tmp_path / "secret.ipynb"
    secret.write_text(json.dumps({"cells": []}))
    folder = put(tmp_path, "eve", None)
    os.symlink(secret, folder / NB)
    ok, why = preflight(course, A1, "eve")
    assert not ok and "is a symlink" in why
    folder = put(tmp_path, "pat", None)
    os.mkfifo(folder / NB)
    ok, why = preflight(course, A1, "pat")
    assert not ok and "special" in why
    folder = put(tmp_path, "liz", source_notebook())
    os.symlink("/etc/passwd", folder / "data.txt")
    ok, why = preflight(course, A1, "liz")
    assert not ok and f"submitted/liz/{A1}/data.txt is a symlink" in why


def test_preflight_names_missing_unreadable_and_duplicated(tmp_path):
    course = _course_with_sources(tmp_path)
    put(tmp_path, "none", None)
    put(tmp_path, "bad", '{"cells": [')
    nb = source_notebook()
    nb.cells[2].id = nb.cells[1].id
    put(tmp_path, "dup", json.dumps(nb))
    put(tmp_path, "fine", source_notebook())
    assert preflight(course, A1, "none") == (False, f"missing notebook {NB}")
    assert preflight(course, A1, "bad") == (False, f"unreadable JSON in {NB}")
    assert preflight(course, A1, "dup") == (True, f"duplicate cell ids in {NB}")
    assert preflight(course, A1, "fine") == (True, None)


def test_graded_cells_know_their_answer_cells(tmp_path):
    course = _course_with_sources(tmp_path)
    got = {c.grade_id: (c.points, c.answers) for c in graded_cells(course, A1)}
    assert got == {"test_f": (2.0, ("f",)), "test_g": (1.0, ("g",)),
                   "test_q1": (1.0, ("quiz",)), "test_q2": (1.0, ("quiz",))}


# ---------------------------------------------------------------- unit tests: integrity.json


def _report(tmp_path: Path, student: str, report) -> Path:
    folder = tmp_path / "autograded" / student / A1
    folder.mkdir(parents=True)
    (folder / "integrity.json").write_text(report if isinstance(report, str) else json.dumps(report))
    return folder


def test_integrity_reasons_name_kernel_deaths_errors_flags_and_no_sandbox(tmp_path):
    course = Course(tmp_path)
    _report(tmp_path, "ok", {"basics": {"flags": [], "kernel_died": False, "sandbox": "bwrap", "errors": []}})
    _report(tmp_path, "bad", {"basics": {"flags": ["import os (cell f)", "open() (cell g)"], "kernel_died": True,
                                         "sandbox": "none (unsafe-no-sandbox)",
                                         "errors": ["timeout: test_g ran over 60 s"]}})
    _report(tmp_path, "junk", "{not json")
    assert integrity_reasons(course, "ok", A1) == []
    assert integrity_reasons(course, "nobody", A1) == []
    assert integrity_reasons(course, "bad", A1) == [
        "kernel died", "timeout: test_g ran over 60 s", "graded without a sandbox (--unsafe-no-sandbox)",
        "integrity flags: import os (cell f); open() (cell g)"]
    assert integrity_reasons(course, "junk", A1) == ["integrity.json unreadable (JSONDecodeError)"]


def test_a_symlinked_integrity_report_is_not_read(tmp_path):
    course = Course(tmp_path)
    (tmp_path / "planted.json").write_text(json.dumps({"basics": {"kernel_died": True}}))
    folder = tmp_path / "autograded" / "eve" / A1
    folder.mkdir(parents=True)
    os.symlink(tmp_path / "planted.json", folder / "integrity.json")
    (reason,) = integrity_reasons(course, "eve", A1)
    assert reason.startswith("integrity.json not read") and "symlink" in reason
    os.symlink(tmp_path / "autograded" / "eve", tmp_path / "autograded" / "mal")
    (reason,) = integrity_reasons(course, "mal", A1)
    assert "symlink" in reason


# ---------------------------------------------------------------- unit tests: names


def test_roster_names_win_and_hand_entered_names_stay(tmp_path):
    from nbgrader.api import Gradebook

    course = Course(tmp_path)
    (tmp_path / "students.csv").write_text("\ufeffid,first_name,last_name,email,section\n"
                                           "ann,Ann,Lee,ann@example.org,A\nzed,Zed,,,\n")
    roster = read_roster(course)
    assert roster["ann"].display() == "Lee, Ann" and roster["ann"].section == "A"
    with Gradebook(f"sqlite:///{tmp_path / 'gb.db'}") as gb:
        gb.add_student("kim", first_name="Kim", last_name="Park")
        gb.add_student("ann")
        assert register(gb, ["ann", "bob", "kim"], roster) == 3  # ann renamed, bob and zed added
        names = {s.id: (s.first_name, s.last_name, s.email) for s in gb.students}
        assert register(gb, ["ann", "bob", "kim"], roster) == 0
    assert names == {"ann": ("Ann", "Lee", "ann@example.org"), "bob": ("bob", "", None),
                     "kim": ("Kim", "Park", None), "zed": ("Zed", "", None)}


def test_a_roster_without_an_id_column_is_an_error(tmp_path):
    from course_utils.ta.course import CourseError

    (tmp_path / "students.csv").write_text("name,email\nann,a@b\n")
    with pytest.raises(CourseError, match="'id' column"):
        read_roster(Course(tmp_path))


# ---------------------------------------------------------------- a class graded through the CLI


@pytest.fixture(scope="module")
def round_(tmp_path_factory):
    """Release, a refused grade, an unsafe grade, `--students dave`, feedback and both exports."""
    course = make_course(tmp_path_factory.mktemp("ta"))
    out = {"release": cli(course, "release")}
    assert out["release"].returncode == 0, out["release"].stderr
    partial = released(course)
    answer(partial, "f", "def f(x):\n    return 2 * x")
    answer(partial, "quiz", 'q1, q2 = "WRONG", "WRONG"')
    dup = solved(course)
    dup.cells[2].id = dup.cells[1].id
    deleted = solved(course)
    answer(deleted, "g", "def g(x):\n    return 'WRONG'")
    deleted.cells = [c for c in deleted.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_g"]
    for student, nb in {"sol": solved(course), "blank": released(course), "partial": partial,
                        "dies": solved(course), "flagged": solved(course), "slow": solved(course),
                        "dupids": json.dumps(dup), "badjson": '{"cells": [', "deleted": deleted}.items():
        put(course, student, nb)
    put(course, "dave", solved(course), assignment="01_basic")
    (course / "secret.ipynb").write_text(json.dumps(solved(course)))
    os.symlink(course / "secret.ipynb", put(course, "eve", None) / NB)
    os.symlink(course / "source", course / "submitted" / "mallory")
    # A planted link where grade writes its attention list must not be written through.
    (course / "autograded").mkdir()
    (course / "gradebook_copy.txt").write_text("precious")
    os.symlink(course / "gradebook_copy.txt", course / "autograded" / "needs_attention.json")

    out["refused"] = cli(course, "grade", "--workers", "2", A1)
    out["grade"] = cli(course, "grade", "--workers", "2", "--unsafe-no-sandbox")
    out["dave"] = cli(course, "grade", "--students", "dave", "--unsafe-no-sandbox")
    out["feedback"] = cli(course, "feedback")
    out["export"] = cli(course, "export", "-o", str(course / "grades.csv"))
    out["canvas"] = cli(course, "export", "--format", "canvas", "-o", str(course / "canvas.csv"))
    return course, out


def attention(out: subprocess.CompletedProcess, assignment: str = A1) -> dict[str, str]:
    """Student -> the reasons listed under "Needs attention" by `grade`."""
    text = out.stdout.split("Needs attention", 1)[-1]
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith(f"  {assignment}  "):
            student, reason = line.split(f"  {assignment}  ", 1)[1].split(": ", 1)
            found[student] = found.get(student, "") + reason + "; "
    return found


def rows(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def test_without_a_sandbox_grading_stops_and_says_what_to_do(round_):
    course, out = round_
    proc = out["refused"]
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "apt-get install bubblewrap" in proc.stderr and "--unsafe-no-sandbox" in proc.stderr
    assert "NO SANDBOX: student code would run unconfined" in proc.stderr  # nbgrader's own line, quoted
    assert "Needs attention" not in proc.stdout  # stopped: no table of half a class


def test_unsafe_grading_warns_loudly_and_lists_every_submission(round_):
    _, out = round_
    proc = out["grade"]
    assert proc.returncode == 1, proc.stdout + proc.stderr  # badjson and eve could not be graded
    assert proc.stderr.count("WARNING: --unsafe-no-sandbox") == 2  # before and after
    found = attention(proc)
    for student in ("sol", "blank", "partial", "dies", "flagged"):
        assert "graded without a sandbox" in found[student], (student, proc.stdout)


def test_needs_attention_shows_deaths_errors_flags_and_broken_files(round_):
    _, out = round_
    found = attention(out["grade"])
    assert "kernel died" in found["dies"]
    assert "timeout: cell test_g ran over 60 s" in found["slow"]
    assert "integrity flags: import os (cell f)" in found["flagged"]
    assert "unreadable JSON" in found["badjson"]
    assert "duplicate cell ids" in found["dupids"]
    assert "test_g was deleted" in found["deleted"]
    assert f"submitted/eve/{A1}/{NB} is a symlink" in found["eve"]
    assert "kernel died" not in found["sol"] and "flags" not in found["sol"]


def test_misnamed_folders_and_links_in_submitted_are_listed(round_):
    _, out = round_
    for proc in (out["grade"], out["dave"]):
        assert "  submitted/dave/01_basic: not an assignment of this course; did you mean 01_basics?" \
            in proc.stdout, proc.stdout
    assert "  submitted/mallory: a symlink" in out["grade"].stdout
    assert "no submission from dave" not in out["dave"].stdout + out["dave"].stderr
    assert "no folder" not in out["dave"].stderr


def test_an_unknown_student_is_a_clear_error(round_):
    course, _ = round_
    proc = cli(course, "grade", "--students", "nobody")
    assert proc.returncode == 2 and "no folder submitted/<student> for nobody" in proc.stderr


def test_grading_never_followed_the_planted_links(round_):
    course, _ = round_
    assert not (course / "autograded" / "eve").exists()
    assert not (course / "autograded" / "mallory").exists()
    assert (course / "gradebook_copy.txt").read_text() == "precious"
    assert not (course / "autograded" / "needs_attention.json").is_symlink()


def test_progress_count_and_summary_agree(round_):
    _, out = round_
    proc = out["grade"]
    counts = re.findall(r"grading \[[#-]+\] (\d+)/(\d+)", proc.stderr)
    done, total = counts[-1]
    summary = re.search(r"^(\d+) submissions \((\d+) graded, (\d+) not graded\)", proc.stdout, re.MULTILINE)
    assert summary, proc.stdout
    assert done == total == summary[1]
    assert int(summary[1]) == int(summary[2]) + int(summary[3])
    assert summary[3] == "2"  # badjson, eve


def test_students_get_readable_names(round_):
    from nbgrader.api import Gradebook

    course, _ = round_
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        names = {s.id: (s.first_name, s.last_name) for s in gb.students}
    assert names["sol"] == ("sol", "") and names["dave"] == ("dave", "")
    assert all(first for first, _ in names.values()), names


def test_feedback_skips_assignments_without_graded_submissions(round_):
    course, out = round_
    proc = out["feedback"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No notebooks were matched" not in proc.stdout + proc.stderr
    assert "failed" not in proc.stdout + proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[1] == f"{A2}: no graded submissions, no feedback"
    (n_files, n_graded), = re.findall(rf"^{A1}: (\d+) feedback files for (\d+) graded submissions", lines[0])
    have = {p.parent.parent.name for p in (course / "feedback").glob(f"*/{A1}/*.html")}
    assert int(n_files) == int(n_graded) == len(have) > 0
    assert "eve" not in have and "badjson" not in have and "sol" in have


def test_export_has_a_max_row_and_a_note_for_every_zero(round_):
    course, out = round_
    assert out["export"].returncode == 0, out["export"].stderr
    got = rows(course / "grades.csv")
    maxima = got["(max points)"]
    assert [maxima[f"{A1}:{c}"] for c in ("test_f", "test_g", "test_q1", "test_q2", "total")] == \
        ["2", "1", "1", "1", "5"]
    assert maxima["total"] == maxima["max_total"] == "10"
    assert got["sol"][f"{A1}:total"] == "5"
    notes = {s: r["note"] for s, r in got.items()}
    assert f"{A1}: blank" in notes["blank"]
    assert f"{A1}: not attempted: test_g" in notes["partial"]
    assert f"{A1}: tests failed: test_q1, test_q2" in notes["partial"]
    assert f"{A1}: kernel died" in notes["dies"]
    assert f"{A1}: not graded: unreadable JSON" in notes["badjson"]
    assert f"{A2}: no submission" in notes["sol"]
    assert f"{A1}: no submission, but submitted/dave/01_basic looks like it" in notes["dave"]
    # Every zero has a note for its assignment.
    for student, row in got.items():
        for a in (A1, A2):
            zero = any(v == "0" for k, v in row.items() if k.startswith(f"{a}:"))
            assert not zero or f"{a}: " in row["note"], (student, row)


def test_export_summary_counts_what_it_wrote(round_):
    course, out = round_
    got = rows(course / "grades.csv")
    students = len(got) - 1
    noted = sum(bool(r["note"]) for s, r in got.items() if s != "(max points)")
    assert f"{students} students" in out["export"].stdout
    assert f"{noted} students with a note" in out["export"].stdout


def test_canvas_export_layout(round_):
    course, out = round_
    assert out["canvas"].returncode == 0, out["canvas"].stderr
    with open(course / "canvas.csv", newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                        f"{A1} (backprop)", f"{A2} (backprop)"]
    assert table[1] == ["Points Possible", "", "", "", "", "5", "5"]
    by_id = {row[2]: row for row in table[2:]}
    assert by_id["sol"][5:] == ["5", "0"]
    assert by_id["badjson"][5] == ""  # not graded: left for the TA, not a zero
    assert by_id["sol"][0] == "sol" and by_id["sol"][3] == "sol"


def test_sandboxed_regrade_is_not_flagged(round_):
    course, _ = round_
    proc = cli(course, "grade", "--force", "--students", "sol", "--quiet", A1, env={"FAKE_BWRAP": "1"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "sol" not in attention(proc)
    assert "WARNING" not in proc.stderr
    assert read_attention(Course(course)).get(A1, {}).get("sol") is None


def test_check_release_names_a_hand_edited_notebook(tmp_path):
    course = make_course(tmp_path, assignments=(A1,))
    assert cli(course, "release").returncode == 0
    path = course / "release" / A1 / NB
    nb = json.loads(path.read_text())
    nb["cells"][0]["source"] = "edited by hand"
    path.write_text(json.dumps(nb))
    proc = cli(course, "check-release")
    assert proc.returncode == 1
    assert f"release/{A1}/{NB}" in proc.stderr


def test_unknown_assignment_is_a_clear_error(tmp_path):
    proc = cli(make_course(tmp_path), "grade", "99_nope")
    assert proc.returncode == 2 and "no such assignment" in proc.stderr


def test_help_names_the_lms_conventions():
    proc = subprocess.run([sys.executable, "-m", "course_utils.ta", "export", "--help"],
                          capture_output=True, text=True, check=False)
    text = " ".join(proc.stdout.split())
    for needle in ("Points Possible", "SIS User ID", "SIS Login ID", "Section", "01_chain_rule (backprop)"):
        assert needle in text, needle
