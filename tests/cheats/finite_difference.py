"""Return a central-difference estimate instead of the exact gradient."""
TARGET = "test_grad"
ANSWERS = {"grad": """def grad(w, x, y):
    h = 1e-6
    return (loss(w + h, x, y) - loss(w - h, x, y)) / (2 * h)
"""}
