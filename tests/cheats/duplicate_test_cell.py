"""Duplicate a test cell and empty the copy that comes last, with a wrong answer."""
import copy

TARGET = "test_grad"
ANSWERS = {"grad": "def grad(w, x, y):\n    return 0.0 * x\n"}


def mutate(nb):
    index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == TARGET)
    fake = copy.deepcopy(nb.cells[index])
    fake.source = "pass"
    fake["id"] = fake.get("id", "x") + "-copy"
    nb.cells.insert(index + 1, fake)
