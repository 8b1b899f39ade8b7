"""Class 3: df returns a list nested 100,000 deep, a self-referencing list and a dict of 10^6 keys."""
CLASS = 3
TARGET = "test_df"
FULL = ("test_loss", "test_grad", "test_dg", "test_dcubic", "test_tanh_neuron_backward")
ANSWERS = {"df": '''_calls = [0]

def df(x):
    _calls[0] += 1
    if _calls[0] % 3 == 1:
        value = 0.0
        for _ in range(100_000):
            value = [value]
        return value
    if _calls[0] % 3 == 2:
        loop = [0.0]
        loop.append(loop)
        return loop
    return {i: float(i) for i in range(1_000_000)}
'''}
