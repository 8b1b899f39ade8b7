"""Run an assignment's tests in-process, for test authors: fast, no nbgrader, no sandbox.

    python tests/hidden_harness.py 01_chain_rule            # solution, blank release, planted bugs

Trusted notebooks only (the solution, the release, planted bugs): it runs
their code in this process. The grader runs the same visible and hidden
tests (course_utils.grading.verdict) against a sandboxed kernel instead;
tests/test_assignments.py checks that with real nbgrader.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import nbgrading as ng  # noqa: E402
from course_utils.grading.answers import read_answers  # noqa: E402
from course_utils.grading.verdict import hidden_function, judge_cell, load_hidden  # noqa: E402


class InProcessNotebook:
    """The notebook's names, as the grader's proxies give them: functions, literal answers, values.

    Calling a student function from inside a callback that a student function
    is running raises, as it would in the grader (the sandbox is busy).
    """

    def __init__(self, namespace: dict, answers: dict):
        self._ns, self._answers, self._depth = namespace, answers, 0

    def __getattr__(self, name: str):
        if name in self._answers:
            value = self._answers[name]
            if isinstance(value, Exception):
                raise value
            return value
        if name not in self._ns:
            raise NameError(f"name '{name}' is not defined: write it in its exercise cell and run that cell")
        value = self._ns[name]
        if not callable(value):
            return value

        def proxy(*args, **kwargs):
            if self._depth:
                raise RuntimeError(f"a callback called the student's {name}() while another student function "
                                   "was running: callbacks must be trusted reference code")
            self._depth += 1
            try:
                return value(*args, **kwargs)
            finally:
                self._depth -= 1
        return proxy


def _is_test(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def run(assignment: str, nb) -> dict[str, tuple[bool, str]]:
    """grade_id -> (passed, message) for every graded test cell of notebook `nb`."""
    hidden = load_hidden(ng.REPO, assignment)
    ns: dict = {"__name__": "__main__"}
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
        os.chdir(tmp)
        try:
            for cell in nb.cells:
                if cell.cell_type != "code" or _is_test(cell):
                    continue
                code = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
                try:
                    exec(compile(code, "<cell>", "exec"), ns)
                except Exception:
                    pass  # a stub or a failing demo: the tests will say what is missing
            sources = [c.source for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")]
            answers = read_answers(sources, getattr(hidden, "ANSWERS", {}))
            notebook = InProcessNotebook(ns, answers)
            results = {}
            for cell in nb.cells:
                if cell.cell_type == "code" and _is_test(cell):
                    grade_id = cell.metadata.nbgrader.grade_id
                    verdict = judge_cell(cell.source, hidden_function(hidden, grade_id), notebook)
                    results[grade_id] = (verdict.passed, verdict.evalue or verdict.stdout.strip().splitlines()[-1:])
        finally:
            os.chdir(cwd)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignment")
    args = parser.parse_args()
    a = args.assignment
    problems = []
    graded = ng.graded_cells(a)
    hidden = load_hidden(ng.REPO, a)
    missing = [g for g in graded if hidden_function(hidden, g) is None]
    if missing:
        problems.append(f"graded cells without hidden tests: {missing}")
    sol = run(a, ng.solution_submission(a))
    for g, (ok, msg) in sol.items():
        print(f"solution  {g:32s} {'PASS' if ok else 'FAIL ' + str(msg)}")
        if not ok:
            problems.append(f"solution fails {g}: {msg}")
    blank = run(a, ng.blank_submission(a))
    for g, (ok, msg) in blank.items():
        if ok:
            problems.append(f"blank release passes {g}")
    for bug in ng.planted_bugs(a):
        got = run(a, ng.buggy_submission(a, bug))
        lost = {g for g, (ok, _) in got.items() if not ok}
        if lost != set(bug.loses):
            problems.append(f"bug {bug.name!r} loses {sorted(lost)}, expected {sorted(bug.loses)}")
    print("\n".join(problems) or "OK: solution passes all, blank fails all, every bug loses exactly its cells")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
