"""Metadata: clear the `grade` flag of the graded test cell (and of another, deleted points), with a
wrong answer and a patched assert_close."""
CLASS = 1
TARGET = ("test_grad", "test_df")
ANSWERS = {
    "grad": '''import course_utils.testing as t
t.assert_close = lambda *a, **k: None
assert_close = t.assert_close

def grad(w, x, y):
    return 0.0 * x
''',
    "df": "def df(x):\n    return 0.0 * x\n",
}


def mutate(nb):
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") == "test_grad":
            meta["grade"] = False
        if meta.get("grade_id") == "test_df":
            meta.pop("points", None)
            meta["grade"] = False
            meta["grade_id"] = "my_own_cell"
