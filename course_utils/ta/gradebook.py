"""Reading grades back: graded cells, scores from the gradebook, integrity reports, the attention list."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .course import Course
from .safefs import UnsafePath, lkind, read_bytes, write_text

REPORT = "integrity.json"
SANDBOX = "bwrap"  # the integrity report's "sandbox" of a submission graded in the sandbox
UNSAFE = "none (unsafe-no-sandbox)"  # ... and of one graded with --unsafe-no-sandbox
NO_SANDBOX = "graded without a sandbox (--unsafe-no-sandbox)"


@dataclass(frozen=True)
class GradedCell:
    """One graded exercise (an nbgrader grade cell) of an assignment."""

    notebook: str  # notebook name without .ipynb
    grade_id: str
    points: float
    # grade_ids of the answer cells it grades: the answer cells since the previous graded
    # cell (the cell itself if it is a graded answer), or those of the previous graded cell
    # when there is none in between (a quiz: one answer cell, several test cells).
    answers: tuple[str, ...] = field(default=(), compare=False)

    def column(self, single_notebook: bool) -> str:
        """Its column name: the grade_id, prefixed by the notebook when the assignment has several."""
        return self.grade_id if single_notebook else f"{self.notebook}:{self.grade_id}"


def graded_cells(course: Course, assignment: str) -> list[GradedCell]:
    """The graded cells of ``assignment`` in notebook order, read from ``source/``."""
    cells = []
    for name in course.notebooks(assignment):
        nb = json.loads((course.root / "source" / assignment / name).read_text(encoding="utf-8"))
        pending: list[str] = []
        last: tuple[str, ...] = ()
        for cell in nb["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("solution") and not meta.get("grade"):
                pending.append(meta.get("grade_id", ""))
            if meta.get("grade"):
                if meta.get("solution"):
                    answers = (meta["grade_id"],)
                elif pending:
                    answers = tuple(pending)
                else:
                    answers = last
                pending, last = [], answers
                cells.append(GradedCell(Path(name).stem, meta["grade_id"], float(meta.get("points", 0)), answers))
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


def read_integrity(course: Course, student: str, assignment: str) -> dict:
    """The integrity report of one graded submission (notebook name -> info), {} when there is none.

    The report is read with :func:`course_utils.grading.report.read_report`,
    after checking with ``lstat`` that no component of
    ``autograded/<student>/<assignment>/integrity.json`` is a symlink or a
    special file.

    Raises
    ------
    UnsafePath
        A component is a symlink or not what it should be.
    ValueError
        The report is not valid JSON, or not a dict.
    """
    from course_utils.grading.report import read_report

    path = course.root / "autograded"
    for part in (student, assignment, REPORT):
        kind = lkind(path)
        if kind is None:
            return {}
        if kind != "dir":
            raise UnsafePath(f"{path.relative_to(course.root)} is a {kind}")
        path = path / part
    kind = lkind(path)
    if kind is None:
        return {}
    if kind != "file":
        raise UnsafePath(f"{path.relative_to(course.root)} is a {kind}")
    report = read_report(str(path.parent))
    if not isinstance(report, dict):
        raise ValueError("not a JSON object")
    return report


def integrity_reasons(course: Course, student: str, assignment: str) -> list[str]:
    """What ``autograded/<student>/<assignment>/integrity.json`` says a TA should look at.

    The report maps notebook name -> ``{"flags": [str], "kernel_died": bool,
    "sandbox": "bwrap" | "none (unsafe-no-sandbox)", "errors": [str]}``.

    Returns
    -------
    list of str
        ``kernel died``, each error (a timeout, an unreadable notebook),
        ``graded without a sandbox (...)`` unless the sandbox was ``bwrap``,
        and one ``integrity flags: ...`` summary. Notebooks are named when
        the assignment has several.
    """
    try:
        report = read_integrity(course, student, assignment)
    except UnsafePath as e:
        return [f"integrity.json not read: {e}"]
    except (OSError, ValueError, TypeError) as e:
        return [f"integrity.json unreadable ({type(e).__name__})"]
    several = len(report) > 1
    reasons, flags = [], []
    for name, info in sorted(report.items()):
        if not isinstance(info, dict):
            reasons.append(f"integrity.json: no report for {name}")
            continue
        where = f" in {name}" if several else ""
        if info.get("kernel_died"):
            reasons.append(f"kernel died{where}")
        errors = info.get("errors") or []
        reasons += [f"{_short(e)}{where}" for e in (errors if isinstance(errors, list) else [errors])]
        sandbox = info.get("sandbox")
        if sandbox == UNSAFE:
            reasons.append(f"{NO_SANDBOX}{where}")
        elif sandbox is not None and sandbox != SANDBOX:
            reasons.append(f"graded without a sandbox (sandbox: {_short(sandbox, 40)}){where}")
        for flag in info.get("flags") or []:
            flags.append(_flag(flag))
    if flags:
        shown = list(dict.fromkeys(flags))
        more = f" and {len(shown) - 5} more" if len(shown) > 5 else ""
        reasons.append(f"integrity flags: {'; '.join(shown[:5])}{more}")
    return list(dict.fromkeys(reasons))


def _flag(flag) -> str:
    if isinstance(flag, dict):  # an older report: {"construct", "cell", "line"}
        where = ", ".join(str(x) for x in (flag.get("cell"), flag.get("line") and f"line {flag['line']}") if x)
        what = str(flag.get("construct", "flag"))
        return f"{what} ({where})" if where else what
    return _short(flag)


def _short(text, limit: int = 100) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def attention_file(course: Course) -> Path:
    """Where ``grade`` keeps the reasons a submission needs attention, for ``export`` to note.

    It sits in ``autograded/`` because that folder is never committed and
    nbgrader only looks at its sub-folders. It is read with ``O_NOFOLLOW``
    and written by replacing it, so a symlink planted in its place is never
    followed.
    """
    return course.root / "autograded" / "needs_attention.json"


def read_attention(course: Course) -> dict[str, dict[str, list[str]]]:
    """Assignment -> student -> reasons, as the last ``grade`` runs left them."""
    try:
        data = json.loads(read_bytes(course.root, "autograded", attention_file(course).name, limit=16 * 2**20))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {a: {s: [str(r) for r in reasons] for s, reasons in students.items() if isinstance(reasons, list)}
            for a, students in data.items() if isinstance(students, dict)}


def save_attention(course: Course, attention: dict[str, dict[str, list[str]]]) -> None:
    """Write the attention list (see :func:`attention_file`)."""
    write_text(attention_file(course), json.dumps(attention, indent=1, sort_keys=True) + "\n")
