"""Class 3: grad returns 160 MB (past the 64 MB message limit); the cell fails, the grader lives."""
CLASS = 3
TARGET = "test_grad"
FULL = ("test_loss",)
ANSWERS = {"grad": '''import numpy as np

def grad(w, x, y):
    return np.zeros(20_000_000)
'''}
