"""Known-wrong solutions for assignment 5 (the XOR MLP)."""

VARIANTS = {
    "forward_xor: the sum of the per-example losses instead of the mean": {
        "cell": "forward_xor",
        "patch": [("return losses.mean(),", "return losses.sum(),")],
        "loses": ["test_forward_xor"],
    },
    "relu_grad: ReLU'(0) = 1 always": {
        "cell": "relu_grad",
        "patch": [("return (Z > 0).astype(float) + at_zero * (Z == 0)", "return (Z >= 0).astype(float)")],
        "loses": ["test_relu_grad"],
    },
    "backward_xor: dW transposed": {
        "cell": "backward_xor",
        "patch": [('dW = cache["X"].T @ dZ', 'dW = (cache["X"].T @ dZ).T')],
        "loses": ["test_backward_xor"],
    },
    "backward_xor: dV transposed": {
        "cell": "backward_xor",
        "patch": [('dV = cache["H"].T @ dA', 'dV = (cache["H"].T @ dA).T')],
        "loses": ["test_backward_xor"],
    },
    "backward_xor: the sum over examples instead of the mean": {
        "cell": "backward_xor",
        "patch": [('dA = (cache["Y_hat"] - cache["Y"]) / N', 'dA = cache["Y_hat"] - cache["Y"]')],
        "loses": ["test_backward_xor"],
    },
    "backward_xor: ReLU'(0) = 1 regardless of at_zero": {
        "cell": "backward_xor",
        "patch": [('dZ = dH * relu_grad(cache["Z"], at_zero)', 'dZ = dH * relu_grad(cache["Z"], 1.0)')],
        "loses": ["test_backward_xor"],
    },
    "backward_xor: the softmax Jacobian applied on top of y_hat - y": {
        "cell": "backward_xor",
        "patch": [('dA = (cache["Y_hat"] - cache["Y"]) / N',
                   'P = cache["Y_hat"]\n    dA = ((P - cache["Y"]) * P - P * np.sum((P - cache["Y"]) * P, axis=1, keepdims=True)) / N')],
        "loses": ["test_backward_xor"],
    },
    "sgd_step_xor: the step goes uphill": {
        "cell": "sgd_step_xor",
        "patch": [('value - lr * grads', 'value + lr * grads')],
        "loses": ["test_sgd_step_xor"],
    },
    "dense_backward: dW transposed": {
        "cell": "dense",
        "patch": [("return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)", "return dZ @ W.T, (X.T @ dZ).T, dZ.sum(axis=0)")],
        "loses": ["test_dense"],
    },
    "dense_backward: db as the mean over rows": {
        "cell": "dense",
        "patch": [("dZ.sum(axis=0)", "dZ.mean(axis=0)")],
        "loses": ["test_dense"],
    },
    "tanh derivative evaluated as if given z": {
        "cell": "activation_grads",
        "patch": [("return 1 - a ** 2", "return 1 - np.tanh(a) ** 2")],
        "loses": ["test_activation_grads"],
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
    "glorot_uniform: fan_in only": {
        "cell": "glorot",
        "patch": [("limit = np.sqrt(6.0 / (fan_in + fan_out))", "limit = np.sqrt(6.0 / (2 * fan_in))")],
        "loses": ["test_glorot"],
    },
    "xor_gradients: the seed's summed gradients for a mean loss": {
        "cell": "train_xor",
        "patch": [("dZ2 = (P - y) / len(X) * sigmoid_grad_from_output(P)", "dZ2 = (P - y) * sigmoid_grad_from_output(P)")],
        "loses": ["test_train_xor"],
    },
    "train_xor: the update goes uphill": {
        "cell": "train_xor",
        "patch": [('params = {k: v - lr * grads["d" + k]', 'params = {k: v + lr * grads["d" + k]')],
        "loses": ["test_train_xor"],
    },
}
