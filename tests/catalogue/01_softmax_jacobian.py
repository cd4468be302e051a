"""Known-wrong solutions for assignment 1, one per mistake a student plausibly makes.

Each entry replaces one solution cell (``cell`` = its grade_id) and names the
graded test cells that must lose their points (``loses``).  The round-trip
test autogrades one submission per entry; ``make demo`` uses some of them for
its partly-wrong demo student.
"""

VARIANTS = {
    "softmax_sym: exp(x) not divided by the sum": {
        "cell": "softmax_sym",
        "code": "def softmax_sym(x):\n    return x.applyfunc(sp.exp)",
        # softmax_jacobian_sym differentiates the student's own softmax_sym, as the exercise asks
        "loses": ["test_softmax_sym", "test_softmax_jacobian_sym"],
    },
    "softmax_sym: hard-coded for n = 3 (the visible case)": {
        "cell": "softmax_sym",
        "code": ("def softmax_sym(x):\n"
                 "    x1, x2, x3 = sp.symbols('x1:4')\n"
                 "    d = sp.exp(x1) + sp.exp(x2) + sp.exp(x3)\n"
                 "    return sp.Matrix([sp.exp(x1) / d, sp.exp(x2) / d, sp.exp(x3) / d])"),
        "loses": ["test_softmax_sym"],
    },
    "softmax_jacobian_sym: only the diagonal term diag(s)": {
        "cell": "softmax_jacobian_sym",
        "code": "def softmax_jacobian_sym(x):\n    return sp.diag(*softmax_sym(x))",
        "loses": ["test_softmax_jacobian_sym"],
    },
    "jacobian_from_outputs: the diagonal term is missing": {
        "cell": "jacobian_from_outputs",
        "code": "def jacobian_from_outputs(s):\n    return -s * s.T",
        "loses": ["test_jacobian_from_outputs"],
    },
    "jacobian_from_outputs: diag(s) + s s^T": {
        "cell": "jacobian_from_outputs",
        "code": "def jacobian_from_outputs(s):\n    return sp.diag(*s) + s * s.T",
        "loses": ["test_jacobian_from_outputs"],
    },
    "vjp_W_sym: outer product in the wrong order (x g^T)": {
        "cell": "vjp_W_sym",
        "code": "def vjp_W_sym(W, x, g):\n    return x * g.T",
        "loses": ["test_vjp_W_sym"],
    },
    "vjp_W_sym: hard-coded for the 3 x 3 visible case": {
        "cell": "vjp_W_sym",
        "code": ("def vjp_W_sym(W, x, g):\n"
                 "    G, X = sp.Matrix(sp.MatrixSymbol('g', 3, 1)), sp.Matrix(sp.MatrixSymbol('x', 3, 1))\n"
                 "    return G * X.T"),
        "loses": ["test_vjp_W_sym"],
    },
    "softmax: no max shift (overflows for large inputs)": {
        "cell": "softmax",
        "code": "def softmax(z):\n    e = np.exp(z)\n    return e / np.sum(e, axis=-1, keepdims=True)",
        "loses": ["test_softmax"],
    },
    "softmax: normalised over the first axis": {
        "cell": "softmax",
        "code": ("def softmax(z):\n    e = np.exp(z - np.max(z, axis=0, keepdims=True))\n"
                 "    return e / np.sum(e, axis=0, keepdims=True)"),
        "loses": ["test_softmax"],
    },
    "softmax_jacobian: diag(s) only": {
        "cell": "softmax_jacobian",
        "code": "def softmax_jacobian(z):\n    return np.diag(softmax(z))",
        "loses": ["test_softmax_jacobian"],
    },
    "softmax_jacobian: inner product s.s instead of outer": {
        "cell": "softmax_jacobian",
        "code": "def softmax_jacobian(z):\n    s = softmax(z)\n    return np.diag(s) - s @ s",
        "loses": ["test_softmax_jacobian"],
    },
    "cross_entropy: missing minus sign": {
        "cell": "cross_entropy",
        "code": "def cross_entropy(y_hat, y):\n    return np.sum(y * np.log(y_hat))",
        "loses": ["test_cross_entropy", "test_forward"],  # forward computes L with the student's own cross_entropy
        "keeps": ["test_softmax_xent_grad", "test_backward", "test_wrong_in_seed", "test_sgd_step"],
    },
    "cross_entropy: mean over classes": {
        "cell": "cross_entropy",
        "code": "def cross_entropy(y_hat, y):\n    return -np.mean(y * np.log(y_hat))",
        "loses": ["test_cross_entropy"],
    },
    "softmax_xent_grad: sign flipped (y - y_hat)": {
        "cell": "softmax_xent_grad",
        "code": "def softmax_xent_grad(z, y):\n    return y - softmax(z)",
        "loses": ["test_softmax_xent_grad"],
    },
    "softmax_xent_grad: chain rule through J with y instead of -y/y_hat": {
        "cell": "softmax_xent_grad",
        "code": "def softmax_xent_grad(z, y):\n    return softmax_jacobian(z) @ y",
        "loses": ["test_softmax_xent_grad"],
    },
    "forward: the pre-activation z1 passed to layer 2": {
        "cell": "forward",
        "code": ("def forward(x, y, params):\n"
                 "    z1 = x @ params['W1'] + params['b1']\n    h1 = sigmoid(z1)\n"
                 "    z2 = z1 @ params['W2'] + params['b2']\n    y_hat = softmax(z2)\n"
                 "    return cross_entropy(y_hat, y), {'x': x, 'y': y, 'z1': z1, 'h1': h1, 'z2': z2, 'y_hat': y_hat}"),
        "loses": ["test_forward"],
    },
    "backward: the seed's bug (sigma' times dz2, W2^T forgotten)": {
        "cell": "backward",
        "code": ("def backward(cache, params):\n"
                 "    dz2 = cache['y_hat'] - cache['y']\n    dh1 = dz2 @ params['W2'].T\n"
                 "    dz1 = cache['h1'] * (1 - cache['h1']) * dz2\n"
                 "    return {'dz2': dz2, 'dW2': np.outer(cache['h1'], dz2), 'db2': dz2, 'dh1': dh1,\n"
                 "            'dz1': dz1, 'dW1': np.outer(cache['x'], dz1), 'db1': dz1}"),
        "loses": ["test_backward"],
    },
    "backward: sigma' evaluated at h1 instead of z1": {
        "cell": "backward",
        "code": ("def backward(cache, params):\n"
                 "    dz2 = cache['y_hat'] - cache['y']\n    dh1 = dz2 @ params['W2'].T\n"
                 "    s = sigmoid(cache['h1'])\n    dz1 = dh1 * s * (1 - s)\n"
                 "    return {'dz2': dz2, 'dW2': np.outer(cache['h1'], dz2), 'db2': dz2, 'dh1': dh1,\n"
                 "            'dz1': dz1, 'dW1': np.outer(cache['x'], dz1), 'db1': dz1}"),
        "loses": ["test_backward"],
    },
    "backward: dW1 as outer(dz1, x) (transposed)": {
        "cell": "backward",
        "code": ("def backward(cache, params):\n"
                 "    dz2 = cache['y_hat'] - cache['y']\n    dh1 = dz2 @ params['W2'].T\n"
                 "    dz1 = dh1 * cache['h1'] * (1 - cache['h1'])\n"
                 "    return {'dz2': dz2, 'dW2': np.outer(cache['h1'], dz2), 'db2': dz2, 'dh1': dh1,\n"
                 "            'dz1': dz1, 'dW1': np.outer(dz1, cache['x']), 'db1': dz1}"),
        "loses": ["test_backward"],
    },
    "backward: hard-codes the seed's printed gradients": {
        "cell": "backward",
        "code": ("def backward(cache, params):\n"
                 "    dz2 = np.array([0.23168, 0.57034, -0.80201], dtype=np.float32)\n"
                 "    dz1 = np.array([0.022401, 0.101087, 0.082824], dtype=np.float32)\n"
                 "    return {'dz2': dz2, 'dW2': np.outer(cache['h1'], dz2), 'db2': dz2, 'dh1': dz2 @ params['W2'].T,\n"
                 "            'dz1': dz1, 'dW1': np.outer(cache['x'], dz1), 'db1': dz1}"),
        "loses": ["test_backward"],
    },
    "wrong_in_seed: names every gradient": {
        "cell": "wrong_in_seed",
        "code": "wrong_in_seed = {'dz2', 'dW2', 'db2', 'dz1', 'dW1', 'db1'}",
        "loses": ["test_wrong_in_seed"],
    },
    "sgd_step: goes uphill (p + lr * dp)": {
        "cell": "sgd_step",
        "code": "def sgd_step(params, grads, lr):\n    return {k: params[k] + lr * grads['d' + k] for k in ('W1', 'b1', 'W2', 'b2')}",
        "loses": ["test_sgd_step"],
    },
}
