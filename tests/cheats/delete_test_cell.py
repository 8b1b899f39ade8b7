"""Delete a graded test cell, with a wrong answer."""
TARGET = "test_grad"
ANSWERS = {"grad": "def grad(w, x, y):\n    return 0.0 * x\n"}


def mutate(nb):
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != TARGET]
