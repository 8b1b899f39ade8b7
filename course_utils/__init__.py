"""Backprop by Hand: shared helpers for the course notebooks.

The reference gradient checker (``numerical_gradient``, ``check_gradient``,
``check_layer``), toy datasets, plots and widgets. Students import this
package; it never holds the solution to an exercise.
"""
import importlib

from .checker import CheckResult, check_gradient, check_layer, numerical_gradient
from .compare import gradient_table
from .datasets import make_moons, make_spiral
from .notebook import install_error_messages, needs
from .progress_bar import progress
from .selfcheck import check
from . import testing

# In a notebook: one line for a stub's NotImplementedError, the call and the
# diagnosis for a failed check (course_utils.notebook explains).
install_error_messages()



def __getattr__(name: str):
    """``course_utils.plots`` and ``course_utils.widgets`` load Matplotlib and ipywidgets on first use.

    The grader imports this package too, and has no use for either (1-2 s of start-up).
    """
    if name in ("plots", "widgets"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CheckResult",
    "check",
    "check_gradient",
    "check_layer",
    "gradient_table",
    "numerical_gradient",
    "make_moons",
    "make_spiral",
    "needs",
    "progress",
    "plots",
    "testing",
    "widgets",
]
