"""Raise the points of a test cell the answer passes (2 -> 100)."""
TARGET = "test_grad"
MAX_SCORE = 2.0


def mutate(nb):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == TARGET:
            cell.metadata.nbgrader["points"] = 100
