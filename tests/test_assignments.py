"""Every assignment, graded by real `nbgrader autograde`.

- the solution earns every point;
- the blank release earns none;
- each planted bug loses exactly the points of the cells it names;
- release/ is what `nbgrader generate_assignment` makes from source/.
"""
import json

import pytest

import nbgrading as ng


@pytest.fixture(scope="module", params=ng.ASSIGNMENTS)
def graded(request, tmp_path_factory):
    """Autograde the solution, the blank release and every planted bug at once."""
    assignment = request.param
    bugs = ng.planted_bugs(assignment)
    submissions = {"solution": ng.solution_submission(assignment), "blank": ng.blank_submission(assignment)}
    for i, bug in enumerate(bugs):
        submissions[f"bug{i:02d}"] = ng.buggy_submission(assignment, bug)
    scores = ng.grade(tmp_path_factory.mktemp(assignment), assignment, submissions)
    return assignment, bugs, scores


def test_solution_earns_every_point(graded):
    assignment, _, scores = graded
    expected = ng.graded_cells(assignment)
    lost = {cell: (scores["solution"].get(cell), pts) for cell, pts in expected.items()
            if scores["solution"].get(cell) != pts}
    assert not lost, f"{assignment}: the solution lost points in {lost}"


def test_blank_release_earns_nothing(graded):
    assignment, _, scores = graded
    earned = {cell: score for cell, score in scores["blank"].items() if score != 0}
    assert not earned, f"{assignment}: the blank release earned points in {earned}"


def test_every_graded_cell_has_a_planted_bug(graded):
    assignment, bugs, _ = graded
    covered = {cell for bug in bugs for cell in bug.loses}
    missing = set(ng.graded_cells(assignment)) - covered
    assert not missing, f"{assignment}: no planted bug fails the graded cells {sorted(missing)}"


def test_planted_bugs_lose_exactly_their_points(graded):
    assignment, bugs, scores = graded
    points = ng.graded_cells(assignment)
    wrong = []
    for i, bug in enumerate(bugs):
        got = scores[f"bug{i:02d}"]
        for cell, pts in points.items():
            want = 0.0 if cell in bug.loses else pts
            if got.get(cell) != want:
                wrong.append(f"{bug.name}: {cell} scored {got.get(cell)}, expected {want}")
    assert not wrong, f"{assignment}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("assignment", ng.ASSIGNMENTS)
def test_release_is_current(assignment, tmp_path):
    generated = ng.generated_release(tmp_path, assignment)
    committed = json.loads((ng.RELEASE / assignment / ng.notebook_name(assignment)).read_text())
    assert committed == generated, (
        f"release/{assignment} is not what nbgrader generates from source/: run "
        f"`nbgrader generate_assignment {assignment} --force` and commit release/."
    )
