"""Grades out of the gradebook: a generic CSV (the default) and a Canvas gradebook CSV.

Generic CSV (``export``)
    Header ``student, <assignment>:<exercise>..., <assignment>:total, ...,
    total, max_total, note``; then a ``(max points)`` row with the points of
    every column; then one row per student. Every zero has a reason in
    ``note``: ``no submission``, ``not graded: <why>`` (kernel died,
    timeout, unreadable JSON, sandbox refused, ...), ``blank`` (nothing
    changed from the release), ``not attempted: <exercises>`` (their answer
    cells left as released), ``tests failed: <exercises>``, plus what
    ``grade`` listed under "Needs attention" (integrity flags, no sandbox).

Canvas (``export --format canvas``)
    The layout of Canvas's own gradebook export, which its "Import" accepts:
    the columns ``Student`` (``Last, First``), ``ID`` (Canvas's internal
    user id: left empty, nbgrader does not know it), ``SIS User ID`` and
    ``SIS Login ID`` (both the nbgrader student id, i.e. the folder name in
    ``submitted/``, which on a hub is the login), ``Section`` (from
    ``students.csv`` if it has a ``section`` column), then one column per
    assignment named ``<assignment> (<course_id>)``, e.g. ``01_chain_rule
    (backprop)``; the second row is ``Points Possible`` with each
    assignment's maximum. A column name Canvas does not know creates a new
    assignment on import; to fill an existing one, rename the column to that
    assignment's name as Canvas's export shows it (``Name (canvas id)``).
    A submission that could not be graded is left empty (Canvas: not
    graded) rather than 0; a missing submission is 0. Canvas has no note
    column, so the notes are only in the generic CSV.
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .course import Course
from .gradebook import GradedCell, columns, graded_cells, integrity_reasons, read_attention, read_scores
from .roster import Student, names
from .safefs import lkind, read_bytes
from .submissions import Scan, scan

FORMATS = ("csv", "canvas")
# An answer cell still raising the stub's error, or holding the text stub, was not attempted.
_STUB = re.compile(r"^\s*(raise NotImplementedError\b|YOUR ANSWER HERE\s*$)", re.MULTILINE)
MAX_ROW = "(max points)"
CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_POSSIBLE = "Points Possible"


@dataclass
class ExportSummary:
    """What an export wrote."""

    students: int
    with_note: int
    ungraded: int  # submissions present but not graded


@dataclass(frozen=True)
class _Assignment:
    name: str
    cells: list[GradedCell]
    cols: list[str]
    points: float
    scores: dict[str, dict[str, float] | None]
    stubs: dict[str, dict[str, str]]  # notebook stem -> answer grade_id -> released source


def _norm(source) -> str:
    if isinstance(source, list):
        source = "".join(source)
    return "\n".join(line.rstrip() for line in str(source).strip().splitlines())


def answer_sources(nb: dict) -> dict[str, str]:
    """Answer-cell grade_id -> its source (normalized) in a notebook's JSON."""
    out = {}
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell, dict) else {}
        if isinstance(meta, dict) and meta.get("solution") and meta.get("grade_id"):
            out[str(meta["grade_id"])] = _norm(cell.get("source", ""))
    return out


def _stubs(course: Course, assignment: str) -> dict[str, dict[str, str]]:
    out = {}
    for name in course.notebooks(assignment):
        path = course.root / "release" / assignment / name
        try:
            out[Path(name).stem] = answer_sources(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            out[Path(name).stem] = {}
    return out


def untouched_answers(course: Course, a: _Assignment, student: str) -> set[str] | None:
    """``notebook:grade_id`` of the answer cells the student did not attempt; None if unknown.

    Not attempted: the cell is as released, is missing from the submission,
    or still raises ``NotImplementedError`` (or holds ``YOUR ANSWER HERE``)
    as the stub does. The submitted notebook is read without following
    symlinks.
    """
    out = set()
    for stem, stubs in a.stubs.items():
        try:
            nb = json.loads(read_bytes(course.root, "submitted", student, a.name, f"{stem}.ipynb"))
        except (OSError, ValueError):
            return None
        have = answer_sources(nb)
        out |= {f"{stem}:{g}" for g, stub in stubs.items()
                if have.get(g, stub) == stub or _STUB.search(have[g])}
    return out


def submission_notes(course: Course, a: _Assignment, student: str, attention: list[str], found: Scan) -> list[str]:
    """Why the student has zeros in assignment ``a`` (and what else ``grade`` noted), without the prefix."""
    got = a.scores.get(student)
    folder = course.root / "submitted" / student / a.name
    if got is None:
        if lkind(folder) == "dir":
            why = "; ".join(dict.fromkeys(attention)) or "run `backprop-course grade`"
            return [f"not graded: {why}"]
        hints = [s for s in found.strays if s.student == student and s.suggestion == a.name]
        if hints:
            return [f"no submission, but {hints[0].path} looks like it: rename it and grade again"]
        return ["no submission"]
    notes = list(attention) + integrity_reasons(course, student, a.name)
    zeros = [(cell, col) for cell, col in zip(a.cells, a.cols) if got[col] == 0 and cell.points > 0]
    if zeros:
        untouched = untouched_answers(course, a, student)
        if untouched is not None and all(f"{s}:{g}" in untouched for s, stubs in a.stubs.items() for g in stubs) \
                and sum(got.values()) == 0:
            notes.insert(0, "blank")
        else:
            skipped = [col for cell, col in zeros if untouched is not None and cell.answers
                       and all(f"{cell.notebook}:{g}" in untouched for g in cell.answers)]
            failed = [col for _, col in zeros if col not in skipped]
            if skipped:
                notes.append(f"not attempted: {', '.join(skipped)}")
            if failed:
                notes.append(f"tests failed: {', '.join(failed)}")
    return list(dict.fromkeys(notes))


def _load(course: Course, assignments: list[str]) -> tuple[list[str], dict[str, Student], list[_Assignment], Scan]:
    found = scan(course)
    roster = names(course)
    students = sorted(set(roster) | {s for a in assignments for s in found.submissions.get(a, [])})
    loaded = []
    for a in assignments:
        cells = graded_cells(course, a)
        loaded.append(_Assignment(a, cells, columns(cells), sum(c.points for c in cells),
                                  read_scores(course, a, students), _stubs(course, a)))
    return students, roster, loaded, found


def export(course: Course, output: Path, assignments: list[str], fmt: str = "csv") -> ExportSummary:
    """Write the grades of ``assignments`` to ``output`` as ``fmt`` (``csv`` or ``canvas``).

    Students are everyone in the gradebook, in ``students.csv`` or with a
    folder in ``submitted/``; see the module docstring for both layouts.

    Parameters
    ----------
    course : Course
    output : Path
    assignments : list of str
        In column order.
    fmt : str
        ``csv`` (generic, with notes) or ``canvas`` (Canvas gradebook import).

    Returns
    -------
    ExportSummary
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (have {', '.join(FORMATS)})")
    students, roster, loaded, found = _load(course, assignments)
    attention = read_attention(course)
    ungraded = with_note = 0
    rows = []
    for student in students:
        notes, row_scores = [], []
        for a in loaded:
            reasons = submission_notes(course, a, student, attention.get(a.name, {}).get(student, []), found)
            notes += [f"{a.name}: {r}" for r in reasons]
            got = a.scores.get(student)
            if got is None and lkind(course.root / "submitted" / student / a.name) == "dir":
                ungraded += 1
                row_scores.append(None)
            else:
                row_scores.append(got or dict.fromkeys(a.cols, 0.0))
        with_note += bool(notes)
        rows.append((student, row_scores, notes))

    with open(output, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        if fmt == "canvas":
            course_id = course.course_id()
            writer.writerow(CANVAS_FIXED + [f"{a.name} ({course_id})" for a in loaded])
            writer.writerow([POINTS_POSSIBLE, "", "", "", ""] + [_fmt(a.points) for a in loaded])
            for student, row_scores, _ in rows:
                who = roster.get(student) or Student(student, student)
                writer.writerow([who.display(), "", student, student, who.section or ""]
                                + ["" if got is None else _fmt(sum(got.values())) for got in row_scores])
        else:
            header, maxima = ["student"], [MAX_ROW]
            for a in loaded:
                header += [f"{a.name}:{col}" for col in a.cols] + [f"{a.name}:total"]
                maxima += [_fmt(c.points) for c in a.cells] + [_fmt(a.points)]
            grand = sum(a.points for a in loaded)
            writer.writerow(header + ["total", "max_total", "note"])
            writer.writerow(maxima + [_fmt(grand), _fmt(grand), "the maximum points of each column"])
            for student, row_scores, notes in rows:
                row, total = [student], 0.0
                for a, got in zip(loaded, row_scores):
                    got = got or dict.fromkeys(a.cols, 0.0)
                    subtotal = sum(got.values())
                    row += [_fmt(got[c]) for c in a.cols] + [_fmt(subtotal)]
                    total += subtotal
                writer.writerow(row + [_fmt(total), _fmt(grand), "; ".join(notes)])
    return ExportSummary(len(students), with_note, ungraded)


def _fmt(x: float) -> str:
    return f"{x:g}"
