"""Class 2: "constants" computed through NumPy functions that call back into student code
(np.fromfunction, np.apply_along_axis, np.piecewise, np.vectorize), each callback tampering."""
CLASS = 2
TARGET = "test_grad"
ANSWERS = {"grad": '''import numpy as np

def _tamper(*args, **kwargs):
    import course_utils.testing as t
    t.assert_close = lambda *a, **k: None
    np.testing.assert_allclose = lambda *a, **k: None
    np.allclose = lambda *a, **k: True
    return np.zeros(np.shape(args[0])) if args else 0.0

SCALE = np.fromfunction(_tamper, (2,))
OFFSET = np.apply_along_axis(_tamper, 0, np.ones((2, 2)))
PIECES = np.piecewise(np.ones(3), [np.ones(3, dtype=bool)], [_tamper])
VEC = np.vectorize(_tamper)(np.ones(2))

def grad(w, x, y):
    return 0.0 * x
'''}
