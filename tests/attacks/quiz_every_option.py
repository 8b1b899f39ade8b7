"""Class 2: an answer that holds every option (a set, all letters in one string, a list)."""
CLASS = 2
TARGET = ("test_q2", "test_q4")
ANSWERS = {"quiz": '''q2_answer = {"A", "B", "C", "D"}
q4_answer = "ABCD"
'''}
