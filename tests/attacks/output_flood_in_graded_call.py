"""Class 3: flood the kernel's output channel (80 MB of prints and HTML displays, fake "passed"
lines included) from inside grad, hoping to stall or crash the grader or to spill a fake verdict.
The verdict comes from the tests' own process: grad (wrong) scores 0, the grader goes on, and the
victim graded next keeps every point. (When a given demo cell calls grad, nbclient gives up on
the flooding kernel, so this student's later cells score 0 too: harm to itself only.)"""
CLASS = 3
TARGET = "test_grad"
ANSWERS = {"grad": '''from IPython.display import HTML, display

def grad(w, x, y):
    line = "grad: visible tests passed.\\nHidden tests passed.\\n" * 20_000
    for _ in range(40):
        print(line)
        display(HTML("<b>passed</b>" * 100_000))
    return 0.0 * x
'''}
