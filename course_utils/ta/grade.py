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
from .gradebook import (attention_file, columns, graded_cells, integrity_reasons, open_gradebook, read_attention,
                        read_scores)
from .progress import ProgressBar

MAX_CHUNK = 20
LOCK_RETRIES = 2

_STUDENT = re.compile(r"Creating/updating student with ID '(.*)'")
_FAILED = re.compile(r"There was an error processing assignment '.*' for student '(.*)'")
_DB_ERROR = "error accessing the nbgrader database"
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


@dataclass
class GradeReport:
    """What :func:`grade` did: scores are in the gradebook, this says what happened."""

    students: dict[str, list[str]] = field(default_factory=dict)  # assignment -> students looked at
    issues: list[Issue] = field(default_factory=list)
    failed: set[tuple[str, str]] = field(default_factory=set)  # (assignment, student) left ungraded
    processes: int = 0
    seconds: float = 0.0


def preflight(course: Course, assignment: str, student: str) -> tuple[bool, str | None]:
    """Check a submission's files before grading.

    Parameters
    ----------
    course : Course
    assignment, student : str

    Returns
    -------
    (bool, str or None)
        Whether nbgrader can grade it at all (every notebook readable, at
        least one present) and a description of what is wrong, if anything.
    """
    folder = course.root / "submitted" / student / assignment
    problems, present, unreadable = [], 0, False
    for name in course.notebooks(assignment):
        path = folder / name
        if not path.is_file():
            problems.append(f"missing notebook {name}")
            continue
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
            cells = nb["cells"]
        except (OSError, ValueError, KeyError, TypeError):
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
          progress: bool = True) -> GradeReport:
    """Autograde every submission in ``submitted/<student>/<assignment>/``.

    Parameters
    ----------
    course : Course
    assignments : list of str
    students : list of str, optional
        Only these students (default: everyone who submitted).
    workers : int, optional
        Parallel nbgrader processes (default: ``os.cpu_count()``).
    force : bool
        Regrade submissions nbgrader already graded (default: only new or
        resubmitted ones, as ``nbgrader autograde`` does).
    timeout : float
        Seconds a single submission may take before its process is killed.
    progress : bool
        Draw a progress bar on stderr.

    Returns
    -------
    GradeReport
    """
    workers = max(1, workers or os.cpu_count() or 1)
    report = GradeReport()
    units: list[_Unit] = []
    everyone: dict[str, list[str]] = {}
    for a in assignments:
        folder = course.root / "submitted"
        everyone[a] = sorted(p.parent.name for p in folder.glob(f"*/{a}") if p.is_dir()) if folder.is_dir() else []
        report.students[a] = [s for s in everyone[a] if students is None or s in students]
    unknown = set(students or []) - {s for names in report.students.values() for s in names}
    if unknown:
        raise CourseError(f"no submission in submitted/ from {', '.join(sorted(unknown))}")
    for a in assignments:
        ok = []
        for s in report.students[a]:
            gradeable, problem = preflight(course, a, s)
            if problem:
                report.issues.append(Issue(a, s, problem))
            if gradeable:
                ok.append(s)
            else:
                report.failed.add((a, s))
        size = min(MAX_CHUNK, max(1, math.ceil(len(ok) / workers)))
        units += [_Unit(a, tuple(ok[i:i + size]), force) for i in range(0, len(ok), size)]
    _prepare_gradebook(course, assignments, {s for u in units for s in u.students})

    bar = ProgressBar(sum(len(u.students) for u in units), "grading") if progress else None
    logs: dict[tuple[str, str], str] = {}
    start = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        pending: set[Future] = {pool.submit(_run, course, u, everyone[u.assignment], timeout, bar) for u in units}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                run = future.result()
                report.processes += 1
                for unit in _settle(run, report, logs):
                    if bar:
                        bar.grow(len(unit.students))
                    pending.add(pool.submit(_run, course, unit, everyone[unit.assignment], timeout, bar))
    if bar:
        bar.close()
    report.seconds = time.monotonic() - start

    before = read_attention(course)
    for (a, s), log in sorted(logs.items()):
        if log:
            reasons = dict.fromkeys(fmt(m) for pattern, fmt in _WARNINGS for m in pattern.finditer(log))
            reasons.update(dict.fromkeys(integrity_reasons(course, s, a)))
        else:  # nbgrader skipped it as graded before: keep what that grading found
            reasons = dict.fromkeys(before.get(a, {}).get(s, []))
        report.issues += [Issue(a, s, r) for r in reasons if Issue(a, s, r) not in report.issues]
    report.issues.sort(key=lambda i: (i.assignment, i.student))
    _save_attention(course, report)
    return report


def _save_attention(course: Course, report: GradeReport) -> None:
    """Replace the attention entries of every submission this run looked at, for ``export``."""
    attention = read_attention(course)
    for a, students in report.students.items():
        entries = attention.setdefault(a, {})
        for s in students:
            entries.pop(s, None)
    for issue in report.issues:
        attention[issue.assignment].setdefault(issue.student, []).append(issue.reason)
    path = attention_file(course)
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(attention, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _prepare_gradebook(course: Course, assignments: list[str], students: set[str]) -> None:
    """Check the assignments are in the gradebook and create every student up front.

    Creating students here means no two grading processes race to insert the
    same student row (a uniqueness error, not a lock wait).
    """
    from nbgrader.api import MissingEntry

    with open_gradebook(course) as gb:
        for a in assignments:
            try:
                gb.find_assignment(a)
            except MissingEntry:
                raise CourseError(f"{a} is not in the gradebook: run `backprop-course release {a}` first") from None
        known = {s.id for s in gb.students}
        for s in sorted(students - known):
            gb.update_or_create_student(s)


def _run(course: Course, unit: _Unit, everyone: list[str], timeout: float, bar: ProgressBar | None) -> _Run:
    """Run one ``nbgrader autograde`` over the unit's students, streaming its log."""
    args = [sys.executable, "-m", "nbgrader", "autograde", unit.assignment]
    if len(unit.students) == 1:
        args.append(f"--student={unit.students[0]}")
    else:
        chunk = set(unit.students)
        args.append("--CourseDirectory.student_id_exclude=" + ",".join(s for s in everyone if s not in chunk))
    if unit.force:
        args.append("--force")
    proc = subprocess.Popen(args, cwd=course.root, env=nbgrader_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace", start_new_session=True)
    killed = threading.Event()

    def kill() -> None:
        killed.set()
        # nbgrader runs in a session of its own; its kernels have theirs and exit when their parent dies.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(timeout * len(unit.students) + 60, kill)
    timer.start()
    lines, seen, counted = [], 0, 0
    try:
        for line in proc.stdout:
            lines.append(line)
            # A student's "Creating/updating" line means the one before it is finished.
            if bar and _STUDENT.search(line):
                if 0 < seen < len(unit.students):
                    bar.advance()
                    counted += 1
                seen += 1
        proc.wait()
    finally:
        timer.cancel()
    if bar:
        bar.advance(len(unit.students) - counted)
    return _Run(unit, proc.returncode, killed.is_set(), "".join(lines))


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
    if report.issues:
        out.append(f"\nNeeds attention ({len({(i.assignment, i.student) for i in report.issues})} submission(s)):")
        grouped: dict[tuple[str, str], list[str]] = {}
        for i in report.issues:
            grouped.setdefault((i.assignment, i.student), []).append(i.reason)
        out += [f"  {a}  {s}: {'; '.join(reasons)}" for (a, s), reasons in grouped.items()]
    else:
        out.append("\nNo submission needs attention.")
    return "\n".join(out)
