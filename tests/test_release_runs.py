"""Every release notebook runs top to bottom in a plain kernel, as a self-learner would run it.

- The blank release: the only errors are the exercises' stubs. Answer cells
  raise ``NotImplementedError``; a visible test cell may fail only because
  it calls a stub, or uses a name that an unanswered answer cell defines
  (quiz answers). Every other cell (setup, demos, plots, widgets) runs:
  demos wrap student calls in ``course_utils.needs``.
- The solved release (answer cells filled with the solutions): no cell
  errors, and every cell that draws with ``course_utils.plots`` shows a
  figure.

Runs with nbclient, without nbgrader, in a copy of the assignment folder.
"""
from __future__ import annotations

import ast
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import nbgrading as ng

RELEASED = sorted(p.parent.name for p in ng.RELEASE.glob("*/*.ipynb") if (ng.SOURCE / p.parent.name).is_dir())
# Seconds per cell: a training loop or a sweep can take a while on 2 cores.
CELL_TIMEOUT = 180


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _errors(nb: nbformat.NotebookNode) -> list[tuple[int, dict, dict]]:
    """(index, cell, error output) of every cell that raised."""
    return [(i, cell, out) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for out in cell.get("outputs", []) if out.output_type == "error"]


def _run(nb: nbformat.NotebookNode, assignment: str, tmp_path: Path) -> nbformat.NotebookNode:
    folder = tmp_path / assignment
    shutil.copytree(ng.RELEASE / assignment, folder)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(folder)}})
    client.execute()
    return nb


def _answer_names(assignment: str) -> set[str]:
    """Names bound at top level by the solutions' answer cells (functions, quiz answers)."""
    names = set()
    for code in ng.solutions(assignment).values():
        try:
            tree = ast.parse(code)
        except SyntaxError:  # a markdown answer cell
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            for target in getattr(node, "targets", []):
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


def _describe(i: int, cell, out) -> str:
    kind = "answer" if _meta(cell).get("solution") else "test" if _meta(cell).get("grade") else "other"
    first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    return f"cell {i} ({kind}, {_meta(cell).get('grade_id', 'no id')}: {first[:60]!r}): {out.ename}: {out.evalue[:200]}"


def _allowed_in_blank(cell, out, answer_names: set[str]) -> bool:
    if out.ename == "NotImplementedError":
        return bool(_meta(cell).get("solution") or _meta(cell).get("grade"))
    if _meta(cell).get("grade") and not _meta(cell).get("solution"):
        # A visible test of an unanswered quiz or exercise: the name it checks is not defined yet.
        return out.ename in ("NameError", "AssertionError") and any(name in out.evalue for name in answer_names)
    return False


@pytest.mark.parametrize("assignment", RELEASED)
def test_blank_release_fails_only_at_the_stubs(assignment, tmp_path):
    nb = _run(ng.blank_submission(assignment), assignment, tmp_path)
    names = _answer_names(assignment)
    bad = [_describe(i, cell, out) for i, cell, out in _errors(nb) if not _allowed_in_blank(cell, out, names)]
    assert not bad, f"release/{assignment} fails outside its stubs:\n" + "\n".join(bad)
    stubs = [i for i, cell, out in _errors(nb) if _meta(cell).get("solution")]
    assert stubs, f"release/{assignment}: no answer cell raised NotImplementedError; is it really blank?"


@pytest.mark.parametrize("assignment", RELEASED)
def test_solved_release_runs_clean_and_draws_its_plots(assignment, tmp_path):
    nb = _run(ng.solution_submission(assignment), assignment, tmp_path)
    bad = [_describe(i, cell, out) for i, cell, out in _errors(nb)]
    assert not bad, f"release/{assignment} with the solutions filled in fails:\n" + "\n".join(bad)
    blank_plots = [
        f"cell {i}: {cell.source.strip().splitlines()[0][:60]!r}"
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and "course_utils.plots.plot_" in cell.source
        and not any("image/png" in out.get("data", {}) for out in cell.outputs)
    ]
    assert not blank_plots, f"release/{assignment}: these plot cells showed no figure:\n" + "\n".join(blank_plots)
