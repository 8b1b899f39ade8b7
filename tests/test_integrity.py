"""Submissions cannot raise their own score (issue 6), on plain `nbgrader autograde`.

Every cheat in tests/cheats/ is built from the solution submission of
01_chain_rule and graded, with the honest solution and the blank release,
in ONE `nbgrader autograde` run with the repository's nbgrader_config.py.
A cheat must score on the cell it targets no more than the blank release
(0), or no more than the cell's real points for a metadata change, and the
tampering cheats must be flagged in integrity.json.
"""
from __future__ import annotations

import copy
import json
import runpy
from pathlib import Path

import pytest

import nbgrading as ng
from course_utils.grading.sandbox import sandbox_mode

ASSIGNMENT = "01_chain_rule"
CHEATS_DIR = Path(__file__).resolve().parent / "cheats"
CHEATS = sorted(p.stem for p in CHEATS_DIR.glob("*.py"))
# Wrong answers that use no forbidden construct: the hidden tests catch them; nothing to flag.
UNFLAGGED = {"finite_difference", "hardcoded_visible"}
# Only the sandbox keeps these from reading the course directory.
NEED_SANDBOX = {"read_gradebook", "read_source"}



def cheat_submission(name: str, course: Path):
    """The solution submission with cheat `name` applied."""
    spec = runpy.run_path(str(CHEATS_DIR / f"{name}.py"))
    nb = copy.deepcopy(ng.solution_submission(ASSIGNMENT))
    answers = spec.get("ANSWERS", {})
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id].replace("{course}", str(course))
    if "mutate" in spec:
        spec["mutate"](nb)
    return nb, spec


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the solution, the blank release and every cheat in one autograde run."""
    root = tmp_path_factory.mktemp("integrity")
    course = root / "course"  # where ng.grade builds the course
    specs, submissions = {}, {"solution": ng.solution_submission(ASSIGNMENT), "blank": ng.blank_submission(ASSIGNMENT)}
    for name in CHEATS:
        submissions[name], specs[name] = cheat_submission(name, course)
    scores = ng.grade(root, ASSIGNMENT, submissions)
    reports = {}
    for student in submissions:
        path = course / "autograded" / student / ASSIGNMENT / "integrity.json"
        reports[student] = json.loads(path.read_text())[Path(ng.notebook_name(ASSIGNMENT)).stem]
    return course, specs, scores, reports


def test_solution_keeps_every_point_and_raises_no_flag(graded):
    _, _, scores, reports = graded
    assert scores["solution"] == ng.graded_cells(ASSIGNMENT)
    assert reports["solution"]["flags"] == []
    assert reports["solution"]["cleanroom"]["ran"] and reports["solution"]["cleanroom"]["failed"] == {}


def test_blank_release_earns_nothing(graded):
    _, _, scores, _ = graded
    assert not any(scores["blank"].values())


@pytest.mark.parametrize("cheat", CHEATS)
def test_cheat_gains_nothing(graded, cheat):
    _, specs, scores, reports = graded
    if cheat in NEED_SANDBOX and sandbox_mode() != "unshare":
        pytest.xfail(f"grading kernels are not sandboxed on this machine ({sandbox_mode()})")
    target = specs[cheat]["TARGET"]
    ceiling = specs[cheat].get("MAX_SCORE", scores["blank"][target])
    assert scores[cheat][target] <= ceiling, (
        f"{cheat} scored {scores[cheat][target]} on {target} (at most {ceiling} allowed); "
        f"report: {json.dumps(reports[cheat])[:1500]}")


@pytest.mark.parametrize("cheat", sorted(set(CHEATS) - UNFLAGGED))
def test_cheat_is_flagged(graded, cheat):
    _, _, _, reports = graded
    assert reports[cheat]["flags"], f"{cheat} raised no flag in integrity.json"


def test_feedback_hides_hidden_tests_and_expected_values(graded):
    course, _, _, _ = graded
    ng.nbgrader(course, "generate_feedback", ASSIGNMENT, "--student", "hardcoded_visible")
    html = next((course / "feedback" / "hardcoded_visible" / ASSIGNMENT).glob("*.html")).read_text()
    assert "# hidden tests ran here" in html
    assert "BEGIN HIDDEN TESTS" not in html and "_true_grad" not in html
    # The failing hidden test is reported (what and where) without its reference value.
    assert "grad(w, x, y) at random points" in html
    assert "expected" not in html.split("grad(w, x, y) at random points", 1)[1][:400]


def test_reduction_keeps_definitions_only():
    from course_utils.grading import reduce_answer

    code, dropped = reduce_answer(
        "import numpy as np\nnp.allclose = lambda *a, **k: True\nq1_answer = 'B'\nEPS = np.finfo(float).eps\n"
        "get_ipython().input_transformers_cleanup.append(print)\n"
        "@functools.lru_cache(maxsize=None)\ndef grad(w, x: np.__setattr__('all', 0), y=1e-5):\n    return w\n"
        "def bad(x=open('/etc/passwd').read()):\n    return x\n")
    assert code.splitlines()[:3] == ["import numpy as np", "q1_answer = 'B'", "EPS = np.finfo(float).eps"]
    assert "def grad(w, x, y=1e-05):" in code and "__setattr__" not in code and "lru_cache" not in code
    assert "allclose" not in code and "get_ipython" not in code and "def bad" not in code
    assert len(dropped) == 4


def test_hide_expected_values():
    from course_utils.grading.feedback import hide_expected, hide_hidden_tests

    assert hide_expected("dg(x) entry (3,) at x=0.5: got 1.2, expected 1.3 (1 of 10 entries wrong).") == \
        "dg(x) entry (3,) at x=0.5: got 1.2 (1 of 10 entries wrong)."
    assert hide_expected("grad returned shape (3,), expected shape (4, 2).") == "grad returned shape (3,)."
    assert hide_hidden_tests("a = 1\n### BEGIN HIDDEN TESTS\nsecret()\n### END HIDDEN TESTS\n") == \
        "a = 1\n# hidden tests ran here\n"
