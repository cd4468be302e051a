"""Known-wrong solutions for assignment 1, one per mistake a student plausibly makes.

Each entry replaces one solution cell (``cell`` = its grade_id) and names the graded test cells
that must lose their points (``loses``) and, where the mistake has a name, the diagnosis the
visible check and the grader's verdict must both give (``named``: {test: text}). Part 3's steps
are graded one intermediate per test, each fed the reference's upstream values, so a mistake in
one step loses that step only.
"""

STEPS = '''
def grad_z2(y_hat, y):
    return y_hat - y


def grad_W2(h1, dz2):
    return np.outer(h1, dz2)


def grad_b2(dz2):
    return dz2.copy()


def grad_h1(dz2, W2):
    return dz2 @ W2.T


def grad_z1(dh1, z1, h1):
    return dh1 * h1 * (1 - h1)


def grad_W1(x, dz1):
    return np.outer(x, dz1)


def grad_b1(dz1):
    return dz1.copy()
'''


def steps(old, new):
    assert old in STEPS, old
    return STEPS.replace(old, new)


FIXED = '''
def fixed_backward(cache, params):
    err_out = cache["y_hat"] - cache["y"]
    err_hidden = cache["h1"] * (1 - cache["h1"]) * (err_out @ params["W2"].T)
    return {"dW2": np.outer(cache["h1"], err_out), "db2": err_out,
            "dW1": np.outer(cache["x"], err_hidden), "db1": err_hidden}
'''

VARIANTS = {
    # first: runs to the end, so every other test is seen to keep its points
    "backward_steps: sigma' evaluated at h1 instead of z1": {
        "cell": "backward_steps",
        "code": steps("return dh1 * h1 * (1 - h1)", "return dh1 * sigmoid(h1) * (1 - sigmoid(h1))"),
        "loses": ["test_dz1"],
        "named": {"test_dz1": "sigma' evaluated at h1 instead of z1"},
    },
    "softmax_sym: exp(x) not divided by the sum": {
        "cell": "softmax_sym",
        "code": "def softmax_sym(x):\n    return x.applyfunc(sp.exp)",
        "loses": ["test_softmax_sym"],
        "named": {"test_softmax_sym": "exp(x) without dividing by the sum"},
    },
    "softmax_sym: hard-coded for n = 3 (the visible case)": {
        "cell": "softmax_sym",
        "code": ("def softmax_sym(x):\n"
                 "    x1, x2, x3 = x\n"
                 "    d = sp.exp(x1) + sp.exp(x2) + sp.exp(x3)\n"
                 "    return sp.Matrix([sp.exp(x1) / d, sp.exp(x2) / d, sp.exp(x3) / d])"),
        "loses": ["test_softmax_sym"],
    },
    "softmax_jacobian_by_hand: only the derivative of the numerator (f'/g)": {
        "cell": "softmax_jacobian_by_hand",
        "code": ("def softmax_jacobian_by_hand(x):\n    n = x.shape[0]\n    S = sum(sp.exp(x[k]) for k in range(n))\n"
                 "    return sp.Matrix(n, n, lambda i, j: sp.exp(x[i]) / S if i == j else 0)"),
        "loses": ["test_softmax_jacobian_by_hand"],
        "named": {"test_softmax_jacobian_by_hand": "only the derivative of the numerator kept"},
    },
    "softmax_jacobian_by_hand: quotient rule in the wrong order (f g' - f' g)": {
        "cell": "softmax_jacobian_by_hand",
        "code": ("def softmax_jacobian_by_hand(x):\n    n = x.shape[0]\n    e = [sp.exp(x[k]) for k in range(n)]\n"
                 "    S = sum(e)\n"
                 "    return sp.Matrix(n, n, lambda i, j: (e[i] * e[j] - (e[i] if i == j else 0) * S) / S**2)"),
        "loses": ["test_softmax_jacobian_by_hand"],
        "named": {"test_softmax_jacobian_by_hand": "the two terms of the quotient rule in the wrong order"},
    },
    "softmax_jacobian_by_hand: the off-diagonal entries forgotten (0)": {
        "cell": "softmax_jacobian_by_hand",
        "code": ("def softmax_jacobian_by_hand(x):\n    n = x.shape[0]\n    e = [sp.exp(x[k]) for k in range(n)]\n"
                 "    S = sum(e)\n"
                 "    return sp.Matrix(n, n, lambda i, j: (e[i] * S - e[i] * e[j]) / S**2 if i == j else 0)"),
        "loses": ["test_softmax_jacobian_by_hand"],
    },
    "jacobian_from_outputs: the diagonal term is missing (-s s^T)": {
        "cell": "jacobian_from_outputs",
        "code": "def jacobian_from_outputs(s):\n    return -s * s.T",
        "loses": ["test_jacobian_from_outputs"],
        "named": {"test_jacobian_from_outputs": "the diagonal term is missing"},
    },
    "jacobian_from_outputs: diag(s) + s s^T": {
        "cell": "jacobian_from_outputs",
        "code": "def jacobian_from_outputs(s):\n    return sp.diag(*s) + s * s.T",
        "loses": ["test_jacobian_from_outputs"],
        "named": {"test_jacobian_from_outputs": "the outer-product term has the wrong sign"},
    },
    "jacobian_from_outputs: diag(s) - s^T s (inner product, a 1 x 1 matrix)": {
        "cell": "jacobian_from_outputs",
        "code": "def jacobian_from_outputs(s):\n    return sp.diag(*s) - (s.T * s)[0, 0] * sp.eye(s.shape[0])",
        "loses": ["test_jacobian_from_outputs"],
    },
    "softmax_potential: the sum of the exponentials": {
        "cell": "softmax_potential",
        "code": "def softmax_potential(x):\n    return sum(x.applyfunc(sp.exp))",
        "loses": ["test_softmax_potential"],
        "named": {"test_softmax_potential": "F = the sum of the exponentials"},
    },
    "softmax_potential: returns the softmax itself (a Matrix, not a scalar)": {
        "cell": "softmax_potential",
        "code": "def softmax_potential(x):\n    e = x.applyfunc(sp.exp)\n    return e / sum(e)",
        "loses": ["test_softmax_potential"],
    },
    "vjp_W_entries: the upstream g left out of the chain-rule sum": {
        "cell": "vjp_W_entries",
        "code": ("def vjp_W_entries(W, x, g):\n    m, n = W.shape\n    z = x * W\n"
                 "    return sp.Matrix(m, n, lambda i, j: sum(sp.diff(z[k], W[i, j]) for k in range(n)))"),
        "loses": ["test_vjp_W_entries"],
    },
    "linear_grads: dW = g^T x (transposed)": {
        "cell": "linear_grads",
        "code": "def linear_grad_W(x, g):\n    return np.outer(g, x)\n\n\ndef linear_grad_x(W, g):\n    return g @ W.T",
        "loses": ["test_linear_dW"],
        "named": {"test_linear_dW": "transposed"},
    },
    "linear_grads: dW with its sign flipped": {
        "cell": "linear_grads",
        "code": "def linear_grad_W(x, g):\n    return -np.outer(x, g)\n\n\ndef linear_grad_x(W, g):\n    return g @ W.T",
        "loses": ["test_linear_dW"],
        "named": {"test_linear_dW": "sign flipped"},
    },
    "linear_grads: dx = g W (W not transposed)": {
        "cell": "linear_grads",
        "code": "def linear_grad_W(x, g):\n    return np.outer(x, g)\n\n\ndef linear_grad_x(W, g):\n    return g @ W",
        "loses": ["test_linear_dx"],
        "named": {"test_linear_dx": "W not transposed"},
    },
    "shift_invariance: doubling the logits counted as harmless": {
        "cell": "shift_invariance",
        "code": "invariant = {'a', 'b', 'd', 'e'}\nno_overflow = {'d'}",
        "loses": ["test_shift_invariance"],
    },
    "shift_invariance: z - min thought to prevent overflow": {
        "cell": "shift_invariance",
        "code": "invariant = {'a', 'd', 'e'}\nno_overflow = {'d', 'e'}",
        "loses": ["test_shift_invariance"],
    },
    "softmax: no max shift (overflows for large inputs)": {
        "cell": "softmax",
        "code": "def softmax(z):\n    e = np.exp(z)\n    return e / np.sum(e, axis=-1, keepdims=True)",
        "loses": ["test_softmax"],
        "keeps": ["test_softmax_jacobian", "test_softmax_xent_grad", "test_forward"],
        "named": {"test_softmax": "overflow in exp"},
    },
    "softmax: normalised over the first axis": {
        "cell": "softmax",
        "code": ("def softmax(z):\n    e = np.exp(z - np.max(z, axis=0, keepdims=True))\n"
                 "    return e / np.sum(e, axis=0, keepdims=True)"),
        "loses": ["test_softmax"],
        "named": {"test_softmax": "normalised over the wrong axis"},
    },
    "softmax: shifted by the min (still overflows)": {
        "cell": "softmax",
        "code": ("def softmax(z):\n    e = np.exp(z - np.min(z, axis=-1, keepdims=True))\n"
                 "    return e / np.sum(e, axis=-1, keepdims=True)"),
        "loses": ["test_softmax"],
    },
    "softmax_jacobian: diag(s) only": {
        "cell": "softmax_jacobian",
        "code": "def softmax_jacobian(z):\n    return np.diag(softmax(z))",
        "loses": ["test_softmax_jacobian"],
        "named": {"test_softmax_jacobian": "the outer-product term is missing"},
    },
    "softmax_jacobian: inner product s.s instead of outer": {
        "cell": "softmax_jacobian",
        "code": "def softmax_jacobian(z):\n    s = softmax(z)\n    return np.diag(s) - s @ s",
        "loses": ["test_softmax_jacobian"],
        "named": {"test_softmax_jacobian": "an inner product s.s where an outer product belongs"},
    },
    "cross_entropy: missing minus sign": {
        "cell": "cross_entropy",
        "code": "def cross_entropy(y_hat, y):\n    return np.sum(y * np.log(y_hat))",
        "loses": ["test_cross_entropy"],  # forward is judged as a composition with the student's own cross_entropy
        "keeps": ["test_forward", "test_softmax_xent_grad", "test_dz2", "test_db1", "test_fixed_backward", "test_sgd_step"],
        "named": {"test_cross_entropy": "sign flipped"},
    },
    "cross_entropy: mean over classes": {
        "cell": "cross_entropy",
        "code": "def cross_entropy(y_hat, y):\n    return -np.mean(y * np.log(y_hat))",
        "loses": ["test_cross_entropy"],
        "named": {"test_cross_entropy": "the mean over classes instead of the sum"},
    },
    "xent_grad_from_outputs: the gradient with respect to y_hat (-y/p)": {
        "cell": "xent_grad_from_outputs",
        "code": "def xent_grad_from_outputs(p, y):\n    return sp.Matrix([-y[i] / p[i] for i in range(p.shape[0])])",
        "loses": ["test_xent_grad_from_outputs"],
        "named": {"test_xent_grad_from_outputs": "the gradient with respect to y_hat, not z"},
    },
    "xent_grad_from_outputs: sign flipped (y - p)": {
        "cell": "xent_grad_from_outputs",
        "code": "def xent_grad_from_outputs(p, y):\n    return y - p",
        "loses": ["test_xent_grad_from_outputs"],
        "named": {"test_xent_grad_from_outputs": "sign flipped"},
    },
    "xent_grad_from_outputs: sum(y) = 1 not used, a term dropped (p*y - y)": {
        "cell": "xent_grad_from_outputs",
        "code": "def xent_grad_from_outputs(p, y):\n    return p.multiply_elementwise(y) - y",
        "loses": ["test_xent_grad_from_outputs"],
    },
    "softmax_xent_grad: sign flipped (y - y_hat)": {
        "cell": "softmax_xent_grad",
        "code": "def softmax_xent_grad(z, y):\n    return y - softmax(z)",
        "loses": ["test_softmax_xent_grad"],
        "named": {"test_softmax_xent_grad": "sign flipped"},
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
    "backward_steps: dz2 with its sign flipped (y - y_hat)": {
        "cell": "backward_steps",
        "code": steps("return y_hat - y", "return y - y_hat"),
        "loses": ["test_dz2"],
        "named": {"test_dz2": "sign flipped"},
    },
    "backward_steps: dz2 hard-codes the seed's printed values": {
        "cell": "backward_steps",
        "code": steps("return y_hat - y", "return np.array([0.23168, 0.57034, -0.80201])"),
        "loses": ["test_dz2"],
    },
    "backward_steps: dW2 = dz2^T h1 (transposed)": {
        "cell": "backward_steps",
        "code": steps("return np.outer(h1, dz2)", "return np.outer(dz2, h1)"),
        "loses": ["test_dW2"],
        "named": {"test_dW2": "transposed"},
    },
    "backward_steps: db2 summed to a number": {
        "cell": "backward_steps",
        "code": steps("def grad_b2(dz2):\n    return dz2.copy()", "def grad_b2(dz2):\n    return np.sum(dz2)"),
        "loses": ["test_db2"],
    },
    "backward_steps: dh1 = dz2 W2 (W2 not transposed)": {
        "cell": "backward_steps",
        "code": steps("return dz2 @ W2.T", "return dz2 @ W2"),
        "loses": ["test_dh1"],
        "named": {"test_dh1": "W2 not transposed"},
    },
    "backward_steps: sigma' written as z1 (1 - z1)": {
        "cell": "backward_steps",
        "code": steps("return dh1 * h1 * (1 - h1)", "return dh1 * z1 * (1 - z1)"),
        "loses": ["test_dz1"],
        "named": {"test_dz1": "sigma' written with z1 where the activation belongs"},
    },
    "backward_steps: the sigmoid's derivative left out (dz1 = dh1)": {
        "cell": "backward_steps",
        "code": steps("return dh1 * h1 * (1 - h1)", "return dh1.copy()"),
        "loses": ["test_dz1"],
    },
    "backward_steps: dW1 = dz1^T x (transposed)": {
        "cell": "backward_steps",
        "code": steps("return np.outer(x, dz1)", "return np.outer(dz1, x)"),
        "loses": ["test_dW1"],
        "named": {"test_dW1": "transposed"},
    },
    "backward_steps: db1 with its sign flipped": {
        "cell": "backward_steps",
        "code": steps("def grad_b1(dz1):\n    return dz1.copy()", "def grad_b1(dz1):\n    return -dz1"),
        "loses": ["test_db1"],
        "named": {"test_db1": "sign flipped"},
    },
    "fixed_backward: the seed's code unchanged (sigma' times dz2, W2^T forgotten)": {
        "cell": "fixed_backward",
        "code": FIXED.replace('(err_out @ params["W2"].T)', "err_out"),
        "loses": ["test_fixed_backward"],
        "named": {"test_fixed_backward": "unchanged from seed_backward"},
    },
    "fixed_backward: W2 not transposed (err_out @ W2)": {
        "cell": "fixed_backward",
        "code": FIXED.replace('(err_out @ params["W2"].T)', '(err_out @ params["W2"])'),
        "loses": ["test_fixed_backward"],
    },
    "fixed_backward: dW1 transposed": {
        "cell": "fixed_backward",
        "code": FIXED.replace('np.outer(cache["x"], err_hidden)', 'np.outer(err_hidden, cache["x"])'),
        "loses": ["test_fixed_backward"],
    },
    "fixed_new_output: the seed's last line unchanged (b2 added to h1)": {
        "cell": "fixed_new_output",
        "code": ("def fixed_new_output(x, params):\n"
                 "    return softmax((sigmoid(x @ params['W1'] + params['b1']) + params['b2']) @ params['W2'])"),
        "loses": ["test_fixed_new_output"],
        "named": {"test_fixed_new_output": "unchanged from seed_new_output"},
    },
    "cause_of_0443: blames the backward pass": {
        "cell": "cause_of_0443",
        "code": "cause = 'backward'",
        "loses": ["test_cause_of_0443"],
    },
    "sgd_step: goes uphill (p + lr * dp)": {
        "cell": "sgd_step",
        "code": "def sgd_step(params, grads, lr):\n    return {k: params[k] + lr * grads['d' + k] for k in ('W1', 'b1', 'W2', 'b2')}",
        "loses": ["test_sgd_step"],
    },
    "sgd_step: ignores the learning rate": {
        "cell": "sgd_step",
        "code": "def sgd_step(params, grads, lr):\n    return {k: params[k] - grads['d' + k] for k in ('W1', 'b1', 'W2', 'b2')}",
        "loses": ["test_sgd_step"],
    },
    "softmax_jacobian_by_hand: sympy's own jacobian, not the quotient rule": {
        "cell": "softmax_jacobian_by_hand",
        "code": ("def softmax_jacobian_by_hand(x):\n    e = x.applyfunc(sp.exp)\n"
                 "    return (e / sum(e)).jacobian(x)"),
        "loses": ["test_softmax_jacobian_by_hand"],
    },
}
