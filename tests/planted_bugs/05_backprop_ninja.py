"""Planted bugs of 05_backprop_ninja: realistic mistakes, each losing only its own cell's points."""

BUGS = [
    # ---- quiz
    dict(name="quiz: bias before batchnorm answered 'initialised at zero'", cell="quiz_answers",
         find='q2_answer = "D"', replace='q2_answer = "A"', loses=["test_quiz"]),
    # ---- batchnorm_forward
    dict(name="batchnorm_forward: unbiased (Bessel) variance", cell="batchnorm_forward",
         find="var = ((x - mean) ** 2).mean(axis=0)", replace="var = x.var(axis=0, ddof=1)",
         loses=["test_batchnorm_forward"]),
    dict(name="batchnorm_forward: forgot eps", cell="batchnorm_forward",
         find="inv_std = 1.0 / np.sqrt(var + eps)", replace="inv_std = 1.0 / np.sqrt(var)",
         loses=["test_batchnorm_forward"]),
    # ---- ninja_backward
    dict(name="ninja: dlogprobs without the 1/N", cell="ninja_backward",
         find="dlogprobs[rows, y] = -1.0 / N", replace="dlogprobs[rows, y] = -1.0",
         loses=["test_ninja_backward"]),
    dict(name="ninja: bndiff collects only the bnraw branch", cell="ninja_backward",
         find='    dbndiff += 2.0 * v["bndiff"] * dbndiff2\n', replace="",
         loses=["test_ninja_backward"]),
    dict(name="ninja: dbnvar forgets eps", cell="ninja_backward",
         find='(v["bnvar"] + EPS_BN) ** -1.5', replace='v["bnvar"] ** -1.5',
         loses=["test_ninja_backward"]),
    # ---- batchnorm_backward
    dict(name="batchnorm_backward: dbeta averaged instead of summed", cell="batchnorm_backward",
         find="dbeta = dout.sum(axis=0)", replace="dbeta = dout.mean(axis=0)",
         loses=["test_batchnorm_backward"]),
    dict(name="batchnorm_backward: dx missing the mean and variance terms", cell="batchnorm_backward",
         find="dx = (inv_std / n) * (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0))",
         replace="dx = dxhat * inv_std", loses=["test_batchnorm_backward"]),
    dict(name="batchnorm_backward: dx missing the variance term", cell="batchnorm_backward",
         find=" - xhat * (dxhat * xhat).sum(axis=0))", replace=")",
         loses=["test_batchnorm_backward"]),
    # ---- classifier_loss
    dict(name="classifier_loss: db1 from the gradient at batchnorm's output", cell="classifier_loss",
         find='grads["b1"] = dh_pre.sum(axis=0)', replace='grads["b1"] = dh_pre_bn.sum(axis=0)',
         loses=["test_classifier_loss"]),
    dict(name="classifier_loss: forgot the 1/N", cell="classifier_loss",
         find="dlogits = dlogits / N", replace="dlogits = dlogits", loses=["test_classifier_loss"]),
    dict(name="classifier_loss: y - p instead of p - y", cell="classifier_loss",
         find="dlogits = dlogits / N", replace="dlogits = -dlogits / N", loses=["test_classifier_loss"]),
    dict(name="classifier_loss: softmax without subtracting the max", cell="classifier_loss",
         find="shifted = logits - logits.max(axis=1, keepdims=True)", replace="shifted = logits",
         loses=["test_classifier_loss"]),
    # ---- td_loss
    dict(name="td_loss: gradient into every action", cell="td_loss",
         find="dq_values[rows, actions] = 2.0 * td_error / n",
         replace="dq_values[:] = 2.0 * td_error[:, None] / n", loses=["test_td_loss"]),
    dict(name="td_loss: gradient not averaged over the batch", cell="td_loss",
         find="dq_values[rows, actions] = 2.0 * td_error / n",
         replace="dq_values[rows, actions] = 2.0 * td_error", loses=["test_td_loss"]),
    dict(name="td_loss: writes the gradient into q_values in place", cell="td_loss",
         find="dq_values = np.zeros_like(q_values, dtype=np.float64)",
         replace="dq_values = q_values\n    dq_values[...] = 0.0", loses=["test_td_loss"]),
    dict(name="td_loss: finite-difference estimate instead of the exact gradient", cell="td_loss",
         find="dq_values[rows, actions] = 2.0 * td_error / n",
         replace=("h = 1e-5\n"
                  "    for i in range(n):\n"
                  "        q = q_values[i, actions[i]]\n"
                  "        dq_values[i, actions[i]] = ((q + h - targets[i]) ** 2 - (q - h - targets[i]) ** 2) / (2 * h) / n"),
         loses=["test_td_loss"]),
]
