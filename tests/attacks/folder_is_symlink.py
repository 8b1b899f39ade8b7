"""Class 3: the whole submission folder is a symlink to source/01_chain_rule."""
import os
import shutil
from pathlib import Path

from _common import gradebook_intact

CLASS = 3
TARGET = ("test_loss", "test_grad", "test_q2")
FAILED = True


def submit(folder: Path, course: Path) -> None:
    shutil.rmtree(folder)
    os.symlink(course / "source" / "01_chain_rule", folder)


def check(course: Path) -> None:
    gradebook_intact(course)
    assert not (course / "source" / "01_chain_rule" / "integrity.json").exists()
