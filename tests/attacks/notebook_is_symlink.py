"""Class 3: the submitted notebook is a symlink to the source notebook (the solutions): it must
not get the solution's score; nbgrader records the student as failed and grades the others."""
import os
from pathlib import Path

from _common import gradebook_intact

CLASS = 3
TARGET = ("test_loss", "test_grad", "test_q2", "test_tanh_neuron_backward")
FAILED = True


def submit(folder: Path, course: Path) -> None:
    notebook = folder / "chain_rule.ipynb"
    notebook.unlink()
    os.symlink(course / "source" / "01_chain_rule" / "chain_rule.ipynb", notebook)


def check(course: Path) -> None:
    gradebook_intact(course)
    graded = course / "autograded" / "attack_notebook_is_symlink" / "01_chain_rule" / "chain_rule.ipynb"
    assert not graded.exists() or "BEGIN SOLUTION" not in graded.read_text()
