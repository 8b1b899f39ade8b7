"""Class 2: quiz answers computed (the right letters, but not literals): read as literals only,
so they earn nothing and no student code runs to compute them."""
CLASS = 2
TARGET = ("test_q2", "test_q4")
ANSWERS = {"quiz": '''q2_answer = "d".upper()
q4_answer = chr(65)
'''}
