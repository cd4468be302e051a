"""Known-wrong solutions for assignment 5 (the XOR MLP).

Each variant is one mistake in one answer cell; ``loses`` lists exactly the tests it costs (every
backward link is fed the reference's upstream values, so a mistake costs once) and ``named`` the
diagnosis a student reads both in the visible check and in the grader's verdict.
"""

CONSTANT = "the expected one times a constant factor of"
TRANSPOSED = "the expected one transposed"

VARIANTS = {
    "forward_xor: the sum of the per-example losses instead of the mean": {
        "cell": "forward_xor",
        "patch": [("return losses.mean(),", "return losses.sum(),")],
        "loses": ["test_forward_xor"],
        "named": {"test_forward_xor": CONSTANT},
    },
    "grad_Z2: missing 1/N (the gradient of the summed loss)": {
        "cell": "grad_Z2",
        "patch": [("return (Y_hat - Y) / len(Y)", "return Y_hat - Y")],
        "loses": ["test_grad_Z2"],
        "named": {"test_grad_Z2": CONSTANT},
    },
    "grad_Z2: sign flipped (y - y_hat)": {
        "cell": "grad_Z2",
        "patch": [("return (Y_hat - Y) / len(Y)", "return (Y - Y_hat) / len(Y)")],
        "loses": ["test_grad_Z2"],
        "named": {"test_grad_Z2": "sign flipped"},
    },
    "grad_Z2: the gradient with respect to y_hat instead of z2": {
        "cell": "grad_Z2",
        "patch": [("return (Y_hat - Y) / len(Y)", "return -Y / Y_hat / len(Y)")],
        "loses": ["test_grad_Z2"],
        "named": {"test_grad_Z2": "one node too early"},
    },
    "grad_Z2: the softmax Jacobian applied on top of y_hat - y": {
        "cell": "grad_Z2",
        "patch": [("return (Y_hat - Y) / len(Y)",
                   "G = (Y_hat - Y) / len(Y)\n    return G * Y_hat - Y_hat * np.sum(G * Y_hat, axis=1, keepdims=True)")],
        "loses": ["test_grad_Z2"],
    },
    "grad_W2: transposed": {
        "cell": "grad_W2",
        "patch": [('return cache["A1"].T @ dZ2', 'return (cache["A1"].T @ dZ2).T')],
        "loses": ["test_grad_W2"],
        "named": {"test_grad_W2": TRANSPOSED},
    },
    "grad_W2: the pre-activation Z1 in place of A1": {
        "cell": "grad_W2",
        "patch": [('return cache["A1"].T @ dZ2', 'return cache["Z1"].T @ dZ2')],
        "loses": ["test_grad_W2"],
        "named": {"test_grad_W2": "the pre-activation Z1 used where A1 belongs"},
    },
    "grad_b2: the mean over the batch instead of the sum": {
        "cell": "grad_W2",
        "patch": [("return dZ2.sum(axis=0)", "return dZ2.mean(axis=0)")],
        "loses": ["test_grad_b2"],
        "named": {"test_grad_b2": CONSTANT},
    },
    "grad_A1: W2 not transposed": {
        "cell": "grad_A1",
        "patch": [("return dZ2 @ W2.T", "return dZ2 @ W2 if W2.shape[0] == W2.shape[1] else dZ2 @ W2.T")],
        "loses": ["test_grad_A1"],
        "named": {"test_grad_A1": "W2 used as in the forward pass, not transposed"},
    },
    "grad_Z1: the activation A1 in place of ReLU'(Z1)": {
        "cell": "grad_Z1",
        "patch": [("return dA1 * ((Z1 > 0) + at_zero * (Z1 == 0))", 'return dA1 * cache["A1"]')],
        "loses": ["test_grad_Z1"],
        "named": {"test_grad_Z1": "the activation A1 itself in place of ReLU'(Z1)"},
    },
    "grad_Z1: ReLU'(0) = 1 always (at_zero ignored)": {
        "cell": "grad_Z1",
        "patch": [("return dA1 * ((Z1 > 0) + at_zero * (Z1 == 0))", "return dA1 * (Z1 >= 0)")],
        "loses": ["test_grad_Z1"],
        "named": {"test_grad_Z1": "the other ReLU'(0) convention"},
    },
    "grad_Z1: ReLU' read off the activation A1 instead of Z1": {
        "cell": "grad_Z1",
        "patch": [("return dA1 * ((Z1 > 0) + at_zero * (Z1 == 0))",
                   'A1 = cache["A1"]\n    return dA1 * ((A1 > 0) + at_zero * (A1 == 0))')],
        "loses": ["test_grad_Z1"],
        "named": {"test_grad_Z1": "ReLU' read off the activation A1"},
    },
    "grad_W1: transposed": {
        "cell": "grad_W1",
        "patch": [('return cache["X"].T @ dZ1', 'return (cache["X"].T @ dZ1).T')],
        "loses": ["test_grad_W1"],
        "named": {"test_grad_W1": TRANSPOSED},
    },
    "grad_W1: an extra 1/N (the mean taken twice)": {
        "cell": "grad_W1",
        "patch": [('return cache["X"].T @ dZ1', 'return cache["X"].T @ dZ1 / len(dZ1)')],
        "loses": ["test_grad_W1"],
        "named": {"test_grad_W1": CONSTANT},
    },
    "grad_b1: the mean over the batch instead of the sum": {
        "cell": "grad_W1",
        "patch": [("return dZ1.sum(axis=0)", "return dZ1.mean(axis=0)")],
        "loses": ["test_grad_b1"],
        "named": {"test_grad_b1": CONSTANT},
    },
    "grad_X: W1 not transposed": {
        "cell": "grad_W1",
        "patch": [("return dZ1 @ W1.T", "return dZ1 @ W1 if W1.shape[0] == W1.shape[1] else dZ1 @ W1.T")],
        "loses": ["test_grad_X"],
        "named": {"test_grad_X": "W1 used as in the forward pass, not transposed"},
    },
    "sgd_step_xor: the step goes uphill": {
        "cell": "sgd_step_xor",
        "patch": [("value - lr * grads", "value + lr * grads")],
        "loses": ["test_keras_step"],
        "named": {"test_keras_step": "the step goes uphill"},
    },
    "KERAS_RELU_AT_ZERO: the right-hand slope, 1": {
        "cell": "keras_relu_at_zero",
        "patch": [("KERAS_RELU_AT_ZERO = 0.0", "KERAS_RELU_AT_ZERO = 1.0")],
        "loses": ["test_keras_step"],
    },
    "sigmoid_prime_in_a: the derivative evaluated at a instead of at z": {
        "cell": "activation_sympy",
        "patch": [("    return a * (1 - a)", "    return sp.exp(-a) / (1 + sp.exp(-a)) ** 2")],
        "loses": ["test_activation_sympy"],
        "named": {"test_activation_sympy": "the derivative evaluated at a instead of at z"},
    },
    "tanh_prime_in_a: written in z, not in a": {
        "cell": "activation_sympy",
        "patch": [("    return 1 - a ** 2", '    return 1 - sp.tanh(sp.Symbol("z")) ** 2')],
        "loses": ["test_activation_sympy"],
    },
    "tanh_grad_from_output: evaluated as if given z": {
        "cell": "activation_grads",
        "patch": [("return 1 - a ** 2", "return 1 - np.tanh(a) ** 2")],
        "loses": ["test_activation_grads"],
        "named": {"test_activation_grads": "the derivative evaluated at a instead of at z"},
    },
    "dense_backward: dW transposed": {
        "cell": "dense",
        "patch": [("return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)", "return dZ @ W.T, (X.T @ dZ).T, dZ.sum(axis=0)")],
        "loses": ["test_dense"],
        "named": {"test_dense": TRANSPOSED},
    },
    "dense_backward: db as the mean over rows": {
        "cell": "dense",
        "patch": [("dZ.sum(axis=0)", "dZ.mean(axis=0)")],
        "loses": ["test_dense"],
        "named": {"test_dense": CONSTANT},
    },
    "uniform_variance: (b - a)^2 / 12 with b - a = r": {
        "cell": "glorot_derivation",
        "patch": [("return sp.integrate(w ** 2 / (2 * r), (w, -r, r))", "return r ** 2 / 12")],
        "loses": ["test_glorot_limit"],
        "named": {"test_glorot_limit": CONSTANT},
    },
    "uniform_variance: the integral without the density": {
        "cell": "glorot_derivation",
        "patch": [("return sp.integrate(w ** 2 / (2 * r), (w, -r, r))", "return sp.integrate(w ** 2, (w, -r, r))")],
        "loses": ["test_glorot_limit"],
        "named": {"test_glorot_limit": "the integral of w^2 without the density 1/(2r)"},
    },
    "glorot_limit: fan_in only": {
        "cell": "glorot_derivation",
        "patch": [("return sp.sqrt(6 / (fan_in + fan_out))", "return sp.sqrt(3 / fan_in)")],
        "loses": ["test_glorot_limit"],
    },
    "glorot_uniform: normal instead of uniform": {
        "cell": "glorot",
        "patch": [("return rng.uniform(-limit, limit, size=(fan_in, fan_out))",
                   "return rng.normal(0, limit / np.sqrt(3), size=(fan_in, fan_out))")],
        "loses": ["test_glorot"],
    },
    "glorot_uniform: limit sqrt(1 / (fan_in + fan_out))": {
        "cell": "glorot",
        "patch": [("limit = np.sqrt(6.0 / (fan_in + fan_out))", "limit = np.sqrt(1.0 / (fan_in + fan_out))")],
        "loses": ["test_glorot"],
    },
    "mean_loss_lr: divided by N instead of multiplied": {
        "cell": "mean_loss_lr",
        "patch": [("return lr_summed * N", "return lr_summed / N")],
        "loses": ["test_mean_loss_lr"],
        "named": {"test_mean_loss_lr": "the rate divided by N instead of multiplied"},
    },
    "xor_gradients: the seed's summed gradients for a mean loss": {
        "cell": "xor_gradients",
        "patch": [("dZ2 = (Y_hat - y) / len(X) * Y_hat * (1 - Y_hat)", "dZ2 = (Y_hat - y) * Y_hat * (1 - Y_hat)")],
        "loses": ["test_xor_gradients"],
    },
    "xor_gradients: sigma' evaluated at z2's output as if it were z": {
        "cell": "xor_gradients",
        "patch": [("dZ2 = (Y_hat - y) / len(X) * Y_hat * (1 - Y_hat)",
                   "dZ2 = (Y_hat - y) / len(X) * sigmoid(Y_hat) * (1 - sigmoid(Y_hat))")],
        "loses": ["test_xor_gradients"],
    },
    "xor_gradients: the tanh derivative of the pre-activation used as an activation": {
        "cell": "xor_gradients",
        "patch": [('dZ1 = dZ2 @ params["W2"].T * (1 - A1 ** 2)', 'dZ1 = dZ2 @ params["W2"].T * (1 - np.tanh(A1) ** 2)')],
        "loses": ["test_xor_gradients"],
    },
    "gradient_descent: the steps go uphill": {
        "cell": "gradient_descent",
        "patch": [('params = {k: v - lr * grads["d" + k]', 'params = {k: v + lr * grads["d" + k]')],
        "loses": ["test_gradient_descent"],
        "named": {"test_gradient_descent": "the steps go uphill"},
    },
}
