"""Export the student-only part of the course, for its own repository or branch.

``python -m course_utils.student_copy DEST [--branch NAME] [--repository URL]``
writes the copy; ``python -m course_utils.student_copy --links`` prints the
course's clone and Binder links.

The copy holds what a student or self-learner needs and nothing a grader
keeps to itself: the release notebooks (nbgrader has already taken the
solutions out of them), ``course_utils`` without the TA tools, the
requirements, ``binder/`` (which also hides nbgrader's teacher tools in a
student's own JupyterLab), a ``pyproject.toml`` of its own and a README.
It is checked for solution and hidden-test markers before it is reported
done, so a mistake in ``release/`` stops the export instead of publishing it.

Every link comes from one setting, ``[tool.backprop-course] repository`` in
the course's ``pyproject.toml`` (else ``git remote get-url origin``).
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]

# Packages and modules of course_utils that only TAs and maintainers use.
TA_ONLY = ("ta", "grading", "student_copy.py")
TOP_LEVEL_FILES = ("requirements.txt", "LICENSE")
# Folders and files of the course root that never go to students.
TA_ONLY_PATHS = ("source", "hidden_tests", "tests", "autograded", "submitted", "feedback", "course_utils/ta",
                 "course_utils/grading")
# Pieced together so this file does not itself contain the markers it looks for.
LEAK_MARKERS = tuple(f"{word} {what}" for what in ("SOLUTION", "HIDDEN TESTS") for word in ("BEGIN", "END"))
PYTHON = "3.11"


def course_repository(repo: Path = REPO) -> str | None:
    """The course's repository URL: the pyproject setting, else the git remote ``origin``.

    Parameters
    ----------
    repo : Path
        The course root.

    Returns
    -------
    str or None
        An ``https://`` URL without ``.git``, or None when neither is set.
    """
    settings = tomllib.loads((repo / "pyproject.toml").read_text()).get("tool", {}).get("backprop-course", {})
    url = settings.get("repository")
    if not url:
        remote = subprocess.run(["git", "remote", "get-url", "origin"], cwd=repo, capture_output=True, text=True)
        url = remote.stdout.strip() if remote.returncode == 0 else None
    if not url:
        return None
    url = re.sub(r"^git@([^:]+):", r"https://\1/", url)  # git@github.com:o/r -> https://github.com/o/r
    return url.removesuffix(".git").rstrip("/")


def github_slug(repository: str) -> str:
    """``OWNER/REPO`` of a GitHub repository URL.

    Raises
    ------
    ValueError
        When ``repository`` is not on github.com (Binder's ``gh`` provider needs it).
    """
    match = re.fullmatch(r"https://github\.com/([^/]+/[^/]+)", repository)
    if not match:
        raise ValueError(f"{repository!r} is not a https://github.com/OWNER/REPO URL")
    return match.group(1)


def binder_url(repository: str, branch: str = "HEAD", path: str = "release") -> str:
    """The mybinder.org link that opens ``path`` of ``repository`` in JupyterLab.

    Parameters
    ----------
    repository : str
        ``https://github.com/OWNER/REPO``.
    branch : str
        Branch, tag or commit to build; ``HEAD`` is the default branch.
    path : str
        Folder or notebook to open, relative to the repository root.

    Returns
    -------
    str
    """
    return f"https://mybinder.org/v2/gh/{github_slug(repository)}/{branch}?urlpath=lab/tree/{path}"


def binder_badge(repository: str, branch: str = "HEAD") -> str:
    """Markdown for a "launch binder" badge that opens the release notebooks in JupyterLab."""
    return f"[![Launch on Binder](https://mybinder.org/badge_logo.svg)]({binder_url(repository, branch)})"


def nbgitpuller_url(hub: str, repository: str, branch: str, notebook: str) -> str:
    """A JupyterHub link that clones (or updates) ``repository`` and opens ``notebook`` in it.

    Parameters
    ----------
    hub : str
        The hub's address, e.g. ``https://hub.example.org``.
    repository : str
        The clone URL.
    branch : str
        The branch to pull.
    notebook : str
        Path of the notebook inside the repository.

    Returns
    -------
    str
    """
    folder = repository.rstrip("/").rsplit("/", 1)[-1]
    return (f"{hub.rstrip('/')}/hub/user-redirect/git-pull?repo={quote(repository, safe='')}"
            f"&branch={quote(branch, safe='')}&urlpath={quote(f'lab/tree/{folder}/{notebook}', safe='')}")


def student_readme(repo: Path, repository: str | None, branch: str | None) -> str:
    """The README of the student copy, listing the assignments in ``repo/release``."""
    assignments = sorted(p.name for p in (repo / "release").iterdir() if p.is_dir())
    listing = "\n".join(f"- `release/{name}/`" for name in assignments)
    on_github = bool(repository) and repository.startswith("https://github.com/")
    badge = f"{binder_badge(repository, branch or 'HEAD')}\n\n" if on_github else ""
    setup = [
        f"git clone {'--branch ' + branch + ' ' if branch else ''}{repository or '<this repository>'} backprop-by-hand",
        "cd backprop-by-hand",
        "python -m venv .venv && . .venv/bin/activate   # Windows: .venv\\Scripts\\activate",
        "pip install -r requirements.txt",
        "python binder/postBuild       # once: hides nbgrader's teacher tools and JupyterLab's news",
        "jupyter lab release/",
    ]
    commands = "\n".join(f"  {line}" for line in setup)
    return f"""# Backprop by Hand: student notebooks

{badge}Backpropagation worked out by hand, one function at a time. Each folder in
`release/` holds one notebook:

{listing}

## Run it
- **In the browser**: click the Binder badge above; JupyterLab opens on
  `release/`. Download your notebooks before you close the tab: Binder
  forgets them.
- **On your computer**, with Python {PYTHON} or newer and git:

  ```bash
{commands}
  ```

## Work through a notebook
Replace every `raise NotImplementedError(...)` under `# YOUR CODE HERE` with
your code, run the test cell under it, and run the whole notebook top to
bottom before you move on. For a second opinion, run in a new cell

```python
course_utils.check(grad, loss=loss)          # any exercise, by its name
course_utils.check_gradient(f, grad_f, x)    # any gradient of your own
```

Both try your function at random points and say in words what looks wrong.
If your course grades with nbgrader, the **Validate** button in the notebook
toolbar runs every visible test the way the grader will.
"""


def student_pyproject(repo: Path, repository: str | None) -> str:
    """A ``pyproject.toml`` for the copy: the package students import, nothing of the TA tools or tests."""
    project = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    dependencies = ", ".join(f'"{d}"' for d in project["dependencies"])
    setting = f'\n[tool.backprop-course]\nrepository = "{repository}"\n' if repository else ""
    return f"""[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "{project['name']}"
version = "{project['version']}"
description = "Backprop by Hand: the helpers the course notebooks import (gradient checker, self-check, plots, widgets)"
readme = "README.md"
requires-python = "{project['requires-python']}"
dependencies = [{dependencies}]

[tool.setuptools.packages.find]
include = ["course_utils*"]
{setting}"""


def find_leaks(root: Path) -> list[str]:
    """Files under ``root`` that hold a solution or hidden-test marker, or belong to the TAs.

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
        if path.name.startswith("gradebook") or any(rel.as_posix().startswith(f"{ta}/") for ta in TA_ONLY_PATHS):
            problems.append(f"{rel.as_posix()}: TA-only file")
            continue
        text = path.read_text(errors="ignore")
        for marker in LEAK_MARKERS:
            if marker in text:
                problems.append(f"{rel.as_posix()}: contains {marker!r}")
    return problems


def export(dest: Path, *, repo: Path = REPO, repository: str | None = None, branch: str | None = None) -> Path:
    """Write the student-only copy of the course into ``dest``.

    Parameters
    ----------
    dest : Path
        A folder that does not exist yet, or an empty one.
    repo : Path
        The course repository to copy from; this checkout by default.
    repository : str, optional
        ``https://github.com/OWNER/REPO`` the copy will be pushed to, for
        its README's clone and Binder links; default the course's own
        (:func:`course_repository`).
    branch : str, optional
        When given, make ``dest`` a git repository with the copy committed on
        this branch, ready for ``git push URL BRANCH``; the links name it.

    Returns
    -------
    Path
        ``dest``.

    Raises
    ------
    RuntimeError
        When ``dest`` is not empty, ``release/`` is missing, or the copy
        would contain a solution, a hidden test, a gradebook or a TA tool.
    """
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise RuntimeError(f"{dest} is not empty")
    if not (repo / "release").is_dir():
        raise RuntimeError(f"{repo / 'release'} is missing: generate the release notebooks first")
    repository = repository or course_repository(repo)
    dest.mkdir(parents=True, exist_ok=True)
    junk = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    shutil.copytree(repo / "release", dest / "release", ignore=junk)
    shutil.copytree(repo / "course_utils", dest / "course_utils",
                    ignore=lambda d, names: set(junk(d, names)) | {n for n in names if n in TA_ONLY})
    if (repo / "binder").is_dir():
        shutil.copytree(repo / "binder", dest / "binder", ignore=junk)
    for name in TOP_LEVEL_FILES:
        if (repo / name).exists():
            shutil.copy2(repo / name, dest / name)
    (dest / "pyproject.toml").write_text(student_pyproject(repo, repository))
    (dest / "README.md").write_text(student_readme(repo, repository, branch))
    (dest / ".gitignore").write_text(".ipynb_checkpoints/\n__pycache__/\n*.egg-info/\n.venv/\n")
    leaks = find_leaks(dest)
    if leaks:
        raise RuntimeError("the student copy would leak grading material:\n" + "\n".join(leaks))
    if branch:
        _commit(dest, branch)
    return dest


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
    parser.add_argument("dest", type=Path, nargs="?", help="new folder for the student copy")
    parser.add_argument("--branch", nargs="?", const="main", default=None,
                        help="also make DEST a git repository with the copy committed on BRANCH (default: main)")
    parser.add_argument("--repository", metavar="URL",
                        help="https://github.com/OWNER/REPO where the copy will live (default: the course's)")
    parser.add_argument("--links", action="store_true", help="print the course's clone and Binder links and exit")
    args = parser.parse_args(argv)
    if args.links:
        repository = course_repository()
        if repository is None:
            parser.error("no repository: set [tool.backprop-course] repository in pyproject.toml")
        print(f"clone:  git clone {repository}\nbinder: {binder_url(repository)}")
        return 0
    if args.dest is None:
        parser.error("DEST is required (or --links)")
    export(args.dest, repository=args.repository, branch=args.branch)
    print(f"Student copy written to {args.dest}")
    if args.branch:
        print(f"Publish it with: git -C {args.dest} push {args.repository or course_repository() or '<URL>'} "
              f"{args.branch}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
