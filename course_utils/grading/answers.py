"""Read a notebook's literal answers without running any of its code.

Quiz answers and other non-function answers (``q1_answer = "B"``,
``buggy_params = {"W1", "b2"}``) are graded from the answer cells' text:
the last top-level assignment of the name is parsed with
``ast.literal_eval`` and must be exactly of the declared type, so no code of
the submission runs and no object with a lying ``__eq__`` can stand in.
"""
from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping


class AnswerError(NameError):
    """An answer is missing, not a literal, or of the wrong type."""


def _assigned(source: str) -> dict[str, ast.expr]:
    """Top-level ``name = value`` assignments of one cell, the last one winning."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            found[node.target.id] = node.value
    return found


def read_answers(sources: Iterable[str], types: Mapping[str, type]) -> dict[str, object]:
    """The literal answers of `types` found in the answer cells' `sources`.

    Parameters
    ----------
    sources : iterable of str
        The answer cells' code, in notebook order.
    types : mapping of str to type
        Each answer's name and its exact type, e.g. ``{"q1_answer": str}``.

    Returns
    -------
    dict
        Name to value, or to an :class:`AnswerError` saying what to fix.
    """
    nodes: dict[str, ast.expr] = {}
    for source in sources:
        nodes.update(_assigned(source))
    answers: dict[str, object] = {}
    for name, kind in types.items():
        if name not in nodes:
            answers[name] = AnswerError(f"not attempted: {name} is not set; write `{name} = ...` in its answer cell.")
            continue
        try:
            value = ast.literal_eval(nodes[name])
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            answers[name] = AnswerError(
                f"{name} must be written as a plain {kind.__name__} literal (e.g. {_example(kind)}), "
                "not computed.")
            continue
        if type(value) is not kind:
            answers[name] = AnswerError(f"{name} must be a {kind.__name__}, like {_example(kind)}; "
                                        f"got a {type(value).__name__}.")
            continue
        answers[name] = value
    return answers


def _example(kind: type) -> str:
    return {str: '"B"', set: '{"W1", "b2"}', int: "3", float: "0.5", bool: "True",
            tuple: '("A", "C")', list: '["A", "C"]'}.get(kind, kind.__name__)
