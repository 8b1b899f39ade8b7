"""Class 3: an answer cell that ignores SIGINT and loops at top level: nbclient's interrupt does
nothing; the grader must still finish this student and go on."""
CLASS = 3
TARGET = ("test_dcubic", "test_tanh_linear_step")
FULL = ("test_loss", "test_grad", "test_df", "test_dg")
ANSWERS = {"dcubic": '''import signal
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    try:
        pass
    except BaseException:
        pass
'''}
