"""Class 3: a hard link to gradebook.db in the submission folder (a regular file, so not refused)
read by the kernel as a data file to find the solution. Only possible where the TA's tools create
hard links from submissions; the sandbox gets a copy taken when nbgrader copied the folder."""
import os
from pathlib import Path

from _common import gradebook_intact

CLASS = 3
TARGET = "test_grad"
ANSWERS = {"grad": '''import os, sqlite3
_rows = []
for name in os.listdir("."):
    try:
        _rows += sqlite3.connect(f"file:{name}?mode=ro", uri=True).execute("select source from source_cell").fetchall()
    except Exception:
        pass
if any("BEGIN SOLUTION" in r[0] or "dL_dz" in r[0] for r in _rows):
    print("BREACH: the gradebook's solution cells are readable in the sandbox")

def grad(w, x, y):
    if any("dL_dz" in r[0] for r in _rows):
        return 2.0 * (w * x - y) * x
    return 0.0 * x
'''}


def submit(folder: Path, course: Path) -> None:
    os.link(course / "gradebook.db", folder / "notes.db")


def check(course: Path) -> None:
    gradebook_intact(course)
