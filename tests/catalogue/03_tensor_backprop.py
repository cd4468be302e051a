"""Known-wrong solutions for assignment 3 (tensor backprop, one example)."""

VARIANTS = {
    "forward: the sum over outputs instead of the mean": {
        "cell": "forward",
        "patch": [("L = np.mean((h[-1] - t) ** 2)", "L = np.sum((h[-1] - t) ** 2)")],
        "loses": ["test_forward"],
    },
    "output_error: the 2/n factor is missing": {
        "cell": "output_error",
        "patch": [("return 2 / h_L.shape[-1] * (h_L - t)", "return h_L - t")],
        "loses": ["test_output_error", "test_backward"],
    },
    "output_error: t - h (sign flipped)": {
        "cell": "output_error",
        "patch": [("(h_L - t)", "(t - h_L)")],
        "loses": ["test_output_error", "test_backward"],
    },
    "backward: sigma' evaluated at h instead of z": {
        "cell": "backward",
        "patch": [("dz = dh * h[l] * (1 - h[l])", "dz = dh * sigmoid(h[l]) * (1 - sigmoid(h[l]))")],
        "loses": ["test_backward"],
    },
    "backward: W not transposed when the gradient is handed down (only square layers survive it)": {
        "cell": "backward",
        "patch": [('dh = np.einsum("ij,j->i", W, dz)', 'dh = dz @ W if W.shape[0] == W.shape[1] else W @ dz')],
        "loses": ["test_backward"],
    },
    "backward: the outer product in the wrong order (dz x h)": {
        "cell": "backward",
        "patch": [('np.einsum("i,j->ij", h[l - 1], dz)', 'np.einsum("i,j->ji", h[l - 1], dz)')],
        "loses": ["test_backward"],
    },
    "backward: the bias gradient taken from dh instead of dz": {
        "cell": "backward",
        "patch": [('grads[f"db{l}"] = dz', 'grads[f"db{l}"] = dh')],
        "loses": ["test_backward"],
    },
    "backward: only layer 1 right (dW of the top layer uses h_L)": {
        "cell": "backward",
        "patch": [('grads[f"dW{l}"] = np.einsum("i,j->ij", h[l - 1], dz)',
                   'grads[f"dW{l}"] = np.einsum("i,j->ij", h[l - 1] if l < L else h[l][:1].repeat(len(h[l - 1])), dz)')],
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
}
