"""Class 3: df never returns: that cell times out and fails, every other cell is graded."""
CLASS = 3
TARGET = "test_df"
FULL = ("test_loss", "test_grad", "test_dg", "test_dcubic", "test_q2", "test_q4",
        "test_tanh_neuron_backward", "test_tanh_linear_step")
ANSWERS = {"df": '''def df(x):
    while True:
        pass
'''}
