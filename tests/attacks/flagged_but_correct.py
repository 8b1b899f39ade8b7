"""Flags are advice: a correct answer that uses flagged constructs (import os, sys, open,
getattr, globals()) keeps every point."""
CLASS = 0
TARGET = "test_grad"
MAX_SCORE = 2.0
FULL = ("test_loss", "test_grad", "test_df", "test_dg", "test_dcubic", "test_q2", "test_q4",
        "test_tanh_neuron_backward", "test_tanh_linear_step")
ANSWERS = {"grad": '''import os, sys
_where = os.getcwd() + sys.version[:3]
_ns = globals()

def grad(w, x, y):
    dL_dz = 2 * (w * x - y)
    return dL_dz * x
'''}
