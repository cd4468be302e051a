"""Known mistakes and property checks of assignment 1 (softmax Jacobian), computed by the grader."""
from __future__ import annotations

import numpy as np

from . import diagnosis, hand_down, sigmoid


def _softmax(z, axis=-1):
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


@diagnosis
def a1_exp_alone(points):
    """exp(x) without dividing by the sum, at each point: (k, n, 1)."""
    return np.exp(np.asarray(points, dtype=float))[..., None]


@diagnosis
def a1_jacobian_from_outputs(points, *, mistake):
    """-s s^T ("no_diagonal"), diag(s) + s s^T ("plus") or diag(s) ("diag"), at each point s: (k, n, n)."""
    out = []
    for s in np.asarray(points, dtype=float):
        outer = np.outer(s, s)
        out.append({"no_diagonal": -outer, "plus": np.diag(s) + outer, "diag": np.diag(s)}[mistake])
    return np.array(out)


@diagnosis
def a1_jacobian_at_inputs(points, *, mistake):
    """The same wrong Jacobians at each input point x (s = softmax(x)): (k, n, n)."""
    return a1_jacobian_from_outputs(_softmax(np.asarray(points, dtype=float)), mistake=mistake)


@diagnosis
def a1_xent_grad_outputs(points, *, mistake):
    """Wrong dL/dz written with p and y, at each point (p, y) concatenated: (k, n, 1)."""
    pts = np.asarray(points, dtype=float)
    n = pts.shape[1] // 2
    p, y = pts[:, :n], pts[:, n:]
    return ({"wrt_y_hat": -y / p, "p_alone": p}[mistake])[..., None]


@diagnosis
def a1_dx_not_transposed(W, g):
    """g W instead of g W^T (only a square W survives it)."""
    return hand_down(np.asarray(g, dtype=float), W, transposed=False)


@diagnosis
def a1_dh1_not_transposed(params, dz2):
    return hand_down(np.asarray(dz2, dtype=float), params["W2"], transposed=False)


@diagnosis
def a1_dz1(dh1, cache, *, mistake):
    """dz1 with sigma' at the wrong argument."""
    dh1 = np.asarray(dh1, dtype=float)
    if mistake == "sigma_at_h1":
        s = sigmoid(np.asarray(cache["h1"], dtype=float))
        return dh1 * s * (1 - s)
    z1 = np.asarray(cache["z1"], dtype=float)
    return dh1 * z1 * (1 - z1)


@diagnosis
def a1_seed_backward(cache, *, key):
    """What seed 001's backward pass returns (its hidden error ignores W2; square layers only)."""
    x, y, h1, y_hat = (np.asarray(cache[k], dtype=float) for k in ("x", "y", "h1", "y_hat"))
    dz2 = y_hat - y
    if dz2.shape != h1.shape:
        raise ValueError("the seed's bug needs d_h = d_out")
    dz1 = h1 * (1 - h1) * dz2
    return {"dW2": np.outer(h1, dz2), "db2": dz2, "dW1": np.outer(x, dz1), "db1": dz1}[key]


@diagnosis
def a1_softmax_wrong_axis(z):
    return _softmax(np.asarray(z, dtype=float), axis=0)


@diagnosis
def a1_softmax_jacobian(z, *, mistake):
    s = _softmax(np.asarray(z, dtype=float))
    return {"diag_alone": np.diag(s), "outer_alone": -np.outer(s, s), "inner": np.diag(s) - s @ s}[mistake]


@diagnosis
def a1_cross_entropy_swapped(y_hat, y):
    return -np.sum(np.asarray(y_hat, dtype=float) * np.log(np.asarray(y, dtype=float)))


@diagnosis
def a1_softmax_xent_grad(z, y, *, mistake):
    s = _softmax(np.asarray(z, dtype=float))
    return s if mistake == "y_hat_alone" else -np.asarray(y, dtype=float) / s


@diagnosis
def a1_forward_z1_to_layer_2(x, y, params, *, key):
    """The forward pass with z1 (not h1) fed to layer 2; ``key`` picks z1, h1, z2, y_hat or L."""
    W1, b1, W2, b2 = (np.asarray(params[k], dtype=float) for k in ("W1", "b1", "W2", "b2"))
    z1 = np.asarray(x, dtype=float) @ W1 + b1
    z2 = z1 @ W2 + b2
    y_hat = _softmax(z2)
    return {"z1": z1, "h1": sigmoid(z1), "z2": z2, "y_hat": y_hat,
            "L": -np.sum(np.asarray(y, dtype=float) * np.log(y_hat))}[key]


@diagnosis
def a1_sgd_step(params, grads, *, key, lr, mistake):
    p, g = np.asarray(params[key], dtype=float), np.asarray(grads["d" + key], dtype=float)
    return p + lr * g if mistake == "uphill" else p - g


# -- property checks -------------------------------------------------------------------------------
@diagnosis
def a1_no_numerical_warnings(key, caught):
    """Only numerical warnings (overflow, invalid value...) mean an unstable softmax; a student's own
    debug warning does not."""
    if not isinstance(caught, list):
        return f"{key}: the test could not read the warnings."
    # numpy's own floating-point warnings: "overflow encountered in exp", "invalid value encountered in
    # divide", "divide by zero encountered in log"... (a RuntimeWarning of the student's own is no evidence)
    numerical = [w for w in caught if isinstance(w, str) and w.startswith(("RuntimeWarning", "FloatingPointError"))
                 and " encountered in " in w]
    if numerical:
        return (f"{key.replace('the warnings ', '').replace(' raised', '')} raised {len(numerical)} numerical "
                f"warning(s), e.g. {numerical[0][:120]!r}; a numerically stable version raises none.")
    return None


@diagnosis
def a1_seed_output(x, params):
    """Seed 001's last line: b2 added to the hidden activations before the product with W2."""
    W1, b1, W2, b2 = (np.asarray(params[k], dtype=float) for k in ("W1", "b1", "W2", "b2"))
    return _softmax((sigmoid(np.asarray(x, dtype=float) @ W1 + b1) + b2) @ W2)
