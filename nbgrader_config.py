"""nbgrader configuration of the Backprop by Hand course.

Run every nbgrader command from this folder (the course root).
"""
import os

c = get_config()  # noqa: F821 (nbgrader provides get_config)

c.CourseDirectory.course_id = "backprop"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
# Wait up to 60 s for a lock instead of aborting when two commands share the gradebook.
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db") + "?timeout=60"

# What students see in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Seconds per cell. A cell stuck in an infinite loop is interrupted and
# fails on its own; the rest of the notebook still runs and is graded.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

# A test cell deleted from a submission is put back from the gradebook.
c.OverwriteCells.add_missing_cells = True

# nbgrader scores a test cell 0 when anything is written to stderr. Our tests
# fail only by raising, so a warning printed by a correct answer (a NumPy
# RuntimeWarning, a deprecation notice) must not cost points.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"[\s\S]"

# Keep autograded notebooks small whatever a submission prints.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 60

# Grading that a submission cannot game (course_utils/grading explains each
# step). nbgrader's own preprocessors stay; ours are added around them, and
# Execute becomes SafeExecute (sandboxed kernel; a dead kernel scores 0).
from nbgrader.converters import Autograde  # noqa: E402
from nbgrader.preprocessors import Execute, GetGrades, IgnorePattern, SaveAutoGrades  # noqa: E402
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from course_utils.grading import (  # noqa: E402
    CapOutputBytes, CleanRoom, HideHiddenTests, IntegrityReport, IntegrityScreen, SafeExecute,
)

_sanitize = Autograde.class_traits()["sanitize_preprocessors"].default()
# The screen looks at the submission as handed in, before nbgrader repairs it.
c.Autograde.sanitize_preprocessors = [_sanitize[0], IntegrityScreen, *_sanitize[1:]]
_autograde = [SafeExecute if p is Execute else p for p in Autograde.class_traits()["autograde_preprocessors"].default()]
_autograde.insert(_autograde.index(IgnorePattern), CapOutputBytes)
_autograde.insert(_autograde.index(SaveAutoGrades), CleanRoom)
c.Autograde.autograde_preprocessors = [*_autograde, IntegrityReport]
c.CleanRoom.timeout = c.Execute.timeout
c.CapOutputBytes.max_bytes = 100_000

c.GenerateFeedback.preprocessors = [HideHiddenTests, GetGrades, CSSHTMLHeaderPreprocessor]
