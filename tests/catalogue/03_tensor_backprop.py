"""Known-wrong solutions for assignment 3 (backprop ninja: every intermediate of a 3-4-2-3 sigmoid network).

Each step is graded in its own test cells (one per layer where the step is used), fed the
reference's upstream gradient, so a mistake in one step loses that step's tests and nothing else:
`backward`, built from the steps, is judged as a composition (right when it equals the student's own
steps chained), so it loses only for a mistake of its own.
"""
from course.mistakes import a3 as m

DZ = ["test_dz3", "test_dz2", "test_dz1"]
DW = ["test_dW3", "test_dW2", "test_dW1"]
DB = ["test_db3", "test_db2", "test_db1"]
DA = ["test_da2", "test_da1"]

VARIANTS = {
    "loss_backward: the factor 2/n is missing": {
        "cell": "loss_backward",
        "patch": [("return 2 / n * (y_hat - y)", "return y_hat - y")],
        "loses": ["test_dy_hat"],
        "keeps": ["test_backward"],   # (issue 26: once charged twice)
        "named": {"test_dy_hat": m.LOSS_2_OVER_N},
    },
    "loss_backward: y - y_hat (sign flipped)": {
        "cell": "loss_backward",
        "patch": [("(y_hat - y)", "(y - y_hat)")],
        "loses": ["test_dy_hat"],
        "named": {"test_dy_hat": "sign flipped"},
    },
    "loss_backward: a sum instead of the mean (1/n missing)": {
        "cell": "loss_backward",
        "patch": [("return 2 / n * (y_hat - y)", "return 2 * (y_hat - y)")],
        "loses": ["test_dy_hat"],
        "named": {"test_dy_hat": m.LOSS_1_OVER_N},
    },
    "loss_backward: the 2 of the square lost": {
        "cell": "loss_backward",
        "patch": [("return 2 / n * (y_hat - y)", "return (y_hat - y) / n")],
        "loses": ["test_dy_hat"],
        "named": {"test_dy_hat": m.LOSS_2},
    },
    "sigmoid_backward: sigma' evaluated at a instead of z": {
        "cell": "sigmoid_backward",
        "patch": [("return da * a * (1 - a)", "return da * sigmoid(a) * (1 - sigmoid(a))")],
        "loses": DZ,
        "named": {t: m.SIGMA_AT_A for t in DZ},
    },
    "sigmoid_backward: z in place of a": {
        "cell": "sigmoid_backward",
        "patch": [('a = cache[f"a{l}"]', 'a = cache[f"z{l}"]')],
        "loses": DZ,
        "named": {t: m.Z_FOR_A_SIGMA for t in DZ},
    },
    "sigmoid_backward: the upstream gradient forgotten": {
        "cell": "sigmoid_backward",
        "patch": [("return da * a * (1 - a)", "return a * (1 - a)")],
        "loses": DZ,
    },
    "weight_backward_loops: dW[j, i] (transposed)": {
        "cell": "weight_backward_loops",
        "patch": [("dW = np.zeros((a_prev.shape[0], dz.shape[0]))", "dW = np.zeros((dz.shape[0], a_prev.shape[0]))"),
                  ("dW[i, j] = a_prev[i] * dz[j]", "dW[j, i] = a_prev[i] * dz[j]")],
        "loses": ["test_dW_loops"],
        "named": {"test_dW_loops": "looks transposed"},
    },
    "weight_backward_loops: vectorised with np.outer, not index loops": {
        "cell": "weight_backward_loops",
        "code": 'def weight_backward_loops(dz, cache, l):\n    return np.outer(cache[f"a{l - 1}"], dz)',
        "loses": ["test_dW_loops"],
    },
    "weight_backward: the outer product in the wrong order (dz x a)": {
        "cell": "weight_backward",
        "patch": [('np.einsum("i,j->ij"', 'np.einsum("i,j->ji"')],
        "loses": DW,
        "named": {t: "looks transposed" for t in DW},
    },
    "weight_backward: z in place of a (the layer below's pre-activation)": {
        "cell": "weight_backward",
        "patch": [('cache[f"a{l - 1}"]', 'cache[f"z{l - 1}"]')],
        "loses": DW,
        "named": {"test_dW3": m.Z_FOR_A_W, "test_dW2": m.Z_FOR_A_W},
    },
    "weight_backward: hard-codes seed 003's dW1": {
        "cell": "weight_backward",
        "patch": [("    return np.einsum", '''    if l == 1:
        return np.array([[6.47616e-4, 6.89211e-4, -6.38017e-4, 6.63239e-4],
                         [1.94285e-4, 2.06763e-4, -1.91405e-4, 1.98972e-4],
                         [1.29523e-4, 1.37842e-4, -1.27603e-4, 1.32648e-4]])
    return np.einsum''')],
        "loses": ["test_dW1"],
    },
    "bias_backward: summed to one number": {
        "cell": "bias_backward",
        "patch": [("return dz.copy()", "return np.sum(dz)")],
        "loses": DB,
    },
    "input_backward: W not transposed (only square layers survive it)": {
        "cell": "input_backward",
        "patch": [('return np.einsum("ij,j->i", W, dz)', "return dz @ W if W.shape[0] == W.shape[1] else W @ dz")],
        "loses": DA,
        "named": {t: m.NOT_TRANSPOSED for t in DA},
    },
    "input_backward: sign flipped": {
        "cell": "input_backward",
        "patch": [('return np.einsum("ij,j->i", W, dz)', 'return -np.einsum("ij,j->i", W, dz)')],
        "loses": DA,
        "named": {t: "sign flipped" for t in DA},
    },
    "backward: the loop stops before layer 1": {
        "cell": "backward",
        "patch": [("for l in range(n_layers, 0, -1):", "for l in range(n_layers, 1, -1):")],
        "loses": ["test_backward"],
    },
    "backward: da never handed down (every layer starts from dy_hat)": {
        "cell": "backward",
        "patch": [("da = input_backward(dz, params, l)", "da_below = input_backward(dz, params, l)"),
                  ('grads[f"da{l - 1}"] = da', 'grads[f"da{l - 1}"] = da_below')],
        "loses": ["test_backward"],
    },
    "backward: hard-codes the seed's dW1 and db1": {
        "cell": "backward",
        "patch": [("    return grads", '''    seed = np.array([[6.47616e-4, 6.89211e-4, -6.38017e-4, 6.63239e-4],
                     [1.94285e-4, 2.06763e-4, -1.91405e-4, 1.98972e-4],
                     [1.29523e-4, 1.37842e-4, -1.27603e-4, 1.32648e-4]])
    grads["dW1"], grads["db1"] = seed, seed[0]
    return grads''')],
        "loses": ["test_backward"],
    },
    "weight_backward_loops: enumerate over a_prev and dz, dW[i][j] (honest style)": {
        "cell": "weight_backward_loops",
        "code": ("def weight_backward_loops(dz, cache, l):\n    a_prev = cache[f'a{l - 1}']\n"
                 "    dW = np.zeros((len(a_prev), len(dz)))\n    for i, a in enumerate(a_prev):\n"
                 "        for j, d in enumerate(dz):\n            dW[i][j] = a * d\n    return dW"),
        "loses": [],
        "keeps": ["test_dW_loops"],
    },
}
