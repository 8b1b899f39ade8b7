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


def integrity_reasons(course: Course, student: str, assignment: str) -> list[str]:
    """What the integrity checks recorded in ``autograded/<student>/<assignment>/integrity.json``.

    The file is optional (the course's nbgrader config writes it): notebook
    name -> ``{"flags": [...], "cleanroom": {"failed": {cell: why}}, "kernel_died": why}``.

    Returns
    -------
    list of str
        ``kernel died``, one ``clean room: ...`` per test cell that failed
        the clean-room regrade, and one ``integrity flags: ...`` summary.
    """
    path = course.root / "autograded" / student / assignment / "integrity.json"
    if not path.is_file():
        return []
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        notebooks = [info for info in report.values() if isinstance(info, dict)]
    except (OSError, ValueError, AttributeError):
        return ["integrity.json unreadable"]
    reasons, flags = [], []
    for info in notebooks:
        if info.get("kernel_died"):
            reasons.append("kernel died")
        failed = info.get("cleanroom", {}).get("failed", {})
        reasons += [f"clean room: {cell} scores 0 ({_short(why)})" for cell, why in failed.items()]
        for flag in info.get("flags", []):
            if isinstance(flag, dict):
                where = ", ".join(str(x) for x in (flag.get("cell"), flag.get("line") and f"line {flag['line']}") if x)
                flags.append(f"{flag.get('construct', 'flag')} ({where})" if where else str(flag.get("construct")))
            else:
                flags.append(str(flag))
    if flags:
        shown = list(dict.fromkeys(flags))
        more = f" and {len(shown) - 5} more" if len(shown) > 5 else ""
        reasons.append(f"integrity flags: {'; '.join(shown[:5])}{more}")
    return reasons


def _short(text: str, limit: int = 100) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


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
                reasons = list(attention.get(a, {}).get(student, []))
                if got is None:
                    submitted = (course.root / "submitted" / student / a).is_dir()
                    reasons = ["not graded" if submitted else "no submission", *reasons]
                    got = dict.fromkeys(cols, 0.0)
                reasons += integrity_reasons(course, student, a)
                note += [f"{a}: {r}" for r in dict.fromkeys(reasons)]
                subtotal = sum(got.values())
                row += [_fmt(got[c]) for c in cols] + [_fmt(subtotal)]
                total, max_total = total + subtotal, max_total + points
            notes += bool(note)
            writer.writerow(row + [_fmt(total), _fmt(max_total), "; ".join(note)])
    return len(students), notes


def _fmt(x: float) -> str:
    return f"{x:g}"
