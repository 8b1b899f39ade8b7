"""Benchmark grading: plain sequential `nbgrader autograde` against `backprop-course grade`.

    python benchmarks/bench_grading.py [--students 30] [--workers N] [--quick]

Builds a synthetic class in a temporary course (the repository's config,
source/ and release/ of every assignment): each student submits the
solution or one planted bug (tests/planted_bugs), in turn. Then, each on a
fresh copy of the class:

1. sequential: one plain `nbgrader autograde ASSIGNMENT` process over the
   whole class, per assignment, with the course's config (sandbox included);
2. parallel: `backprop-course grade --workers N`.

It prints seconds per notebook and, as ratios, the speed-up of the parallel
run and the cost of starting a kernel in the sandbox. The per-notebook
overhead is the time of the sequential run that is not student code: not
the student's cells (nbclient's per-cell timings) and not the graded calls
into the student's functions (``judge_seconds`` in ``integrity.json``). It
includes starting and stopping the sandboxed kernel.
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
    shutil.copytree(REPO / "hidden_tests", course / "hidden_tests")
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


def kernel_seconds(course: Path) -> tuple[int, float, float]:
    """Graded notebooks, the seconds their student cells ran, and the seconds the verdicts took.

    Student cells carry nbclient's timings (``metadata.execution``); graded
    test cells run in the grader, calling the student's functions, and
    ``integrity.json`` records that as ``judge_seconds``.
    """
    notebooks, cells, judge = 0, 0.0, 0.0
    for path in (course / "autograded").glob("*/*/*.ipynb"):
        notebooks += 1
        for cell in json.loads(path.read_text())["cells"]:
            timing = cell.get("metadata", {}).get("execution", {})
            if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
                cells += _stamp(timing["shell.execute_reply"]) - _stamp(timing["iopub.execute_input"])
        report = path.parent / "integrity.json"
        if report.exists():
            judge += sum(info.get("judge_seconds", 0.0) for info in json.loads(report.read_text()).values())
    return notebooks, cells, judge


def kernel_start_seconds(sandboxed: bool, repeats: int = 3) -> float:
    """Seconds to start a kernel, run ``pass`` and shut it down, in the grading sandbox or not."""
    from nbclient import NotebookClient

    from course_utils.grading import sandbox
    from course_utils.grading.execute import SandboxedKernelManager

    times = []
    for _ in range(repeats):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")])
        client = NotebookClient(nb, kernel_name="python3", kernel_manager_class=SandboxedKernelManager)
        conn = sandbox.connection_dir()
        km = client.create_kernel_manager()  # the grader's own set-up, as JudgedExecute makes it
        km.transport, km.ip, km.connection_file = "ipc", f"{conn}/kernel", f"{conn}/kernel.json"
        km.conn_dir, km.files, km.sandboxed = conn, [], sandboxed
        start = time.perf_counter()
        client.execute()
        times.append(time.perf_counter() - start)
        sandbox.remove_connection_dir(conn)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
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
        notebooks, cells, judge = kernel_seconds(seq)
        print(f"sequential plain nbgrader autograde: {t_seq:7.1f} s  {t_seq / n:5.2f} s/notebook")

        par = fresh(template, "parallel")
        t_par, proc = run(par, [sys.executable, "-m", "course_utils.ta", "grade", "--quiet",
                                "--workers", str(args.workers)])
        print(f"backprop-course grade --workers {args.workers}: {t_par:7.1f} s  {t_par / n:5.2f} s/notebook")
        if proc.returncode != 0:
            print(proc.stdout[-2000:], proc.stderr[-2000:])
        print(f"RATIO speed-up of grade --workers {args.workers} over sequential autograde: "
              f"{t_seq / t_par:.2f}x (target >= 1.7x with 2 workers)")

        overhead = (t_seq - cells - judge) / notebooks
        print(f"student code per notebook: cells {cells / notebooks:.2f} s, graded calls {judge / notebooks:.2f} s")
        print(f"overhead beyond executing the student's cells, sandbox included: {overhead:.2f} s/notebook "
              "(target < 1 s; nbgrader start-up, sandboxed kernel start and stop, sanitizing, gradebook writes)")
        bare, boxed = kernel_start_seconds(False), kernel_start_seconds(True)
        print(f"  of which starting and stopping the sandboxed kernel: {boxed:.2f} s; beyond that: "
              f"{overhead - boxed:.2f} s/notebook (nbgrader's own work, the grader's preprocessors)")
        print(f"RATIO kernel start and stop in the sandbox / without: {boxed:.2f} s / {bare:.2f} s = "
              f"{boxed / bare:.2f}x")


if __name__ == "__main__":
    main()
