"""Class 2: a decorator that, when `grad` is defined, silences the assertion helpers (module,
builtins, NumPy) and wraps the function."""
CLASS = 2
TARGET = "test_grad"
ANSWERS = {"grad": '''import builtins, functools
import numpy as np
import course_utils.testing as t

def _tamper(f):
    noop = lambda *args, **kwargs: None
    t.assert_close = t.assert_finite_difference = t.assert_unchanged = noop
    np.allclose = lambda *args, **kwargs: True
    builtins.abs = lambda v: 0.0
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        return f(*args, **kwargs)
    return wrapper

@_tamper
def grad(w, x, y):
    return 0.0 * x
'''}
