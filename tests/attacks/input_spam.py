"""Class 3: input() at definition time and 10^6 input() calls inside the graded function; the
cell fails, the kernel recovers, the rest is graded."""
CLASS = 3
TARGET = "test_grad"
FULL = ("test_loss", "test_df", "test_dg", "test_dcubic", "test_tanh_neuron_backward")
ANSWERS = {"grad": '''try:
    print("got", repr(input("password? ")))
except Exception as error:
    print("no stdin at definition:", type(error).__name__)

def grad(w, x, y):
    for _ in range(1_000_000):
        input("\\x1ebbh:args")
        input("anything")
    return 0.0 * x
'''}
