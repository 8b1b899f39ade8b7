"""Static screen: flag code in answer cells that could tamper with grading.

Flags are advice for the TA, not a verdict: the clean room decides the
score. They are recorded in the notebook metadata (``integrity.flags``)
and end up in ``integrity.json`` beside the autograded notebook.
"""
from __future__ import annotations

import ast
import re
from dataclasses import asdict, dataclass

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor

# No exercise of the course needs complex numbers; f(x + ih).imag / h is a
# derivative exact to rounding that no test of values can tell from a derived one.
COMPLEX_STEP = "complex arithmetic (complex-step derivative?)"
# Names whose mere use in an answer is worth a look.
NAMES = {
    "complex": COMPLEX_STEP,
    "get_ipython": "IPython shell access", "exec": "exec", "eval": "eval", "compile": "compile",
    "__import__": "__import__", "__builtins__": "__builtins__", "globals": "globals()", "locals": "locals()",
    "vars": "vars()", "setattr": "setattr", "delattr": "delattr", "open": "file access (open)",
    "breakpoint": "breakpoint", "In": "cell history (In)", "Out": "cell history (Out)", "_ih": "cell history",
    "_oh": "cell history", "_i": "cell history", "_ii": "cell history", "_iii": "cell history",
}
# Attributes that reach into the interpreter, IPython or the file system.
ATTRIBUTES = {
    "input_transformers_cleanup": "IPython input transformer", "input_transformers_post": "IPython input transformer",
    "input_transformer_manager": "IPython input transformer", "ast_transformers": "IPython AST transformer",
    "set_custom_exc": "IPython custom exception handler", "custom_exceptions": "IPython custom exception handler",
    "events": "IPython event callbacks", "register": "callback registration", "showtraceback": "IPython traceback",
    "run_cell": "IPython run_cell", "user_ns": "IPython namespace", "modules": "sys.modules",
    "_getframe": "frame access", "f_back": "frame access", "f_globals": "frame access", "f_locals": "frame access",
    "f_builtins": "frame access", "tb_frame": "frame access", "stack": "inspect.stack", "currentframe": "frame access",
    "settrace": "tracing hook", "setprofile": "tracing hook", "addaudithook": "audit hook",
    "excepthook": "exception hook", "displayhook": "display hook", "meta_path": "import hook",
    "_exit": "os._exit", "kill": "process control", "abort": "process control", "system": "shell command",
    "popen": "shell command", "walk": "directory walk", "listdir": "directory listing", "scandir": "directory listing",
    "get_referrers": "gc introspection", "get_objects": "gc introspection",
    "seterr": "NumPy warnings silenced (np.seterr)", "errstate": "NumPy warnings silenced (np.errstate)",
    "filterwarnings": "warnings silenced", "simplefilter": "warnings silenced",
    "__dict__": "__dict__", "__globals__": "__globals__", "__code__": "__code__", "__closure__": "__closure__",
    "__builtins__": "__builtins__", "__subclasses__": "__subclasses__", "__setattr__": "__setattr__",
    "__delattr__": "__delattr__", "__import__": "__import__", "__bases__": "__bases__", "__mro__": "__mro__",
    "imag": COMPLEX_STEP, "complex64": COMPLEX_STEP, "complex128": COMPLEX_STEP, "cdouble": COMPLEX_STEP,
    "csingle": COMPLEX_STEP, "clongdouble": COMPLEX_STEP,
}
MODULES = {
    "builtins": "import builtins", "sys": "import sys", "os": "import os", "pathlib": "file access (pathlib)",
    "io": "file access (io)", "sqlite3": "sqlite3", "glob": "glob", "shutil": "shutil", "ctypes": "ctypes",
    "gc": "gc", "inspect": "inspect", "importlib": "importlib", "subprocess": "subprocess", "pickle": "pickle",
    "marshal": "marshal", "IPython": "IPython", "traitlets": "traitlets", "atexit": "atexit", "signal": "signal",
    "threading": "threading", "multiprocessing": "multiprocessing", "socket": "socket", "types": "types",
    "nbformat": "nbformat", "nbgrader": "nbgrader", "json": "json (reading notebooks?)", "codecs": "codecs",
    "fileinput": "file access", "linecache": "linecache", "tokenize": "tokenize", "weakref": "weakref",
    "unittest": "unittest.mock", "resource": "resource limits",
}
# Submodules of flagged packages that notebooks use honestly.
HARMLESS_MODULES = {"IPython.display", "os.path"}
# Regex fallback for cells that do not parse.
_REGEX = re.compile(
    r"get_ipython|input_transformers|ast_transformers|set_custom_exc|events\.register|__builtins__|"
    r"\bimport\s+builtins|\bsys\.modules|\bopen\(|pathlib|sqlite3|\bglob\b|os\.walk|os\.listdir|\bexec\(|"
    r"\beval\(|\bcompile\(|__import__|ctypes|gc\.get_referrers|inspect\.|_getframe|os\._exit|setattr\("
)


@dataclass
class Flag:
    """One suspicious construct in one cell."""

    cell: str
    line: int
    construct: str
    code: str


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def scan(source: str, cell: str = "", protected: frozenset[str] = frozenset()) -> list[Flag]:
    """Flag tampering constructs in one cell's code.

    Parameters
    ----------
    source : str
        The cell's code.
    cell : str
        How to name the cell in the flags (its grade_id, or ``"cell 7"``).
    protected : frozenset of str
        Names defined by the locked cells (``np``, ``assert_close``, ...);
        rebinding one of them, or assigning to an attribute of one, is flagged.

    Returns
    -------
    list of Flag
        One flag per construct and line, in source order.
    """
    lines = source.splitlines()
    # Magics and shell escapes are not Python: blank them (and flag them) so the rest still parses.
    magic = re.compile(r"^(\s*)[%!].*$", re.M)
    magics = [Flag(cell, source.count("\n", 0, m.start()) + 1, "IPython magic or shell command",
                   m.group(0).strip()[:160]) for m in magic.finditer(source)]
    source = magic.sub(lambda m: m.group(1) + "pass", source)

    def flag(node: ast.AST, what: str) -> Flag:
        line = getattr(node, "lineno", 1)
        return Flag(cell, line, what, lines[line - 1].strip()[:160] if 0 < line <= len(lines) else "")

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return magics + [Flag(cell, i + 1, f"pattern {m.group(0)!r} (cell does not parse)", text.strip()[:160])
                         for i, text in enumerate(lines) for m in [_REGEX.search(text)] if m]
    modules = set(protected)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            modules.update(a.asname or a.name for a in node.names)
    flags = magics
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in NAMES:
            flags.append(flag(node, NAMES[node.id]))
        elif isinstance(node, ast.Attribute) and node.attr in ATTRIBUTES:
            flags.append(flag(node, ATTRIBUTES[node.attr]))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in names:
                if name.split(".")[0] in MODULES and name not in HARMLESS_MODULES:
                    flags.append(flag(node, MODULES[name.split(".")[0]]))
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for sub in (s for t in targets for s in ast.walk(t)):
                if isinstance(sub, (ast.Attribute, ast.Subscript)) and _root_name(sub) in modules:
                    flags.append(flag(sub, f"assignment into module or setup object `{_root_name(sub)}`"))
                    break
        elif isinstance(node, ast.Global):
            flags.append(flag(node, "global statement"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, complex):
            flags.append(flag(node, COMPLEX_STEP))
    # Only top-level statements can rebind what the locked cells defined.
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in protected:
            flags.append(flag(node, f"redefines `{node.name}` from a locked cell"))
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for sub in (s for t in targets for s in ast.walk(t)):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store) and sub.id in protected:
                    flags.append(flag(sub, f"rebinds `{sub.id}` from a locked cell"))
    flags.sort(key=lambda f: f.line)
    return flags


def defined_names(source: str) -> set[str]:
    """Top-level names a (locked) cell defines: imports, assignments, defs."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


def is_student_cell(cell: NotebookNode) -> bool:
    """A code cell whose content the student controls, once nbgrader has sanitized the notebook.

    Only a locked cell with a grade_id is trusted: nbgrader has checked that
    id against the gradebook and restored the source. A cell a student marks
    ``locked`` without an id is still the student's.
    """
    trusted = bool(cell.metadata.get("nbgrader", {}).get("grade_id")) and utils.is_locked(cell)
    return cell.cell_type == "code" and not trusted


def cell_label(cell: NotebookNode, index: int) -> str:
    """The cell's grade_id, or its position for cells without one."""
    return cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}"


def structure_flags(nb: NotebookNode, book: dict[str, dict]) -> list[Flag]:
    """Compare the submitted notebook's nbgrader cells with the gradebook.

    Parameters
    ----------
    nb : NotebookNode
        The notebook as submitted (before nbgrader restores anything).
    book : dict
        grade_id -> ``{"source", "locked", "cell_type", "points"}`` from the gradebook
        (``points`` is None for cells that are not graded).

    Returns
    -------
    list of Flag
        Edited locked cells, deleted or duplicated cells, changed points or
        cell types. nbgrader repairs all of these; the flags tell the TA.
    """
    flags = []
    seen: dict[str, int] = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        grade_id = _grade_id(cell)
        if grade_id not in book:
            continue
        seen[grade_id] = seen.get(grade_id, 0) + 1
        want = book[grade_id]
        if want["locked"] and cell.source.strip() != want["release"].strip():
            flags.append(Flag(grade_id, 0, "locked cell edited", cell.source.strip()[:160]))
        if want["points"] is not None and meta.get("points") is not None \
                and _as_float(meta["points"]) != float(want["points"]):
            flags.append(Flag(grade_id, 0, f"points changed from {want['points']} to {meta['points']}", ""))
        if cell.cell_type != want["cell_type"]:
            flags.append(Flag(grade_id, 0, f"cell type changed to {cell.cell_type}", ""))
        if want["locked"] and not meta.get("locked", False):
            flags.append(Flag(grade_id, 0, "locked cell unlocked", ""))
    for grade_id, want in book.items():
        if want["points"] is not None and grade_id not in seen:
            flags.append(Flag(grade_id, 0, "graded cell deleted", ""))
        elif seen.get(grade_id, 0) > 1:
            flags.append(Flag(grade_id, 0, f"cell appears {seen[grade_id]} times", ""))
    return flags


def _grade_id(cell: NotebookNode) -> str | None:
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    return grade_id if isinstance(grade_id, str) else None


def _as_float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _gradebook_cells(resources: ResourcesDict) -> dict[str, dict]:
    info = resources["nbgrader"]
    with Gradebook(info["db_url"]) as gb:
        notebook = gb.find_notebook(info["notebook"], info["assignment"])
        points = {c.name: c.max_score for c in notebook.grade_cells}
        return {c.name: {"source": c.source, "release": _without_hidden_tests(c.source), "locked": c.locked,
                         "cell_type": c.cell_type, "points": points.get(c.name)} for c in notebook.source_cells}


def _without_hidden_tests(source: str) -> str:
    """A cell's source as released: nbgrader's own ClearHiddenTests, applied to a copy."""
    cell = NotebookNode(cell_type="code", source=source, metadata={})
    ClearHiddenTests()._remove_hidden_test_region(cell)
    return cell.source


def _deduplicate(nb: NotebookNode, log) -> None:
    """Keep the last of cells sharing a grade_id or a cell id; the others become plain cells.

    nbgrader's DeduplicateIds leaves an empty ``nbgrader`` dict on the
    earlier copies, on which OverwriteCells then crashes (KeyError) and the
    student is not graded at all; duplicated cell ids fail validation.
    """
    last = {_grade_id(cell): i for i, cell in enumerate(nb.cells)}
    seen_ids = set()
    for i, cell in enumerate(nb.cells):
        grade_id = _grade_id(cell)
        if grade_id is not None and last[grade_id] != i:
            log.warning("Cell %s appears more than once: an earlier copy becomes an ordinary cell", grade_id)
            del cell.metadata["nbgrader"]
        if "id" in cell:
            while cell["id"] in seen_ids:
                cell["id"] = f"{cell['id']}-{i}"[-64:]
            seen_ids.add(cell["id"])


class IntegrityScreen(NbGraderPreprocessor):
    """Sanitize-stage preprocessor: flag tampering in the submission as handed in.

    Put it first in ``c.Autograde.sanitize_preprocessors`` (before nbgrader
    repairs anything): it compares the nbgrader cells with the gradebook
    (:func:`structure_flags`) and scans every cell the student controls
    (:func:`scan`). Stores ``nb.metadata.integrity = {"flags": [...]}`` and
    logs each flag as a warning.
    """

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        book = _gradebook_cells(resources)
        # The tests rely on what the locked cells that are not tests (setup) define.
        protected = frozenset(name for cell in book.values() if cell["locked"] and cell["points"] is None
                              and cell["cell_type"] == "code" for name in defined_names(cell["source"]))
        flags = structure_flags(nb, book)
        _deduplicate(nb, self.log)
        for i, cell in enumerate(nb.cells):
            grade_id = _grade_id(cell)
            restored = grade_id in book and book[grade_id]["locked"]
            if cell.cell_type == "code" and not restored:
                try:
                    flags += scan(cell.source, cell_label(cell, i), protected)
                except (RecursionError, MemoryError, ValueError) as err:  # e.g. absurdly nested code
                    flags.append(Flag(cell_label(cell, i), 0, f"cell could not be screened ({type(err).__name__})", ""))
        nb.metadata["integrity"] = {"flags": [asdict(f) for f in flags]}
        who = f"{resources['nbgrader']['student']}/{resources['nbgrader']['notebook']}"
        for f in flags:
            self.log.warning("INTEGRITY %s: %s, line %d: %s: %s", who, f.cell, f.line, f.construct, f.code)
        return nb, resources
