"""Known-wrong solutions for assignment 4 (batch backprop).

Each variant changes one answer cell and loses exactly the tests of that cell: the backward
exercises take their inputs as arguments (and the per-example test its seed dZ1 through
``given``), so a mistake is charged once. ``named`` is the diagnosis the student reads, in the
visible check and in the grader's verdict alike.
"""

SUM_OVER_BATCH = "the sum over the batch instead of the mean"
MISSING_1_OVER_N = "the 1/N of the batch mean is missing"
MISSING_1_OVER_n = "the 1/n of the per-example mean is missing"
N_TWICE = "divided by N a second time"
KEPT_2D = "db kept as a (1, d) row"
SIGMA_AT_A = "sigma' evaluated at the activation a instead of at z"
FACTOR_N = "the factor N is missing"
LOSS_NN = "broadcast to an (N, N) matrix"
B1_NH = "b1 broadcast to (N, h)"

VARIANTS = {
    # Part 1: forward
    "forward_batch: the sum over the batch instead of the mean": {
        "cell": "forward_batch",
        "patch": [("L = np.mean((A[-1] - Y) ** 2)", "L = np.mean((A[-1] - Y) ** 2, axis=1).sum()")],
        "loses": ["test_forward_batch"],
        "named": {"test_forward_batch": SUM_OVER_BATCH},
    },
    "forward_batch: z in place of a (the cache keeps Z where A belongs)": {
        "cell": "forward_batch",
        "patch": [("A.append(sigmoid(Z[-1]))", "A.append(Z[-1] if len(A) == 1 else sigmoid(Z[-1]))")],
        "loses": ["test_forward_batch"],
        "named": {"test_forward_batch": "z in place of a"},
    },
    # Part 2: where 1/N enters
    "loss_grad: the 1/N is missing (the gradient of the sum loss)": {
        "cell": "loss_grad",
        "patch": [("return 2 / (N * n) * (Y_hat - Y)", "return 2 / n * (Y_hat - Y)")],
        "loses": ["test_loss_grad"],
        "named": {"test_loss_grad": MISSING_1_OVER_N},
    },
    "loss_grad: the sum over the outputs instead of the mean (1/n missing)": {
        "cell": "loss_grad",
        "patch": [("return 2 / (N * n) * (Y_hat - Y)", "return 2 / N * (Y_hat - Y)")],
        "loses": ["test_loss_grad"],
        "named": {"test_loss_grad": MISSING_1_OVER_n},
    },
    "loss_grad: sign flipped": {
        "cell": "loss_grad",
        "patch": [("(Y_hat - Y)", "(Y - Y_hat)")],
        "loses": ["test_loss_grad"],
        "named": {"test_loss_grad": "sign flipped"},
    },
    "sum_loss_lr: times N instead of divided by N": {
        "cell": "sum_loss_lr",
        "patch": [("return lr / N", "return lr * N")],
        "loses": ["test_sum_loss_lr"],
        "named": {"test_sum_loss_lr": "the learning rate multiplied by N instead of divided by it"},
    },
    # Part 3: one layer on a batch
    "sigmoid_backward: sigma' of the wrong argument (sigma applied to a again)": {
        "cell": "sigmoid_backward",
        "patch": [("return dA * A * (1 - A)", "return dA * sigmoid(A) * (1 - sigmoid(A))")],
        "loses": ["test_sigmoid_backward"],
        "named": {"test_sigmoid_backward": SIGMA_AT_A},
    },
    "sigmoid_backward: the upstream dA forgotten": {
        "cell": "sigmoid_backward",
        "patch": [("return dA * A * (1 - A)", "return A * (1 - A)")],
        "loses": ["test_sigmoid_backward"],
    },
    "grad_W: transposed (dZ^T A_prev)": {
        "cell": "grad_W",
        "patch": [("return A_prev.T @ dZ", "return dZ.T @ A_prev")],
        "loses": ["test_grad_W"],
        "named": {"test_grad_W": "transposed"},
    },
    "grad_W: divided by N again (the mean taken twice)": {
        "cell": "grad_W",
        "patch": [("return A_prev.T @ dZ", "return A_prev.T @ dZ / len(dZ)")],
        "loses": ["test_grad_W"],
        "named": {"test_grad_W": N_TWICE},
    },
    "grad_W: only the first example's outer product": {
        "cell": "grad_W",
        "patch": [("return A_prev.T @ dZ", "return A_prev[:1].T @ dZ[:1]")],
        "loses": ["test_grad_W"],
    },
    "grad_b: the mean over the batch instead of the sum": {
        "cell": "grad_b",
        "patch": [("return dZ.sum(axis=0)", "return dZ.mean(axis=0)")],
        "loses": ["test_grad_b"],
        "named": {"test_grad_b": N_TWICE},
    },
    "grad_b: kept as a (1, d) row": {
        "cell": "grad_b",
        "patch": [("return dZ.sum(axis=0)", "return dZ.sum(axis=0, keepdims=True)")],
        "loses": ["test_grad_b"],
        "named": {"test_grad_b": KEPT_2D},
    },
    "grad_b: summed over the wrong axis": {
        "cell": "grad_b",
        "patch": [("return dZ.sum(axis=0)", "return dZ.sum(axis=1)")],
        "loses": ["test_grad_b"],
        "named": {"test_grad_b": "summed over the wrong axis"},
    },
    "grad_b: dZ returned as it is, (N, d)": {
        "cell": "grad_b",
        "patch": [("return dZ.sum(axis=0)", "return dZ")],
        "loses": ["test_grad_b"],
    },
    "grad_A_prev: W not transposed (only square layers survive it)": {
        "cell": "grad_A_prev",
        "patch": [("return dZ @ W.T", "return dZ @ W if W.shape[0] == W.shape[1] else dZ @ W.T * 0")],
        "loses": ["test_grad_A_prev"],
    },
    # Part 4: per-example gradients
    "per_example_dW: the factor N missing (the rows of the batch dZ used as they are)": {
        "cell": "per_example_dW",
        "patch": [("(N * dZ)[:, None, :]", "dZ[:, None, :]")],
        "loses": ["test_per_example_dW"],
        "named": {"test_per_example_dW": FACTOR_N},
    },
    "per_example_dW: the batch gradient instead of the stack (summed over examples)": {
        "cell": "per_example_dW",
        "patch": [("return A_prev[:, :, None] * (N * dZ)[:, None, :]", "return A_prev.T @ dZ")],
        "loses": ["test_per_example_dW"],
    },
    "per_example_dW: outer products in the wrong order (d, d_prev)": {
        "cell": "per_example_dW",
        "patch": [("return A_prev[:, :, None] * (N * dZ)[:, None, :]",
                   "return (N * dZ)[:, :, None] * A_prev[:, None, :]")],
        "loses": ["test_per_example_dW"],
    },
    # Part 5: the silent broadcasting bugs
    "fixed_step: the (N, 1) - (N,) loss left in": {
        "cell": "fixed_step",
        "patch": [("L = np.mean((y_hat - y.reshape(N, 1)) ** 2)", "L = np.mean((y_hat - y) ** 2)")],
        "loses": ["test_fixed_step"],
        "named": {"test_fixed_step": LOSS_NN},
    },
    "fixed_step: the bias gradient over the wrong axis left in": {
        "cell": "fixed_step",
        "patch": [("db1 = dZ1.sum(axis=0)", "db1 = dZ1.sum(axis=1, keepdims=True)")],
        "loses": ["test_fixed_step"],
        "named": {"test_fixed_step": B1_NH},
    },
    "fixed_step: both fixed but the gradient divided by N twice": {
        "cell": "fixed_step",
        "patch": [("dW1 = X.T @ dZ1", "dW1 = X.T @ dZ1 / N")],
        "loses": ["test_fixed_step"],
    },
}
