"""Known-wrong solutions for assignment 4 (batch backprop)."""

VARIANTS = {
    "forward_batch: the sum over the batch instead of the mean": {
        "cell": "forward_batch",
        "patch": [("return np.mean((h[-1] - T) ** 2)", "return np.mean((h[-1] - T) ** 2, axis=1).sum()")],
        "loses": ["test_forward_batch"],
    },
    "backward_per_example: the sum over examples instead of the mean": {
        "cell": "backward_per_example",
        "patch": [("dZ[:, None, :]).mean(axis=0)", "dZ[:, None, :]).sum(axis=0)"),
                  ("dZ.mean(axis=0)", "dZ.sum(axis=0)")],
        "loses": ["test_backward_per_example"],
    },
    "backward_per_example: the mean over the wrong axis": {
        "cell": "backward_per_example",
        "patch": [("dZ[:, None, :]).mean(axis=0)", "dZ[:, None, :]).mean(axis=-1)"),
                  ("dZ.mean(axis=0)", "dZ.mean(axis=1)")],
        "loses": ["test_backward_per_example"],
    },
    "backward_per_example: divided by N twice": {
        "cell": "backward_per_example",
        "patch": [("dH = 2 / h[-1].shape[1] * (h[-1] - cache[\"t\"])",
                   "dH = 2 / (h[-1].shape[1] * len(h[-1])) * (h[-1] - cache[\"t\"])")],
        "loses": ["test_backward_per_example"],
    },
    "backward_batch: the sum over examples instead of the mean (1/N forgotten)": {
        "cell": "backward_batch",
        "patch": [("delta = 2 / (N * n) * (h[-1] - cache[\"t\"])", "delta = 2 / n * (h[-1] - cache[\"t\"])")],
        "loses": ["test_backward_batch"],
    },
    "backward_batch: divided by N twice": {
        "cell": "backward_batch",
        "patch": [('grads[f"dW{l}"] = h[l - 1].T @ dZ', 'grads[f"dW{l}"] = h[l - 1].T @ dZ / N'),
                  ('grads[f"db{l}"] = dZ.sum(axis=0)', 'grads[f"db{l}"] = dZ.sum(axis=0) / N')],
        "loses": ["test_backward_batch"],
    },
    "backward_batch: the bias gradient summed over the wrong axis": {
        "cell": "backward_batch",
        "patch": [('grads[f"db{l}"] = dZ.sum(axis=0)', 'grads[f"db{l}"] = dZ.sum(axis=1)')],
        "loses": ["test_backward_batch"],
    },
    "backward_batch: hard-codes the seed's batch dW1 and db1": {
        "cell": "backward_batch",
        "patch": [("    return grads", '''    grads["dW1"] = np.array([[3.49638e-4, 3.81250e-4, -3.44662e-4, 3.65823e-4],
                             [1.48803e-4, 1.76670e-4, -1.47009e-4, 1.67893e-4],
                             [9.05918e-5, 1.05565e-4, -8.94550e-5, 1.00527e-4]])
    grads["db1"] = np.array([5.82110e-4, 7.11047e-4, -5.75542e-4, 6.73654e-4])
    return grads''')],
        "loses": ["test_backward_batch"],
    },
}
