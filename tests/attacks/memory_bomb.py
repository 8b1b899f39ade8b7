"""Class 3: allocate past the address-space limit at definition time and in a graded call; the
kernel survives (MemoryError) and the other cells are graded."""
CLASS = 3
TARGET = "test_grad"
FULL = ("test_loss", "test_df", "test_dg", "test_dcubic", "test_tanh_neuron_backward")
ANSWERS = {"grad": '''import numpy as np

try:
    hog = bytearray(8 << 30)
    print("BREACH: allocated 8 GiB")
    del hog
except MemoryError:
    print("8 GiB refused")
try:
    hog = np.empty((7 << 30) // 8)
    print("BREACH: reserved 7 GiB")
    del hog
except MemoryError:
    print("7 GiB refused")

def grad(w, x, y):
    hog = np.ones(1 << 31)  # 16 GiB
    return 0.0 * x + hog[0]
'''}
