"""``nbgrader generate_feedback`` for the graded submissions of one assignment, with a one-line summary.

Only students whose submission is in the gradebook *and* whose
``autograded/<student>/<assignment>/`` is a real folder holding no symlink
or special file are given to nbgrader; every other name in ``autograded/``
goes into ``--CourseDirectory.student_id_exclude``, so nbgrader never
follows something planted there. An assignment without graded submissions
is skipped: nbgrader would fail with "No notebooks were matched".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .course import Course
from .gradebook import open_gradebook
from .safefs import UnsafePath, entries, lkind, unsafe_entries

_FAILED = re.compile(r"There was an error processing assignment '.*' for student '(.*)'")
_ERROR_LINE = re.compile(r"^\[\w+ \| (ERROR|CRITICAL)\].*$", re.MULTILINE)


@dataclass
class FeedbackResult:
    """What :func:`feedback` did for one assignment."""

    assignment: str
    graded: list[str] = field(default_factory=list)  # students given to nbgrader
    files: int = 0  # feedback HTML files now present for them
    skipped: list[str] = field(default_factory=list)  # "student: why" not given to nbgrader
    failed: list[str] = field(default_factory=list)  # students nbgrader failed on (or ["*"]: it failed as a whole)
    problems: list[str] = field(default_factory=list)  # lines for the TA: skips and nbgrader's error lines

    def summary(self) -> str:
        """One line: how many feedback files for how many graded submissions, and what went wrong."""
        a = self.assignment
        if not self.graded and not self.skipped:
            return f"{a}: no graded submissions, no feedback"
        line = (f"{a}: {self.files} feedback files for {len(self.graded)} graded submissions "
                f"in feedback/<student>/{a}/")
        if self.failed:
            who = "nbgrader generate_feedback failed" if self.failed == ["*"] else \
                f"failed for {', '.join(self.failed)}"
            line += f"; {who}"
        if self.skipped:
            line += f"; {len(self.skipped)} skipped"
        return line


def graded_students(course: Course, assignment: str) -> list[str]:
    """Students with a submission of ``assignment`` in the gradebook."""
    from nbgrader.api import MissingEntry

    with open_gradebook(course) as gb:
        try:
            return sorted(s.student.id for s in gb.find_assignment(assignment).submissions)
        except MissingEntry:
            return []


def _unsafe(course: Course, top: str, student: str, assignment: str) -> str | None:
    """Why ``top/<student>/<assignment>`` must not be touched, or None (a missing folder is fine)."""
    path = course.root / top
    for part in (student, assignment):
        path = path / part
        kind = lkind(path)
        if kind is None:
            return None
        if kind != "dir":
            return f"{top}/{student}/{assignment} holds a {kind} ({path.relative_to(course.root)})"
    try:
        found = unsafe_entries(path)
    except UnsafePath as e:
        return str(e)
    if found:
        rel, kind = found[0]
        return f"{top}/{student}/{assignment}/{rel} is a {kind}"
    return None


def feedback_files(course: Course, assignment: str, students: list[str]) -> int:
    """How many ``.html`` regular files ``feedback/<student>/<assignment>/`` holds for ``students``."""
    n = 0
    for s in students:
        folder = course.root / "feedback" / s / assignment
        if lkind(folder.parent) != "dir":
            continue
        try:
            n += sum(1 for e in entries(folder) if e.kind == "file" and e.name.endswith(".html"))
        except UnsafePath:
            continue
    return n


def feedback(course: Course, assignment: str, force: bool = False) -> FeedbackResult:
    """Generate feedback for every graded submission of ``assignment`` (see the module docstring)."""
    result = FeedbackResult(assignment)
    autograded = course.root / "autograded"
    if lkind(autograded) != "dir":
        return result
    if lkind(course.root / "feedback") not in ("dir", None):
        result.failed = ["*"]
        result.problems.append(f"{assignment}: feedback/ is a {lkind(course.root / 'feedback')}, not a folder")
        return result
    names = [e.name for e in entries(autograded)]
    graded = set(graded_students(course, assignment))
    for s in sorted(graded & set(names)):
        why = _unsafe(course, "autograded", s, assignment) or _unsafe(course, "feedback", s, assignment)
        if lkind(autograded / s / assignment) != "dir":
            continue
        if why:
            result.skipped.append(f"{s}: {why}")
            result.problems.append(f"{assignment} {s}: no feedback: {why}")
        else:
            result.graded.append(s)
    if not result.graded:
        return result
    args = ["generate_feedback", assignment]
    others = [n for n in names if n not in result.graded]
    if others:
        args.append("--CourseDirectory.student_id_exclude=" + ",".join(others))
    if force:
        args.append("--force")
    proc = course.nbgrader(*args)
    if proc.returncode != 0:
        log = proc.stdout + proc.stderr
        result.failed = sorted(set(_FAILED.findall(log)) & set(result.graded)) or ["*"]
        errors = [m[0] for m in _ERROR_LINE.finditer(log)] or log.strip().splitlines()[-10:]
        result.problems += [f"{assignment}: {line}" for line in list(dict.fromkeys(errors))[:20]]
    result.files = feedback_files(course, assignment, result.graded)
    return result
