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
from nbgrader.preprocessors import NbGraderPreprocessor

# Names whose mere use in an answer is worth a look.
NAMES = {
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
    "__dict__": "__dict__", "__globals__": "__globals__", "__code__": "__code__", "__closure__": "__closure__",
    "__builtins__": "__builtins__", "__subclasses__": "__subclasses__", "__setattr__": "__setattr__",
    "__delattr__": "__delattr__", "__import__": "__import__", "__bases__": "__bases__", "__mro__": "__mro__",
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

    def flag(node: ast.AST, what: str) -> Flag:
        line = getattr(node, "lineno", 1)
        return Flag(cell, line, what, lines[line - 1].strip()[:160] if 0 < line <= len(lines) else "")

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return [Flag(cell, i + 1, f"pattern {m.group(0)!r} (cell does not parse)", text.strip()[:160])
                for i, text in enumerate(lines) for m in [_REGEX.search(text)] if m]
    modules = set(protected)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            modules.update(a.asname or a.name for a in node.names)
    flags = []
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
    # Only top-level statements can rebind what the locked cells defined.
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in protected:
            flags.append(flag(node, f"redefines `{node.name}` from a locked cell"))
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for sub in (s for t in targets for s in ast.walk(t)):
                if isinstance(sub, ast.Name) and sub.id in protected:
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
    """A code cell whose content the student controls (answer or added cell)."""
    return cell.cell_type == "code" and (utils.is_solution(cell) or not utils.is_locked(cell))


def cell_label(cell: NotebookNode, index: int) -> str:
    """The cell's grade_id, or its position for cells without one."""
    return cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}"


class IntegrityScreen(NbGraderPreprocessor):
    """Sanitize-stage preprocessor: scan every student cell, record the flags.

    Runs after ``OverwriteCells``, so locked cells are already restored from
    the gradebook. Stores ``nb.metadata.integrity = {"flags": [...]}``.
    """

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        # Names of the locked cells that are not tests (setup): the tests rely on them.
        protected = frozenset(name for cell in nb.cells if cell.cell_type == "code" and not is_student_cell(cell)
                              and not utils.is_grade(cell) for name in defined_names(cell.source))
        flags = [flag for i, cell in enumerate(nb.cells) if is_student_cell(cell)
                 for flag in scan(cell.source, cell_label(cell, i), protected)]
        nb.metadata["integrity"] = {"flags": [asdict(f) for f in flags]}
        who = f"{resources['nbgrader']['student']}/{resources['nbgrader']['notebook']}"
        for f in flags:
            self.log.warning("INTEGRITY %s: %s, line %d: %s: %s", who, f.cell, f.line, f.construct, f.code)
        return nb, resources
