"""Class 3: symlinks in the submission folder to gradebook.db, the source notebook, the whole
source/ folder and the config: nbgrader must never follow them; the student is recorded as failed."""
import os
from pathlib import Path

from _common import gradebook_intact

CLASS = 3
TARGET = "test_grad"
FAILED = True
ANSWERS = {"grad": '''import sqlite3
def grad(w, x, y):
    try:
        rows = sqlite3.connect("data.db").execute("select source from source_cell").fetchall()
    except Exception:
        rows = []
    if any("def grad" in row[0] for row in rows):
        return 2.0 * (w * x - y) * x
    return 0.0 * x
'''}


def submit(folder: Path, course: Path) -> None:
    os.symlink(course / "gradebook.db", folder / "data.db")
    os.symlink(course / "source" / "01_chain_rule", folder / "solutions")
    os.symlink(course / "nbgrader_config.py", folder / "integrity.json")


def check(course: Path) -> None:
    gradebook_intact(course)
    out = course / "autograded" / "attack_link_to_gradebook" / "01_chain_rule"
    assert not any(p.is_symlink() for p in out.rglob("*")) if out.exists() else True
    assert not (course / "feedback" / "attack_link_to_gradebook").exists()
