"""Planted bugs of 04 MLP backprop: the mistakes students really make.

Each must lose exactly the graded cells in `loses` and keep every other point.
"""
BUGS = [
    # linear_forward
    dict(name="linear_forward forgets the bias",
         cell="linear_forward",
         find="out = X @ W.T + b",
         replace="out = X @ W.T",
         loses=["test_linear_forward"]),
    dict(name="linear_forward hard-codes the visible test's answer",
         cell="linear_forward",
         find="out = X @ W.T + b",
         replace="out = np.array([[1.5, 4.0]]) if X.shape == (1, 2) else np.array([[1.5, 1.0]] * 3)",
         loses=["test_linear_forward"]),
    # linear_backward: one cell per gradient
    dict(name="linear_backward averages dX over the batch",
         cell="linear_backward",
         find="dX = dout @ W",
         replace="dX = dout @ W / X.shape[0]",
         loses=["test_linear_backward"]),
    dict(name="linear_backward returns a finite-difference estimate of dX",
         cell="linear_backward",
         find="dX = dout @ W",
         replace=("dX = np.zeros_like(X)\n"
                  "    for idx in np.ndindex(X.shape):\n"
                  "        Xp, Xm = X.copy(), X.copy()\n"
                  "        Xp[idx] += 1e-5\n"
                  "        Xm[idx] -= 1e-5\n"
                  "        dX[idx] = np.sum(dout * (Xp @ W.T - Xm @ W.T)) / 2e-5"),
         loses=["test_linear_backward"]),
    dict(name="linear_backward multiplies in the wrong order (dW has shape (D_in, D_out))",
         cell="linear_backward",
         find="dW = dout.T @ X",
         replace="dW = X.T @ dout",
         loses=["test_linear_backward_dw"]),
    dict(name="linear_backward returns a finite-difference estimate of dW",
         cell="linear_backward",
         find="dW = dout.T @ X",
         replace=("dW = np.zeros_like(W)\n"
                  "    for idx in np.ndindex(W.shape):\n"
                  "        Wp, Wm = W.copy(), W.copy()\n"
                  "        Wp[idx] += 1e-5\n"
                  "        Wm[idx] -= 1e-5\n"
                  "        dW[idx] = np.sum(dout * (X @ Wp.T - X @ Wm.T)) / 2e-5"),
         loses=["test_linear_backward_dw"]),
    dict(name="linear_backward averages db over the batch",
         cell="linear_backward",
         find="db = dout.sum(axis=0)",
         replace="db = dout.mean(axis=0)",
         loses=["test_linear_backward_db"]),
    # mse_loss: the loss and its gradient
    dict(name="mse_loss sums instead of averaging the loss",
         cell="mse_loss",
         find="loss = np.mean(diff ** 2)",
         replace="loss = np.sum(diff ** 2)",
         loses=["test_mse_loss"]),
    dict(name="mse_loss divides by the batch size N instead of every element N*C",
         cell="mse_loss",
         find="n = diff.size",
         replace="n = diff.shape[0]",
         loses=["test_mse_grad"]),
    dict(name="mse_loss forgets the factor 2",
         cell="mse_loss",
         find="dy_hat = (2.0 / n) * diff",
         replace="dy_hat = (1.0 / n) * diff",
         loses=["test_mse_grad"]),
    dict(name="mse_loss returns a finite-difference estimate of the gradient",
         cell="mse_loss",
         find="dy_hat = (2.0 / n) * diff",
         replace=("dy_hat = np.zeros_like(diff)\n"
                  "    for idx in np.ndindex(diff.shape):\n"
                  "        dp, dm = diff.copy(), diff.copy()\n"
                  "        dp[idx] += 1e-5\n"
                  "        dm[idx] -= 1e-5\n"
                  "        dy_hat[idx] = (np.mean(dp ** 2) - np.mean(dm ** 2)) / 2e-5"),
         loses=["test_mse_grad"]),
    # mae_loss
    dict(name="mae_loss takes abs of the mean instead of the mean of abs",
         cell="mae_loss",
         find="loss = np.mean(np.abs(diff))",
         replace="loss = np.abs(np.mean(diff))",
         loses=["test_mae_loss"]),
    dict(name="mae_loss uses >= 0 ? 1 : -1 (gradient at ties not 0)",
         cell="mae_loss",
         find="dy_hat = np.sign(diff) / n",
         replace="dy_hat = np.where(diff >= 0, 1.0, -1.0) / n",
         loses=["test_mae_grad"]),
    dict(name="mae_loss with the sign flipped",
         cell="mae_loss",
         find="dy_hat = np.sign(diff) / n",
         replace="dy_hat = np.sign(-diff) / n",
         loses=["test_mae_grad"]),
    # mlp_forward
    dict(name="mlp_forward applies ReLU to the output too",
         cell="mlp_forward",
         find="y_hat = h1 @ W2.T + b2",
         replace="y_hat = np.maximum(h1 @ W2.T + b2, 0.0)",
         loses=["test_mlp_forward"]),
    dict(name="mlp_forward forgets the output bias",
         cell="mlp_forward",
         find="y_hat = h1 @ W2.T + b2",
         replace="y_hat = h1 @ W2.T",
         loses=["test_mlp_forward"]),
    # mlp_backward: output layer
    dict(name="mlp_backward averages db2 over the batch",
         cell="mlp_backward",
         find="db2 = delta2.sum(axis=0)",
         replace="db2 = delta2.mean(axis=0)",
         loses=["test_mlp_backward"]),
    dict(name="mlp_backward uses the pre-activation z1 instead of h1 in dW2",
         cell="mlp_backward",
         find="dW2 = delta2.T @ h1",
         replace="dW2 = delta2.T @ z1",
         loses=["test_mlp_backward"]),
    dict(name="mlp_backward returns a finite-difference estimate of dW2",
         cell="mlp_backward",
         find="dW2 = delta2.T @ h1",
         replace=("dW2 = np.zeros_like(W2)\n"
                  "    for idx in np.ndindex(W2.shape):\n"
                  "        Wp, Wm = W2.copy(), W2.copy()\n"
                  "        Wp[idx] += 1e-5\n"
                  "        Wm[idx] -= 1e-5\n"
                  "        dW2[idx] = np.sum(delta2 * (h1 @ Wp.T - h1 @ Wm.T)) / 2e-5"),
         loses=["test_mlp_backward"]),
    # mlp_backward: hidden layer
    dict(name="mlp_backward uses z1 >= 0 for the ReLU mask",
         cell="mlp_backward",
         find="relu_grad = (z1 > 0).astype(float)",
         replace="relu_grad = (z1 >= 0).astype(float)",
         loses=["test_mlp_backward_hidden"]),
    dict(name="mlp_backward divides the weight gradients by N again",
         cell="mlp_backward",
         find="dW1 = delta1.T @ X",
         replace="dW1 = delta1.T @ X / X.shape[0]",
         loses=["test_mlp_backward_hidden"]),
    dict(name="mlp_backward forgets the ReLU mask",
         cell="mlp_backward",
         find="delta1 = (delta2 @ W2) * relu_grad",
         replace="delta1 = delta2 @ W2",
         loses=["test_mlp_backward_hidden"]),
    # train_mlp
    dict(name="train_mlp records the loss after the update",
         cell="train_mlp",
         find="        losses.append(float(loss))\n        grads = mlp_backward(dy_hat, cache)\n        params = {k: params[k] - lr * grads[k] for k in params}",
         replace="        grads = mlp_backward(dy_hat, cache)\n        params = {k: params[k] - lr * grads[k] for k in params}\n        losses.append(float(mse_loss(mlp_forward(X, params)[0], y)[0]))",
         loses=["test_train_mlp"]),
    dict(name="train_mlp updates the caller's arrays in place (shallow copy)",
         cell="train_mlp",
         find=("params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}\n"
               "    losses = []\n"
               "    for _ in range(steps):\n"
               "        y_hat, cache = mlp_forward(X, params)\n"
               "        loss, dy_hat = mse_loss(y_hat, y)\n"
               "        losses.append(float(loss))\n"
               "        grads = mlp_backward(dy_hat, cache)\n"
               "        params = {k: params[k] - lr * grads[k] for k in params}"),
         replace=("params = dict(params)  # copies the dict, not the arrays\n"
                  "    losses = []\n"
                  "    for _ in range(steps):\n"
                  "        y_hat, cache = mlp_forward(X, params)\n"
                  "        loss, dy_hat = mse_loss(y_hat, y)\n"
                  "        losses.append(float(loss))\n"
                  "        grads = mlp_backward(dy_hat, cache)\n"
                  "        for k in params:\n"
                  "            params[k] -= lr * grads[k]"),
         loses=["test_train_mlp"]),
    dict(name="train_mlp steps up the gradient",
         cell="train_mlp",
         find="params[k] - lr * grads[k]",
         replace="params[k] + lr * grads[k]",
         loses=["test_train_mlp"]),
    # debug exercise
    dict(name="debug: only the sign fixed, >= 0 left in",
         cell="debug_backward_fixed",
         find="mask = (pre > 0).astype(float)",
         replace="mask = (pre >= 0).astype(float)",
         loses=["test_debug_backward_fixed"]),
    dict(name="debug: only the mask fixed, sign error left in",
         cell="debug_backward_fixed",
         find="err_out = (2 / n) * (out - y_i)",
         replace="err_out = (2 / n) * (y_i - out)",
         loses=["test_debug_backward_fixed"]),
    dict(name="debug: hands back the colleague's function unchanged",
         cell="debug_backward_fixed",
         find="W1, b1, W2, b2 = params",
         replace="return buggy_backprop(X, y, params)\n    W1, b1, W2, b2 = params",
         loses=["test_debug_backward_fixed"]),
    # quiz: one cell per question
    dict(name="quiz Q1: transposes W2 in delta1",
         cell="quiz_answers",
         find='q1_answer = "B"',
         replace='q1_answer = "A"',
         loses=["test_quiz_q1"]),
    dict(name="quiz Q2: thinks the forward pass deletes the activations",
         cell="quiz_answers",
         find='q2_answer = "D"',
         replace='q2_answer = "B"',
         loses=["test_quiz_q2"]),
    dict(name="quiz Q3: n = N",
         cell="quiz_answers",
         find='q3_answer = "A"',
         replace='q3_answer = "B"',
         loses=["test_quiz_q3"]),
    dict(name="quiz Q4: MAE gradient with the sign flipped",
         cell="quiz_answers",
         find='q4_answer = "C"',
         replace='q4_answer = "B"',
         loses=["test_quiz_q4"]),
]
