"""No graded answer can be read from a blank release notebook (issue 10, findings 1-4).

A student who has solved nothing runs every release notebook top to bottom;
then, for every assignment:

(b) no literal answer (the names in ``hidden_tests/<assignment>.py``'s
    ``ANSWERS``, and any literal a solution cell assigns; their values from
    the solution cells of source/) can be read from the release:
    - no given code holds a graded question's text next to its key (an
      instant-feedback quiz on the graded question, ``quiz("Q1 ...", [...], "B")``,
      or a table of (question, options, key) tuples);
    - every graded letter question shows its options with their letters;
    - no output of the blank release singles out exactly the names of a set
      answer on lines that say WRONG / False / fail;
    - no text names the bug of a debug exercise (the lines where a given
      buggy function and its fixed solution differ) next to a bug word;
(c) no given cell of any release notebook (code, or code in markdown
    outside a collapsed ``<details>`` hint) reproduces a graded solution up to
    renaming: three or more non-trivial statements, consecutive in the given
    code, in the same order (at most one statement apart) in a solution;
(d) no docstring of a release answer cell gives its solution's result in
    code form: a returned expression, up to renaming, or ``dname = formula``.

The detectors are plain functions of notebooks, and the self-tests at the end
run them on synthetic notebooks with a planted leak, so that this test cannot
pass by detecting nothing.
"""
from __future__ import annotations

import ast
import builtins
import copy
import itertools
import re
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
SOURCE, RELEASE, HIDDEN = REPO / "source", REPO / "release", REPO / "hidden_tests"
ASSIGNMENTS = sorted(p.parent.name for p in RELEASE.glob("*/*.ipynb") if (SOURCE / p.parent.name).is_dir())
NOTEBOOK_TIMEOUT = 600  # seconds, per cell: no cell of a blank release should take long
WINDOW = 3  # statements a copied block must have to count

_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$", re.M)
_DETAILS = re.compile(r"<details>.*?</details>", re.S | re.I)
_FAIL_WORDS = re.compile(r"WRONG|\bFalse\b|\bfail(?:s|ed|ure)?\b|✗|\bincorrect\b|\bmismatch", re.I)
_BUG_WORDS = re.compile(r"\bbugs?\b|\bwrong\b|\bsign\b|\bfix(?:es|ed)?\b|\bincorrect\b|\bmistake|>=|\bshould be\b",
                        re.I)


# ------------------------------------------------------------- notebooks ---

def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_solution(cell) -> bool:
    return bool(_meta(cell).get("solution"))


def is_test(cell) -> bool:
    return bool(_meta(cell).get("grade")) and not is_solution(cell)


def given_code(nb) -> list[tuple[int, str]]:
    """(index, source) of the code cells a student is given: neither answer nor test cells."""
    return [(i, c.source) for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and not is_solution(c) and not is_test(c)]


def _python(source: str) -> ast.Module | None:
    """The cell's code without IPython magics, parsed; None if it is not Python."""
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        return ast.parse(code)
    except SyntaxError:
        return None


def markdown_text(nb) -> list[tuple[int, str]]:
    """(index, text) of markdown cells, collapsed <details> hints removed."""
    return [(i, _DETAILS.sub("", c.source)) for i, c in enumerate(nb.cells) if c.cell_type == "markdown"]


def solution_sources(nb) -> dict[str, str]:
    """grade_id -> answer-cell code of a source notebook, markers removed."""
    return {_meta(c).get("grade_id", str(i)): _MARKER.sub("", c.source)
            for i, c in enumerate(nb.cells) if is_solution(c) and c.cell_type == "code"}


def _read(path: Path):
    return nbformat.read(str(path), as_version=4)


def source_nb(assignment: str):
    (path,) = sorted((SOURCE / assignment).glob("*.ipynb"))
    return _read(path)


def release_nb(assignment: str):
    (path,) = sorted((RELEASE / assignment).glob("*.ipynb"))
    return _read(path)


# --------------------------------------------------------------- answers ---

def literal_answers(source, answer_names: set[str] = frozenset()) -> dict[str, object]:
    """Name -> value of every literal an answer cell assigns at top level (and of `answer_names`)."""
    found: dict[str, object] = {}
    for code in solution_sources(source).values():
        tree = _python(code)
        for node in tree.body if tree else []:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                try:
                    found[node.targets[0].id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
    missing = set(answer_names) - set(found)
    assert not missing, f"ANSWERS names {sorted(missing)} that no answer cell assigns a literal to"
    return found


def hidden_answer_names(assignment: str) -> set[str]:
    """The keys of ``ANSWERS`` in hidden_tests/<assignment>.py (read without running it)."""
    path = HIDDEN / f"{assignment}.py"
    if not path.exists():
        return set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "ANSWERS" for t in node.targets):
            if isinstance(node.value, ast.Dict):
                return {ast.literal_eval(k) for k in node.value.keys if k is not None}
    return set()


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 1}


_OPTION = re.compile(r"^\s*[-*]?\s*\**\(?([A-H])[).]|\(([A-H])\)", re.M)


def _options(text: str) -> set[str]:
    return {a or b for a, b in _OPTION.findall(text)}


def graded_questions(nb, answers: dict[str, object]) -> dict[str, tuple[str, str]]:
    """Answer name -> (question text, the text of its options) for the ``qK_answer`` letter answers.

    A question is the markdown after a ``Q1`` / ``q1.`` marker, up to the next
    marker; the one that shows lettered options wins over a mere mention.
    """
    questions: dict[str, tuple[str, str]] = {}
    for _, text in markdown_text(nb):
        marks = list(re.finditer(r"\bQ(\d+)\b", text, re.I))
        for mark, after in itertools.zip_longest(marks, marks[1:]):
            name = f"q{mark.group(1)}_answer"
            if name not in answers or not isinstance(answers[name], str):
                continue
            segment = text[mark.end():after.start() if after else len(text)]
            first = _OPTION.search(segment)
            question = segment[:first.start()] if first else segment
            if len(_options(segment)) >= 2 or name not in questions:
                questions[name] = (question, segment)
    return questions


def _letter(value: object) -> str | None:
    if isinstance(value, str):
        match = re.fullmatch(r"\s*\(?([A-Za-z])[).]?\s*", value)
        return match.group(1).upper() if match else None
    return None


def _similar(a: str, b: str) -> bool:
    """Do `a` and `b` ask the same question (most words of the shorter one in the other)?"""
    wa, wb = _words(a), _words(b)
    common = wa & wb
    return len(common) >= 4 and len(common) / min(len(wa), len(wb)) >= 0.7


# ----------------------------------------------------- (b) the detectors ---

def quiz_key_leaks(release, answers: dict[str, object]) -> list[str]:
    """Given code that holds a graded question's text together with its key."""
    questions = graded_questions(release, answers)
    leaks = []
    for index, code in given_code(release) + [(i, c.source) for i, c in enumerate(release.cells) if is_test(c)]:
        tree = _python(code)
        for node in ast.walk(tree) if tree else []:
            if isinstance(node, ast.Call):
                items = [*node.args, *(k.value for k in node.keywords)]
            elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
                items = node.elts
            elif isinstance(node, ast.Dict):
                items = [*filter(None, node.keys), *node.values]
            else:
                continue
            constants = [item.value for item in items if isinstance(item, ast.Constant)]
            texts = [c for c in constants if isinstance(c, str) and len(c) > 12]
            for name, (question, _) in questions.items():
                key = answers[name].strip().upper()
                if any(_similar(t, question) for t in texts) and \
                        any(_letter(c) == key or c == ord(key) - ord("A") for c in constants
                            if not isinstance(c, bool) and (isinstance(c, int) or _letter(c))):
                    leaks.append(f"cell {index}: the key of graded {name} ({question[:50]!r}) is given "
                                 f"in code: line {node.lineno}")
    return leaks


def unlettered_questions(release, answers: dict[str, object]) -> list[str]:
    """Graded letter questions whose options are not shown with their letters."""
    questions = graded_questions(release, answers)
    problems = []
    for name, value in answers.items():
        if not (re.fullmatch(r"q\d+_answer", name) and _letter(value)):
            continue
        if name not in questions:
            problems.append(f"{name}: no markdown question marked Q{name[1:-7]} for this graded answer")
            continue
        letters = _options(questions[name][1])
        if _letter(value) not in letters or len(letters) < 2:
            problems.append(f"{name}: options are not shown with letters (found {sorted(letters)})")
    return problems


def output_lines(nb) -> Iterator[tuple[int, str]]:
    """(cell index, line) of every text output of an executed notebook."""
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.output_type == "stream":
                text = out.text
            elif out.output_type in ("execute_result", "display_data"):
                data = out.get("data", {})
                text = data.get("text/plain", "") + "\n" + re.sub(r"<[^>]+>", " ", data.get("text/html", ""))
            elif out.output_type == "error":
                text = f"{out.ename}: {out.evalue}"
            else:
                continue
            yield from ((i, line) for line in text.splitlines())


def _shape(name: str) -> str:
    return re.sub(r"[A-Za-z]", "a", re.sub(r"\d", "0", name))


def set_answer_leaks(executed, answers: dict[str, object]) -> list[str]:
    """Outputs whose failure lines name exactly the elements of a set answer."""
    leaks = []
    for name, value in answers.items():
        if not (isinstance(value, (set, frozenset)) and value and all(isinstance(v, str) for v in value)):
            continue
        shapes = {_shape(v) for v in value}
        by_cell: dict[int, tuple[set, set]] = {}
        for i, line in output_lines(executed):
            tokens = {t for t in re.findall(r"\b\w+\b", line) if _shape(t) in shapes} - {"False", "True"}
            failed, seen = by_cell.setdefault(i, (set(), set()))
            seen |= tokens
            if _FAIL_WORDS.search(line):
                failed |= tokens
        leaks += [f"cell {i}: the blank release's output flags exactly {sorted(failed)}, the answer {name}"
                  for i, (failed, seen) in by_cell.items() if failed == set(value) and seen > failed]
    return leaks


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for node in body:
        yield node
        for field in ("body", "orelse", "finalbody"):
            yield from _statements(getattr(node, field, []) if not isinstance(node, ast.FunctionDef) else [])


def _mentions(doc: str, name: str) -> bool:
    """Does a docstring name function `name` as code (`name`, name(...), or a name with _ or a digit)?"""
    if re.search(rf"`{re.escape(name)}`|\b{re.escape(name)}\(", doc):
        return True
    return bool(re.search(r"[_\d]", name)) and bool(re.search(rf"\b{re.escape(name)}\b", doc))


def _functions(code: str) -> dict[str, ast.FunctionDef]:
    tree = _python(code)
    return {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)} if tree else {}


def text_lines(release, executed) -> Iterator[tuple[int, str]]:
    """(cell, line) of every text a student reads: markdown, code comments and strings, outputs."""
    for i, text in markdown_text(release):
        yield from ((i, line) for line in text.splitlines())
    for i, cell in enumerate(release.cells):
        if cell.cell_type != "code":
            continue
        yield from ((i, line.split("#", 1)[1]) for line in cell.source.splitlines() if "#" in line)
        tree = _python(cell.source)
        for node in ast.walk(tree) if tree else []:
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield from ((i, line) for line in node.value.splitlines())
    yield from output_lines(executed)


def named_bugs(source, release, executed) -> list[str]:
    """Text that names the bug of a debug exercise (a given function that an answer fixes)."""
    given = {}
    for _, code in given_code(release):
        given.update(_functions(code))
    leaks = []
    for code in solution_sources(source).values():
        for fixed in _functions(code).values():
            doc = ast.get_docstring(fixed) or ""
            for buggy in (g for name, g in given.items() if _mentions(doc, name)):
                right = {ast.dump(s) for s in _statements(fixed.body)}
                wrong = [s for s in _statements(buggy.body) if ast.dump(s) not in right
                         and isinstance(s, ast.Assign)]
                targets = {t.id for s in wrong for t in s.targets if isinstance(t, ast.Name) and len(t.id) > 1}
                for i, line in text_lines(release, executed):
                    hit = [t for t in targets if re.search(rf"\b{re.escape(t)}\b", line)]
                    if hit and _BUG_WORDS.search(line):
                        leaks.append(f"cell {i}: names the bug in {hit} of {buggy.name}: {line.strip()[:100]!r}")
    return leaks


# --------------------------------------------- (c) copied solution code ---

_KEEP = set(dir(builtins)) | {"np", "numpy", "math", "plt", "course_utils"}
_OPS = (ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.Call, ast.AugAssign)
_AXIS_METHODS = {"sum", "mean", "max", "min", "argmax", "argmin", "std", "var", "prod"}
_CONVERT = {"asarray", "array", "float", "int", "astype", "copy"}


def _call_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else None


def exercise_names() -> set[str]:
    """The functions students write, in every source notebook: given code may call them."""
    names = set()
    for assignment in ASSIGNMENTS:
        for code in solution_sources(source_nb(assignment)).values():
            names |= set(_functions(code))
    return names


def _trivial(stmt: ast.stmt, allowed: frozenset[str] = frozenset()) -> bool:
    """No operation (names, tuples, indexing), a docstring, a stub, a conversion `x = np.asarray(x, ...)`,
    or only calls of the students' own functions (`allowed`)."""
    if isinstance(stmt, ast.Raise) or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
        return True
    if isinstance(stmt, (ast.FunctionDef, ast.ClassDef, ast.For, ast.While, ast.If, ast.With, ast.Try)):
        return False
    value = getattr(stmt, "value", None)
    if isinstance(stmt, ast.Assign) and isinstance(value, ast.Call) and _call_name(value.func) in _CONVERT \
            and value.args and isinstance(value.args[0], ast.Name) and isinstance(stmt.targets[0], ast.Name) \
            and value.args[0].id == stmt.targets[0].id:
        return True
    return not any(isinstance(n, _OPS) and not (isinstance(n, ast.Call) and _call_name(n.func) in allowed)
                   for n in ast.walk(stmt))


class _Canon(ast.NodeTransformer):
    """Rename names and strings by first appearance; numbers as floats; ``x.sum(0)`` as ``x.sum(axis=0)``."""

    def __init__(self):
        self.names: dict[str, str] = {}
        self.strings: dict[str, str] = {}

    def _rename(self, name: str) -> str:
        return name if name in _KEEP else self.names.setdefault(name, f"v{len(self.names)}")

    def visit_Name(self, node):
        return ast.Name(id=self._rename(node.id))

    def visit_arg(self, node):
        return ast.arg(arg=self._rename(node.arg))

    def visit_Constant(self, node):
        value = node.value
        if isinstance(value, str):
            value = self.strings.setdefault(value, f"s{len(self.strings)}")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            value = float(value)
        return ast.Constant(value=value)

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Attribute) and node.func.attr in _AXIS_METHODS and len(node.args) == 1 \
                and not node.keywords:
            node.keywords, node.args = [ast.keyword(arg="axis", value=node.args[0])], []
        return node


def canonical(stmts: list[ast.stmt]) -> str:
    """The statements' AST with locals, arguments and strings renamed by first appearance."""
    canon = _Canon()
    body = [canon.visit(copy.deepcopy(s)) for s in stmts]
    return "\n".join(ast.dump(s, annotate_fields=False, include_attributes=False) for s in body)


def _blocks(tree: ast.AST, allowed: frozenset[str] = frozenset()) -> Iterator[list[ast.stmt]]:
    """Every statement list (module, function and loop bodies...) without its trivial statements."""
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                yield [s for s in body if not _trivial(s, allowed)]


def solution_windows(code: str, allowed: frozenset[str] = frozenset()) -> set[str]:
    """Canonical forms of every 3 non-trivial statements in order, at most one apart, of a solution."""
    tree = _python(code)
    windows = set()
    for block in _blocks(tree, allowed) if tree else []:
        for start in range(len(block)):
            for rest in itertools.combinations(range(start + 1, min(start + WINDOW + 1, len(block))), WINDOW - 1):
                windows.add(canonical([block[start], *(block[j] for j in rest)]))
    return windows


def given_blocks(nb, allowed: frozenset[str] = frozenset()) -> Iterator[tuple[int, list[ast.stmt]]]:
    """(cell, statements) of given code cells, and of code in markdown outside collapsed hints."""
    for i, code in given_code(nb):
        tree = _python(code)
        yield from ((i, block) for block in (_blocks(tree, allowed) if tree else []))
    for i, text in markdown_text(nb):
        fenced = re.findall(r"```(?:python)?\n(.*?)```", text, re.S)
        inline = [m for m in re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
                  if _python(m) is not None]
        for code in [*fenced, "\n".join(inline)]:
            tree = _python(code)
            yield from ((i, block) for block in (_blocks(tree, allowed) if tree else []))


def copied_solutions(solutions: dict[str, str], release_notebooks: dict[str, object],
                     exempt: dict[str, set[str]] | None = None, allowed: frozenset[str] = frozenset()) -> list[str]:
    """Given blocks of the release notebooks with 3 statements of a solution, up to renaming.

    `solutions` maps a label to solution code; `exempt` maps a label to the
    names of given functions it may resemble (the buggy function a debug
    exercise fixes); statements that only call the `allowed` functions (the
    students' own) do not count.
    """
    exempt = exempt or {}
    windows = {label: solution_windows(code, allowed) for label, code in solutions.items()}
    leaks = []
    for assignment, nb in release_notebooks.items():
        for i, block in given_blocks(nb, allowed):
            owner = _owner(nb.cells[i].source, block) if nb.cells[i].cell_type == "code" else None
            for start in range(len(block) - WINDOW + 1):
                form = canonical(block[start:start + WINDOW])
                for label, forms in windows.items():
                    if form in forms and owner not in exempt.get(label, ()):
                        leaks.append(f"{assignment} cell {i}: lines {block[start].lineno}-"
                                     f"{block[start + WINDOW - 1].end_lineno} reproduce the solution of {label}")
    return sorted(set(leaks))


def _owner(code: str, block: list[ast.stmt]) -> str | None:
    """The name of the function in `code` whose body holds `block`."""
    if not block:
        return None
    for name, fn in _functions(code).items():
        if fn.lineno <= block[0].lineno <= fn.end_lineno:
            return name
    return None


def debug_exemptions(source, release) -> dict[str, set[str]]:
    """Solution label -> given functions it fixes (named in its docstring)."""
    given = set()
    for _, code in given_code(release):
        given |= set(_functions(code))
    exempt = {}
    for grade_id, code in solution_sources(source).items():
        for fn in _functions(code).values():
            doc = ast.get_docstring(fn) or ""
            exempt[grade_id] = {g for g in given if _mentions(doc, g)}
    return exempt


# ---------------------------------------------- (d) docstrings with code ---

class _Norm(ast.NodeTransformer):
    """``np.linalg.norm`` -> ``norm``, ``np.asarray(x, ...)`` / ``float(x)`` / ``x.astype(t)`` -> ``x``, numbers as floats."""

    def visit_Attribute(self, node):
        self.generic_visit(node)
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id in ("np", "numpy", "math"):
            return ast.Name(id=node.attr)
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        name = _call_name(node.func)
        if name in ("asarray", "array", "float") and node.args:
            return node.args[0]
        if name == "astype" and isinstance(node.func, ast.Attribute):
            return node.func.value
        return node

    def visit_Constant(self, node):
        if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return ast.Constant(value=float(node.value))
        return node


def _norm(node: ast.AST) -> ast.AST:
    return _Norm().visit(copy.deepcopy(node))


def _count_ops(node: ast.AST) -> int:
    return sum(isinstance(n, (ast.BinOp, ast.UnaryOp, ast.Call, ast.Compare)) for n in ast.walk(node))


def _match(pattern: ast.AST, expr: ast.AST, defs: dict[str, ast.expr], env: dict[str, ast.AST]) -> bool:
    """Does `pattern` (names are wildcards) match `expr`, expanding `expr`'s single-assignment locals?"""
    if isinstance(pattern, ast.Name):
        if pattern.id in env:
            return _expand(env[pattern.id], defs) == _expand(expr, defs)
        env[pattern.id] = expr
        return True
    while isinstance(expr, ast.Name) and expr.id in defs:
        expr = defs[expr.id]
    if type(pattern) is not type(expr):
        return False
    if isinstance(pattern, ast.BinOp):
        return type(pattern.op) is type(expr.op) and _match(pattern.left, expr.left, defs, env) \
            and _match(pattern.right, expr.right, defs, env)
    if isinstance(pattern, ast.UnaryOp):
        return type(pattern.op) is type(expr.op) and _match(pattern.operand, expr.operand, defs, env)
    if isinstance(pattern, ast.Call):
        return _call_name(pattern.func) == _call_name(expr.func) and len(pattern.args) == len(expr.args) \
            and all(_match(p, e, defs, env) for p, e in zip(pattern.args, expr.args))
    if isinstance(pattern, ast.Attribute):
        return pattern.attr == expr.attr and _match(pattern.value, expr.value, defs, env)
    if isinstance(pattern, ast.Subscript):
        return _match(pattern.value, expr.value, defs, env) and _match(pattern.slice, expr.slice, defs, env)
    if isinstance(pattern, (ast.Tuple, ast.List)):
        return len(pattern.elts) == len(expr.elts) and all(
            _match(p, e, defs, env) for p, e in zip(pattern.elts, expr.elts))
    return ast.dump(pattern) == ast.dump(expr)


def _expand(expr: ast.AST, defs: dict[str, ast.expr], depth: int = 0) -> str:
    if isinstance(expr, ast.Name) and expr.id in defs and depth < 20:
        return _expand(defs[expr.id], defs, depth + 1)
    return ast.dump(expr)


def _results(fn: ast.FunctionDef) -> tuple[list[ast.expr], dict[str, ast.expr]]:
    """A solution's results (returned expressions, and values stored into returned arrays) and its locals."""
    assigned: dict[str, list[ast.expr]] = {}
    stored: dict[str, list[ast.expr]] = {}
    returns: list[ast.expr] = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(node.value)
                elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                    stored.setdefault(target.value.id, []).append(node.value)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            assigned.setdefault(node.target.id, []).append(node.value)
        elif isinstance(node, ast.Return) and node.value is not None:
            value = node.value
            returns += value.elts if isinstance(value, ast.Tuple) else value.values if isinstance(value, ast.Dict) \
                else [value]
    defs = {name: _norm(values[0]) for name, values in assigned.items() if len(values) == 1}
    results = [_norm(r) for r in returns]
    results += [_norm(v) for r in returns if isinstance(r, ast.Name) for v in stored.get(r.id, [])]
    return results, defs


def _fragments(line: str) -> Iterator[ast.expr]:
    """The longest Python expressions in each piece of a docstring line (split at = , ; :)."""
    for piece in re.split(r"(?<![=<>!])=(?!=)|[,;:]\s|[;:]$|\bwhere\b", line):
        words = piece.strip().rstrip(".").split()
        best = None
        for i, j in sorted(itertools.combinations(range(len(words) + 1), 2), key=lambda ij: ij[0] - ij[1]):
            try:
                best = ast.parse(" ".join(words[i:j]), mode="eval").body
                break
            except SyntaxError:
                continue
        if best is not None:
            yield best


def docstring_leaks(source, release) -> list[str]:
    """Docstrings of release answer cells that give the solution's result in code form."""
    solutions = {}
    for code in solution_sources(source).values():
        solutions.update(_functions(code))
    leaks = []
    for i, cell in enumerate(release.cells):
        if not (cell.cell_type == "code" and is_solution(cell)):
            continue
        for name, fn in _functions(cell.source).items():
            doc = ast.get_docstring(fn) or ""
            if name not in solutions:
                continue
            results, defs = _results(solutions[name])
            for line in doc.splitlines():
                equation = re.search(r"\b(?:dL/)?d[A-Za-z_]\w*\s*=\s*(.+)", line)
                for pattern in _fragments(line):
                    if _count_ops(pattern) >= 2 and any(_match(_norm(pattern), r, defs, {}) for r in results):
                        leaks.append(f"cell {i} {name}: the docstring gives the result: {line.strip()!r}")
                        break
                else:
                    rhs = next(_fragments(equation.group(1)), None) if equation else None
                    if rhs is not None and _count_ops(rhs) >= 2:
                        leaks.append(f"cell {i} {name}: the docstring gives a gradient formula: {line.strip()!r}")
    return leaks


# ------------------------------------------------------------ run blank ---

def _execute(assignment: str) -> nbformat.NotebookNode:
    nb = release_nb(assignment)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / assignment
        shutil.copytree(RELEASE / assignment, folder)
        NotebookClient(nb, timeout=NOTEBOOK_TIMEOUT, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(folder)}}).execute()
    return nb


@pytest.fixture(scope="module")
def executed() -> dict[str, object]:
    """Every blank release notebook, run top to bottom once (three kernels at a time)."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {a: pool.submit(_execute, a) for a in ASSIGNMENTS}
    return futures


def _ran(executed, assignment):
    return executed[assignment].result()


@pytest.fixture(scope="module")
def releases() -> dict[str, object]:
    return {a: release_nb(a) for a in ASSIGNMENTS}


def _answers(assignment: str) -> dict[str, object]:
    return literal_answers(source_nb(assignment), hidden_answer_names(assignment))


# ----------------------------------------------------------------- tests ---

@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_graded_quiz_key_in_given_code(assignment):
    assert quiz_key_leaks(release_nb(assignment), _answers(assignment)) == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_graded_questions_show_lettered_options(assignment):
    assert unlettered_questions(release_nb(assignment), _answers(assignment)) == []


def guessable_key(answers: dict[str, object]) -> str | None:
    """Why a notebook's quiz key (q1_answer, q2_answer... in order) can be guessed, or None."""
    names = sorted((n for n in answers if re.fullmatch(r"q\d+_answer", n) and _letter(answers[n])),
                   key=lambda n: int(n[1:-7]))
    key = "".join(_letter(answers[n]) for n in names)
    if len(key) >= 3 and len(set(key)) == 1:
        return f"every answer is {key[0]}"
    if len(key) >= 3 and key in "ABCDEFGH":
        return f"the key is {', '.join(key)} in order"
    return None


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_quiz_key_is_not_a_pattern(assignment):
    assert guessable_key(_answers(assignment)) is None


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_blank_release_outputs_do_not_single_out_a_set_answer(assignment, executed):
    assert set_answer_leaks(_ran(executed, assignment), _answers(assignment)) == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_debug_exercises_do_not_name_their_bugs(assignment, executed):
    assert named_bugs(source_nb(assignment), release_nb(assignment), _ran(executed, assignment)) == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_given_cell_reproduces_a_solution(assignment, releases):
    source = source_nb(assignment)
    solutions = {f"{assignment}:{gid}": code for gid, code in solution_sources(source).items()}
    exempt = {f"{assignment}:{gid}": names
              for gid, names in debug_exemptions(source, releases[assignment]).items()}
    assert copied_solutions(solutions, releases, exempt, frozenset(exercise_names())) == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_docstring_dictates_the_solution(assignment):
    assert docstring_leaks(source_nb(assignment), release_nb(assignment)) == []


# ------------------------------------------- the detectors detect leaks ---

def _nb(*cells):
    """A notebook of ("md" | "code" | "answer" | "test", source[, outputs]) cells."""
    nb = nbformat.v4.new_notebook()
    for kind, text, *outputs in cells:
        if kind == "md":
            nb.cells.append(nbformat.v4.new_markdown_cell(text))
            continue
        cell = nbformat.v4.new_code_cell(text, outputs=outputs[0] if outputs else [])
        if kind in ("answer", "test"):
            cell.metadata["nbgrader"] = {"grade_id": f"c{len(nb.cells)}", "solution": kind == "answer",
                                         "grade": kind == "test", "points": 1}
        nb.cells.append(cell)
    return nb


QUIZ_MD = ("md", "**Q1.** If y = f(g(x)), what is dy/dx according to the chain rule?\n"
                 "- A) dy/dg + dg/dx\n- B) dy/dg × dg/dx\n- C) dy/dg - dg/dx\n- D) (dy/dg) / (dg/dx)")
SOLUTION = """
def mlp_backward(dy_hat, cache):
    \"\"\"Backward pass.\"\"\"
    X, z1, h1, W2 = cache
    ### BEGIN SOLUTION
    dW2 = dy_hat.T @ h1
    db2 = dy_hat.sum(axis=0)
    delta1 = (dy_hat @ W2) * (z1 > 0)
    dW1 = delta1.T @ X
    db1 = delta1.sum(axis=0)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    ### END SOLUTION
"""


def test_self_check_a_given_quiz_key_is_caught():
    release = _nb(QUIZ_MD, ("code", 'quiz("Q1. If y = f(g(x)), what is dy/dx by the chain rule?",\n'
                                    '     ["A) +", "B) ×", "C) -", "D) /"], "B")'),
                  ("answer", "# YOUR CODE HERE\nraise NotImplementedError()"))
    table = _nb(QUIZ_MD, ("code", 'for q, opts, key in [("If y = f(g(x)), what is dy/dx according to the chain rule?",'
                                  ' ["+", "×"], 1)]:\n    quiz(q, opts, key)'))
    answers = {"q1_answer": "B"}
    assert len(quiz_key_leaks(release, answers)) == 1
    assert len(quiz_key_leaks(table, answers)) == 1
    practice = _nb(QUIZ_MD, ("code", 'quiz("Which rule multiplies derivatives of nested functions?", ["A) sum", "B) chain"], "B")'))
    assert quiz_key_leaks(practice, answers) == []
    assert unlettered_questions(release, answers) == []
    assert guessable_key({"q1_answer": "A", "q2_answer": "B", "q3_answer": "C", "q4_answer": "D"})
    assert guessable_key({"q1_answer": "B", "q2_answer": "D", "q3_answer": "A"}) is None
    assert len(unlettered_questions(_nb(("md", "**Q1.** Which?\n- one\n- two")), answers)) == 1


def test_self_check_an_output_singling_out_the_set_answer_is_caught():
    lines = "W1: ok\nW2: <-- WRONG\nb1: passed=False\nb2: ok\n"
    executed = _nb(("code", "check()", [nbformat.v4.new_output("stream", name="stdout", text=lines)]))
    answers = {"buggy_params": {"W2", "b1"}}
    assert len(set_answer_leaks(executed, answers)) == 1
    all_fail = "W1: False\nW2: False\nb1: False\nb2: False\n"
    blank = _nb(("code", "check()", [nbformat.v4.new_output("stream", name="stdout", text=all_fail)]))
    assert set_answer_leaks(blank, answers) == []


def test_self_check_a_named_bug_is_caught():
    buggy = SOLUTION.replace("mlp_backward", "buggy_backward").replace("(z1 > 0)", "(z1 >= 0)")
    buggy = _MARKER.sub("", buggy).replace("dW2 = dy_hat.T", "delta2 = -dy_hat\n    dW2 = delta2.T")
    fixed = SOLUTION.replace("mlp_backward", "fixed_backward").replace('"""Backward pass."""',
                                                                        '"""buggy_backward, fixed."""')
    source = _nb(("answer", fixed))
    release = _nb(("code", buggy), ("md", "Find the two bugs of `buggy_backward`."), ("answer", "raise NotImplementedError()"))
    assert named_bugs(source, release, release) == []
    told = _nb(("code", buggy), ("md", "Hint: `delta1` uses `>=` where it should be `>`."))
    assert len(named_bugs(source, told, told)) == 1


def test_self_check_a_copied_solution_is_caught():
    renamed = """
def helper(g, stash):
    A, Z, H, V = stash
    gW = g.T @ H
    gb = g.sum(0)
    gz = (g @ V) * (Z > 0)
    return gW, gb, gz
"""
    release = _nb(("code", renamed))
    assert len(copied_solutions({"04:mlp_backward": SOLUTION}, {"04": release})) == 1
    different = _nb(("code", "def forward(X, W):\n    z = X @ W.T\n    h = np.tanh(z)\n    return h.mean()"))
    assert copied_solutions({"04:mlp_backward": SOLUTION}, {"04": different}) == []
    inline = _nb(("md", "So `dW2 = G.T @ h1`, `db2 = G.sum(axis=0)` and `d1 = (G @ W2) * (z1 > 0)`."))
    assert len(copied_solutions({"04:mlp_backward": SOLUTION}, {"04": inline})) == 1
    hint = _nb(("md", "<details><summary>Hint 3</summary>\n\n`dW2 = G.T @ h1`, `db2 = G.sum(axis=0)`, "
                      "`d1 = (G @ W2) * (z1 > 0)`\n</details>"))
    assert copied_solutions({"04:mlp_backward": SOLUTION}, {"04": hint}) == []
    calls = _nb(("code", "with needs():\n    a = mlp_backward(g, c)\n    b = linear_forward(a, W)\n"
                         "    d = mlp_backward(b, c)"))
    two_step = 'def t(g, c):\n    a = mlp_backward(g, c)\n    b = linear_forward(a, W)\n    d = mlp_backward(b, c)'
    assert len(copied_solutions({"t": two_step}, {"04": calls})) == 1
    assert copied_solutions({"t": two_step}, {"04": calls}, allowed=frozenset({"mlp_backward", "linear_forward"})) == []
    fixer = _nb(("code", renamed.replace("helper", "buggy_backward")))
    assert copied_solutions({"04:fixed": SOLUTION}, {"04": fixer}, {"04:fixed": {"buggy_backward"}}) == []


def test_self_check_a_docstring_with_the_result_is_caught():
    source = _nb(("answer", "def mae(y_hat, y):\n    ### BEGIN SOLUTION\n    diff = np.asarray(y_hat) - y\n"
                            "    n = diff.size\n    g = np.sign(diff) / n\n    return float(np.mean(np.abs(diff))), g\n"
                            "    ### END SOLUTION"))
    leaky = _nb(("answer", 'def mae(y_hat, y):\n    """MAE.\n\n    Returns\n    -------\n    dy : array\n'
                           '        sign(p - t) / N, and 0 where equal.\n    """\n    raise NotImplementedError()'))
    told = _nb(("answer", 'def mae(y_hat, y):\n    """MAE.\n\n    dL/dy_hat = (y_hat > y) - (y_hat < y) / n\n    """'))
    fine = _nb(("answer", 'def mae(y_hat, y):\n    """MAE and its gradient, shape (N, C), like y_hat."""'))
    assert len(docstring_leaks(source, leaky)) == 1
    assert len(docstring_leaks(source, told)) == 1
    assert docstring_leaks(source, fine) == []
