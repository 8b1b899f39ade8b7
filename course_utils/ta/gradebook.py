"""Reading grades back: graded cells, scores from the gradebook, integrity flags, the CSV export."""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from .course import Course


@dataclass(frozen=True)
class GradedCell:
    """One graded exercise (an nbgrader grade cell) of an assignment."""

    notebook: str  # notebook name without .ipynb
    grade_id: str
    points: float

    def column(self, single_notebook: bool) -> str:
        """Its column name: the grade_id, prefixed by the notebook when the assignment has several."""
        return self.grade_id if single_notebook else f"{self.notebook}:{self.grade_id}"


def graded_cells(course: Course, assignment: str) -> list[GradedCell]:
    """The graded cells of ``assignment`` in notebook order, read from ``source/``."""
    cells = []
    for name in course.notebooks(assignment):
        nb = json.loads((course.root / "source" / assignment / name).read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade"):
                cells.append(GradedCell(Path(name).stem, meta["grade_id"], float(meta.get("points", 0))))
    return cells


def columns(cells: list[GradedCell]) -> list[str]:
    """Column names of ``cells`` (see :meth:`GradedCell.column`)."""
    single = len({c.notebook for c in cells}) <= 1
    return [c.column(single) for c in cells]


def open_gradebook(course: Course):
    """The course's nbgrader ``Gradebook`` (use it as a context manager)."""
    from nbgrader.api import Gradebook

    return Gradebook(course.db_url())


def read_scores(course: Course, assignment: str, students: list[str]) -> dict[str, dict[str, float] | None]:
    """Student -> column -> score for ``assignment``, or None for a student with no graded submission."""
    from nbgrader.api import MissingEntry

    cells = graded_cells(course, assignment)
    names = dict(zip([(c.notebook, c.grade_id) for c in cells], columns(cells)))
    scores: dict[str, dict[str, float] | None] = {}
    with open_gradebook(course) as gb:
        for student in students:
            try:
                submission = gb.find_submission(assignment, student)
            except MissingEntry:
                scores[student] = None
                continue
            got = {names[(nb.name, g.name)]: float(g.score or 0)
                   for nb in submission.notebooks for g in nb.grades if (nb.name, g.name) in names}
            # A grade cell nbgrader never scored (say, it is missing from the gradebook) counts 0.
            scores[student] = {col: got.get(col, 0.0) for col in names.values()}
    return scores


def integrity_flags(course: Course, student: str, assignment: str) -> list[str]:
    """The flags the integrity screen wrote to ``autograded/<student>/<assignment>/integrity.json``.

    The file is optional (the course's nbgrader config writes it). Every list
    under a ``flags`` key counts, whatever the nesting (per notebook or not);
    a flag is a string or an object with a ``construct`` and where it is.
    """
    path = course.root / "autograded" / student / assignment / "integrity.json"
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ["integrity.json unreadable"]
    out = []
    for flag in _find_flags(data):
        if isinstance(flag, dict):
            what = flag.get("construct") or flag.get("flag") or flag.get("name") or flag.get("reason") or "flag"
            where = ", ".join(f"line {v}" if k == "line" else str(v)
                              for k in ("cell", "line") if (v := flag.get(k)) not in (None, ""))
            out.append(f"{what} ({where})" if where else str(what))
        else:
            out.append(str(flag))
    return list(dict.fromkeys(out))


def _find_flags(data) -> list:
    if isinstance(data, dict):
        found = list(data["flags"]) if isinstance(data.get("flags"), list) else []
        return found + [f for k, v in data.items() if k != "flags" for f in _find_flags(v)]
    if isinstance(data, list):
        return [f for v in data for f in _find_flags(v)]
    return []


def attention_file(course: Course) -> Path:
    """Where ``grade`` keeps the reasons a submission needs attention, for ``export`` to note.

    It sits in ``autograded/`` because that folder is never committed and
    nbgrader only looks at its sub-folders.
    """
    return course.root / "autograded" / "needs_attention.json"


def read_attention(course: Course) -> dict[str, dict[str, list[str]]]:
    """Assignment -> student -> reasons, as the last ``grade`` runs left them."""
    try:
        return json.loads(attention_file(course).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def submitted_students(course: Course, assignments: list[str]) -> list[str]:
    """Every student with a folder in ``submitted/`` for one of ``assignments``."""
    submitted = course.root / "submitted"
    if not submitted.is_dir():
        return []
    return sorted(s.name for s in submitted.iterdir()
                  if s.is_dir() and any((s / a).is_dir() for a in assignments))


def export_csv(course: Course, output: Path, assignments: list[str]) -> tuple[int, int]:
    """Write one row per student: every graded cell's score, per-assignment totals, the overall total.

    Students known to the gradebook or with a folder in ``submitted/`` are
    listed; an assignment without a graded submission scores 0 and says why
    in the ``note`` column, as do integrity flags.

    Parameters
    ----------
    course : Course
    output : Path
        The CSV file to write.
    assignments : list of str
        The assignments to export, in column order.

    Returns
    -------
    (int, int)
        Number of students and of notes written.
    """
    attention = read_attention(course)
    with open_gradebook(course) as gb:
        students = sorted({s.id for s in gb.students} | set(submitted_students(course, assignments)))
    header = ["student"]
    per_assignment = {}
    for a in assignments:
        cells = graded_cells(course, a)
        per_assignment[a] = (columns(cells), sum(c.points for c in cells), read_scores(course, a, students))
        header += [f"{a}:{col}" for col in per_assignment[a][0]] + [f"{a}:total"]
    header += ["total", "max_total", "note"]
    notes = 0
    with open(output, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for student in students:
            row, total, max_total, note = [student], 0.0, 0.0, []
            for a in assignments:
                cols, points, scores = per_assignment[a]
                got = scores[student]
                reasons = attention.get(a, {}).get(student, [])
                if got is None:
                    submitted = (course.root / "submitted" / student / a).is_dir()
                    reasons = ["not graded" if submitted else "no submission", *reasons]
                    got = dict.fromkeys(cols, 0.0)
                reasons += [f"integrity: {f}" for f in integrity_flags(course, student, a)]
                note += [f"{a}: {r}" for r in dict.fromkeys(reasons)]
                subtotal = sum(got.values())
                row += [_fmt(got[c]) for c in cols] + [_fmt(subtotal)]
                total, max_total = total + subtotal, max_total + points
            notes += bool(note)
            writer.writerow(row + [_fmt(total), _fmt(max_total), "; ".join(note)])
    return len(students), notes


def _fmt(x: float) -> str:
    return f"{x:g}"
