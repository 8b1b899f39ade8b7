"""The student-only export: everything a student needs, no solution, hidden test or gradebook."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils.student_copy import (
    LEAK_MARKERS, binder_url, course_repository, export, find_leaks, nbgitpuller_url,
)

REPO = Path(__file__).resolve().parents[1]
COURSE_PYPROJECT = """[project]
name = "course_utils"
version = "0.1.0"
description = "the checker and the TA tools"
requires-python = ">=3.11"
dependencies = ["numpy>=1.24"]

[project.scripts]
backprop-course = "course_utils.ta.cli:main"

[tool.setuptools.packages.find]
include = ["course_utils*"]

[tool.backprop-course]
repository = "https://github.com/someone/backprop"

[tool.pytest.ini_options]
addopts = "-ra"
"""


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
    (root / "binder").mkdir()
    (root / "binder" / "runtime.txt").write_text("python-3.11\n")
    (root / "pyproject.toml").write_text(COURSE_PYPROJECT)
    (root / "hidden_tests").mkdir()
    (root / "hidden_tests" / "01_demo.py").write_text("def test_grad(nb):\n    pass\n")
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    (root / "gradebook.db").write_bytes(b"SQLite")
    (root / "autograded").mkdir()
    (root / "tests").mkdir()
    return root


def test_copy_holds_what_students_need_and_nothing_else(course, tmp_path):
    dest = export(tmp_path / "student", repo=course, repository="https://github.com/someone/backprop-student")
    files = {str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file()}
    assert files == {
        ".gitignore", "README.md", "requirements.txt", "binder/runtime.txt", "pyproject.toml",
        "release/01_demo/demo.ipynb", "course_utils/__init__.py", "course_utils/plots.py",
    }
    assert find_leaks(dest) == []
    pyproject = (dest / "pyproject.toml").read_text()
    assert "course_utils.ta" not in pyproject and "TA tools" not in pyproject and "pytest" not in pyproject
    assert '[tool.setuptools.packages.find]' in pyproject and 'requires-python = ">=3.11"' in pyproject
    assert 'repository = "https://github.com/someone/backprop-student"' in pyproject
    readme = (dest / "README.md").read_text()
    assert "https://mybinder.org/v2/gh/someone/backprop-student/HEAD?urlpath=lab/tree/release" in readme
    assert "git clone https://github.com/someone/backprop-student" in readme
    assert "Python 3.11 or newer" in readme and "`release/01_demo/`" in readme


def test_links_come_from_the_course_setting(course, tmp_path):
    dest = export(tmp_path / "student", repo=course, branch="student")
    readme = (dest / "README.md").read_text()
    assert "https://mybinder.org/v2/gh/someone/backprop/student?urlpath=lab/tree/release" in readme
    assert "git clone --branch student https://github.com/someone/backprop" in readme


def test_repository_falls_back_to_the_git_remote(course):
    (course / "pyproject.toml").write_text(COURSE_PYPROJECT.replace('repository = "https://github.com/someone/backprop"', ""))
    assert course_repository(course) is None
    subprocess.run(["git", "init", "-q"], cwd=course, check=True)
    subprocess.run(["git", "remote", "add", "origin", "git@github.com:else/where.git"], cwd=course, check=True)
    assert course_repository(course) == "https://github.com/else/where"


def test_link_builders():
    assert binder_url("https://github.com/a/b", "main", "release/01_x/x.ipynb") == \
        "https://mybinder.org/v2/gh/a/b/main?urlpath=lab/tree/release/01_x/x.ipynb"
    assert nbgitpuller_url("https://hub.example.org/", "https://github.com/a/b", "student", "release/x.ipynb") == (
        "https://hub.example.org/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Fa%2Fb"
        "&branch=student&urlpath=lab%2Ftree%2Fb%2Frelease%2Fx.ipynb")
    with pytest.raises(ValueError, match="not a https://github.com/OWNER/REPO"):
        binder_url("https://gitlab.com/a/b")


def test_docs_links_use_the_course_setting():
    """Every Binder, clone and nbgitpuller link of the self-learner guide names the configured repository."""
    repository = course_repository(REPO)
    text = (REPO / "docs" / "self-learners.md").read_text()
    assert "OWNER" not in text and "REPO/" not in text
    assert binder_url(repository) in text and f"git clone {repository}" in text
    assert nbgitpuller_url("https://hub.example.org", repository, "student",
                           "release/01_chain_rule/chain_rule.ipynb") in text
    for link in re.findall(r"https://mybinder\.org/v2/gh/([^/\s)]+/[^/\s)]+)/", text):
        assert f"https://github.com/{link}" == repository


def test_refuses_a_release_that_leaks_a_solution(course, tmp_path):
    notebook = course / "release" / "01_demo" / "demo.ipynb"
    notebook.write_text(_notebook("### BEGIN SOLUTION\nreturn 2\n### END SOLUTION"))
    with pytest.raises(RuntimeError, match="demo.ipynb: contains 'BEGIN SOLUTION'"):
        export(tmp_path / "student", repo=course)


def test_find_leaks_names_every_kind_of_leak(tmp_path):
    for folder in ("source", "hidden_tests", "course_utils/grading"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "a.py").write_text("")
    (tmp_path / "gradebook.db").write_text("")
    (tmp_path / "t.py").write_text("### BEGIN HIDDEN TESTS\n")
    assert find_leaks(tmp_path) == [
        "course_utils/grading/a.py: TA-only file", "gradebook.db: TA-only file", "hidden_tests/a.py: TA-only file",
        "source/a.py: TA-only file", "t.py: contains 'BEGIN HIDDEN TESTS'",
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
    for ta_only in ("source", "hidden_tests", "tests", "course_utils/ta", "course_utils/grading"):
        assert not (dest / ta_only).exists(), ta_only
    released = {p.relative_to(REPO) for p in (REPO / "release").glob("*/*.ipynb")}
    assert {p.relative_to(dest) for p in (dest / "release").glob("*/*.ipynb")} == released
    # A student's environment imports the package without the TA tools.
    probe = "import course_utils, course_utils.selfcheck, course_utils.progress_bar"
    subprocess.run([sys.executable, "-c", probe], cwd=dest, check=True, env={"PYTHONPATH": str(dest)})


def test_post_build_hides_teacher_tools_and_keeps_other_settings(tmp_path):
    (tmp_path / "labconfig").mkdir()
    (tmp_path / "labconfig" / "page_config.json").write_text('{"disabledExtensions": {"other:plugin": true}}')
    subprocess.run([sys.executable, str(REPO / "binder" / "postBuild"), str(tmp_path)], check=True, capture_output=True)
    page = json.loads((tmp_path / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"] == {"other:plugin": True, "@jupyter/nbgrader:create-assignment": True,
                                          "@jupyter/nbgrader:formgrader": True}
    server = json.loads((tmp_path / "jupyter_server_config.json").read_text())
    assert server["ServerApp"]["jpserver_extensions"] == {"nbgrader.server_extensions.formgrader": False}
    news = json.loads((tmp_path / "labconfig" / "default_setting_overrides.json").read_text())
    assert news["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"


def test_post_build_names_plugins_the_installed_nbgrader_has():
    static = Path(sys.prefix, "share", "jupyter", "labextensions", "@jupyter", "nbgrader", "static")
    if not static.is_dir():
        pytest.skip(f"nbgrader's JupyterLab extension is not installed in {sys.prefix}")
    code = "".join(p.read_text(errors="ignore") for p in static.glob("*.js"))
    for plugin in ("create-assignment", "formgrader", "validate-assignment", "assignment-list"):
        assert f'"@jupyter/nbgrader:{plugin}"' in code, plugin
