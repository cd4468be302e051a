"""Known-wrong solutions for assignment 2 (index loops, gradient checking, debugging, regression).

``patch`` entries are (old, new) edits of the reference solution; ``code`` entries replace the cell.
"""

VARIANTS = {
    "forward_loops: layer 2 fed the pre-activation z1": {
        "cell": "forward_loops",
        "patch": [("y[i] += h1[k] * W2[k, i]", "y[i] += z1[k] * W2[k, i]")],
        # best_h is read off the error curve of the loss the student's forward_loops computes, and
        # train_loops trains with it: both use the student's own forward_loops, as the exercises ask
        "loses": ["test_forward_loops", "test_best_h", "test_train_loops"],
    },
    "mse: the 1/2 is missing": {
        "cell": "mse",
        "patch": [("0.5 * np.sum", "np.sum")],
        "loses": ["test_mse"],
    },
    "mse: mean instead of sum": {
        "cell": "mse",
        "patch": [("0.5 * np.sum((t - y) ** 2)", "0.5 * np.mean((t - y) ** 2)")],
        "loses": ["test_mse"],
    },
    "backward_loops: delta defined as t - y (sign flipped)": {
        "cell": "backward_loops",
        "patch": [("delta2[i] = y[i] - t[i]", "delta2[i] = t[i] - y[i]")],
        "loses": ["test_backward_loops"],
        "keeps": ["test_central_difference", "test_best_h", "test_bugs_found"],  # best_h's curve uses the reference dW1
    },
    "backward_loops: sigma' evaluated at h1": {
        "cell": "backward_loops",
        "patch": [("delta1[k] = total * h1[k] * (1 - h1[k])",
                   "delta1[k] = total * sigmoid(h1[k]) * (1 - sigmoid(h1[k]))")],
        "loses": ["test_backward_loops"],
    },
    "backward_loops: z1 used instead of h1 in dW2": {
        "cell": "backward_loops",
        "patch": [("dW2[k, i] = h1[k] * delta2[i]", "dW2[k, i] = cache['z1'][k] * delta2[i]")],
        "loses": ["test_backward_loops"],
    },
    "backward_loops: extra factor 2 (derivative of the loss without its 1/2)": {
        "cell": "backward_loops",
        "patch": [("delta2[i] = y[i] - t[i]", "delta2[i] = 2 * (y[i] - t[i])")],
        "loses": ["test_backward_loops"],
    },
    "backward_loops: reads the global example instead of the cache": {
        "cell": "backward_loops",
        "patch": [('x, h1, y = cache["x"], cache["h1"], cache["y"]',
                   'x, h1, y = x_demo, cache["h1"], cache["y"]')],
        "loses": ["test_backward_loops"],
    },
    "central_difference: one-sided difference": {
        "cell": "central_difference",
        "patch": [("W[idx] = old - h\n        f_minus = f(W)", "W[idx] = old\n        f_minus = f(W)"),
                  ("(f_plus - f_minus) / (2 * h)", "(f_plus - f_minus) / h")],
        "loses": ["test_central_difference"],
    },
    "central_difference: divides by h instead of 2h": {
        "cell": "central_difference",
        "patch": [("(f_plus - f_minus) / (2 * h)", "(f_plus - f_minus) / h")],
        "loses": ["test_central_difference"],
    },
    "central_difference: the entry is not restored": {
        "cell": "central_difference",
        "patch": [("        W[idx] = old\n", "")],
        "loses": ["test_central_difference"],
    },
    "best_h: the smallest step": {
        "cell": "best_h",
        "code": "best_h = 1e-12",
        "loses": ["test_best_h"],
    },
    "bugs_found: only the two bugs that raise no suspicion in a loss curve": {
        "cell": "bugs_found",
        "code": 'bugs_found = {"A", "C"}',
        "loses": ["test_bugs_found"],
    },
    "train_loops: the update goes uphill": {
        "cell": "train_loops",
        "patch": [('W1 = W1 - lr * grads["dW1"]', 'W1 = W1 + lr * grads["dW1"]'),
                  ('W2 = W2 - lr * grads["dW2"]', 'W2 = W2 + lr * grads["dW2"]')],
        "loses": ["test_train_loops"],
    },
    "train_loops: a random target on every step (the seed's bug)": {
        "cell": "train_loops",
        "patch": [("grads = backward_loops(cache, t, W2)",
                   "grads = backward_loops(cache, np.random.default_rng().integers(5, size=len(t)), W2)")],
        "loses": ["test_train_loops"],
    },
    "train_loops: updates the caller's arrays in place": {
        "cell": "train_loops",
        "patch": [("W1, W2 = W1.copy(), W2.copy()\n", ""),
                  ('W1 = W1 - lr * grads["dW1"]', 'W1 -= lr * grads["dW1"]'),
                  ('W2 = W2 - lr * grads["dW2"]', 'W2 -= lr * grads["dW2"]')],
        "loses": ["test_train_loops"],
    },
    "backward_batch: the sum over rows instead of the mean": {
        "cell": "batch",
        "patch": [("D2 = (Y - T) / len(X)", "D2 = Y - T")],
        "loses": ["test_batch"],
    },
    "fit: targets left unscaled": {
        "cell": "fit",
        "patch": [("Ts_train = (Y_train - y_mean) / y_std", "Ts_train = Y_train"),
                  ("* y_std + y_mean", ""), ("lr, batch_size, epochs = 0.5, 32, 30", "lr, batch_size, epochs = 0.001, 32, 30")],
        "loses": ["test_fit"],
    },
    "fit: scaled with the test set's statistics": {
        "cell": "fit",
        "patch": [("x_mean, x_std = X_train.mean(axis=0), X_train.std(axis=0)",
                   "x_mean, x_std = X_test.mean(axis=0), X_test.std(axis=0)"),
                  ("y_mean, y_std = Y_train.mean(axis=0), Y_train.std(axis=0)",
                   "y_mean, y_std = Y_test.mean(axis=0), Y_test.std(axis=0)")],
        "loses": ["test_fit"],
    },
}
