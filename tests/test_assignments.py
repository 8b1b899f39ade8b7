"""Every assignment, graded by real `nbgrader autograde` in the sandbox.

- the solution earns every point;
- the blank release earns none;
- each planted bug loses exactly the points of the cells it names;
- release/ is what `nbgrader generate_assignment` makes from source/.

One test class per assignment: `pytest -n 2 --dist loadscope` hands whole
classes to workers, so the assignments are graded in parallel, each once.
"""
import json

import pytest

import nbgrading as ng


class AssignmentTests:
    """The tests of one assignment, named by the subclass's `assignment`."""

    assignment: str

    @pytest.fixture(scope="class")
    @classmethod
    def graded(cls, tmp_path_factory):
        """Autograde the solution, the blank release and every planted bug at once."""
        bugs = ng.planted_bugs(cls.assignment)
        submissions = {"solution": ng.solution_submission(cls.assignment),
                       "blank": ng.blank_submission(cls.assignment)}
        for i, bug in enumerate(bugs):
            submissions[f"bug{i:02d}"] = ng.buggy_submission(cls.assignment, bug)
        return bugs, ng.grade(tmp_path_factory.mktemp(cls.assignment), cls.assignment, submissions)

    def test_solution_earns_every_point(self, graded):
        _, scores = graded
        expected = ng.graded_cells(self.assignment)
        lost = {cell: (scores["solution"].get(cell), pts) for cell, pts in expected.items()
                if scores["solution"].get(cell) != pts}
        assert not lost, f"{self.assignment}: the solution lost points in {lost}"

    def test_blank_release_earns_nothing(self, graded):
        _, scores = graded
        earned = {cell: score for cell, score in scores["blank"].items() if score != 0}
        assert not earned, f"{self.assignment}: the blank release earned points in {earned}"

    def test_every_graded_cell_has_a_planted_bug(self, graded):
        bugs, _ = graded
        covered = {cell for bug in bugs for cell in bug.loses}
        missing = set(ng.graded_cells(self.assignment)) - covered
        assert not missing, f"{self.assignment}: no planted bug fails the graded cells {sorted(missing)}"

    def test_planted_bugs_lose_exactly_their_points(self, graded):
        bugs, scores = graded
        points = ng.graded_cells(self.assignment)
        wrong = []
        for i, bug in enumerate(bugs):
            got = scores[f"bug{i:02d}"]
            for cell, pts in points.items():
                want = 0.0 if cell in bug.loses else pts
                if got.get(cell) != want:
                    wrong.append(f"{bug.name}: {cell} scored {got.get(cell)}, expected {want}")
        assert not wrong, f"{self.assignment}:\n" + "\n".join(wrong)

    def test_every_graded_cell_has_hidden_tests(self):
        from course_utils.grading.verdict import hidden_function, load_hidden

        module = load_hidden(ng.REPO, self.assignment)
        missing = [cell for cell in ng.graded_cells(self.assignment) if hidden_function(module, cell) is None]
        assert not missing, f"{self.assignment}: graded cells without hidden tests in hidden_tests/: {missing}"

    def test_release_is_current(self, tmp_path):
        generated = ng.generated_release(tmp_path, self.assignment)
        committed = json.loads((ng.RELEASE / self.assignment / ng.notebook_name(self.assignment)).read_text())
        assert committed == generated, (
            f"release/{self.assignment} is not what nbgrader generates from source/: run "
            f"`nbgrader generate_assignment {self.assignment} --force` and commit release/."
        )


for _assignment in ng.ASSIGNMENTS:
    _name = "Test_" + _assignment
    globals()[_name] = type(_name, (AssignmentTests,), {"assignment": _assignment})
