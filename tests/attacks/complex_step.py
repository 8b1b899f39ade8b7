"""Class 1: grad, df, dg and dcubic by complex-step differentiation, f(x + ih).imag / h: a
derivative exact to rounding, with nothing derived. Values cannot tell it from a derived
formula, so it keeps its points; the screen flags the complex arithmetic for the TA."""
import json
from pathlib import Path

CLASS = 1
TARGET = "test_grad"
MAX_SCORE = 2.0
FULL = ("test_grad", "test_df", "test_dg", "test_dcubic")
ANSWERS = {
    "grad": '''def grad(w, x, y):
    h = 1e-20
    return (((w + 1j * h) * x - y) ** 2).imag / h
''',
    "df": '''import numpy as np

def _d(f, x):
    return f(np.asarray(x, dtype=complex) + 1e-20j).imag / 1e-20

def df(x):
    return _d(lambda t: (2 * t + 1) ** 2, x)
''',
    "dg": '''def dg(x):
    return _d(lambda t: np.sin(t ** 2), x)
''',
    "dcubic": '''def dcubic(x):
    return _d(lambda t: (3 * t + 2) ** 3, x)
''',
}


def check(course: Path) -> None:
    report = course / "autograded" / "attack_complex_step" / "01_chain_rule" / "integrity.json"
    flags = json.loads(report.read_text())["chain_rule"]["flags"]  # one report per notebook
    assert any("complex" in flag["construct"] for flag in flags), f"complex step not flagged: {flags}"
