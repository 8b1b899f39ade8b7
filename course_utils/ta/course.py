"""The course directory as the TA tool sees it: where things are, and running nbgrader in it."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CONFIG = "nbgrader_config.py"


class CourseError(RuntimeError):
    """A problem the TA must fix before the command can run (printed without a traceback)."""


@dataclass(frozen=True)
class Course:
    """A course root: the folder holding ``nbgrader_config.py``, ``source/`` and ``release/``."""

    root: Path

    @classmethod
    def find(cls, course: str | os.PathLike | None = None) -> Course:
        """The course at ``course``, or the one containing the working directory.

        Parameters
        ----------
        course : path-like, optional
            The course root. By default the working directory or its nearest
            parent that holds ``nbgrader_config.py``.
        """
        start = Path(course or os.getcwd()).resolve()
        for folder in [start] if course else [start, *start.parents]:
            if (folder / CONFIG).is_file():
                return cls(folder)
        raise CourseError(f"no {CONFIG} in {start}{'' if course else ' or its parents'}: "
                          "run from the course root or pass --course DIR")

    def assignments(self, wanted: list[str] | None = None) -> list[str]:
        """The assignments in ``source/`` (all, or the ``wanted`` ones, checked to exist)."""
        source = self.root / "source"
        found = sorted(p.name for p in source.iterdir() if p.is_dir() and not p.name.startswith(".")) \
            if source.is_dir() else []
        if not wanted:
            return found
        unknown = [a for a in wanted if a not in found]
        if unknown:
            raise CourseError(f"no such assignment in source/: {', '.join(unknown)} (have: {', '.join(found) or 'none'})")
        return list(wanted)

    def notebooks(self, assignment: str) -> list[str]:
        """File names of the assignment's notebooks, from ``source/<assignment>/``."""
        return sorted(p.name for p in (self.root / "source" / assignment).glob("*.ipynb"))

    def db_url(self) -> str:
        """The gradebook URL, as ``nbgrader_config.py`` sets it."""
        return self._coursedir().db_url

    def course_id(self) -> str:
        """``CourseDirectory.course_id`` from ``nbgrader_config.py`` (``course`` if unset)."""
        return self._coursedir().course_id or "course"

    def _coursedir(self):
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config.loader import PyFileConfigLoader

        config = PyFileConfigLoader(CONFIG, path=str(self.root)).load_config()
        coursedir = CourseDirectory(config=config)
        if "root" not in config.get("CourseDirectory", {}):
            coursedir.root = str(self.root)
        return coursedir

    def nbgrader(self, *args: str, timeout: float | None = None) -> subprocess.CompletedProcess:
        """Run ``nbgrader ARGS`` in the course root and capture its output (never raises on failure)."""
        return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=self.root, env=nbgrader_env(),
                              check=False, capture_output=True, text=True, timeout=timeout)


def nbgrader_env() -> dict[str, str]:
    """The environment for nbgrader subprocesses."""
    # Python warnings (SQLAlchemy, nbformat) go to stderr and drown the log lines we parse.
    return {**os.environ, "PYTHONWARNINGS": "ignore"}
