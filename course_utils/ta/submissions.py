"""What is in ``submitted/``: the submissions to grade, and everything else a TA should hear about.

``submitted/<student>/<assignment>/`` is the layout nbgrader expects. A folder
that does not fit (``submitted/dave/01_chainrule/``), a stray file, a symlink
or a special file would otherwise be ignored in silence or, worse, followed;
:func:`scan` lists each as a :class:`Stray` with the reason and, for a
misnamed assignment, the closest real name (``difflib``).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from .course import Course, CourseError
from .safefs import UnsafePath, entries, lkind, unsafe_entries

_LINK_REASON = "a {kind}, not a folder: skipped (grading never follows links or special files)"


@dataclass(frozen=True)
class Stray:
    """Something in ``submitted/`` that is not a gradeable submission."""

    path: str  # relative to the course root, e.g. "submitted/dave/01_chainrule"
    student: str | None  # the student folder it is in, if any
    reason: str
    suggestion: str | None = None  # the assignment it probably is


@dataclass
class Scan:
    """The result of :func:`scan`."""

    submissions: dict[str, list[str]] = field(default_factory=dict)  # assignment -> students, sorted
    students: list[str] = field(default_factory=list)  # every real student folder, sorted
    strays: list[Stray] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # every entry name in submitted/ (for nbgrader excludes)

    def strays_of(self, students: list[str] | None) -> list[Stray]:
        """The strays in these students' folders (all when None), plus those directly in ``submitted/``."""
        return [s for s in self.strays if students is None or s.student is None or s.student in students]


def suggest(name: str, assignments: list[str]) -> str | None:
    """The assignment ``name`` was probably meant to be (``difflib``), or None."""
    close = difflib.get_close_matches(name, assignments, n=1, cutoff=0.6)
    if not close:
        lowered = {a.lower().replace("-", "_"): a for a in assignments}
        close = difflib.get_close_matches(name.lower().replace("-", "_"), list(lowered), n=1, cutoff=0.6)
        close = [lowered[c] for c in close]
    return close[0] if close else None


def scan(course: Course) -> Scan:
    """Look through ``submitted/`` without following any symlink.

    Every real folder ``submitted/<student>/<assignment>/`` whose assignment
    is in ``source/`` is a submission. Names starting with a dot
    (``.ipynb_checkpoints``) are ignored. Everything else is a :class:`Stray`:
    a symlink or special file anywhere at these two levels, a file where a
    folder belongs, and a folder that is not an assignment of the course.

    Raises
    ------
    CourseError
        ``submitted/`` itself is a symlink or not a folder.
    """
    known = course.assignments()
    notebooks = {nb: a for a in known for nb in course.notebooks(a)}
    out = Scan(submissions={a: [] for a in known})
    top = course.root / "submitted"
    kind = lkind(top)
    if kind is None:
        return out
    if kind != "dir":
        raise CourseError(f"submitted/ is a {kind}, not a folder: move the submissions into a real folder")
    for s in entries(top):
        if s.name.startswith("."):
            continue
        out.names.append(s.name)
        rel = f"submitted/{s.name}"
        if s.kind in ("symlink", "special"):
            out.strays.append(Stray(rel, s.name, _LINK_REASON.format(kind=s.kind)))
            continue
        if s.kind == "file":
            out.strays.append(Stray(rel, None, "a file, not a student folder (expected submitted/<student>/<assignment>/)"))
            continue
        out.students.append(s.name)
        for e in entries(top / s.name):
            if e.name.startswith("."):
                continue
            path = f"{rel}/{e.name}"
            if e.kind in ("symlink", "special"):
                out.strays.append(Stray(path, s.name, _LINK_REASON.format(kind=e.kind)))
            elif e.kind == "file":
                where = notebooks.get(e.name)
                hint = (f"; move it into {rel}/{where}/" if where else
                        f" (expected {rel}/<assignment>/)")
                out.strays.append(Stray(path, s.name, f"a file outside any assignment folder{hint}", where))
            elif e.name in out.submissions:
                out.submissions[e.name].append(s.name)
            else:
                close = suggest(e.name, known)
                hint = f"did you mean {close}?" if close else f"the assignments are {', '.join(known)}"
                out.strays.append(Stray(path, s.name, f"not an assignment of this course; {hint}", close))
    return out


def unsafe_files(course: Course, assignment: str, student: str) -> list[str]:
    """Why the submission folder cannot be graded safely: every symlink or special file in it."""
    folder = course.root / "submitted" / student / assignment
    try:
        found = unsafe_entries(folder)
    except UnsafePath as e:
        return [str(e)]
    return [f"submitted/{student}/{assignment}/{rel} is a {kind}" for rel, kind in found]

