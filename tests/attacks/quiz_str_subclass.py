"""Class 2: quiz answers as a str subclass whose __eq__, strip, upper, __contains__ and __hash__ lie."""
CLASS = 2
TARGET = ("test_q2", "test_q4")
ANSWERS = {"quiz": '''class Answer(str):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = str.__hash__
    def strip(self, *args):
        return self
    def upper(self):
        return self
    def __contains__(self, item):
        return True

q2_answer = Answer("A")
q4_answer = Answer("B")
'''}
