"""Class 1: walk every folder the kernel can see for the hidden tests, the source notebook or the
gradebook, and answer with the solution when found."""
CLASS = 1
TARGET = "test_grad"
ANSWERS = {"grad": '''import os, time

# Needles found only in this course's hidden tests, source notebook and gradebook, never in a library.
_NEEDLES = ("def test_grad(nb)", '_KEYS = {"q2_answer"', "dL_dz = 2 * (w * x - y)", "def _tanh_neuron(w, x, b, dh)")
_found = []
_start = time.monotonic()
for _top in ("/work", "/root", "/home", "/tmp", "/srv", "/mnt", "/var", "/opt", "/etc", "/media", "/run"):
    for _dir, _subdirs, _files in os.walk(_top):
        if time.monotonic() - _start > 8:
            break
        for _name in _files:
            if not _name.endswith((".py", ".ipynb", ".db", ".json", ".txt")):
                continue
            _path = os.path.join(_dir, _name)
            try:
                if os.path.getsize(_path) > 2_000_000:
                    continue
                with open(_path, errors="replace") as _fh:
                    _text = _fh.read()
            except OSError:
                continue
            if any(n in _text for n in _NEEDLES) and "_NEEDLES = (" not in _text:
                _found.append(_path)
print("searched for", round(time.monotonic() - _start, 1), "s")
if _found:
    print("BREACH: found", _found[:10])

def grad(w, x, y):
    if _found:
        return 2.0 * (w * x - y) * x
    return 0.0 * x
'''}
