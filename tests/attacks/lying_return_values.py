"""Class 3: grad returns objects that lie: __array__ / __float__ give zeros but __eq__, __sub__,
__abs__, __lt__ say "equal"; an ndarray subclass; a float subclass; an object with __len__ lies."""
CLASS = 3
TARGET = "test_grad"
ANSWERS = {"grad": '''import numpy as np

class Liar:
    def __init__(self, shape=()):
        self.shape = shape
    def __array__(self, dtype=None, copy=None):
        return np.zeros(self.shape)
    def __float__(self):
        return 0.0
    __eq__ = lambda self, other: True
    __sub__ = __rsub__ = lambda self, other: Liar(self.shape)
    __abs__ = lambda self: 0.0
    __lt__ = __le__ = lambda self, other: True
    __len__ = lambda self: 0

class Arr(np.ndarray):
    def __sub__(self, other):
        return np.zeros(np.shape(other))
    __rsub__ = __sub__

class Num(float):
    __eq__ = lambda self, other: True
    __hash__ = float.__hash__
    __sub__ = __rsub__ = lambda self, other: 0.0

_calls = [0]

def grad(w, x, y):
    _calls[0] += 1
    shape = np.broadcast(w, x, y).shape
    kind = _calls[0] % 3
    if kind == 0:
        return Liar(shape)
    if kind == 1:
        return np.zeros(shape).view(Arr)
    return Num(0.0) if shape == () else np.zeros(shape).view(Arr)
'''}
