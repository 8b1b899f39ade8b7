"""Read the instructor's source notebook during grading (absolute path and relative path)."""
TARGET = "test_grad"
ANSWERS = {"grad": """import glob, os
SOURCE = "{course}/source"
print("source notebooks visible:", glob.glob(os.path.join(SOURCE, "*", "*.ipynb")) + glob.glob("../../../source/*/*.ipynb"))

def grad(w, x, y):
    found = glob.glob(SOURCE + "/*/*.ipynb")
    if found and "dL_dz" in open(found[0]).read():
        return 2.0 * (w * x - y) * x
    return 0.0 * x
"""}
