"""Never follow a link a submission could have planted.

nbgrader copies a submission's files, reads its notebook and writes the
graded copy with plain ``open``/``shutil.copy``, all of which follow
symlinks: a ``chain_rule.ipynb`` that links to ``source/`` would be graded
as the solution, a data file that links to ``gradebook.db`` would be copied
into the student's feedback. :func:`refuse_links` makes every nbgrader
converter (autograde, generate_feedback, generate_assignment) refuse a
folder that holds a symlink or anything but regular files and folders;
nbgrader then records that one student as failed and goes on with the
class. :func:`write_new` writes a file without following a link at its path.
"""
from __future__ import annotations

import os
import stat

from nbgrader.converters.base import BaseConverter


class UnsafeSubmission(RuntimeError):
    """A folder to grade holds a symlink or a special file."""


def unsafe_entries(folder: str) -> list[str]:
    """Paths under `folder` that are symlinks or neither regular files nor folders (never followed)."""
    found = []
    if os.path.islink(folder):
        return [folder]
    for top, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            path = os.path.join(top, name)
            mode = os.lstat(path).st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                found.append(path)
    return found


def refuse_links() -> None:
    """Make nbgrader's converters refuse a folder with links or special files in it, before reading it."""
    if getattr(BaseConverter.init_assignment, "_refuses_links", False):
        return
    original = BaseConverter.init_assignment

    def init_assignment(self, assignment_id: str, student_id: str) -> None:
        source = self._format_source(assignment_id, student_id)
        bad = unsafe_entries(source) if os.path.lexists(source) else []
        if bad:
            raise UnsafeSubmission(f"{source} holds links or special files, which are never followed: "
                                   f"{', '.join(os.path.relpath(b, source) for b in bad[:5])}. "
                                   "Replace them with regular files to grade this submission.")
        original(self, assignment_id, student_id)

    init_assignment._refuses_links = True
    BaseConverter.init_assignment = init_assignment


def write_new(path: str, text: str) -> None:
    """Write `text` to `path`, replacing a regular file but never following a link there."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
