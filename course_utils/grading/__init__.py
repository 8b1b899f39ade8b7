"""nbgrader plug-ins that keep a submission from raising its own score.

Everything here runs inside plain ``nbgrader autograde`` and
``nbgrader generate_feedback``, wired up in the course's
``nbgrader_config.py``; no wrapper script is involved. Not imported by
``course_utils/__init__.py``: students never load it.

What nbgrader already does (0.9.6, checked by tests/test_integrity.py):
``OverwriteCells`` restores the source of edited locked cells and their
points, and ``add_missing_cells`` puts deleted test cells back; hidden
tests come back from the gradebook, not from ``source/``. A duplicated
test cell, though, makes ``OverwriteCells`` crash (``DeduplicateIds`` leaves
an empty ``nbgrader`` dict on the earlier copy) and that student gets no
score at all; a dead kernel or a kernel whose messaging a submission broke
does the same.

What it does not, and where this package steps in:

Sanitize stage (``c.Autograde.sanitize_preprocessors``)
    :class:`~.screen.IntegrityScreen`, first, on the notebook as handed in:
    compares the nbgrader cells with the gradebook (edited, deleted,
    duplicated cells, changed points), repairs duplicates so that nbgrader
    does not crash on them, and screens every student cell (AST; regex when
    a cell does not parse) for tampering constructs. Flags are advice:
    they go to the log, ``nb.metadata.integrity.flags`` and ``integrity.json``; they do not
    change a score, because constructs like ``import os`` have honest
    uses and a false positive must never cost points.

Autograde stage (``c.Autograde.autograde_preprocessors``)
    :class:`~.execute.SafeExecute` replaces ``Execute``: the kernel runs in
    a mount namespace where the course root (``source/``,
    ``gradebook.db``, the other students) is an empty tmpfs
    (:mod:`.sandbox`, util-linux ``unshare`` + ``setpriv``; without them
    the kernel runs as usual and the log says so), and a kernel that dies
    scores 0 instead of aborting that student with no score.
    :class:`~.outputs.CapOutputBytes` caps each cell's output in bytes.
    :class:`~.cleanroom.CleanRoom`, before ``SaveAutoGrades``, reruns the
    test cells that passed on the student's definitions alone in one fresh,
    sandboxed kernel, guarded by :mod:`.guard`; a test passes only if it
    passed in both. This is the defence that decides: monkeypatching,
    IPython hooks and file reads at the top level of an answer cell never
    run in the clean room, and patches made from inside a function when a
    test calls it are caught by the guard. Finite differences and hard-coded
    values are the hidden tests' job (many seeded random points, a relative
    tolerance of 1e-11). :class:`~.report.IntegrityReport` writes
    ``autograded/<student>/<assignment>/integrity.json``.

Feedback (``c.GenerateFeedback.preprocessors``)
    :class:`~.feedback.HideHiddenTests` removes hidden test code,
    tracebacks and expected values from the feedback HTML.

Why a clean room rather than guarding the student's own kernel: a guard
inside the kernel that ran the student's top-level code can be disabled by
that code before the guard looks (input transformers rewrite the very cells
that would check). Running only definitions leaves a student's function
bodies as the one way in, and those run only when a test calls them, after
the guard has settled. The cost is one more kernel per notebook that has at
least one passing test: 2.6-4 s for 01_chain_rule on a loaded 2-core
machine, of which starting and stopping the kernel is 1.5-2.4 s and the
setup cell (matplotlib) 1.1 s; the static screen, the reduction and the
report take milliseconds. ``integrity.json`` records it (``cleanroom.seconds``).

Known limits: a function body can still reach the guard's own state through
introspection (``gc``, ``sys.modules``, ``__closure__``), which the screen
flags for the TA; the main kernel can read the autograded notebook in its
own folder (it holds the hidden tests), which gains nothing because the
clean room's scratch folder holds no notebook.
"""
from .cleanroom import CleanRoom, reduce_answer
from .execute import SafeExecute
from .feedback import HideHiddenTests
from .outputs import CapOutputBytes
from .report import IntegrityReport, read_report
from .screen import IntegrityScreen, scan

__all__ = ["CapOutputBytes", "CleanRoom", "HideHiddenTests", "IntegrityReport", "IntegrityScreen", "SafeExecute",
           "read_report", "reduce_answer", "scan"]
