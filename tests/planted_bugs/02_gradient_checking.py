"""Planted bugs of 02_gradient_checking: the mistakes students really make.

Each must score 0 in exactly the graded cells of `loses` and full points
everywhere else (tests/test_assignments.py). gradient_check runs the
student's own numerical_gradient and relative_error, and its tests accept any
error consistent with them, so bugs in those helpers cost only their own cells.
"""

BUGS = [
    # forward_difference
    dict(name="forward_difference that is actually central", cell="forward_difference",
         find="return (f(x + h) - f(x)) / h", replace="return (f(x + h) - f(x - h)) / (2 * h)",
         loses=["test_forward_difference"]),
    dict(name="forward_difference that is a backward difference", cell="forward_difference",
         find="return (f(x + h) - f(x)) / h", replace="return (f(x) - f(x - h)) / h",
         loses=["test_forward_difference"]),
    dict(name="forward_difference with a hard-coded step", cell="forward_difference",
         find="return (f(x + h) - f(x)) / h", replace="return (f(x + 1e-3) - f(x)) / 1e-3",
         loses=["test_forward_difference"]),
    # numerical_derivative
    dict(name="numerical_derivative without the 2", cell="numerical_derivative",
         find="return (f(x + h) - f(x - h)) / (2 * h)", replace="return (f(x + h) - f(x - h)) / h",
         loses=["test_numerical_derivative"]),
    dict(name="numerical_derivative that is a forward difference", cell="numerical_derivative",
         find="return (f(x + h) - f(x - h)) / (2 * h)", replace="return (f(x + h) - f(x)) / h",
         loses=["test_numerical_derivative"]),
    dict(name="numerical_derivative with the wrong default step", cell="numerical_derivative",
         find="h=1e-5):", replace="h=1e-4):",
         loses=["test_numerical_derivative"]),
    # numerical_gradient
    dict(name="numerical_gradient perturbs x in place and never restores it", cell="numerical_gradient",
         find="        x_plus = x.copy()\n        x_plus[i] += h\n        x_minus = x.copy()\n        x_minus[i] -= h\n",
         replace="        x[i] += h\n        x_plus = x.copy()\n        x[i] -= 2 * h\n        x_minus = x.copy()\n",
         loses=["test_numerical_gradient"]),
    dict(name="numerical_gradient builds the minus point from the plus point", cell="numerical_gradient",
         find="x_minus = x.copy()", replace="x_minus = x_plus.copy()",
         loses=["test_numerical_gradient"]),
    dict(name="numerical_gradient restores x with -= (off by an ulp)", cell="numerical_gradient",
         find="        x_plus = x.copy()\n        x_plus[i] += h\n        x_minus = x.copy()\n        x_minus[i] -= h\n"
              "        grad[i] = (f(x_plus) - f(x_minus)) / (2 * h)\n",
         replace="        x[i] += h\n        f_plus = f(x)\n        x[i] -= 2 * h\n        f_minus = f(x)\n"
                 "        x[i] += h\n        grad[i] = (f_plus - f_minus) / (2 * h)\n",
         loses=["test_numerical_gradient"]),
    dict(name="numerical_gradient uses a forward difference", cell="numerical_gradient",
         find="grad[i] = (f(x_plus) - f(x_minus)) / (2 * h)", replace="grad[i] = (f(x_plus) - f(x)) / h",
         loses=["test_numerical_gradient"]),
    dict(name="numerical_gradient ignores h", cell="numerical_gradient",
         find="x_plus[i] += h\n        x_minus = x.copy()\n        x_minus[i] -= h\n        grad[i] = (f(x_plus) - f(x_minus)) / (2 * h)",
         replace="x_plus[i] += 1e-5\n        x_minus = x.copy()\n        x_minus[i] -= 1e-5\n        grad[i] = (f(x_plus) - f(x_minus)) / 2e-5",
         loses=["test_numerical_gradient"]),
    # relative_error
    dict(name="relative_error without the zero case", cell="relative_error",
         find="    if denominator == 0.0:\n        return 0.0\n", replace="",
         loses=["test_relative_error"]),
    dict(name="relative_error divides by norm(a) only", cell="relative_error",
         find="denominator = np.linalg.norm(a) + np.linalg.norm(b)", replace="denominator = np.linalg.norm(a)",
         loses=["test_relative_error"]),
    dict(name="relative_error divides by the max of the norms", cell="relative_error",
         find="denominator = np.linalg.norm(a) + np.linalg.norm(b)",
         replace="denominator = max(np.linalg.norm(a), np.linalg.norm(b))",
         loses=["test_relative_error"]),
    dict(name="relative_error with the absolute difference of the norms", cell="relative_error",
         find="return float(np.linalg.norm(a - b) / denominator)",
         replace="return float(abs(np.linalg.norm(a) - np.linalg.norm(b)) / denominator)",
         loses=["test_relative_error"]),
    # gradient_check
    dict(name="gradient_check with the comparison flipped", cell="gradient_check",
         find="passed = bool(error < tol)", replace="passed = bool(error > tol)",
         loses=["test_gradient_check"]),
    dict(name="gradient_check ignores tol", cell="gradient_check",
         find="passed = bool(error < tol)", replace="passed = bool(error < 1e-7)",
         loses=["test_gradient_check"]),
    dict(name="gradient_check ignores h", cell="gradient_check",
         find="numeric = numerical_gradient(f, x, h)", replace="numeric = numerical_gradient(f, x)",
         loses=["test_gradient_check"]),
    dict(name="gradient_check returns the absolute difference", cell="gradient_check",
         find="error = float(relative_error(analytic, numeric))",
         replace="error = float(np.max(np.abs(analytic - numeric)))",
         loses=["test_gradient_check"]),
    # debugging exercise
    dict(name="only one of the two planted bugs found", cell="buggy_params",
         find='buggy_params = {"W2", "b1"}', replace='buggy_params = {"W2"}',
         loses=["test_buggy_params"]),
    dict(name="the wrong layer blamed", cell="buggy_params",
         find='buggy_params = {"W2", "b1"}', replace='buggy_params = {"W1", "b2"}',
         loses=["test_buggy_params"]),
]
