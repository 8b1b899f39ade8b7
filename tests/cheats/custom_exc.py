"""Swallow every exception with IPython's set_custom_exc."""
TARGET = "test_grad"
ANSWERS = {"grad": """get_ipython().set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)

def grad(w, x, y):
    return 0.0 * (w * x - y) * x
"""}
