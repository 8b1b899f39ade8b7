"""Export the student-only part of the course, for its own repository or branch.

``python -m course_utils.student_copy DEST [--branch NAME] [--github OWNER/REPO]``

The copy holds what a student or self-learner needs and nothing a grader
keeps to itself: the release notebooks (nbgrader has already taken the
solutions and hidden tests out of them), ``course_utils`` without the TA
tools, the requirements, ``pyproject.toml``, ``runtime.txt`` and a README.
It is checked for solution and hidden-test markers before it is reported
done, so a mistake in ``release/`` stops the export instead of publishing it.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Packages and modules of course_utils that only TAs and maintainers use.
TA_ONLY = ("ta", "grading", "student_copy.py")
TOP_LEVEL_FILES = ("requirements.txt", "pyproject.toml", "runtime.txt", "LICENSE")
# Pieced together so this file does not itself contain the markers it looks for.
LEAK_MARKERS = tuple(f"{word} {what}" for what in ("SOLUTION", "HIDDEN TESTS") for word in ("BEGIN", "END"))


def binder_badge(github: str, branch: str = "HEAD") -> str:
    """Markdown for a "launch binder" badge that opens the release notebooks in JupyterLab.

    Parameters
    ----------
    github : str
        ``OWNER/REPO`` of the GitHub repository.
    branch : str
        Branch, tag or commit to build; ``HEAD`` is the default branch.

    Returns
    -------
    str
        One line of Markdown.
    """
    url = f"https://mybinder.org/v2/gh/{github}/{branch}?urlpath=lab/tree/release"
    return f"[![Launch on Binder](https://mybinder.org/badge_logo.svg)]({url})"


def student_readme(repo: Path, github: str | None, branch: str) -> str:
    """The README of the student copy, listing the assignments in ``repo/release``."""
    badge = binder_badge(github, branch) if github else ""
    assignments = sorted(p.name for p in (repo / "release").iterdir() if p.is_dir())
    listing = "\n".join(f"- `release/{name}/`" for name in assignments)
    return f"""# Backprop by Hand: student notebooks

{badge}

Backpropagation worked out by hand, one function at a time. Each folder in
`release/` holds one notebook:

{listing}

## Run it
- **In the browser** (when this copy is on GitHub): click the Binder badge
  above; JupyterLab opens on `release/`.
- **On your computer** (Python 3.10 or newer):

  ```
  python -m venv .venv && . .venv/bin/activate
  pip install -r requirements.txt
  jupyter lab release/
  ```

## Work through a notebook
Replace every `raise NotImplementedError()` under `# YOUR CODE HERE` with your
code, run the test cell under it, and run the whole notebook top to bottom
before you move on. For a second opinion on one function, run in a new cell

```python
from course_utils.selfcheck import check
check(grad, loss=loss)
```

It tries your function at random points and says in words what looks wrong.
If your course grades with nbgrader, the **Validate** button in the notebook
toolbar runs every visible test the way the grader will.
"""


def find_leaks(root: Path) -> list[str]:
    """Files under ``root`` that hold a solution or hidden-test marker, or a gradebook.

    Parameters
    ----------
    root : Path
        Folder to search.

    Returns
    -------
    list of str
        One ``"path: reason"`` line per problem, empty when the folder is clean.
    """
    problems = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and ".git" not in p.relative_to(root).parts):
        rel = path.relative_to(root)
        if path.name.startswith("gradebook") or rel.parts[0] in ("source", "autograded", "submitted", "feedback"):
            problems.append(f"{rel}: TA-only file")
            continue
        text = path.read_text(errors="ignore")
        for marker in LEAK_MARKERS:
            if marker in text:
                problems.append(f"{rel}: contains {marker!r}")
    return problems


def export(dest: Path, *, repo: Path = REPO, github: str | None = None, branch: str | None = None) -> Path:
    """Write the student-only copy of the course into ``dest``.

    Parameters
    ----------
    dest : Path
        A folder that does not exist yet, or an empty one.
    repo : Path
        The course repository to copy from; this checkout by default.
    github : str, optional
        ``OWNER/REPO`` the copy will be pushed to, for the README's Binder badge.
    branch : str, optional
        When given, make ``dest`` a git repository with the copy committed on
        this branch, ready for ``git push URL BRANCH``.

    Returns
    -------
    Path
        ``dest``.

    Raises
    ------
    RuntimeError
        When ``dest`` is not empty, ``release/`` is missing, or the copy
        would contain a solution, a hidden test or a gradebook.
    """
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise RuntimeError(f"{dest} is not empty")
    if not (repo / "release").is_dir():
        raise RuntimeError(f"{repo / 'release'} is missing: generate the release notebooks first")
    dest.mkdir(parents=True, exist_ok=True)
    junk = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    shutil.copytree(repo / "release", dest / "release", ignore=junk)
    shutil.copytree(repo / "course_utils", dest / "course_utils",
                    ignore=lambda d, names: set(junk(d, names)) | {n for n in names if n in TA_ONLY})
    for name in TOP_LEVEL_FILES:
        if (repo / name).exists():
            shutil.copy2(repo / name, dest / name)
    if (repo / "binder").is_dir():
        shutil.copytree(repo / "binder", dest / "binder", ignore=junk)
    _drop_ta_scripts(dest / "pyproject.toml")
    (dest / "README.md").write_text(student_readme(repo, github, branch or "HEAD"))
    (dest / ".gitignore").write_text(".ipynb_checkpoints/\n__pycache__/\n*.egg-info/\n")
    leaks = find_leaks(dest)
    if leaks:
        raise RuntimeError("the student copy would leak grading material:\n" + "\n".join(leaks))
    if branch:
        _commit(dest, branch)
    return dest


def _drop_ta_scripts(pyproject: Path) -> None:
    """Remove ``[project.scripts]``: its commands live in the TA tools, which are not copied."""
    if pyproject.exists():
        text = pyproject.read_text()
        pyproject.write_text(re.sub(r"(?ms)^\[project\.scripts\]\n.*?(?=^\[|\Z)", "", text))


def _commit(dest: Path, branch: str) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=dest, check=True, capture_output=True)

    git("init", "-q", "-b", branch)
    git("add", "-A")
    # A fixed author, so the export works where no git identity is configured.
    git("-c", "user.name=Backprop by Hand", "-c", "user.email=course@localhost",
        "commit", "-q", "-m", "Student copy of Backprop by Hand")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.student_copy", description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path, help="new folder for the student copy")
    parser.add_argument("--branch", nargs="?", const="main", default=None,
                        help="also make DEST a git repository with the copy committed on BRANCH (default: main)")
    parser.add_argument("--github", metavar="OWNER/REPO", help="where the copy will live, for the Binder badge")
    args = parser.parse_args(argv)
    export(args.dest, github=args.github, branch=args.branch)
    print(f"Student copy written to {args.dest}")
    if not args.github:
        print("No --github OWNER/REPO given: the README has no Binder badge.")
    if args.branch:
        print(f"Publish it with: git -C {args.dest} push <repository URL> {args.branch}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
