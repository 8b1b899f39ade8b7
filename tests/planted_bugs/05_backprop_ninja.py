"""Planted bugs of 05_backprop_ninja: realistic mistakes, each losing only its own cell's points."""

BUGS = [
    # ---- quiz
    dict(name="quiz q1: Bessel's correction", cell="quiz_answers",
         find='q1_answer = "B"', replace='q1_answer = "A"', loses=["test_q1"]),
    dict(name="quiz q2: bias before batchnorm answered 'initialised at zero'", cell="quiz_answers",
         find='q2_answer = "D"', replace='q2_answer = "A"', loses=["test_q2"]),
    dict(name="quiz q3: 'max has no derivative'", cell="quiz_answers",
         find='q3_answer = "A"', replace='q3_answer = "D"', loses=["test_q3"]),
    # ---- batchnorm_forward
    dict(name="batchnorm_forward: unbiased (Bessel) variance", cell="batchnorm_forward",
         find="var = ((x - mean) ** 2).mean(axis=0)", replace="var = x.var(axis=0, ddof=1)",
         loses=["test_batchnorm_forward"]),
    dict(name="batchnorm_forward: forgot eps", cell="batchnorm_forward",
         find="inv_std = 1.0 / np.sqrt(var + eps)", replace="inv_std = 1.0 / np.sqrt(var)",
         loses=["test_batchnorm_forward"]),
    dict(name="batchnorm_forward: eps outside the square root", cell="batchnorm_forward",
         find="inv_std = 1.0 / np.sqrt(var + eps)", replace="inv_std = 1.0 / (np.sqrt(var) + eps)",
         loses=["test_batchnorm_forward"]),
    # ---- ninja 2a: loss -> logits
    dict(name="ninja softmax: dlogprobs without the 1/N", cell="ninja_softmax",
         find="dlogprobs[rows, y] = -1.0 / N", replace="dlogprobs[rows, y] = -1.0",
         loses=["test_ninja_softmax"]),
    dict(name="ninja softmax: dcounts collects only the probs branch", cell="ninja_softmax",
         find="    dcounts += np.ones_like(v[\"counts\"]) * dcounts_sum\n", replace="",
         loses=["test_ninja_softmax"]),
    dict(name="ninja softmax: dcounts_sum_inv not summed over the columns", cell="ninja_softmax",
         find='dcounts_sum_inv = (dprobs * v["counts"]).sum(axis=1, keepdims=True)',
         replace='dcounts_sum_inv = (dprobs * v["counts"]).sum(axis=0, keepdims=True)[:, :1].repeat(N, 0)',
         loses=["test_ninja_softmax"]),
    # ---- ninja 2b: second layer
    dict(name="ninja layer2: db2 averaged instead of summed", cell="ninja_layer2",
         find='g["db2"] = dlogits.sum(axis=0)', replace='g["db2"] = dlogits.mean(axis=0)',
         loses=["test_ninja_layer2"]),
    dict(name="ninja layer2: dW2 not summed over the batch but averaged", cell="ninja_layer2",
         find='g["dW2"] = dlogits.T @ v["h"]', replace='g["dW2"] = dlogits.T @ v["h"] / len(dlogits)',
         loses=["test_ninja_layer2"]),
    # ---- ninja 2c: tanh and batchnorm
    dict(name="ninja batchnorm: bndiff collects only the bnraw branch", cell="ninja_batchnorm",
         find='    dbndiff += 2.0 * v["bndiff"] * dbndiff2\n', replace="",
         loses=["test_ninja_batchnorm"]),
    dict(name="ninja batchnorm: dbnvar forgets eps", cell="ninja_batchnorm",
         find='(v["bnvar"] + EPS_BN) ** -1.5', replace='v["bnvar"] ** -1.5',
         loses=["test_ninja_batchnorm"]),
    dict(name="ninja batchnorm: tanh derivative from h_pre_bn", cell="ninja_batchnorm",
         find='dh_pre_bn = dh * (1.0 - v["h"] ** 2)', replace='dh_pre_bn = dh * (1.0 - v["h_pre_bn"] ** 2)',
         loses=["test_ninja_batchnorm"]),
    dict(name="ninja batchnorm: dh_pre misses the bnmean path", cell="ninja_batchnorm",
         find='    dh_pre += np.ones_like(v["h_pre"]) * dbnmean / N\n', replace="",
         loses=["test_ninja_batchnorm"]),
    # ---- ninja 2d: first layer
    dict(name="ninja layer1: dW1 averaged over the batch", cell="ninja_layer1",
         find='g["dW1"] = dh_pre.T @ X', replace='g["dW1"] = dh_pre.T @ X / X.shape[0]',
         loses=["test_ninja_layer1"]),
    dict(name="ninja layer1: db1 set to zero because 'batchnorm removes it'", cell="ninja_layer1",
         find='g["db1"] = dh_pre.sum(axis=0)', replace='g["db1"] = np.zeros(dh_pre.shape[1])',
         loses=["test_ninja_layer1"]),
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
    dict(name="batchnorm_backward: finite-difference estimate of dx instead of the exact gradient",
         cell="batchnorm_backward",
         find="dx = (inv_std / n) * (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0))",
         replace=("x, eps = np.array(cache[\"x\"], dtype=float), cache[\"eps\"]\n"
                  "    def f(z):\n"
                  "        m = z.mean(axis=0)\n"
                  "        return float(np.sum(gamma * (z - m) / np.sqrt(((z - m) ** 2).mean(axis=0) + eps) * dout))\n"
                  "    dx = np.zeros_like(x)\n"
                  "    for i in np.ndindex(x.shape):\n"
                  "        s = 1e-5 * max(1.0, abs(x[i]))\n"
                  "        xp, xm = x.copy(), x.copy()\n"
                  "        xp[i] += s\n"
                  "        xm[i] -= s\n"
                  "        dx[i] = (f(xp) - f(xm)) / (2 * s)"),
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
