"""Generating release/ from source/, and checking that the committed release/ is current."""
from __future__ import annotations

import filecmp
import json
import shutil
import tempfile
from pathlib import Path

from .course import CONFIG, Course

_IGNORED = {".ipynb_checkpoints", "__pycache__"}


def release(course: Course, assignments: list[str]) -> list[tuple[str, str]]:
    """``nbgrader generate_assignment --force`` for each assignment.

    Returns
    -------
    list of (str, str)
        ``(assignment, nbgrader output)`` of every assignment that failed.
    """
    failed = []
    for a in assignments:
        proc = course.nbgrader("generate_assignment", a, "--force")
        if proc.returncode != 0:
            failed.append((a, proc.stdout + proc.stderr))
    return failed


def check_release(course: Course, assignments: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Compare ``release/`` with what ``source/`` generates, in a temporary copy of the course.

    Notebooks are compared as JSON (formatting aside), other files byte for byte.

    Returns
    -------
    (list of str, list of (str, str))
        The release files that differ, are missing or are extra (relative to
        the course root), and the assignments nbgrader failed to generate.
    """
    differ, failed = [], []
    with tempfile.TemporaryDirectory(prefix="check-release-") as tmp:
        copy = Course(Path(tmp))
        shutil.copy(course.root / CONFIG, copy.root / CONFIG)
        for a in assignments:
            shutil.copytree(course.root / "source" / a, copy.root / "source" / a)
        failed = release(copy, assignments)
        for a in assignments:
            if any(name == a for name, _ in failed):
                continue
            want, have = copy.root / "release" / a, course.root / "release" / a
            names = _files(want) | _files(have)
            for rel in sorted(names):
                if not _same(want / rel, have / rel):
                    differ.append(str(Path("release") / a / rel))
    return differ, failed


def _files(folder: Path) -> set[Path]:
    """Files under ``folder``, relative to it, leaving out what nbgrader ignores too."""
    if not folder.is_dir():
        return set()
    return {p.relative_to(folder) for p in folder.rglob("*")
            if p.is_file() and not _IGNORED.intersection(p.relative_to(folder).parts)}


def _same(generated: Path, committed: Path) -> bool:
    if not (generated.is_file() and committed.is_file()):
        return False
    if generated.suffix == ".ipynb":
        try:
            return json.loads(generated.read_text(encoding="utf-8")) == json.loads(committed.read_text(encoding="utf-8"))
        except ValueError:
            return False
    return filecmp.cmp(generated, committed, shallow=False)
