"""Replace a locked test cell's code by `pass`, with a wrong answer."""
TARGET = "test_grad"
ANSWERS = {"grad": "def grad(w, x, y):\n    return 0.0 * x\n"}


def mutate(nb):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == TARGET:
            cell.source = "pass"
