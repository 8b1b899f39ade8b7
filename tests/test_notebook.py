"""course_utils.notebook in a real kernel: one-line stub errors, short failed checks, still errors for nbgrader."""
import subprocess
import sys

import nbclient
import nbformat
import pytest

from course_utils.notebook import needs, stub_message

SETUP = "import course_utils\nfrom course_utils.testing import assert_close"
STUB = "def loss(w, x, y):\n    # YOUR CODE HERE\n    raise NotImplementedError(\"not written yet\")"


def _run(*sources: str, allow_errors: bool = True) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nbclient.NotebookClient(nb, kernel_name="python3", allow_errors=allow_errors, timeout=60).execute()
    return nb


@pytest.fixture(scope="module")
def outputs() -> list[list[dict]]:
    nb = _run(SETUP, STUB,
              "loss(1.0, 2.0, 3.0)",
              "# YOUR CODE HERE\nraise NotImplementedError()",
              "assert_close(2.0,\n             3.0, \"grad(1, 2, 3)\")",
              "1 / 0",
              "with course_utils.needs(\"loss\"):\n    loss(1.0, 2.0, 3.0)")
    return [cell.outputs for cell in nb.cells]


def _error(cell_outputs: list[dict]) -> dict:
    (error,) = [o for o in cell_outputs if o["output_type"] == "error"]
    return error


def test_stub_is_one_line_naming_the_function(outputs):
    error = _error(outputs[2])
    assert error["ename"] == "NotImplementedError"
    assert len(error["traceback"]) == 1
    assert error["traceback"][0].endswith(
        "`loss` is not written yet: write it in its cell above, then run this cell again.")


def test_stub_at_the_top_of_a_cell_says_so(outputs):
    (line,) = _error(outputs[3])["traceback"]
    assert "This cell is not written yet" in line


def test_failed_check_shows_the_call_and_the_diagnosis_only(outputs):
    error = _error(outputs[4])
    assert error["ename"] in ("AssertionError", "CheckFailed")  # CheckFailed subclasses AssertionError
    text = "\n".join(error["traceback"])
    assert "In[5], line 1:" in text and "3.0, \"grad(1, 2, 3)\")" in text
    assert "grad(1, 2, 3): " in text and "got 2.0, expected 3.0" in text
    assert "testing.py" not in text


def test_other_errors_keep_the_full_traceback(outputs):
    error = _error(outputs[5])
    assert error["ename"] == "ZeroDivisionError" and len(error["traceback"]) > 2


def test_needs_still_prints_its_reminder(outputs):
    assert [o["text"] for o in outputs[6]] == ["Implement loss() above, then re-run this cell.\n"]


def test_the_cell_still_fails_for_nbclient_and_nbgrader(tmp_path):
    with pytest.raises(nbclient.exceptions.CellExecutionError, match="not written yet"):
        _run(SETUP, STUB, "loss(1.0, 2.0, 3.0)", allow_errors=False)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(SETUP), nbformat.v4.new_code_cell(STUB),
                nbformat.v4.new_code_cell("assert_close(loss(1.0, 2.0, 3.0), 1.0, \"loss\")")]
    nb.cells[2].metadata["nbgrader"] = {"grade": True, "grade_id": "test_loss", "points": 1, "solution": False,
                                        "locked": True, "schema_version": 3}
    nbformat.write(nb, str(tmp_path / "blank.ipynb"))
    validate = subprocess.run([sys.executable, "-m", "nbgrader", "validate", "blank.ipynb"],
                              cwd=tmp_path, capture_output=True, text=True)
    assert "VALIDATION FAILED ON 1 CELL(S)" in validate.stdout, validate.stdout + validate.stderr
    assert "`loss` is not written yet" in validate.stdout


def test_stub_message_outside_a_kernel():
    def grad():
        raise NotImplementedError

    try:
        grad()
    except NotImplementedError as error:
        assert stub_message(error.__traceback__).startswith("`grad` is not written yet")
    with needs("grad"):
        grad()
