"""Metadata: mark the graded test cell as a solution cell (so it would run in the kernel next to
the student's patches), with a wrong answer and a patched assert_close."""
CLASS = 1
TARGET = "test_grad"
ANSWERS = {"grad": '''import course_utils.testing as t
t.assert_close = lambda *a, **k: None
assert_close = t.assert_close

def grad(w, x, y):
    return 0.0 * x
'''}


def mutate(nb):
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") == TARGET:
            meta["solution"] = True
            meta["locked"] = False
