"""Known-wrong solutions for assignment 2 (index loops, gradient checking, debugging, vectorising, regression).

``patch`` entries are (old, new) edits of the reference solution; ``code`` entries replace the cell.
``named`` is the diagnosis a student reads, in the visible check's error and in the grader's verdict.
"""

VARIANTS = {
    "forward_loops: layer 2 fed the pre-activation z1 (the seed's forward)": {
        "cell": "forward_loops",
        "patch": [("y_hat[i] += a1[k] * W2[k, i]", "y_hat[i] += z1[k] * W2[k, i]")],
        "loses": ["test_forward_loops"],
        "named": {"test_forward_loops": "layer 2 fed the pre-activation z1 instead of a1"},
    },
    "forward_loops: vectorised, not index loops": {
        "cell": "forward_loops",
        "code": ("def forward_loops(x, W1, W2):\n    z1 = x @ W1\n    a1 = sigmoid(z1)\n"
                 "    return {'z1': z1, 'a1': a1, 'y_hat': a1 @ W2}"),
        "loses": ["test_forward_loops"],
    },
    "half_sse: the mean instead of half the sum": {
        "cell": "half_sse",
        "patch": [("return 0.5 * total", "return total / len(y)")],
        "loses": ["test_half_sse"],
    },
    "half_sse: the 1/2 is missing": {
        "cell": "half_sse",
        "patch": [("return 0.5 * total", "return total")],
        "loses": ["test_half_sse"],
        "named": {"test_half_sse": "the 1/2 is missing"},
    },
    "grad_y_hat: the seed's sign, y - y_hat": {
        "cell": "grad_y_hat",
        "patch": [("dy_hat[i] = y_hat[i] - y[i]", "dy_hat[i] = y[i] - y_hat[i]")],
        "loses": ["test_grad_y_hat"],
        "named": {"test_grad_y_hat": "the seed's sign convention, y - y_hat (the negative gradient)"},
    },
    "grad_y_hat: a factor 2 (the 1/2 of the loss forgotten)": {
        "cell": "grad_y_hat",
        "patch": [("dy_hat[i] = y_hat[i] - y[i]", "dy_hat[i] = 2 * (y_hat[i] - y[i])")],
        "loses": ["test_grad_y_hat"],
        "named": {"test_grad_y_hat": "constant factor of 2"},
    },
    "grad_W2: z1 used where a1 belongs": {
        "cell": "grad_W2",
        "patch": [("dW2[k, i] = a1[k] * dy_hat[i]", "dW2[k, i] = cache['z1'][k] * dy_hat[i]")],
        "loses": ["test_grad_W2"],
        "named": {"test_grad_W2": "the pre-activation z1 used where a1 belongs"},
    },
    "grad_W2: transposed": {
        "cell": "grad_W2",
        "patch": [("dW2 = np.zeros((len(a1), len(dy_hat)))", "dW2 = np.zeros((len(dy_hat), len(a1)))"),
                  ("dW2[k, i] = a1[k] * dy_hat[i]", "dW2[i, k] = a1[k] * dy_hat[i]")],
        "loses": ["test_grad_W2"],
        "named": {"test_grad_W2": "It looks transposed."},
    },
    "grad_W2: vectorised with np.outer": {
        "cell": "grad_W2",
        "code": "def grad_W2(cache, dy_hat):\n    return np.outer(cache['a1'], dy_hat)",
        "loses": ["test_grad_W2"],
    },
    "grad_a1: only the last output's path (overwrites instead of summing)": {
        "cell": "grad_a1",
        "patch": [("da1[k] += dy_hat[i] * W2[k, i]", "da1[k] = dy_hat[i] * W2[k, i]")],
        "loses": ["test_grad_a1"],
    },
    "grad_z1: sigma' evaluated at a1": {
        "cell": "grad_z1",
        "patch": [("dz1[k] = da1[k] * a1[k] * (1 - a1[k])",
                   "s = float(sigmoid(a1[k]))\n        dz1[k] = da1[k] * s * (1 - s)")],
        "loses": ["test_grad_z1"],
        "named": {"test_grad_z1": "sigma' evaluated at a1 instead of z1"},
    },
    "grad_z1: the slope written z1 (1 - z1)": {
        "cell": "grad_z1",
        "patch": [("dz1[k] = da1[k] * a1[k] * (1 - a1[k])",
                   "dz1[k] = da1[k] * cache['z1'][k] * (1 - cache['z1'][k])")],
        "loses": ["test_grad_z1"],
        "named": {"test_grad_z1": "z used where a belongs"},
    },
    "grad_W1: transposed": {
        "cell": "grad_W1",
        "patch": [("dW1 = np.zeros((len(x), len(dz1)))", "dW1 = np.zeros((len(dz1), len(x)))"),
                  ("dW1[j, k] = x[j] * dz1[k]", "dW1[k, j] = x[j] * dz1[k]")],
        "loses": ["test_grad_W1"],
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
    "h_star: the factor 2 from differentiating h^2 lost": {
        "cell": "h_star",
        "patch": [("h_star = sp.cbrt(3 * eps * F / F3)", "h_star = sp.cbrt(6 * eps * F / F3)")],
        "loses": ["test_h_star"],
        "named": {"test_h_star": "the factor 2 from differentiating h^2 is lost"},
    },
    "h_star: the Taylor coefficient 1/2 instead of 1/6": {
        "cell": "h_star",
        "patch": [("h_star = sp.cbrt(3 * eps * F / F3)", "h_star = sp.cbrt(eps * F / F3)")],
        "loses": ["test_h_star"],
        "named": {"test_h_star": "the Taylor coefficient 1/2 instead of 1/6 in the truncation error"},
    },
    "best_h: the smallest step": {
        "cell": "best_h",
        "code": "best_h = 1e-12",
        "loses": ["test_best_h"],
    },
    "fixed_forward: still feeds z1 to layer 2": {
        "cell": "fixed_forward",
        "patch": [("y_hat = a1 @ W2", "y_hat = z1 @ W2")],
        "loses": ["test_fixed_forward"],
        "named": {"test_fixed_forward": "layer 2 fed the pre-activation z1 instead of a1"},
    },
    "fixed_forward: still draws a random target": {
        "cell": "fixed_forward",
        "patch": [("y_hat = a1 @ W2\n", "y_hat = a1 @ W2\n    y = np.random.default_rng().integers(5, size=y_hat.shape)\n")],
        "loses": ["test_fixed_forward"],
    },
    "fixed_backward: the seed's sign (the negative gradient)": {
        "cell": "fixed_backward",
        "patch": [("dy_hat = cache[\"y_hat\"] - y", "dy_hat = y - cache[\"y_hat\"]")],
        "loses": ["test_fixed_backward"],
        "named": {"test_fixed_backward": "sign flipped: the seed's convention"},
    },
    "fixed_backward: still reads the global example": {
        "cell": "fixed_backward",
        "patch": [("dy_hat = cache[\"y_hat\"] - y", "dy_hat = cache[\"y_hat\"] - y_global"),
                  ("dW1 = x[:, None]", "dW1 = x_global[:len(x), None]")],
        "loses": ["test_fixed_backward"],
    },
    "fixed_train: the W2 step still goes uphill": {
        "cell": "fixed_train",
        "patch": [('W2 = W2 - lr * grads["dW2"]', 'W2 = W2 + lr * grads["dW2"]')],
        "loses": ["test_fixed_train"],
    },
    "fixed_train: the seed's steps kept (W1 uphill with true gradients)": {
        "cell": "fixed_train",
        "patch": [('W1 = W1 - lr * grads["dW1"]', 'W1 = W1 + lr * grads["dW1"]')],
        "loses": ["test_fixed_train"],
    },
    "fixed_train: updates the caller's arrays in place": {
        "cell": "fixed_train",
        "patch": [("W1, W2 = W1.copy(), W2.copy()\n", ""),
                  ('W1 = W1 - lr * grads["dW1"]', 'W1 -= lr * grads["dW1"]'),
                  ('W2 = W2 - lr * grads["dW2"]', 'W2 -= lr * grads["dW2"]')],
        "loses": ["test_fixed_train"],
    },
    "forward_batch: layer 2 fed Z1": {
        "cell": "forward_batch",
        "patch": [("Y_hat = A1 @ W2", "Y_hat = Z1 @ W2")],
        "loses": ["test_forward_batch"],   # the fit uses it too, but a linear-output net on Z1 still fits under the bar
    },
    "backward_batch: the sum over rows instead of the mean": {
        "cell": "backward_batch",
        "patch": [("dY_hat = (Y_hat - Y) / len(X)", "dY_hat = Y_hat - Y")],
        "loses": ["test_backward_batch", "test_fit"],  # the fit trains with it: lr 0.5 x 32 diverges
        "named": {"test_backward_batch": "the sum over rows instead of the mean"},
    },
    "fit: targets left unscaled": {
        "cell": "fit",
        "patch": [("Ys_train = (Y_train - y_mean) / y_std", "Ys_train = Y_train"),
                  ("[0] * y_std + y_mean", "[0]"), ("lr, batch_size, epochs = 0.5, 32, 30", "lr, batch_size, epochs = 0.001, 32, 30")],
        "loses": ["test_fit"],
    },
    # -- honest index-loop styles (issue 26 item 8, issue 27 item 6): they keep every point ----------
    "forward_loops: W1[j][k], enumerate, zip over rows (honest style)": {
        "cell": "forward_loops",
        "code": ("def forward_loops(x, W1, W2):\n    z1 = np.zeros(len(W1[0]))\n    for j, xj in enumerate(x):\n"
                 "        for k in range(len(W1[j])):\n            z1[k] += xj * W1[j][k]\n    a1 = np.zeros_like(z1)\n"
                 "    for k, zk in enumerate(z1):\n        a1[k] = sigmoid(zk)\n    y_hat = np.zeros(np.shape(W2)[1])\n"
                 "    for k, (ak, row) in enumerate(zip(a1, W2)):\n        for i, w in enumerate(row):\n"
                 "            y_hat[i] += ak * w\n    return {'z1': z1, 'a1': a1, 'y_hat': y_hat}"),
        "loses": [],
        "keeps": ["test_forward_loops"],
    },
    "grad_y_hat: for a, b in zip(y_hat, y) (honest style)": {
        "cell": "grad_y_hat",
        "code": ("def grad_y_hat(cache, y):\n    dy_hat = np.zeros(len(y))\n"
                 "    for i, (a, b) in enumerate(zip(cache['y_hat'], y)):\n        dy_hat[i] = a - b\n    return dy_hat"),
        "loses": [],
        "keeps": ["test_grad_y_hat"],
    },
    "grad_W2: np.size, enumerate, dW2[k][i] (honest style)": {
        "cell": "grad_W2",
        "code": ("def grad_W2(cache, dy_hat):\n    a1 = cache['a1']\n    dW2 = np.zeros((np.size(a1), np.size(dy_hat)))\n"
                 "    for k, a in enumerate(a1):\n        for i, d in enumerate(dy_hat):\n            dW2[k][i] = a * d\n"
                 "    return dW2"),
        "loses": [],
        "keeps": ["test_grad_W2"],
    },
    "grad_a1: for row in W2 with a sum over zip (honest style)": {
        "cell": "grad_a1",
        "code": ("def grad_a1(dy_hat, W2):\n    da1 = np.zeros(len(W2))\n    for k, row in enumerate(W2):\n"
                 "        da1[k] = sum(d * w for d, w in zip(dy_hat, row))\n    return da1"),
        "loses": [],
        "keeps": ["test_grad_a1"],
    },
    "grad_W1: range(len(...)), np.shape, x[j] * dz1[k] (honest style)": {
        "cell": "grad_W1",
        "code": ("def grad_W1(cache, dz1):\n    x = cache['x']\n    dW1 = np.zeros((np.shape(x)[0], len(dz1)))\n"
                 "    for j in range(len(x)):\n        for k in range(len(dz1)):\n            dW1[j][k] = x[j] * dz1[k]\n"
                 "    return dW1"),
        "loses": [],
        "keeps": ["test_grad_W1"],
    },
}
