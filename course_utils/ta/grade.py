"""Autograde every submission in parallel, so that a broken one never stops the others.

Design
------
Unit of work
    One ``nbgrader autograde ASSIGNMENT`` process grades a *chunk* of the
    class (every student but the chunk's is passed to
    ``--CourseDirectory.student_id_exclude``; nbgrader has no option to list
    students). Every nbgrader process pays ~2.5 s of start-up, so a process
    per student would waste it ~30 times per assignment; a chunk of
    ``ceil(class / workers)`` students (at most ``MAX_CHUNK``) pays it once.
    Chunks of all assignments share one pool of ``workers`` processes.
Isolation
    nbgrader goes on after most per-student errors and lists the failed
    students at the end; when a chunk fails, those students (or, if the
    process was killed or nbgrader stopped early, every student of the
    chunk) are regraded one per process, so the broken submission is
    isolated and its own log gives the reason. A unit over its time budget
    is killed (its process group; its kernels exit with their parent).
Gradebook
    All processes write to the one gradebook named in nbgrader_config.py,
    relying on its ``?timeout=60`` to serialize writes, rather than a
    gradebook per process merged afterwards. Measured with
    ``benchmarks/bench_grading.py`` on this 2-core machine (integrity config
    on): 8 single-student autogrades of 01_chain_rule started at once took
    23.8 s on the shared gradebook and 24.7 s with a gradebook each (before
    any merge); "database is locked" occurred 0 times in either (an earlier
    run, 6 at once under load average ~9: 65.8 s against 86.8 s, 0 locks).
    Writes are a few per submission against seconds of kernel time, so
    serializing them costs nothing measurable, while a merge would copy
    nbgrader's submission, grade and comment rows by hand. Students are created in the gradebook before the pool starts,
    so two processes never race to insert the same student. Should a write
    still time out, nbgrader stops that process, its students are regraded
    one by one, and a lone student is retried ``LOCK_RETRIES`` times.
    Each student found in ``submitted/`` is added with a readable name
    (:mod:`.roster`), so the formgrader shows no "None, None".
What is graded
    :func:`.submissions.scan` reads ``submitted/`` with ``lstat`` only.
    A folder that is not an assignment, a stray file, and any symlink or
    special file are listed under "Needs attention" and never given to
    nbgrader (every name in ``submitted/`` outside a chunk is in its
    ``student_id_exclude``). A submission folder holding a symlink or a
    special file anywhere is not graded at all, since nbgrader would follow
    it when it copies the folder.
Sandbox
    The course's nbgrader config runs each kernel in a bubblewrap sandbox and
    refuses to grade when none can be made (nbgrader exits non-zero and its
    log says "no sandbox"). Then ``grade`` stops at once, kills the other
    nbgrader processes, and :attr:`GradeReport.refused` holds the message
    for the TA. ``unsafe_no_sandbox`` passes
    ``--JudgedExecute.unsafe_no_sandbox=True`` to every nbgrader process
    instead; each such submission is listed under "Needs attention".
Progress
    The bar counts submissions, each once however often it is regraded, so
    its final count is the number in the summary line.
"""
from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from .course import Course, CourseError, nbgrader_env
from .gradebook import (NO_SANDBOX, columns, graded_cells, integrity_reasons, open_gradebook, read_attention,
                        read_scores, save_attention)
from .progress import ProgressBar
from .roster import read_roster, register
from .safefs import read_bytes
from .submissions import Stray, scan, unsafe_files

MAX_CHUNK = 20
LOCK_RETRIES = 2
UNSAFE_OPTION = "--JudgedExecute.unsafe_no_sandbox=True"
SANDBOX_REFUSED = "sandbox refused"
UNSAFE_WARNING = """\
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!! WARNING: --unsafe-no-sandbox. Student code runs WITHOUT a sandbox, as you,  !!
!! with your files, your network and your gradebook within its reach. A       !!
!! hostile submission can change any grade or read the hidden tests. Use it   !!
!! only for submissions you trust; every one is listed under "Needs attention".!!
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"""
REFUSED_HELP = ("grading stopped: no sandbox could be made for the student's kernel, and the course never "
                "grades without one by itself.\n"
                "  Install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`) and grade again, or, only "
                "for submissions you trust,\n"
                "  pass --unsafe-no-sandbox (each such submission is then listed under \"Needs attention\").")

_STUDENT = re.compile(r"Creating/updating student with ID '(.*)'")
_FAILED = re.compile(r"There was an error processing assignment '.*' for student '(.*)'")
_DB_ERROR = "error accessing the nbgrader database"
# JudgedExecute's refusal (course_utils/grading/execute.py), matched exactly.
_REFUSAL = re.compile(r"^.*NO SANDBOX: student code would run unconfined.*$", re.MULTILINE)
# Why a lone submission could not be graded, from its nbgrader log (first match wins).
_FAILURES = [
    (re.compile(r"database is locked"), "gradebook locked"),
    (re.compile(r"DeadKernelError|Kernel died"), "kernel died"),
    (re.compile(r"UnresponsiveKernelError|kernel became unresponsive"), "kernel hung and could not be interrupted"),
    (re.compile(r"NotJSONError|does not appear to be JSON"), "unreadable JSON"),
    (re.compile(r"CellTimeoutError"), "timeout"),
]
_EXCEPTION = re.compile(r"^\s*([\w.]+(?:Error|Exception)\b.*)$", re.MULTILINE)
# Warnings in the log of a graded submission that a TA should look at.
_WARNINGS = [
    (re.compile(r"Timeout waiting for execute reply"), lambda m: "timeout: a cell was interrupted"),
    (re.compile(r"Missing grade cell (\S+) encountered"), lambda m: f"cells tampered with: {m[1]} was deleted"),
    (re.compile(r"Attribute '(?!checksum')(\w+)' for cell (\S+) has changed"),
     lambda m: f"cells tampered with: {m[1]} of {m[2]} changed"),
]


@dataclass(frozen=True)
class Issue:
    """A submission that needs a TA's attention."""

    assignment: str
    student: str
    reason: str


@dataclass(frozen=True)
class _Unit:
    assignment: str
    students: tuple[str, ...]
    force: bool
    attempt: int = 0


@dataclass
class _Run:
    unit: _Unit
    returncode: int
    killed: bool
    log: str
    stopped: bool = False  # never started, or killed, because grading stopped
    started: bool = True


@dataclass
class GradeReport:
    """What :func:`grade` did: scores are in the gradebook, this says what happened."""

    students: dict[str, list[str]] = field(default_factory=dict)  # assignment -> students looked at
    issues: list[Issue] = field(default_factory=list)
    failed: set[tuple[str, str]] = field(default_factory=set)  # (assignment, student) left ungraded
    strays: list[Stray] = field(default_factory=list)  # what in submitted/ is not a gradeable submission
    processes: int = 0
    seconds: float = 0.0
    unsafe: bool = False  # graded with --unsafe-no-sandbox
    refused: str | None = None  # the nbgrader log line saying no sandbox could be made, if grading stopped

    @property
    def submissions(self) -> int:
        """Submissions looked at: the progress bar's total."""
        return sum(len(s) for s in self.students.values())

    @property
    def graded(self) -> int:
        """Submissions graded (now or before)."""
        return self.submissions - len(self.failed)


class _Control:
    """Shared by the worker threads: stop everything, count each submission once on the bar."""

    def __init__(self, bar: ProgressBar | None) -> None:
        self.bar = bar
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.procs: set[subprocess.Popen] = set()
        self.counted: set[tuple[str, str]] = set()

    def count(self, assignment: str, students) -> None:
        with self.lock:
            new = [s for s in students if (assignment, s) not in self.counted]
            self.counted.update((assignment, s) for s in new)
        if self.bar and new:
            self.bar.advance(len(new))

    def start(self, proc: subprocess.Popen) -> bool:
        """Register a process; False (and kill it) if grading has stopped meanwhile."""
        with self.lock:
            self.procs.add(proc)
            stopped = self.stop.is_set()
        if stopped:
            _killpg(proc)
        return not stopped

    def finish(self, proc: subprocess.Popen) -> None:
        with self.lock:
            self.procs.discard(proc)

    def halt(self) -> None:
        """Stop: no new nbgrader process, and kill the running ones."""
        with self.lock:
            self.stop.set()
            procs = list(self.procs)
        for proc in procs:
            _killpg(proc)


def _killpg(proc: subprocess.Popen) -> None:
    # nbgrader runs in a session of its own; its kernels exit with their parent.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def preflight(course: Course, assignment: str, student: str) -> tuple[bool, str | None]:
    """Check a submission's files before grading, never following a symlink.

    Parameters
    ----------
    course : Course
    assignment, student : str

    Returns
    -------
    (bool, str or None)
        Whether nbgrader can grade it at all (no symlink or special file in
        the folder, every notebook readable, at least one present) and a
        description of what is wrong, if anything.
    """
    unsafe = unsafe_files(course, assignment, student)
    if unsafe:
        more = f" and {len(unsafe) - 3} more" if len(unsafe) > 3 else ""
        return False, f"{'; '.join(unsafe[:3])}{more} (grading never follows links or special files)"
    problems, present, unreadable = [], 0, False
    for name in course.notebooks(assignment):
        try:
            data = read_bytes(course.root, "submitted", student, assignment, name)
        except FileNotFoundError:
            problems.append(f"missing notebook {name}")
            continue
        except OSError as e:
            problems.append(f"unreadable {name}: {e}")
            unreadable = True
            continue
        try:
            nb = json.loads(data.decode("utf-8"))
            cells = nb["cells"]
            if not isinstance(cells, list):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            problems.append(f"unreadable JSON in {name}")
            unreadable = True
            continue
        present += 1
        ids = [c.get("id") for c in cells if isinstance(c, dict) and c.get("id")]
        if len(ids) != len(set(ids)):
            # nbformat renames the duplicates on reading, so it still grades; say so anyway.
            problems.append(f"duplicate cell ids in {name}")
    return present > 0 and not unreadable, "; ".join(problems) or None


def grade(course: Course, assignments: list[str], students: list[str] | None = None,
          workers: int | None = None, force: bool = False, timeout: float = 600,
          progress: bool = True, unsafe_no_sandbox: bool = False) -> GradeReport:
    """Autograde every submission in ``submitted/<student>/<assignment>/``.

    Parameters
    ----------
    course : Course
    assignments : list of str
    students : list of str, optional
        Only these students (default: everyone who submitted). Each must have
        a folder (or at least an entry) in ``submitted/``.
    workers : int, optional
        Parallel nbgrader processes (default: ``os.cpu_count()``).
    force : bool
        Regrade submissions nbgrader already graded (default: only new or
        resubmitted ones, as ``nbgrader autograde`` does).
    timeout : float
        Seconds a single submission may take before its process is killed.
    progress : bool
        Draw a progress bar on stderr.
    unsafe_no_sandbox : bool
        Grade without a sandbox (``--JudgedExecute.unsafe_no_sandbox=True``).

    Returns
    -------
    GradeReport
        With ``refused`` set when grading stopped because no sandbox could be made.
    """
    workers = max(1, workers or os.cpu_count() or 1)
    report = GradeReport(unsafe=unsafe_no_sandbox)
    found = scan(course)
    unknown = set(students or []) - set(found.names)
    if unknown:
        raise CourseError(f"no folder submitted/<student> for {', '.join(sorted(unknown))}")
    for a in assignments:
        report.students[a] = [s for s in found.submissions.get(a, []) if students is None or s in students]
    report.strays = found.strays_of(students)
    for s in students or []:
        if s in found.students and not any(s in report.students[a] for a in assignments) \
                and not any(x.student == s for x in report.strays):
            report.strays.append(Stray(f"submitted/{s}", s, f"no submission of {', '.join(assignments)}"))

    units: list[_Unit] = []
    gradeable: set[str] = set()
    everyone = found.names  # nbgrader sees only the chunk: every other name in submitted/ is excluded
    chunks_ok = not any("," in name for name in everyone)
    for a in assignments:
        ok = []
        for s in report.students[a]:
            can, problem = preflight(course, a, s)
            if problem:
                report.issues.append(Issue(a, s, problem))
            if can:
                ok.append(s)
            else:
                report.failed.add((a, s))
        size = min(MAX_CHUNK, max(1, math.ceil(len(ok) / workers))) if chunks_ok else 1
        units += [_Unit(a, tuple(ok[i:i + size]), force) for i in range(0, len(ok), size)]
        gradeable.update(ok)
    _prepare_gradebook(course, assignments, sorted(set(found.students) | gradeable))

    bar = ProgressBar(report.submissions, "grading") if progress else None
    control = _Control(bar)
    for a, s in report.failed:
        control.count(a, [s])
    extra = [UNSAFE_OPTION] if unsafe_no_sandbox else []
    logs: dict[tuple[str, str], str] = {}
    start = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        def submit(unit: _Unit) -> Future:
            return pool.submit(_run, course, unit, everyone, timeout, control, extra)

        pending: set[Future] = {submit(u) for u in units}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                run = future.result()
                report.processes += run.started
                if not run.stopped and not unsafe_no_sandbox and report.refused is None and run.returncode != 0:
                    refusal = _REFUSAL.search(run.log)
                    if refusal:
                        report.refused = refusal[0].strip()[:300]
                        control.halt()
                if report.refused is not None and (run.returncode != 0 or run.stopped):
                    for s in run.unit.students:
                        report.failed.add((run.unit.assignment, s))
                        report.issues.append(Issue(run.unit.assignment, s, SANDBOX_REFUSED))
                    control.count(run.unit.assignment, run.unit.students)
                    continue
                again = _settle(run, report, logs)
                retried = {s for u in again for s in u.students}
                control.count(run.unit.assignment, [s for s in run.unit.students if s not in retried])
                pending |= {submit(u) for u in again}
    if bar:
        bar.close()
    report.seconds = time.monotonic() - start

    before = read_attention(course)
    for (a, s), log in sorted(logs.items()):
        if (a, s) in report.failed:
            continue
        if log:
            reasons = dict.fromkeys(fmt(m) for pattern, fmt in _WARNINGS for m in pattern.finditer(log))
            reasons.update(dict.fromkeys(integrity_reasons(course, s, a)))
            if unsafe_no_sandbox and not any(r.startswith("graded without a sandbox") for r in reasons):
                reasons[NO_SANDBOX] = None
        else:  # nbgrader skipped it as graded before: keep what that grading found
            reasons = dict.fromkeys(before.get(a, {}).get(s, []))
        report.issues += [Issue(a, s, r) for r in reasons if Issue(a, s, r) not in report.issues]
    report.issues.sort(key=lambda i: (i.assignment, i.student))
    _save_attention(course, report, before)
    return report


def _save_attention(course: Course, report: GradeReport, attention: dict[str, dict[str, list[str]]]) -> None:
    """Replace the attention entries of every submission this run looked at, for ``export``."""
    for a, students in report.students.items():
        entries = attention.setdefault(a, {})
        for s in students:
            entries.pop(s, None)
    for issue in report.issues:
        reasons = attention.setdefault(issue.assignment, {}).setdefault(issue.student, [])
        if issue.reason not in reasons:
            reasons.append(issue.reason)
    save_attention(course, attention)


def _prepare_gradebook(course: Course, assignments: list[str], students: list[str]) -> None:
    """Check the assignments are in the gradebook; add every student up front, with a readable name.

    Creating students here means no two grading processes race to insert the
    same student row (a uniqueness error, not a lock wait), and the names
    come from ``students.csv`` or the folder name (:mod:`.roster`).
    """
    from nbgrader.api import MissingEntry

    roster = read_roster(course)
    with open_gradebook(course) as gb:
        for a in assignments:
            try:
                gb.find_assignment(a)
            except MissingEntry:
                raise CourseError(f"{a} is not in the gradebook: run `backprop-course release {a}` first") from None
        register(gb, students, roster)


def _run(course: Course, unit: _Unit, everyone: list[str], timeout: float, control: _Control,
         extra: list[str]) -> _Run:
    """Run one ``nbgrader autograde`` over the unit's students, streaming its log."""
    if control.stop.is_set():
        return _Run(unit, -1, False, "", stopped=True, started=False)
    args = [sys.executable, "-m", "nbgrader", "autograde", unit.assignment, *extra]
    if len(unit.students) == 1:
        args.append(f"--student={unit.students[0]}")
    others = [s for s in everyone if s not in unit.students]
    if others:
        args.append("--CourseDirectory.student_id_exclude=" + ",".join(others))
    if unit.force:
        args.append("--force")
    proc = subprocess.Popen(args, cwd=course.root, env=nbgrader_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace", start_new_session=True)
    killed = threading.Event()

    def kill() -> None:
        killed.set()
        _killpg(proc)

    running = control.start(proc)
    timer = threading.Timer(timeout * len(unit.students) + 60, kill)
    timer.start()
    lines, previous = [], None
    try:
        for line in proc.stdout:
            lines.append(line)
            # A student's "Creating/updating" line means the one before it is finished.
            m = _STUDENT.search(line)
            if m:
                if previous in unit.students:
                    control.count(unit.assignment, [previous])
                previous = m[1]
        proc.wait()
    finally:
        timer.cancel()
        control.finish(proc)
    stopped = not running or control.stop.is_set() and proc.returncode != 0
    return _Run(unit, proc.returncode, killed.is_set(), "".join(lines), stopped=stopped)


def _settle(run: _Run, report: GradeReport, logs: dict[tuple[str, str], str]) -> list[_Unit]:
    """Record a finished run; return the units to run again (students to isolate or retry)."""
    unit, a = run.unit, run.unit.assignment
    sections = _split_by_student(run.log)
    if run.returncode == 0 and not run.killed:
        suspects: list[str] = []
    elif not run.killed and _DB_ERROR not in run.log and _FAILED.search(run.log):
        suspects = sorted(set(_FAILED.findall(run.log)) & set(unit.students))
    else:
        suspects = list(unit.students)  # killed or stopped early: nothing in this chunk is certain
    for s in unit.students:
        if s not in suspects:
            logs[(a, s)] = sections.get(s, "")
    if len(unit.students) > 1:
        return [_Unit(a, (s,), True) for s in suspects]
    retry = []
    for s in suspects:
        reason = "timeout" if run.killed else _failure_reason(run.log)
        if reason == "gradebook locked" and unit.attempt < LOCK_RETRIES:
            retry.append(_Unit(a, (s,), True, unit.attempt + 1))
        else:
            report.failed.add((a, s))
            report.issues.append(Issue(a, s, reason))
    return retry


def _split_by_student(log: str) -> dict[str, str]:
    """Student -> the part of an nbgrader log about that student."""
    sections, student, lines = {}, None, []
    for line in log.splitlines(keepends=True):
        m = _STUDENT.search(line)
        if m:
            if student is not None:
                sections[student] = "".join(lines)
            student, lines = m[1], []
        lines.append(line)
    if student is not None:
        sections[student] = "".join(lines)
    return sections


def _failure_reason(log: str) -> str:
    for pattern, reason in _FAILURES:
        if pattern.search(log):
            return reason
    errors = _EXCEPTION.findall(log)
    return f"grading failed: {errors[-1][:120]}" if errors else "grading failed (see `nbgrader autograde` log)"


def format_report(course: Course, report: GradeReport) -> str:
    """The student x exercise score table of every assignment, then who needs attention and why."""
    out = []
    for a, students in report.students.items():
        if not students:
            out.append(f"\n{a}: no submissions")
            continue
        cells = graded_cells(course, a)
        cols = columns(cells)
        scores = read_scores(course, a, students)
        header = ["student", *cols, "total"]
        maxima = ["(max)", *[f"{c.points:g}" for c in cells], f"{sum(c.points for c in cells):g}"]
        rows = [maxima]
        for s in students:
            got = scores[s] if (a, s) not in report.failed else None
            if got is None:
                rows.append([s, *["-"] * len(cols), "-"])
            else:
                rows.append([s, *[f"{got[c]:g}" for c in cols], f"{sum(got.values()):g}"])
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        out.append(f"\n{a}: {len(students)} submissions")
        for r in [header, *rows]:
            out.append("  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(r, widths))))
    grouped: dict[tuple[str, str], list[str]] = {}
    for i in report.issues:
        grouped.setdefault((i.assignment, i.student), []).append(i.reason)
    if grouped or report.strays:
        what = [f"{len(grouped)} submission(s)"] if grouped else []
        what += [f"{len(report.strays)} item(s) in submitted/"] if report.strays else []
        out.append(f"\nNeeds attention ({', '.join(what)}):")
        out += [f"  {a}  {s}: {'; '.join(reasons)}" for (a, s), reasons in grouped.items()]
        out += [f"  {x.path}: {x.reason}" for x in report.strays]
    else:
        out.append("\nNo submission needs attention.")
    if report.unsafe:
        out.append("\nWARNING: graded with --unsafe-no-sandbox: student code ran without a sandbox.")
    return "\n".join(out)
