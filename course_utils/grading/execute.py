"""``JudgedExecute``: nbgrader's ``Execute`` with student code sandboxed and verdicts kept out of it.

The student's cells run, in order, in a Jupyter kernel inside a bubblewrap
sandbox (:mod:`.sandbox`). A graded test cell is never sent to that
kernel: its source is taken from the gradebook, and it runs here, in the
nbgrader process, with the hidden tests of ``hidden_tests/<assignment>.py``
(:mod:`.verdict`), against proxies of the student's names
(:mod:`.proxy`). The verdict becomes the cell's output (a stream when it
passed, an error when it failed), which nbgrader's ``SaveAutoGrades`` turns
into the score as usual.

A cell that runs too long is interrupted and fails on its own. A kernel
that dies scores 0 in every graded cell from there on, and the run goes on
with the next student. No sandbox on this machine: grading refuses, unless
``--JudgedExecute.unsafe_no_sandbox=True`` (``backprop-course grade
--unsafe-no-sandbox``), which every ``integrity.json`` then records.
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import time
from functools import lru_cache
from pathlib import Path
from types import ModuleType

from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.preprocessors import Execute
from traitlets import Bool

from . import sandbox
from .answers import read_answers
from .proxy import Channel, KernelGone, KernelNotebook, StudentError
from .verdict import Verdict, hidden_function, judge_cell, load_hidden

KERNEL_DIED = ("the Python kernel died or stopped answering{where} (os._exit, a crash, running out of memory, "
               "or code that broke the kernel), so the graded cells from there on score 0")
# Files of the submission folder the kernel never gets, even read-only.
PRIVATE = {"integrity.json", "timestamp.txt"}


class SandboxRefused(RuntimeError):
    """No sandbox can be made and the TA did not pass --unsafe-no-sandbox."""


class SandboxedKernelManager(AsyncKernelManager):
    """Starts the kernel inside the sandbox, talking over ipc sockets in `conn_dir`."""

    conn_dir: str = ""
    files: list[str] = []
    sandboxed: bool = True

    async def _async_pre_start_kernel(self, **kw):
        kw["env"] = {k: v for k, v in (kw.get("env") or os.environ).items() if k != "JPY_PARENT_PID"}
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        if os.geteuid() == 0:  # the kernel, as the sandbox uid, must read its connection file
            os.chown(self.connection_file, sandbox.SANDBOX_UID, sandbox.SANDBOX_UID)
        if self.sandboxed:
            cmd = sandbox.sandbox_command(cmd, self.conn_dir, self.files)
            kw.pop("cwd", None)
        # The kernel's own console chatter ("To connect another client ...") is not the TA's business.
        kw["stdout"] = kw["stderr"] = subprocess.DEVNULL
        return cmd, kw


@lru_cache(maxsize=None)
def _hidden(course_root: str, assignment: str, mtime: float) -> ModuleType | None:
    """The hidden tests, imported once per process (the grader never runs student code)."""
    return load_hidden(course_root, assignment)


def _data_files(folder: str) -> list[str]:
    """The regular files beside the notebook that the kernel may read: never a link or a device."""
    files = []
    for entry in os.scandir(folder):
        info = entry.stat(follow_symlinks=False)
        if stat.S_ISREG(info.st_mode) and not entry.name.endswith(".ipynb") and entry.name not in PRIVATE:
            files.append(entry.path)
    return files


class JudgedExecute(Execute):
    """Run student cells in the sandbox; judge graded test cells in this process."""

    unsafe_no_sandbox = Bool(False, help="Grade with kernels that are not sandboxed (recorded in "
                                         "integrity.json). Only for machines where bubblewrap cannot run."
                             ).tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        km.transport, km.ip = "ipc", os.path.join(self._conn_dir, "kernel")
        km.connection_file = os.path.join(self._conn_dir, "kernel.json")
        km.conn_dir, km.files, km.sandboxed = self._conn_dir, self._files, self._sandboxed
        # Interrupt by message: a signal to bwrap would not reach the kernel in its pid namespace.
        km.kernel_spec.interrupt_mode = "message"
        return km

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        problem = sandbox.sandbox_problem()
        if problem and not self.unsafe_no_sandbox:
            raise SandboxRefused(f"NO SANDBOX: student code would run unconfined, so nothing is graded: {problem}. "
                                 "Install bubblewrap, or pass --unsafe-no-sandbox to grade without one.")
        self._sandboxed = problem is None
        info = resources["nbgrader"]
        root = self.config.CourseDirectory.get("root") or os.getcwd()
        path = Path(root) / "hidden_tests" / f"{info['assignment']}.py"
        self._module = _hidden(str(root), info["assignment"], path.stat().st_mtime if path.exists() else 0.0)
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            self._tests = {c.name: c.source for c in notebook.source_cells if c.cell_type == "code"}
        self._answers = read_answers(
            [c.source for c in nb.cells if c.cell_type == "code" and utils.is_solution(c)],
            getattr(self._module, "ANSWERS", {}))
        self._conn_dir = sandbox.connection_dir()
        self._files = _data_files(resources.get("metadata", {}).get("path") or os.getcwd())
        self._channel: Channel | None = None
        self._died: str | None = None
        self._errors: list[str] = []
        self._judge_seconds = 0.0
        started = time.monotonic()
        try:
            nb, resources = super().preprocess(nb, resources)
        except DeadKernelError:  # raised when nbclient shuts a dead kernel down: the cells are marked
            self._died = self._died or ""
        finally:
            if self._channel is not None:
                self._channel.client.stop_channels()
            sandbox.remove_connection_dir(self._conn_dir)
        nb = getattr(self, "nb", None) or nb
        integrity = nb.metadata.setdefault("integrity", {})
        integrity.update(sandbox="bwrap" if self._sandboxed else "none (unsafe-no-sandbox)",
                         kernel_died=self._died is not None, errors=self._errors,
                         seconds=round(time.monotonic() - started, 2), judge_seconds=round(self._judge_seconds, 2))
        if not self._sandboxed:
            self.log.warning("%s/%s graded WITHOUT a sandbox (--unsafe-no-sandbox)", info["student"], info["notebook"])
        if self._died is not None:
            self.log.error("%s/%s: %s", info["student"], info["notebook"], self._errors[-1] if self._errors else "")
        return nb, resources

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict, index: int):
        if cell.cell_type != "code":
            return cell, resources
        is_test = utils.is_grade(cell) and not utils.is_solution(cell)
        if self._died is not None:
            cell.outputs = []
            if is_test:
                cell.outputs.append(_error("KernelDied", self._errors[-1]))
            return cell, resources
        if is_test:
            cell.outputs = self._judge(cell, index)
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except (DeadKernelError, CellTimeoutError):
            # CellTimeoutError escapes only when the kernel stopped answering on IOPub
            # (a plain timeout is interrupted and recorded as an error in the cell).
            self._kernel_died(f" while running cell {index}")
            return cell, resources

    def _kernel_died(self, where: str) -> None:
        self._died = where
        self._errors.append(KERNEL_DIED.format(where=where))

    def _judge(self, cell: NotebookNode, index: int) -> list[NotebookNode]:
        grade_id = cell.metadata.nbgrader.get("grade_id", "")
        if grade_id not in self._tests:
            return [_error("UnknownTest", f"{grade_id!r} is not a test cell of this assignment")]
        started = time.monotonic()
        try:
            channel = self._connect()
            channel.begin(self.timeout or 60)
            verdict = judge_cell(self._tests[grade_id], hidden_function(self._module, grade_id),
                                 KernelNotebook(channel, self._answers))
            channel.stop()
        except KernelGone as error:
            self._kernel_died(f" while grading {grade_id} ({error})")
            verdict = Verdict(False, "", "KernelDied", self._errors[-1])
        except StudentError as error:
            verdict = Verdict(False, "", "GradingError", str(error))
        self._judge_seconds += time.monotonic() - started
        if "timed out" in verdict.evalue:
            self._errors.append(f"{grade_id}: {verdict.evalue}")
        outputs = [new_output("stream", name="stdout", text=verdict.stdout)] if verdict.stdout else []
        if not verdict.passed:
            outputs.append(_error(verdict.ename, verdict.evalue))
        return outputs

    def _connect(self) -> Channel:
        """A blocking client of the kernel, with the grader's end installed in it (once)."""
        if self._channel is None:
            client = BlockingKernelClient()
            client.load_connection_info(self.km.get_connection_info())
            client.start_channels(shell=True, iopub=False, stdin=True, hb=False, control=False)
            self._channel = Channel(client, alive=run_sync(self.km.is_alive),
                                    interrupt=run_sync(self.km.interrupt_kernel))
            self._channel.begin(30)
            self._channel.install()
        return self._channel


def _error(ename: str, evalue: str) -> NotebookNode:
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])
