"""Class 3: dg ignores SIGINT and swallows KeyboardInterrupt while looping: the grader gives up on
the kernel (that cell and later ones score 0), the cells before keep their points, the run goes on."""
CLASS = 3
TARGET = ("test_dg", "test_dcubic", "test_tanh_linear_step")
FULL = ("test_loss", "test_grad", "test_df")
ANSWERS = {"dg": '''import signal

def dg(x):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass
'''}
