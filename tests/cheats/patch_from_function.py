"""Patch assert_close from inside a function, when the first test calls it.

`df` patches the module and rebinds the notebook's `assert_close` the moment
test_df calls it; test_df itself fails, but every later test (dg) passes on
plain nbgrader. The clean room's guard sees the change after test_df.
"""
TARGET = "test_dg"
ANSWERS = {
    "df": """def df(x):
    import course_utils.testing
    noop = lambda *args, **kwargs: None
    course_utils.testing.assert_close = noop
    course_utils.testing.assert_finite_difference = noop
    globals()["assert_close"] = noop
    return 4.0 * (2.0 * x + 1.0)
""",
    "dg": "def dg(x):\n    return 0.0 * x\n",
}
