"""Shared pieces of the attack fixtures (not a fixture: the name starts with `_`)."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat

WRONG_GRAD = "def grad(w, x, y):\n    return 0.0 * x\n"


def autograded(course: Path, student: str) -> Path:
    return course / "autograded" / student / "01_chain_rule" / "chain_rule.ipynb"


def outputs_text(course: Path, student: str) -> str:
    """Everything the autograded notebook of `student` shows as text (streams, errors, plain data)."""
    path = autograded(course, student)
    if not path.is_file() or path.is_symlink():
        return ""
    nb = nbformat.read(str(path), as_version=4)
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.append(str(out.get("data", {}).get("text/plain", "")))
            parts.append(out.get("evalue", ""))
    return "\n".join(parts)


def no_files_named(course: Path, name: str, *extra: Path) -> None:
    """Assert that no file called `name` exists in the course tree or at the `extra` paths."""
    found = [p for p in course.rglob(name)] + [p for p in extra if p.exists() or p.is_symlink()]
    assert not found, f"attack left files behind: {found}"


def gradebook_intact(course: Path) -> None:
    import sqlite3

    db = course / "gradebook.db"
    assert db.is_file() and not db.is_symlink(), "gradebook.db replaced"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert conn.execute("select count(*) from grade").fetchone()[0] > 0


def dumps(value) -> str:
    return json.dumps(value)
