"""Benchmark grading: plain sequential `nbgrader autograde` against `backprop-course grade`.

    python benchmarks/bench_grading.py [--students 30] [--workers N] [--quick]

Builds a synthetic class in a temporary course (the repository's config,
source/ and release/ of every assignment): each student submits the
solution or one planted bug (tests/planted_bugs), in turn. Then, each on a
fresh copy of the class:

1. sequential: one plain `nbgrader autograde ASSIGNMENT` process over the
   whole class, per assignment;
2. parallel: `backprop-course grade --workers N`;
3. gradebook contention: K single-student `nbgrader autograde` processes
   at once, all writing to the one gradebook, against K processes with a
   gradebook each (what "separate gradebooks merged afterwards" would run,
   before any merge).

It prints seconds per notebook, the speed-up, the share of kernel time spent
in the test cells (which hold the hidden tests), from the per-cell timings
nbclient records in the graded notebooks (``metadata.execution``), and the
per-notebook overhead beyond kernel execution (nbgrader start-up, sanitizing,
gradebook writes): the time of the sequential run that is neither cell execution
nor the clean room (which counts as kernel time), less the time to start and
stop one kernel, which every notebook pays and which it also prints.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import nbformat  # noqa: E402

import nbgrading as ng  # noqa: E402


def build_class(root: Path, assignments: list[str], students: int) -> Path:
    """A released course with ``students`` submissions of every assignment."""
    course = root / "template"
    course.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", course)
    for a in assignments:
        shutil.copytree(REPO / "source" / a, course / "source" / a)
    run(course, [sys.executable, "-m", "course_utils.ta", "release"])
    for a in assignments:
        variants = [ng.solution_submission(a)] + [ng.buggy_submission(a, b) for b in ng.planted_bugs(a)]
        for i in range(students):
            folder = course / "submitted" / f"s{i:03d}" / a
            folder.mkdir(parents=True)
            nbformat.write(variants[i % len(variants)], str(folder / ng.notebook_name(a)))
    return course


def fresh(template: Path, name: str) -> Path:
    """A copy of the released class, nothing graded yet."""
    course = template.parent / name
    shutil.copytree(template, course)
    return course


def run(course: Path, args: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(args, check=False, cwd=course, capture_output=True, text=True,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    return time.perf_counter() - start, proc


def _stamp(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def kernel_seconds(course: Path) -> tuple[int, float, float, float]:
    """Graded notebooks, their summed cell execution time, that of test cells, and clean-room time."""
    notebooks, total, tests, cleanroom = 0, 0.0, 0.0, 0.0
    for path in (course / "autograded").glob("*/*/*.ipynb"):
        notebooks += 1
        for cell in json.loads(path.read_text())["cells"]:
            timing = cell.get("metadata", {}).get("execution", {})
            if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
                seconds = _stamp(timing["shell.execute_reply"]) - _stamp(timing["iopub.execute_input"])
                total += seconds
                if cell["metadata"].get("nbgrader", {}).get("grade"):
                    tests += seconds
        report = path.parent / "integrity.json"
        if report.exists():
            cleanroom += sum(info.get("cleanroom", {}).get("seconds", 0.0)
                             for info in json.loads(report.read_text()).values() if isinstance(info, dict))
    return notebooks, total, tests, cleanroom


def kernel_start_seconds(repeats: int = 3) -> float:
    """Seconds to start a kernel, run ``pass`` and shut it down: every notebook pays it once."""
    from nbclient import NotebookClient

    times = []
    for _ in range(repeats):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")])
        start = time.perf_counter()
        NotebookClient(nb, kernel_name="python3").execute()
        times.append(time.perf_counter() - start)
    return min(times)


def contention(template: Path, assignment: str, k: int, separate: bool) -> tuple[float, int]:
    """Wall time and "database is locked" count of K concurrent single-student autogrades."""
    course = fresh(template, f"contention-{'separate' if separate else 'shared'}")
    students = sorted(p.name for p in (course / "submitted").iterdir())[:k]
    procs, start = [], time.perf_counter()
    for i, s in enumerate(students):
        args = [sys.executable, "-m", "nbgrader", "autograde", assignment, f"--student={s}"]
        if separate:
            db = course / f"gradebook-{i}.db"
            shutil.copy(course / "gradebook.db", db)
            args.append(f"--CourseDirectory.db_url=sqlite:///{db}?timeout=60")
        procs.append(subprocess.Popen(args, cwd=course, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                      env={**os.environ, "PYTHONWARNINGS": "ignore"}))
    logs = [p.communicate()[0] for p in procs]
    return time.perf_counter() - start, sum(log.count("database is locked") for log in logs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--quick", action="store_true", help="6 students, the first assignment only")
    args = parser.parse_args()
    assignments = ng.ASSIGNMENTS[:1] if args.quick else ng.ASSIGNMENTS
    students = 6 if args.quick else args.students
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        template = build_class(Path(tmp), assignments, students)
        n = students * len(assignments)
        print(f"{students} students x {len(assignments)} assignments ({', '.join(assignments)}) = {n} notebooks, "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")

        seq = fresh(template, "sequential")
        t_seq = 0.0
        for a in assignments:
            seconds, proc = run(seq, [sys.executable, "-m", "nbgrader", "autograde", a])
            t_seq += seconds
        notebooks, kernel, tests, cleanroom = kernel_seconds(seq)
        print(f"sequential nbgrader autograde: {t_seq:7.1f} s  {t_seq / n:5.2f} s/notebook")

        par = fresh(template, "parallel")
        t_par, proc = run(par, [sys.executable, "-m", "course_utils.ta", "grade", "--quiet",
                                "--workers", str(args.workers)])
        print(f"backprop-course grade --workers {args.workers}: {t_par:7.1f} s  {t_par / n:5.2f} s/notebook  "
              f"speed-up {t_seq / t_par:.2f}x")
        if proc.returncode != 0:
            print(proc.stdout[-2000:], proc.stderr[-2000:])

        print(f"kernel time (sequential run, {notebooks} graded notebooks): cells {kernel / notebooks:.2f} s/notebook, "
              f"clean room {cleanroom / notebooks:.2f} s/notebook")
        print(f"share of cell time in test cells (visible + hidden tests): {tests / kernel:.0%}")
        overhead = (t_seq - kernel - cleanroom) / notebooks
        start = kernel_start_seconds()
        print(f"overhead beyond cell execution: {overhead:.2f} s/notebook "
              "(nbgrader start-up, kernel start and shutdown, sanitizing, gradebook writes)")
        print(f"  of which starting and stopping the grading kernel: {start:.2f} s; "
              f"overhead beyond kernel execution: {overhead - start:.2f} s/notebook (target < 1 s)")

        k = min(8, students)
        for separate in (False, True):
            seconds, locked = contention(template, assignments[0], k, separate)
            print(f"{k} concurrent autogrades, {'a gradebook each' if separate else 'one shared gradebook'}: "
                  f"{seconds:6.1f} s, 'database is locked' {locked} times")


if __name__ == "__main__":
    main()
