"""Class 4: print, base64-encoded, everything of the hidden tests the kernel can find (modules,
gc objects, files), and the arguments the grader passed to loss during test_loss (recorded, then
printed by the next answer cell). The hidden tests' code must never show up."""
import base64
import re
from pathlib import Path

from _common import outputs_text

CLASS = 4
TARGET = "test_loss"
MAX_SCORE = 1.0
ANSWERS = {
    "loss": '''import base64, gc, inspect, os, sys

def _dump(label, text):
    print("LEAK", label, base64.b64encode(text.encode(errors="replace")).decode())

for name, module in list(sys.modules.items()):
    if any(k in name for k in ("hidden", "verdict", "test_", "grading")):
        try:
            _dump(name, inspect.getsource(module))
        except Exception:
            pass
for obj in gc.get_objects():
    if callable(obj) and getattr(obj, "__name__", "").startswith(("test_", "_true", "_grad", "_loss")):
        try:
            _dump(obj.__name__, inspect.getsource(obj))
        except Exception:
            pass
_seen = []

def loss(w, x, y):
    import numpy as np
    _seen.append([np.asarray(a).tolist() for a in (w, x, y)])
    return (w * x - y) ** 2
''',
    "grad": '''import base64
print("LEAK inputs", base64.b64encode(repr(_seen[:3]).encode()).decode()[:3000])

def grad(w, x, y):
    return 2 * (w * x - y) * x
''',
}


def check(course: Path) -> None:
    text = outputs_text(course, "attack_leak_hidden_tests")
    hidden = (course / "hidden_tests" / "01_chain_rule.py").read_text()
    secrets = [line.strip() for line in hidden.splitlines() if len(line.strip()) > 30
               and not line.strip().startswith("#")] + ["_KEYS"]
    for blob in re.findall(r"LEAK \S+ ([A-Za-z0-9+/=]+)", text):
        try:
            decoded = base64.b64decode(blob + "=" * (-len(blob) % 4)).decode(errors="replace")
        except ValueError:
            continue
        leaked = [s for s in secrets if s in decoded]
        assert not leaked, f"hidden tests leaked: {leaked[:3]}"
    for path in (course / "feedback").rglob("*.html") if (course / "feedback").exists() else []:
        html = path.read_text()
        assert not [s for s in secrets if s in html]
