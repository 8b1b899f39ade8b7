"""nbgrader configuration of the Backprop by Hand course.

Run every nbgrader command from this folder (the course root).
"""
import os

c = get_config()  # noqa: F821 (nbgrader provides get_config)

c.CourseDirectory.course_id = "backprop"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
# integrity.json is for the TA: never copied from a submission, never into feedback/.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "integrity.json"]
# Wait up to 60 s for a lock instead of aborting when two commands share the gradebook.
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db") + "?timeout=60"

# What students see in place of a solution: a stub whose message the notebooks turn into
# "`loss` is not written yet: write it in its cell above, then run this cell again."
c.ClearSolutions.code_stub = {"python": '# YOUR CODE HERE\nraise NotImplementedError("not written yet")'}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Seconds per cell. A student cell stuck in a loop is interrupted and fails on its own;
# a graded test cell gets the same time for all of its calls into the student's code.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

# nbgrader's exchange (release_assignment, fetch, submit, collect). The default,
# /usr/local/share/nbgrader/exchange, rarely exists, and then every formgrader request logs
# "Unwritable directory ..." at critical level. Course-local for a TA alone; on a shared hub
# set NBGRADER_EXCHANGE to a folder every user can write (mode 777).
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE", os.path.join(c.CourseDirectory.root, "exchange"))
try:
    os.makedirs(c.Exchange.root, exist_ok=True)
except OSError:
    pass

# The formgrader's autograde pop-up shows the log captured at the level of the Jupyter server's
# logger, which traitlets leaves at DEBUG; nbgrader overwrites its own level from that logger on
# every request. The formgrader executes this file in the server, so lower the logger here.
import logging  # noqa: E402

logging.getLogger("ServerApp").setLevel(logging.INFO)

# A test cell deleted from a submission is put back from the gradebook.
c.OverwriteCells.add_missing_cells = True

# nbgrader scores a test cell 0 when anything is written to stderr. Our verdicts fail only
# by an error output, so a warning printed by a correct answer must not cost points.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"[\s\S]"

# Keep autograded notebooks small whatever a submission prints.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 60

# Grading that a submission cannot game; course_utils/grading/THREAT_MODEL.md explains each step.
# Student cells run in a bubblewrap sandbox; graded test cells and the hidden tests
# (hidden_tests/<assignment>.py) run in this process, against proxies of the student's
# functions (JudgedExecute). Classes are named by import string so that the formgrader
# can show and serialise this configuration.
from nbgrader.converters import Autograde  # noqa: E402
from course_utils.grading.safefs import refuse_links  # noqa: E402

refuse_links()  # never read or copy a symlink a submission planted


def _name(cls):
    return f"{cls.__module__}.{cls.__name__}"


_G = "course_utils.grading."
_sanitize = [_name(p) for p in Autograde.class_traits()["sanitize_preprocessors"].default()]
# The screen looks at the submission as handed in, before nbgrader repairs it.
c.Autograde.sanitize_preprocessors = [_sanitize[0], _G + "screen.IntegrityScreen", *_sanitize[1:]]
_autograde = []
for _p in map(_name, Autograde.class_traits()["autograde_preprocessors"].default()):
    if _p.endswith(".Execute"):
        _p = _G + "execute.JudgedExecute"
    if _p.endswith(".IgnorePattern"):
        _autograde.append(_G + "outputs.CapOutputBytes")
    if _p.endswith(".SaveAutoGrades"):
        _autograde.append(_G + "feedback.SafeNotebook")  # the formgrader shows this cleaned copy
    _autograde.append(_p)
c.Autograde.autograde_preprocessors = [*_autograde, _G + "report.IntegrityReport"]
c.CapOutputBytes.max_bytes = 100_000

# Feedback: cleaned again, rendered with a Content Security Policy that allows no script.
c.GenerateFeedback.preprocessors = [_G + "feedback.SafeNotebook", "nbgrader.preprocessors.GetGrades",
                                    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]
c.GenerateFeedback.exporter_class = _G + "feedback.SafeFeedbackExporter"
