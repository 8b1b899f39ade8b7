"""A post_execute callback that keeps replacing assert_close with a no-op."""
TARGET = "test_grad"
ANSWERS = {"grad": """import course_utils.testing

def _neuter():
    noop = lambda *args, **kwargs: None
    course_utils.testing.assert_close = noop
    get_ipython().user_ns["assert_close"] = noop

get_ipython().events.register("post_execute", _neuter)

def grad(w, x, y):
    return 0.0 * (w * x - y) * x
"""}
