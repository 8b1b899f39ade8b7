"""course_utils.selfcheck: correct answers pass every check, each bug fails with words that fit it.

The correct and buggy implementations live here, in the tests, never in
course_utils.
"""
import functools

import numpy as np
import pytest

from course_utils.selfcheck import EXERCISES, Report, check

SEEDS = [0, 1, 2]


# --- correct implementations of every exercise (the spec's formulas) --------

def loss(w, x, y):
    return (w * x - y) ** 2


def grad(w, x, y):
    return 2 * (w * x - y) * x


def df(x):
    return 4 * (2 * x + 1)


def dg(x):
    return np.cos(x ** 2) * 2 * x


def dcubic(x):
    return 9 * (3 * x + 2) ** 2


def tanh_neuron_backward(w, x, b, dh):
    h = np.tanh(w * x + b)
    dz = dh * (1 - h ** 2)
    return dz, dz * x, dz * w, dz


def forward_difference(f, x, h):
    return (f(x + h) - f(x)) / h


def numerical_derivative(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = f(x)
        x[i] = old - h
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


def relative_error(a, b):
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def gradient_check(f, grad_f, x, h=1e-5, tol=1e-7):
    error = relative_error(grad_f(x), numerical_gradient(f, x.copy(), h))
    return error < tol, error


def relu_forward(z):
    return np.maximum(z, 0.0), z


def relu_backward(dout, cache):
    return dout * (cache > 0)


def tanh_forward(z):
    h = np.tanh(z)
    return h, h


def tanh_backward(dout, cache):
    return dout * (1 - cache ** 2)


def sigmoid_forward(z):
    e = np.exp(-np.abs(z))
    s = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return s, s


def sigmoid_backward(dout, cache):
    return dout * cache * (1 - cache)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    dlogits = np.exp(log_p)
    dlogits[np.arange(n), y] -= 1
    return float(-log_p[np.arange(n), y].mean()), dlogits / n


def linear_forward(X, W, b):
    return X @ W.T + b, (X, W)


def linear_backward(dout, cache):
    X, W = cache
    return dout @ W, dout.T @ X, dout.sum(axis=0)


def mse_loss(y_hat, y):
    return float(np.mean((y_hat - y) ** 2)), 2 * (y_hat - y) / y_hat.size


def mae_loss(y_hat, y):
    return float(np.mean(np.abs(y_hat - y))), np.sign(y_hat - y) / y_hat.size


def mlp_forward(X, params):
    z1, c1 = linear_forward(X, params["W1"], params["b1"])
    h, c2 = relu_forward(z1)
    y_hat, c3 = linear_forward(h, params["W2"], params["b2"])
    return y_hat, (c1, c2, c3)


def mlp_backward(dy_hat, cache):
    c1, c2, c3 = cache
    dh, dW2, db2 = linear_backward(dy_hat, c3)
    dX, dW1, db1 = linear_backward(relu_backward(dh, c2), c1)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def train_mlp(X, y, params, lr, steps):
    params = {k: v.copy() for k, v in params.items()}
    losses = []
    for _ in range(steps):
        y_hat, cache = mlp_forward(X, params)
        value, dy = mse_loss(y_hat, y)
        losses.append(value)
        for key, g in mlp_backward(dy, cache).items():
            params[key] = params[key] - lr * g
    return losses


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mu, var = x.mean(axis=0), x.var(axis=0)
    xhat = (x - mu) / np.sqrt(var + eps)
    return gamma * xhat + beta, (xhat, gamma, var, eps)


def batchnorm_backward(dout, cache):
    xhat, gamma, var, eps = cache
    n = dout.shape[0]
    dxhat = dout * gamma
    dx = (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0)) / (n * np.sqrt(var + eps))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


def classifier_loss(X, y, params):
    z1, c1 = linear_forward(X, params["W1"], params["b1"])
    bn, c2 = batchnorm_forward(z1, params["gamma"], params["beta"])
    h, c3 = tanh_forward(bn)
    logits, c4 = linear_forward(h, params["W2"], params["b2"])
    value, dlogits = softmax_cross_entropy(logits, y)
    dh, dW2, db2 = linear_backward(dlogits, c4)
    dz1, dgamma, dbeta = batchnorm_backward(tanh_backward(dh, c3), c2)
    _, dW1, db1 = linear_backward(dz1, c1)
    return value, {"W1": dW1, "b1": db1, "gamma": dgamma, "beta": dbeta, "W2": dW2, "b2": db2}


def td_loss(q_values, actions, targets):
    n = q_values.shape[0]
    error = q_values[np.arange(n), actions] - targets
    dq = np.zeros_like(q_values)
    dq[np.arange(n), actions] = 2 * error / n
    return float(np.mean(error ** 2)), dq


CORRECT = {f.__name__: f for f in [
    loss, grad, df, dg, dcubic, tanh_neuron_backward, forward_difference, numerical_derivative,
    numerical_gradient, relative_error, gradient_check, relu_forward, relu_backward, tanh_forward,
    tanh_backward, sigmoid_forward, sigmoid_backward, softmax, softmax_cross_entropy, linear_forward,
    linear_backward, mse_loss, mae_loss, mlp_forward, mlp_backward, train_mlp, batchnorm_forward,
    batchnorm_backward, classifier_loss, td_loss,
]}


def test_every_spec_exercise_has_a_check():
    assert set(EXERCISES) == set(CORRECT)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_answer_passes_every_check(name, seed):
    report = check(CORRECT[name], seed=seed)
    assert report.passed, str(report)
    assert report.lines


# --- buggy implementations ---------------------------------------------------

def named(name, f):
    f.__name__ = name
    return f


# Release-notebook stubs, as nbgrader writes them.
STUBS = {}
exec("def grad(w, x, y):\n    raise NotImplementedError()\n"
     "def relu_forward(z):\n    raise NotImplementedError()\n", STUBS)

BUGS = [
    # (id, function under test, related functions, words the report must contain)
    ("grad sign", named("grad", lambda w, x, y: -2 * (w * x - y) * x), {}, ["wrong sign", "check the sign of (w*x - y)"]),
    ("grad half", named("grad", lambda w, x, y: (w * x - y) * x), {}, ["0.5x", "missing factor 2"]),
    ("grad scalar", named("grad", lambda w, x, y: float(np.sum(2 * (w * x - y) * x))), {}, ["should return a float array"]),
    ("loss abs", named("loss", lambda w, x, y: np.abs(w * x - y)), {}, ["quadruple"]),
    ("loss signed", named("loss", lambda w, x, y: (w * x - y) * abs(w * x - y)), {}, ["came out negative"]),
    ("df inner", named("df", lambda x: 2 * (2 * x + 1)), {}, ["0.5x", "inner 2x + 1"]),
    ("dg forgot inner", named("dg", lambda x: np.cos(x ** 2)), {}, ["does not match"]),
    ("dcubic inner", named("dcubic", lambda x: 3 * (3 * x + 2) ** 2), {}, ["0.333x"]),
    ("tanh neuron dx", named("tanh_neuron_backward",
                             lambda w, x, b, dh: (lambda r: (r[0], r[1], r[1], r[3]))(tanh_neuron_backward(w, x, b, dh))),
     {}, ["dx does not match"]),
    ("tanh neuron no dh", named("tanh_neuron_backward",
                                lambda w, x, b, dh: tanh_neuron_backward(w, x, b, np.ones_like(dh))), {}, ["dz"]),
    ("forward difference is central", named("forward_difference", lambda f, x, h: numerical_derivative(f, x, h)),
     {}, ["x and x + h only", "that is a central difference"]),
    ("numerical derivative one-sided", named("numerical_derivative", lambda f, x, h=1e-5: (f(x + h) - f(x)) / h),
     {}, ["x - 1e-5 and x + 1e-5", "exact on x**2"]),
    ("numerical derivative h=1e-3", named("numerical_derivative", lambda f, x, h=1e-3: numerical_derivative(f, x, h)),
     {}, ["default h = 1e-5"]),
    ("numerical gradient leaves x changed", named("numerical_gradient",
                                                  lambda f, x, h=1e-5: _leave_changed(f, x, h)), {}, ["x was changed"]),
    ("numerical gradient forward", named("numerical_gradient", lambda f, x, h=1e-5: _forward_gradient(f, x, h)),
     {}, ["differs from course_utils.numerical_gradient"]),
    ("relative error nan at zero", named("relative_error",
                                         lambda a, b: float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))),
     {}, ["0.0 without a warning"]),
    ("relative error not symmetric", named("relative_error",
                                           lambda a, b: float(np.linalg.norm(a - b) / (2 * np.linalg.norm(a) + 1e-300))),
     {}, ["should equal relative_error(b, a)"]),
    ("gradient check inverted", named("gradient_check", lambda f, g, x, h=1e-5, tol=1e-7:
                                      (lambda ok, e: (not ok, e))(*gradient_check(f, g, x, h, tol))),
     {}, ["should pass"]),
    ("relu backward at zero", named("relu_backward", lambda dout, cache: dout * (cache >= 0)), {}, ["z > 0 convention"]),
    ("relu backward ignores dout", named("relu_backward", lambda dout, cache: 1.0 * (cache > 0)), {}, ["dz"]),
    ("tanh backward uses z", named("tanh_backward", lambda dout, cache: dout * (1 - cache ** 2)),
     {"forward": named("tanh_forward", lambda z: (np.tanh(z), z))}, ["dz"]),
    ("sigmoid overflows", named("sigmoid_forward", lambda z: (1 / (1 + np.exp(-z)),) * 2), {}, ["overflow"]),
    ("sigmoid backward sign", named("sigmoid_backward", lambda dout, cache: -dout * cache * (1 - cache)), {},
     ["wrong sign"]),
    ("softmax unstable", named("softmax", lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)), {},
     ["subtract each row's max"]),
    ("softmax over batch", named("softmax", lambda z: np.exp(z) / np.exp(z).sum(axis=0, keepdims=True)), {},
     ["axis 0"]),
    ("cross entropy sums", named("softmax_cross_entropy",
                                 lambda L, y: (lambda v, d: (v * L.shape[0], d * L.shape[0]))(*softmax_cross_entropy(L, y))),
     {}, ["sum over the batch instead of a mean"]),
    ("cross entropy forgot 1/N", named("softmax_cross_entropy",
                                       lambda L, y: (lambda v, d: (v, d * L.shape[0]))(*softmax_cross_entropy(L, y))),
     {}, ["batch size", "carries 1/N"]),
    ("linear backward dW transposed", named("linear_backward", lambda dout, cache:
                                            (dout @ cache[1], cache[0].T @ dout, dout.sum(axis=0))),
     {}, ["transposed shape"]),
    ("linear backward db not summed", named("linear_backward", lambda dout, cache:
                                            (dout @ cache[1], dout.T @ cache[0], dout.mean(axis=0))),
     {}, ["db", "batch size"]),
    ("mse sums", named("mse_loss", lambda yh, y: (float(np.sum((yh - y) ** 2)), 2 * (yh - y))), {}, ["mean is 1"]),
    ("mse gradient not averaged", named("mse_loss", lambda yh, y: (mse_loss(yh, y)[0], 2 * (yh - y))), {},
     ["carries 1/size"]),
    ("mae sign", named("mae_loss", lambda yh, y: (mae_loss(yh, y)[0], -mae_loss(yh, y)[1])), {}, ["wrong sign"]),
    ("mlp backward no relu", named("mlp_backward", lambda dy, cache: _mlp_backward_no_relu(dy, cache)), {}, ["W1"]),
    ("mlp backward missing key", named("mlp_backward",
                                       lambda dy, cache: {k: v for k, v in mlp_backward(dy, cache).items() if k != "b1"}),
     {}, ["missing ['b1']"]),
    ("train mlp ascends", named("train_mlp", lambda X, y, p, lr, steps: train_mlp(X, y, p, -lr, steps)), {},
     ["sign of the update"]),
    ("train mlp in place", named("train_mlp", lambda X, y, p, lr, steps: _train_in_place(X, y, p, lr, steps)), {},
     ["changed params in place"]),
    ("batchnorm unbiased variance", named("batchnorm_forward", lambda x, g, b, eps=1e-5:
                                          (g * (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + eps) + b, None)),
     {}, ["variance"]),
    ("batchnorm backward ignores the mean", named("batchnorm_backward", lambda dout, cache:
                                                  (dout * cache[1] / np.sqrt(cache[2] + cache[3]),) +
                                                  batchnorm_backward(dout, cache)[1:]), {}, ["dx"]),
    ("classifier dgamma zero", named("classifier_loss", lambda X, y, p:
                                     (lambda v, g: (v, {**g, "gamma": np.zeros_like(g["gamma"])}))(*classifier_loss(X, y, p))),
     {}, ["all zeros"]),
    ("td loss all actions", named("td_loss", lambda q, a, t: (lambda v, d: (v, d + 0.1))(*td_loss(q, a, t))), {},
     ["not taken"]),
    ("td loss half", named("td_loss", lambda q, a, t: (lambda v, d: (v / 2, d / 2))(*td_loss(q, a, t))), {},
     ["mean squared TD error is 1"]),
    ("not implemented", STUBS["grad"], {}, ["grad is not implemented yet"]),
    ("related not implemented", relu_backward, {"forward": STUBS["relu_forward"]},
     ["relu_forward is not implemented yet"]),
]


def _leave_changed(f, x, h):
    out = numerical_gradient(f, x, h)
    x[0, 0] += h
    return out


def _forward_gradient(f, x, h):
    x = x.copy()
    out = np.zeros_like(x)
    base = f(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        out[i] = (f(x) - base) / h
        x[i] -= h
    return out


def _mlp_backward_no_relu(dy, cache):
    c1, _, c3 = cache
    dh, dW2, db2 = linear_backward(dy, c3)
    _, dW1, db1 = linear_backward(dh, c1)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def _train_in_place(X, y, params, lr, steps):
    losses = train_mlp(X, y, params, lr, steps)
    params["W1"] -= 0.1
    return losses


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("bug, function, related, words", BUGS, ids=[b[0] for b in BUGS])
def test_bug_fails_with_fitting_words(bug, function, related, words, seed):
    # Related functions not given are found in this module: the correct ones above.
    report = check(function, seed=seed, **related)
    assert not report.passed, f"{bug} passed:\n{report}"
    text = str(report)
    for word in words:
        assert word in text, f"{bug}: {word!r} not in\n{text}"


def test_related_function_is_found_where_the_function_was_defined():
    namespace = {}
    exec("import numpy as np\n"
         "def relu_forward(z):\n    return np.maximum(z, 0), z\n"
         "def relu_backward(dout, cache):\n    return dout * (cache > 0)\n", namespace)
    assert check(namespace["relu_backward"], seed=0).passed


def test_missing_related_function_is_asked_for():
    namespace = {}
    exec("def grad(w, x, y):\n    return 0 * w\n", namespace)
    report = check(namespace["grad"], seed=0)
    assert not report.passed
    assert "call check(grad, loss=loss)" in str(report)


def test_report_renders_as_text_and_html():
    report = Report("grad", [(True, "fine"), (False, "x < 1 & y")])
    assert str(report) == "check(grad): 1 of 2 checks failed\n✓ fine\n✗ x < 1 & y"
    assert "✗ x &lt; 1 &amp; y" in report._repr_html_()
    assert not report and Report("grad", [(True, "a")]).passed


def test_unknown_function_names_the_exercises():
    def mystery(x):
        return x

    with pytest.raises(ValueError, match="no self-check for a function named 'mystery'.*grad"):
        check(mystery)


@functools.lru_cache(maxsize=None)
def _solution_namespace(assignment):
    """The source notebook's setup and answer cells, run in a fresh namespace."""
    import nbgrading as ng

    namespace = {}
    for cell in ng.solution_submission(assignment).cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and (meta.get("solution") or meta.get("grade_id") == "setup"):
            code = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith("%"))
            exec(compile(code, f"<{assignment}:{meta.get('grade_id')}>", "exec"), namespace)
    return namespace


def _course_solutions():
    import nbgrading as ng

    return [(a, name) for a in ng.ASSIGNMENTS if (ng.RELEASE / a).is_dir()
            for name in sorted(set(EXERCISES) & set(_solution_namespace(a)))]


@pytest.mark.parametrize("assignment, name", _course_solutions())
def test_the_courses_own_solutions_pass(assignment, name):
    report = check(_solution_namespace(assignment)[name], seed=0)
    assert report.passed, str(report)


def test_check_prints_its_report_from_a_script(tmp_path):
    import subprocess
    import sys

    script = tmp_path / "mine.py"
    script.write_text("import course_utils\n\ndef loss(w, x, y):\n    return (w * x - y) ** 2\n\n"
                      "def grad(w, x, y):\n    return -2 * (w * x - y) * x\n\n"
                      "course_utils.check(grad, loss=loss, seed=0)\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True).stdout
    assert out.startswith("check(grad): 1 of 2 checks failed\n✓ ") and "wrong sign" in out
