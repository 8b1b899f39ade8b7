"""Class 1: the function answers the grader itself through input() with malformed protocol
messages: a 200,000-deep JSON list, a handle, a callback tag, NaN, a huge integer, then returns."""
CLASS = 1
TARGET = "test_dg"
FULL = ("test_loss", "test_grad", "test_df", "test_dcubic", "test_q2", "test_q4",
        "test_tanh_neuron_backward", "test_tanh_linear_step")
ANSWERS = {"dg": '''MARK = "\\x1ebbh:"
_count = [0]

def dg(x):
    _count[0] += 1
    forged = ["[" * 200_000 + "]" * 200_000, '{"value": {"$h": [0, "float"]}}', '{"value": {"$cb": 0}}',
              '{"value": NaN}', '{"value": ' + "9" * 5000 + '}', '{"value": {"$nd": "not base64"}}',
              '{"value": {"$dict": [[[1], 2]]}}']
    input(MARK + "result " + forged[_count[0] % len(forged)])
    return 0.0 * x
'''}
