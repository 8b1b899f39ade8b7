"""Class 3: in its connection folder (the one host folder the kernel can write), replace the
connection file and its ipc sockets' neighbours with links to the gradebook and the course, in
case the grader opens or removes them after the kernel ends."""
from pathlib import Path

from _common import gradebook_intact

CLASS = 3
TARGET = "test_grad"
ANSWERS = {"grad": '''import os, sys

folder = os.path.dirname(sys.argv[sys.argv.index("-f") + 1])
for name in os.listdir(folder):
    print("connection folder holds", name)
for name, target in (("kernel.json", "{course}/gradebook.db"), ("integrity.json", "{course}/gradebook.db"),
                     ("kernel-999", "{course}"), ("course", "{course}")):
    path = os.path.join(folder, name)
    try:
        if name == "kernel.json":
            os.replace(path, path + ".orig")
        os.symlink(target, path)
        print("linked", path, "->", target)
    except OSError as error:
        print("refused", path, type(error).__name__)

def grad(w, x, y):
    return 0.0 * x
'''}


def check(course: Path) -> None:
    gradebook_intact(course)
    assert (course / "source" / "01_chain_rule" / "chain_rule.ipynb").is_file()
