"""Class 1: replace the grader's own end in the kernel (course_utils.grading.shim and wire) before
the grader installs it, so every call answers a made-up value, the visible test's 30.0."""
CLASS = 1
TARGET = "test_grad"
ANSWERS = {"grad": '''import json
from course_utils.grading import shim, wire

def _forged_call(name):
    try:
        shim._ask(shim.MARK + "args")
    except Exception:
        pass
    shim._ask(shim.MARK + "result " + json.dumps({"value": 30.0, "args": [], "warnings": []}))

shim.call = _forged_call
wire.encode = lambda value, keep=None, depth=0: 30.0
shim.install = lambda shell: None

def grad(w, x, y):
    return 0.0 * x
'''}
