"""Clean-room regrade: a test passes only if it passes on the student's definitions alone.

After nbgrader's ``Execute`` ran the submission, :class:`CleanRoom` starts
one fresh kernel in an empty scratch folder (sandboxed, see
:mod:`.sandbox`) and runs, in notebook order:

- the locked cells that are not tests (setup, data), as they are;
- each answer cell reduced to its definitions (:func:`reduce_answer`):
  ``def``/``class``, imports of plain libraries and constant assignments
  such as ``q1_answer = "B"``; nothing else a student wrote runs, so no
  top-level statement can patch NumPy, register an IPython hook or read a
  file before the tests;
- each graded test cell (as restored from the gradebook), followed by
  :func:`.guard.check`, which verifies that NumPy, builtins,
  ``course_utils``, the interpreter and IPython hooks and the names of the
  locked cells are the very objects they were.

A test cell keeps its points only if it passed in the notebook AND in the
clean room with the guard intact; after the first broken check every later
test fails too (the state can no longer be trusted). A failure appends an
``IntegrityError`` output to the cell in the autograded notebook, so that
nbgrader's own ``SaveAutoGrades`` scores it 0 and the feedback says why.
Test cells that already failed in the notebook are not rerun.
"""
from __future__ import annotations

import ast
import os
import secrets
import shutil
import tempfile
import time

from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer, Unicode

from . import guard
from .sandbox import SandboxedKernelManager, sandbox_mode
from .screen import cell_label, is_student_cell

# Importing a module cannot tamper with anything by itself (the clean room's
# folder holds no student file to import); these two open a browser or print.
DENIED_IMPORTS = {"antigravity", "this"}
# NumPy calls allowed in a constant assignment (EPS = np.finfo(float).eps, rng = np.random.default_rng(0)).
_NUMPY_ROOTS = {"np", "numpy", "math"}
_NUMPY_FORBIDDEN = {"load", "loadtxt", "genfromtxt", "fromfile", "memmap", "save", "savez", "savez_compressed",
                    "savetxt", "tofile", "ctypeslib", "lib", "testing", "DataSource", "fromregex", "frompyfunc",
                    "seterrcall", "set_printoptions", "setbufsize", "show_config"}
_SAFE_NODES = (ast.Constant, ast.Name, ast.Load, ast.Attribute, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare,
               ast.Tuple, ast.List, ast.Set, ast.Dict, ast.operator, ast.unaryop, ast.boolop, ast.cmpop,
               ast.keyword, ast.Call, ast.Starred)


def _safe_call(node: ast.Call) -> bool:
    parts = []
    func = node.func
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    return (isinstance(func, ast.Name) and func.id in _NUMPY_ROOTS and bool(parts)
            and not any(p in _NUMPY_FORBIDDEN or p.startswith("_") for p in parts))


def safe_expression(node: ast.AST | None) -> bool:
    """True for expressions that cannot run student code or change state.

    Constants, names, non-underscore attributes, arithmetic, containers and
    calls of NumPy / ``math`` functions (bar file access) on such arguments.
    """
    if node is None:
        return True
    for sub in ast.walk(node):
        if not isinstance(sub, _SAFE_NODES):
            return False
        if isinstance(sub, ast.Attribute) and sub.attr.startswith("_"):
            return False
        if isinstance(sub, ast.Name) and sub.id.startswith("__"):
            return False
        if isinstance(sub, ast.Call) and not _safe_call(sub):
            return False
    return True


def _strip_annotations(args: ast.arguments) -> None:
    # Annotations are evaluated when the function is defined: they could run code.
    for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
        if arg is not None:
            arg.annotation = None


def _reduce_body(body: list[ast.stmt], dropped: list[str], in_class: bool = False) -> list[ast.stmt]:
    kept: list[ast.stmt] = []
    for node in body:
        what = f"line {node.lineno}: {type(node).__name__}"
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            defaults = [*node.args.defaults, *[d for d in node.args.kw_defaults if d is not None]]
            if not all(safe_expression(d) for d in defaults):
                dropped.append(f"{what} {node.name} (default value runs code)")
                continue
            kept_decorators = [d for d in node.decorator_list if safe_expression(d)
                               and not isinstance(d, ast.Call)]
            if len(kept_decorators) != len(node.decorator_list):
                dropped.append(f"{what} {node.name}: decorator")
            node.decorator_list = kept_decorators
            _strip_annotations(node.args)
            node.returns = None
            kept.append(node)
        elif isinstance(node, ast.ClassDef):
            if node.keywords or not all(safe_expression(b) and not isinstance(b, ast.Call) for b in node.bases):
                dropped.append(f"{what} {node.name} (bases or metaclass run code)")
                continue
            node.decorator_list = [d for d in node.decorator_list if safe_expression(d)
                                   and not isinstance(d, ast.Call)]
            node.body = _reduce_body(node.body, dropped, in_class=True) or [ast.Pass()]
            kept.append(node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if getattr(node, "level", 0) == 0 and not any(m.split(".")[0] in DENIED_IMPORTS for m in modules):
                kept.append(node)
            else:
                dropped.append(f"{what} {', '.join(modules)}")
        elif isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets) \
                and safe_expression(node.value):
            kept.append(node)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None \
                and safe_expression(node.value):
            kept.append(ast.Assign(targets=[node.target], value=node.value, lineno=node.lineno))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring or a bare literal
        elif isinstance(node, ast.Pass):
            continue
        else:
            dropped.append(what)
    return kept


def reduce_answer(source: str) -> tuple[str, list[str]]:
    """An answer cell reduced to what may run before the tests.

    Parameters
    ----------
    source : str
        The answer cell's code (IPython magics allowed).

    Returns
    -------
    code : str
        Function and class definitions (annotations and unsafe decorators
        removed), imports and assignments of constant expressions, in
        their order.
    dropped : list of str
        What was left out, for the report.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        from IPython.core.inputtransformer2 import TransformerManager
        try:
            tree = ast.parse(TransformerManager().transform_cell(source))
        except (SyntaxError, ValueError) as err:
            return "", [f"the cell does not parse: {err}"]
    dropped: list[str] = []
    body = _reduce_body(tree.body, dropped)
    return ast.unparse(ast.fix_missing_locations(ast.Module(body=body, type_ignores=[]))), dropped


def _is_test(cell: NotebookNode) -> bool:
    return (cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)
            and not is_student_cell(cell))


def _failed(cell: NotebookNode) -> bool:
    return any(o.output_type == "error" for o in cell.get("outputs", []))


def _error_output(ename: str, evalue: str) -> NotebookNode:
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class CleanRoom(NbGraderPreprocessor):
    """Autograde-stage preprocessor: rerun the tests on the student's definitions only.

    Place it after ``Execute`` (and ``IgnorePattern``) and before
    ``SaveAutoGrades``. Writes ``nb.metadata.integrity.cleanroom``.
    """

    timeout = Integer(60, help="Seconds per cell in the clean room.").tag(config=True)
    kernel_name = Unicode("python3", help="Kernel of the clean room.").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        report = nb.metadata.setdefault("integrity", {})
        candidates = [c for c in nb.cells if _is_test(c) and not _failed(c)]
        if not candidates or report.get("kernel_died"):
            report["cleanroom"] = {"ran": False, "reason": "no test cell passed in the notebook"}
            return nb, resources
        start = time.perf_counter()
        root = self.config.CourseDirectory.get("root") or os.getcwd()
        source = os.path.join(root, self.config.CourseDirectory.get("source_directory", "source"),
                              resources["nbgrader"]["assignment"])
        try:
            verdicts, dropped = self._run(nb, source)
        except Exception as err:  # fail closed: a test nobody could verify earns nothing
            self.log.exception("INTEGRITY: the clean room failed; passing tests are scored 0")
            why = f"the clean-room regrade could not run ({type(err).__name__}: {err}); ask your TA to regrade"
            verdicts = {i: why for i, c in enumerate(nb.cells) if _is_test(c)}
            dropped = {}
        failures = {}
        for i, cell in enumerate(nb.cells):
            if _is_test(cell) and not _failed(cell) and verdicts.get(i) is not None:
                failures[cell_label(cell, i)] = verdicts[i]
                cell.outputs.append(_error_output("IntegrityError", verdicts[i]))
        report["cleanroom"] = {"ran": True, "seconds": round(time.perf_counter() - start, 3),
                               "sandbox": sandbox_mode(), "failed": failures, "dropped": dropped}
        return nb, resources

    def _run(self, nb: NotebookNode, source: str) -> tuple[dict[int, str | None], dict[str, list[str]]]:
        """Run the clean room; original test cell index -> None (passed) or why it failed."""
        # Loaded from its file: importing the package would load nbgrader into the kernel (seconds).
        cells = [new_code_cell(
            "import importlib.util as _u\n"
            f"_s = _u.spec_from_file_location('_course_guard', {guard.__file__!r})\n"
            "_course_guard = _u.module_from_spec(_s)\n_s.loader.exec_module(_course_guard)\n"
            "del _u, _s\n_course_guard.install(get_ipython())")]
        roles: list[tuple[str, int, str]] = []  # (role, original index, nonce) of each clean cell
        dropped: dict[str, list[str]] = {}
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            nonce = secrets.token_hex(8)
            if _is_test(cell):
                if _failed(cell):
                    continue
                cells += [new_code_cell(cell.source), new_code_cell(f"_course_guard.check({nonce!r})")]
                roles += [("test", i, nonce), ("check", i, nonce)]
            elif is_student_cell(cell):
                code, lost = reduce_answer(cell.source)
                if lost:
                    dropped[cell_label(cell, i)] = lost
                cells += [new_code_cell(code), new_code_cell(f"_course_guard.check({nonce!r})")]
                roles += [("answer", i, nonce), ("check", i, nonce)]
            else:
                cells += [new_code_cell(cell.source), new_code_cell("_course_guard.settle()")]
                roles += [("locked", i, nonce), ("settle", i, nonce)]
        clean = new_notebook(cells=cells, metadata={"kernelspec": {
            "name": self.kernel_name, "display_name": self.kernel_name, "language": "python"}})
        verdicts = self._execute(clean, roles, source)
        return verdicts, dropped

    def _execute(self, clean: NotebookNode, roles: list[tuple[str, int, str]],
                 source: str) -> dict[int, str | None]:
        scratch = tempfile.mkdtemp(prefix="cleanroom-")
        # The instructor's data files, and nothing a student submitted or any notebook.
        for name in os.listdir(source) if os.path.isdir(source) else []:
            path = os.path.join(source, name)
            if os.path.isfile(path) and not name.endswith(".ipynb"):
                shutil.copy(path, scratch)
        client = NotebookClient(clean, timeout=self.timeout, interrupt_on_timeout=True, allow_errors=True,
                                shutdown_kernel="immediate",
                                kernel_name=self.kernel_name, resources={"metadata": {"path": scratch}},
                                kernel_manager_class=SandboxedKernelManager,
                                error_on_timeout={"ename": "CellTimeoutError", "evalue": "timed out",
                                                  "traceback": []})
        client.km = client.create_kernel_manager()
        client.km.hide = self.config.CourseDirectory.get("root") or os.getcwd()
        verdicts: dict[int, str | None] = {}
        broken: str | None = None
        try:
            with client.setup_kernel(cwd=scratch):
                for index, cell in enumerate(clean.cells):
                    client.execute_cell(cell, index)
                    if index == 0:
                        if _failed(cell):
                            broken = "the clean room could not start its integrity guard"
                        continue
                    role, original, nonce = roles[index - 1]
                    if role == "test" and original not in verdicts:
                        verdicts[original] = broken or self._test_failure(cell)
                    elif role == "check":
                        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
                        if broken is None and text.strip() != f"INTEGRITY {nonce} OK":
                            why = text.strip().replace(f"INTEGRITY {nonce} BROKEN: ", "") or "the check was silenced"
                            broken = ("your code changed what the tests rely on (NumPy, builtins, course_utils, "
                                      f"IPython hooks or names from locked cells): {why}"[:500])
                        if broken and original in verdicts:
                            verdicts[original] = verdicts[original] or broken
        except (DeadKernelError, CellTimeoutError):
            broken = broken or "the kernel died or stopped answering while testing your definitions"
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        for _, original, _ in roles:
            if original not in verdicts and any(r == "test" and o == original for r, o, _ in roles):
                verdicts[original] = broken or "the clean room did not reach this test"
        return verdicts

    @staticmethod
    def _test_failure(cell: NotebookNode) -> str | None:
        for output in cell.outputs:
            if output.output_type == "error":
                return ("this test passes only with code outside your function definitions (only `def`, "
                        "`class`, imports and constant assignments run when grading); without it: "
                        f"{output.ename}: {output.evalue}"[:500])
        return None
