"""The student-only export: everything a student needs, no solution, hidden test or gradebook."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils.student_copy import LEAK_MARKERS, export, find_leaks

REPO = Path(__file__).resolve().parents[1]


def _notebook(*sources: str) -> str:
    cells = [{"cell_type": "code", "metadata": {}, "source": s, "outputs": [], "execution_count": None}
             for s in sources]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture
def course(tmp_path) -> Path:
    """A small course repository with every kind of file the real one has."""
    root = tmp_path / "course"
    (root / "release" / "01_demo").mkdir(parents=True)
    (root / "release" / "01_demo" / "demo.ipynb").write_text(
        _notebook("def grad(w, x, y):\n    # YOUR CODE HERE\n    raise NotImplementedError()"))
    (root / "source" / "01_demo").mkdir(parents=True)
    (root / "source" / "01_demo" / "demo.ipynb").write_text(
        _notebook("### BEGIN SOLUTION\nreturn 2\n### END SOLUTION", "### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS"))
    for package in ("course_utils", "course_utils/ta", "course_utils/grading"):
        (root / package).mkdir(parents=True, exist_ok=True)
        (root / package / "__init__.py").write_text("")
    (root / "course_utils" / "plots.py").write_text("OKABE_ITO = {}\n")
    (root / "course_utils" / "student_copy.py").write_text("# TA tool\n")
    (root / "course_utils" / "__pycache__").mkdir()
    (root / "course_utils" / "__pycache__" / "plots.cpython-311.pyc").write_bytes(b"\0")
    (root / "requirements.txt").write_text("numpy\n-e .\n")
    (root / "runtime.txt").write_text("python-3.11\n")
    (root / "pyproject.toml").write_text(
        '[project]\nname = "course_utils"\n\n[project.scripts]\nbackprop-course = "course_utils.ta.cli:main"\n\n'
        '[tool.setuptools.packages.find]\ninclude = ["course_utils*"]\n')
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    (root / "gradebook.db").write_bytes(b"SQLite")
    (root / "autograded").mkdir()
    (root / "tests").mkdir()
    return root


def test_copy_holds_what_students_need_and_nothing_else(course, tmp_path):
    dest = export(tmp_path / "student", repo=course, github="someone/backprop-student")
    files = {str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file()}
    assert files == {
        ".gitignore", "README.md", "requirements.txt", "runtime.txt", "pyproject.toml",
        "release/01_demo/demo.ipynb", "course_utils/__init__.py", "course_utils/plots.py",
    }
    assert find_leaks(dest) == []
    pyproject = (dest / "pyproject.toml").read_text()
    assert "course_utils.ta" not in pyproject and "[tool.setuptools.packages.find]" in pyproject
    readme = (dest / "README.md").read_text()
    assert "https://mybinder.org/v2/gh/someone/backprop-student/HEAD?urlpath=lab/tree/release" in readme
    assert "`release/01_demo/`" in readme


def test_refuses_a_release_that_leaks_a_solution(course, tmp_path):
    notebook = course / "release" / "01_demo" / "demo.ipynb"
    notebook.write_text(_notebook("### BEGIN SOLUTION\nreturn 2\n### END SOLUTION"))
    with pytest.raises(RuntimeError, match="demo.ipynb: contains 'BEGIN SOLUTION'"):
        export(tmp_path / "student", repo=course)


def test_find_leaks_names_every_kind_of_leak(tmp_path):
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "a.ipynb").write_text("{}")
    (tmp_path / "gradebook.db").write_text("")
    (tmp_path / "t.py").write_text("### BEGIN HIDDEN TESTS\n")
    assert find_leaks(tmp_path) == [
        "gradebook.db: TA-only file", "source/a.ipynb: TA-only file", "t.py: contains 'BEGIN HIDDEN TESTS'",
    ]
    assert set(LEAK_MARKERS) == {"BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"}


def test_refuses_a_non_empty_destination(course, tmp_path):
    (tmp_path / "student").mkdir()
    (tmp_path / "student" / "keep.txt").write_text("mine")
    with pytest.raises(RuntimeError, match="not empty"):
        export(tmp_path / "student", repo=course)


def test_branch_makes_a_committed_repository(course, tmp_path):
    dest = export(tmp_path / "student", repo=course, branch="student")

    def git(*args):
        return subprocess.run(["git", *args], cwd=dest, check=True, capture_output=True, text=True).stdout

    assert git("branch", "--show-current").strip() == "student"
    assert git("status", "--porcelain") == ""
    assert "release/01_demo/demo.ipynb" in git("ls-files").split()


@pytest.mark.skipif(not any((REPO / "release").glob("*/*.ipynb")), reason="release/ has no notebooks yet")
def test_real_course_exports_clean(tmp_path):
    """The command line on this repository: every release notebook, no leak, no TA tools."""
    dest = tmp_path / "student"
    subprocess.run([sys.executable, "-m", "course_utils.student_copy", str(dest)], check=True, capture_output=True)
    assert find_leaks(dest) == []
    assert not (dest / "source").exists() and not (dest / "course_utils" / "ta").exists()
    assert not (dest / "course_utils" / "grading").exists()
    released = {p.relative_to(REPO) for p in (REPO / "release").glob("*/*.ipynb")}
    assert {p.relative_to(dest) for p in (dest / "release").glob("*/*.ipynb")} == released
    # A student's environment imports the package without the TA tools.
    probe = "import course_utils, course_utils.selfcheck, course_utils.progress_bar"
    subprocess.run([sys.executable, "-c", probe], cwd=dest, check=True, env={"PYTHONPATH": str(dest)})
