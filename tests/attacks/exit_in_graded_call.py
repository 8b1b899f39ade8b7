"""Class 3: os._exit during a graded call: the kernel died; that cell and every later one score 0,
the cells before keep their points, integrity.json says so, the run goes on."""
CLASS = 3
TARGET = ("test_grad", "test_df", "test_q2", "test_tanh_linear_step")
FULL = ("test_loss",)
ANSWERS = {"grad": '''import os

def grad(w, x, y):
    os._exit(3)
'''}
