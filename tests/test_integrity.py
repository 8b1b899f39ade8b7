"""Submissions cannot raise their own score or harm the class (issues 6 and 13), on plain `nbgrader autograde`.

Every cheat in tests/cheats/ and every attack in tests/attacks/ is built from
the solution submission of 01_chain_rule and graded, with the honest
solution, the blank release and a correct victim graded after all of them
(``zz_victim``), in ONE `nbgrader autograde` run with the repository's
nbgrader_config.py (and a 10 s cell timeout). A cheat or attack must score on
the cell it targets no more than the blank release (0), or its MAX_SCORE;
the cells it names in FULL keep their points; its check() finds no side
effect; the tampering cheats are flagged in integrity.json (flags are advice
for the TA and never change a score). tests/attacks/README.md says which
defence stops each attack.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import runpy
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

import nbgrading as ng
from course_utils.grading.sandbox import UID_RANGE, sandbox_problem

ASSIGNMENT = "01_chain_rule"
NOTEBOOK = Path(ng.notebook_name(ASSIGNMENT)).stem
TESTS = Path(__file__).resolve().parent
CHEATS_DIR = TESTS / "cheats"
ATTACKS_DIR = TESTS / "attacks"
CHEATS = sorted(p.stem for p in CHEATS_DIR.glob("*.py") if not p.name.startswith("_"))
ATTACKS = sorted(p.stem for p in ATTACKS_DIR.glob("*.py") if not p.name.startswith("_"))
# Wrong answers that use no forbidden construct: the hidden tests catch them; nothing to flag.
UNFLAGGED = {"finite_difference", "hardcoded_visible"}
TIMEOUT = 10  # seconds per cell in the temporary course: the loop attacks must not take a minute each
VICTIM = "zz_victim"  # sorts after every other student, so it is graded last
# Processes an attack leaves behind name themselves (prctl PR_SET_NAME or argv) with this word.
MARKER = "bbhattack"

pytestmark = pytest.mark.skipif(sandbox_problem() is not None,
                                reason=f"no grading sandbox on this machine: {sandbox_problem()}")


def student_id(kind: str, name: str) -> str:
    return f"{'cheat' if kind == 'cheats' else 'attack'}_{name}"


def load(kind: str, name: str) -> dict:
    """The fixture module `name` of tests/<kind>/, as a dict (they may import tests/attacks/_common.py)."""
    if str(ATTACKS_DIR) not in sys.path:
        sys.path.insert(0, str(ATTACKS_DIR))
    return runpy.run_path(str(TESTS / kind / f"{name}.py"))


def targets(spec: dict) -> tuple[str, ...]:
    """The graded cells a fixture tries to win: TARGET, a grade_id or a tuple of them."""
    return (spec["TARGET"],) if isinstance(spec["TARGET"], str) else tuple(spec["TARGET"])


SPECS = {student_id(kind, name): load(kind, name)
         for kind, names in (("cheats", CHEATS), ("attacks", ATTACKS)) for name in names}


def build(spec: dict, course: Path, port: int) -> nbformat.NotebookNode:
    """The solution submission with the fixture's answers and mutation applied."""
    nb = copy.deepcopy(ng.solution_submission(ASSIGNMENT))
    answers = spec.get("ANSWERS", {})
    found = set()
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id].replace("{course}", str(course)).replace("{port}", str(port))
            found.add(grade_id)
    missing = set(answers) - found
    assert not missing, f"answer cells {missing} are not in {ASSIGNMENT}"
    if "mutate" in spec:
        spec["mutate"](nb)
    return nb


class Listener:
    """A TCP port and an abstract unix socket on the host that no kernel may reach; logs who connects."""

    def __init__(self, log: Path):
        self.log = log
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.bind(("0.0.0.0", 0))
        self.tcp.listen(16)
        self.port = self.tcp.getsockname()[1]
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind(f"\0bbh-attack-{self.port}")
        self.unix.listen(16)
        self.stopped = False
        for sock in (self.tcp, self.unix):
            threading.Thread(target=self._accept, args=(sock,), daemon=True).start()

    def _accept(self, sock: socket.socket) -> None:
        while not self.stopped:
            try:
                conn, address = sock.accept()
            except OSError:
                return
            with open(self.log, "a") as fh:
                fh.write(f"connection on {sock.getsockname()!r} from {address!r}\n")
            conn.close()

    def close(self) -> None:
        self.stopped = True
        self.tcp.close()
        self.unix.close()


def marked_processes() -> list[tuple[int, int, str]]:
    """(pid, uid, cmdline) of live processes that an attack named with MARKER."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            comm = Path(entry.path, "comm").read_text()
            cmdline = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            uid = os.stat(entry.path).st_uid
        except OSError:
            continue
        if MARKER in comm or MARKER in cmdline:
            found.append((int(entry.name), uid, cmdline[:200]))
    return [p for p in found if p[0] != os.getpid()]


def sandbox_processes_of(conn_dirs: set[str]) -> list[int]:
    """Processes of a sandbox uid whose command line names one of this run's kernel folders."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if os.stat(entry.path).st_uid not in UID_RANGE:
                continue
            cmdline = Path(entry.path, "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if any(d in cmdline for d in conn_dirs):
            found.append(int(entry.name))
    return found


def tree_digest(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under `folder` (links never followed)."""
    digest = {}
    for top, dirs, files in os.walk(folder, followlinks=False):
        for name in files:
            path = Path(top, name)
            if path.is_symlink():
                digest[str(path.relative_to(folder))] = "link"
            else:
                digest[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


def gradebook_scores(course: Path, students) -> dict[str, dict[str, float]]:
    """student -> grade_id -> score; an empty dict for a student nbgrader could not grade."""
    from nbgrader.api import Gradebook, MissingEntry

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in students:
            try:
                sub = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
            except MissingEntry:
                scores[student] = {}
                continue
            scores[student] = {g.name: float(g.score) for g in sub.grades}
    return scores


class Graded:
    """Everything the tests look at after the one autograde run."""

    def __init__(self, root: Path):
        self.root = root
        self.course = ng.make_course(root, ASSIGNMENT)
        with open(self.course / "nbgrader_config.py", "a") as fh:
            fh.write(f"\n# tests/test_integrity.py: a short cell timeout for the loop attacks\n"
                     f"c.Execute.timeout = {TIMEOUT}\n")
        self.listener = Listener(root / "connections.txt")
        self.specs = SPECS
        submissions = {"solution": ng.solution_submission(ASSIGNMENT), "blank": ng.blank_submission(ASSIGNMENT),
                       VICTIM: ng.solution_submission(ASSIGNMENT)}
        for kind, names in (("cheats", CHEATS), ("attacks", ATTACKS)):
            for name in names:
                student = student_id(kind, name)
                submissions[student] = build(SPECS[student], self.course, self.listener.port)
        for student, nb in submissions.items():
            folder = self.course / "submitted" / student / ASSIGNMENT
            folder.mkdir(parents=True)
            nbformat.write(nb, str(folder / ng.notebook_name(ASSIGNMENT)))
            spec = self.specs.get(student, {})
            if "submit" in spec:
                spec["submit"](folder, self.course)
        self.protected_before = {p: tree_digest(self.course / p) for p in ("source", "release", "hidden_tests")}
        started = time.monotonic()
        self.proc = subprocess.run(
            [sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT], cwd=self.course, capture_output=True,
            text=True, timeout=1200, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        self.seconds = time.monotonic() - started
        self.log = self.proc.stdout + self.proc.stderr
        time.sleep(1)  # a daemon that outlived its kernel would now be running
        self.leftovers = marked_processes()
        for pid, _, _ in self.leftovers:  # never leave them running, whatever the test says
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.listener.close()
        self.students = list(submissions)
        self.scores = gradebook_scores(self.course, self.students)
        self.reports = {}
        for student in self.students:
            path = self.course / "autograded" / student / ASSIGNMENT / "integrity.json"
            if path.is_file() and not path.is_symlink():
                self.reports[student] = json.loads(path.read_text()).get(NOTEBOOK, {})
        print(f"\nautograde of {len(self.students)} submissions: {self.seconds:.0f} s")


_RUN: list[Graded] = []


def graded_class(tmp_path_factory) -> Graded:
    """The one autograde run of the session, shared with tests/test_feedback_safety.py."""
    if not _RUN:
        _RUN.append(Graded(tmp_path_factory.mktemp("integrity")))
    return _RUN[0]


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Graded:
    return graded_class(tmp_path_factory)


def ceiling(g: Graded, student: str, target: str) -> float:
    return g.specs[student].get("MAX_SCORE", g.scores["blank"][target])


# ---------------------------------------------------------------- the class as a whole
def test_autograde_finishes_and_fails_only_the_linked_submissions(graded):
    expected = {s for s, spec in graded.specs.items() if spec.get("FAILED")}
    ungraded = {s for s, sc in graded.scores.items() if not sc}
    assert ungraded == expected, f"not graded: {sorted(ungraded)}; log:\n{graded.log[-4000:]}"
    # nbgrader exits 1 when it had to give up on a student, 0 otherwise.
    assert graded.proc.returncode == (1 if expected else 0), graded.log[-4000:]


def test_solution_keeps_every_point_and_raises_no_flag(graded):
    assert graded.scores["solution"] == ng.graded_cells(ASSIGNMENT)
    report = graded.reports["solution"]
    assert report["flags"] == [] and report["errors"] == [] and report["kernel_died"] is False
    assert report["sandbox"] == "bwrap"
    assert set(report) >= {"flags", "kernel_died", "sandbox", "errors", "seconds"}


def test_victim_graded_after_every_attack_keeps_every_point(graded):
    assert graded.students and max(graded.students) == VICTIM
    assert graded.scores[VICTIM] == ng.graded_cells(ASSIGNMENT), graded.reports.get(VICTIM)
    assert graded.reports[VICTIM]["kernel_died"] is False


def test_blank_release_earns_nothing(graded):
    assert not any(graded.scores["blank"].values())


def test_gradebook_is_intact(graded):
    from nbgrader.api import Gradebook

    db = graded.course / "gradebook.db"
    assert not db.is_symlink() and db.is_file()
    with Gradebook(f"sqlite:///{db}") as gb:
        students = {s.id for s in gb.students}
        assert {s for s, sc in graded.scores.items() if sc} <= students
        notebook = gb.find_notebook(NOTEBOOK, ASSIGNMENT)
        assert {c.name: float(c.max_score) for c in notebook.grade_cells} == ng.graded_cells(ASSIGNMENT)
    assert sqlite_ok(db)


def sqlite_ok(db: Path) -> bool:
    import sqlite3

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("pragma integrity_check").fetchone()[0] == "ok"


def test_course_files_unchanged(graded):
    """source/, release/ and hidden_tests/ of the course are as before grading (tests/attacks/edit_course_utils.py
    checks course_utils and the venv: other engineers may edit the repository's course_utils meanwhile)."""
    for folder, digest in graded.protected_before.items():
        assert tree_digest(graded.course / folder) == digest, f"{folder}/ changed during grading"


def test_no_process_outlives_grading(graded):
    assert graded.leftovers == [], f"processes left running after grading: {graded.leftovers}"
    conn_dirs = set(__import__("re").findall(r"/tmp/bbh-kernel-[A-Za-z0-9_]+", graded.log))
    assert sandbox_processes_of(conn_dirs) == []


def test_no_kernel_reached_the_network(graded):
    log = graded.root / "connections.txt"
    assert not log.exists(), log.read_text()


def test_no_breach_was_reported_by_any_kernel(graded):
    """Attacks print `BREACH: ...` at definition time when a forbidden action works."""
    breaches = []
    for student in graded.students:
        path = graded.course / "autograded" / student / ASSIGNMENT / ng.notebook_name(ASSIGNMENT)
        if not path.is_file() or path.is_symlink():
            continue
        for cell in ng.read(path).cells:
            for output in cell.get("outputs", []):
                text = output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))
                breaches += [f"{student}: {line}" for line in text.splitlines() if "BREACH:" in line]
    assert breaches == []


# ---------------------------------------------------------------- each cheat and attack
SUBMISSIONS = [student_id("cheats", c) for c in CHEATS] + [student_id("attacks", a) for a in ATTACKS]


@pytest.mark.parametrize("student", SUBMISSIONS)
def test_gains_nothing(graded, student):
    won = {t: graded.scores[student].get(t, 0.0) for t in targets(graded.specs[student])
           if graded.scores[student].get(t, 0.0) > ceiling(graded, student, t)}
    assert not won, (f"{student} won {won}; report: {json.dumps(graded.reports.get(student))[:1500]}")


@pytest.mark.parametrize("student", [s for s in SUBMISSIONS if "FULL" in SPECS[s]])
def test_other_cells_are_still_graded(graded, student):
    full = ng.graded_cells(ASSIGNMENT)
    spec = graded.specs[student]
    assert {c: graded.scores[student].get(c) for c in spec["FULL"]} == {c: full[c] for c in spec["FULL"]}, \
        graded.reports.get(student)


@pytest.mark.parametrize("student", [s for s in SUBMISSIONS if "check" in SPECS[s]])
def test_leaves_no_side_effect(graded, student):
    graded.specs[student]["check"](graded.course)


@pytest.mark.parametrize("cheat", sorted(set(CHEATS) - UNFLAGGED))
def test_cheat_is_flagged(graded, cheat):
    report = graded.reports[student_id("cheats", cheat)]
    assert report["flags"], f"{cheat} raised no flag in integrity.json"


def test_flags_never_change_a_score(graded):
    """A correct answer that uses flagged constructs keeps every point."""
    student = student_id("attacks", "flagged_but_correct")
    assert graded.reports[student]["flags"]
    assert graded.scores[student] == ng.graded_cells(ASSIGNMENT)


def test_kernel_death_is_reported(graded):
    report = graded.reports[student_id("attacks", "exit_in_graded_call")]
    assert report["kernel_died"] is True and any("died" in e for e in report["errors"])


def test_verdicts_hide_hidden_expected_values(graded):
    """What a failed hidden test tells the student (its error output, shown in the feedback): no reference value."""
    path = graded.course / "autograded" / student_id("cheats", "hardcoded_visible") / ASSIGNMENT / \
        ng.notebook_name(ASSIGNMENT)
    (cell,) = [c for c in ng.read(path).cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_grad"]
    (error,) = [o for o in cell.outputs if o.output_type == "error"]
    assert "grad(w, x, y) at random points" in error.evalue
    assert "expected" not in error.evalue.split("grad(w, x, y) at random points", 1)[1], error.evalue


def test_feedback_hides_hidden_tests_and_expected_values(graded):
    student = student_id("cheats", "hardcoded_visible")
    ng.nbgrader(graded.course, "generate_feedback", ASSIGNMENT, "--student", student)
    html = next((graded.course / "feedback" / student / ASSIGNMENT).glob("*.html")).read_text()
    hidden = (graded.course / "hidden_tests" / f"{ASSIGNMENT}.py").read_text()
    for line in hidden.splitlines():  # no line of the hidden tests' code (short ones are too common)
        if len(line.strip()) > 40 and not line.strip().startswith(("#", '"""')):
            assert line.strip() not in html, line
    assert "_KEYS" not in html and "def _grad" not in html
    # The failing hidden test is reported (what and where) without its reference value.
    assert "grad(w, x, y) at random points" in html
    assert "expected" not in html.split("grad(w, x, y) at random points", 1)[1][:400]


# The feedback and formgrader checks, on this module's graded class (one autograde run per session).
from feedback_safety import (  # noqa: E402,F401
    browser, feedback, test_attack_payloads_reached_the_notebook, test_autograded_notebooks_hold_no_active_content,
    test_control_page_shows_that_the_probe_sees_scripts, test_feedback_html_holds_no_active_content,
    test_integrity_report_never_lands_in_feedback, test_no_script_runs_in_autograded_notebook_without_csp,
    test_no_script_runs_in_feedback, test_solution_feedback_still_shows_the_work,
)
