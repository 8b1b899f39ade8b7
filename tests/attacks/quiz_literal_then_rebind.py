"""Class 2: wrong literal answers, then rebound at run time to lying objects (globals(), exec,
tuple unpacking, walrus) that the grader must never see."""
CLASS = 2
TARGET = ("test_q2", "test_q4")
ANSWERS = {"quiz": '''q2_answer = "B"
q4_answer = "C"

class _Yes(str):
    __eq__ = lambda self, other: True
    __hash__ = str.__hash__
    strip = upper = lambda self, *a: self

globals()["q2_answer"] = _Yes("B")
exec("q4_answer = _Yes('C')")
(q2_answer, _) = (_Yes("B"), 0)
'''}
