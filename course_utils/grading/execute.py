"""nbgrader's ``Execute``, sandboxed, and surviving a kernel that dies.

Plain nbgrader lets ``DeadKernelError`` (and nbclient's IOPub timeout, when
student code broke the kernel's messaging) escape: the student's autograded
folder is removed, no score is written and ``nbgrader autograde`` exits
non-zero after grading the others. :class:`SafeExecute` instead records an
error in every graded cell (the notebook scores 0), notes it in
``nb.metadata.integrity.kernel_died`` and lets the run go on.
"""
from __future__ import annotations

import os

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import Execute
from nbformat.v4 import new_output

from .sandbox import SandboxedKernelManager, sandbox_mode

KERNEL_DIED = ("the Python kernel died or stopped answering while running cell {cell} (os._exit, a crash, "
               "running out of memory, or code that broke the kernel), "
               "so the notebook could not be graded and scores 0")


class SafeExecute(Execute):
    """``Execute`` in a sandbox that hides the course directory; a dead kernel scores 0."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        km.hide = self.config.CourseDirectory.get("root") or os.getcwd()
        return km

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        self._died_at: int | None = None
        mode = sandbox_mode()
        if mode != "unshare":
            self.log.warning("Grading kernels can read the course directory (%s)", mode)
        try:
            nb, resources = super().preprocess(nb, resources)
        except DeadKernelError:
            # Raised when the context manager shuts a dead kernel down; the cells are already marked.
            if self._died_at is None:
                self._died_at = -1
        if self._died_at is not None:
            nb = self.nb if getattr(self, "nb", None) is not None else nb
            message = KERNEL_DIED.format(cell=self._died_at)
            for cell in nb.cells:
                if utils.is_grade(cell) and cell.cell_type == "code":
                    cell.outputs.append(new_output("error", ename="KernelDied", evalue=message,
                                                   traceback=[f"KernelDied: {message}"]))
            nb.metadata.setdefault("integrity", {})["kernel_died"] = message
            self.log.error("%s/%s: %s", resources["nbgrader"]["student"], resources["nbgrader"]["notebook"],
                           message)
        return nb, resources

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict, index: int):
        if self._died_at is not None:
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except (DeadKernelError, CellTimeoutError):
            # CellTimeoutError escapes only when the kernel stopped answering on IOPub
            # (a plain timeout is interrupted and recorded as an error in the cell).
            self._died_at = index
            return cell, resources
