"""Student names for the gradebook, so the formgrader shows names instead of "None, None".

nbgrader creates a student row with no name when it first autogrades them,
and the formgrader renders that as ``None, None``. Before grading,
:func:`register` adds or updates every student found in ``submitted/``:

- from ``students.csv`` at the course root, if there is one (columns
  ``id,first_name,last_name,email``, optionally ``section`` for the Canvas
  export; only ``id`` is required, and it is the
  folder name under ``submitted/``, usually the hub user name). Its names
  always win, so a corrected CSV fixes the gradebook on the next ``grade``.
  Students listed there who never submitted are added too, so that
  ``export`` lists them with "no submission".
- otherwise ``first_name`` is the folder name and ``last_name`` is empty,
  but a name someone already entered (in the formgrader, or with
  ``nbgrader db student add``) is kept.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from .course import Course, CourseError

ROSTER = "students.csv"
COLUMNS = ("id", "first_name", "last_name", "email")  # and optionally "section", for the Canvas export


@dataclass(frozen=True)
class Student:
    """One row of the roster."""

    id: str
    first_name: str
    last_name: str = ""
    email: str | None = None
    section: str | None = None

    def display(self) -> str:
        """``Last, First`` as an LMS lists students (``First`` alone without a last name)."""
        return f"{self.last_name}, {self.first_name}" if self.last_name else self.first_name


def read_roster(course: Course) -> dict[str, Student]:
    """Student id -> :class:`Student` from ``students.csv``; empty when the file does not exist.

    Raises
    ------
    CourseError
        The file has no ``id`` column or an id appears twice.
    """
    path = course.root / ROSTER
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's BOM is not part of the first column name
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "id" not in fields:
        raise CourseError(f"{ROSTER} needs a header with an 'id' column (columns: {', '.join(COLUMNS)})")
    students: dict[str, Student] = {}
    for n, row in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
        sid = row.get("id", "")
        if not sid:
            continue
        if sid in students:
            raise CourseError(f"{ROSTER} line {n}: student id {sid!r} appears twice")
        students[sid] = Student(sid, row.get("first_name") or sid, row.get("last_name", ""),
                                row.get("email") or None, row.get("section") or None)
    return students


def register(gb, students: list[str], roster: dict[str, Student]) -> int:
    """Add or update ``students`` (and everyone in ``roster``) in the open gradebook ``gb``.

    Parameters
    ----------
    gb : nbgrader.api.Gradebook
    students : list of str
        Student ids found in ``submitted/``.
    roster : dict
        From :func:`read_roster`.

    Returns
    -------
    int
        Number of students added or whose name changed.
    """
    existing = {s.id: s for s in gb.students}
    changed = 0
    for sid in sorted(set(students) | set(roster)):
        have = existing.get(sid)
        if sid in roster:
            r = roster[sid]
            want = {"first_name": r.first_name, "last_name": r.last_name}
            if r.email:
                want["email"] = r.email
        elif have is not None and (have.first_name or have.last_name):
            continue  # a name someone entered by hand
        else:
            want = {"first_name": sid, "last_name": ""}
        if have is not None and all(getattr(have, k) == v for k, v in want.items()):
            continue
        gb.update_or_create_student(sid, **want)
        changed += 1
    return changed


def names(course: Course) -> dict[str, Student]:
    """Student id -> :class:`Student` for everyone in the gradebook, roster names first."""
    from .gradebook import open_gradebook

    roster = read_roster(course)
    out = {}
    with open_gradebook(course) as gb:
        for s in gb.students:
            out[s.id] = roster.get(s.id) or Student(s.id, s.first_name or s.id, s.last_name or "", s.email)
    for sid, r in roster.items():
        out.setdefault(sid, r)
    return out
