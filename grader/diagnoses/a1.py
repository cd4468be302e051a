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
    """-s s^T ("no_diagonal") or diag(s) + s s^T ("plus"), at each point s: (k, n, n)."""
    out = []
    for s in np.asarray(points, dtype=float):
        outer = np.outer(s, s)
        out.append(-outer if mistake == "no_diagonal" else np.diag(s) + outer)
    return np.array(out)


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
def a1_backward(cache, params, *, key, mistake):
    """The backward pass with one known mistake in dz1 (and so in dW1, db1)."""
    x, y, h1, z1, y_hat = (np.asarray(cache[k], dtype=float) for k in ("x", "y", "h1", "z1", "y_hat"))
    W2 = np.asarray(params["W2"], dtype=float)
    dz2 = y_hat - y
    dh1 = dz2 @ W2.T
    if mistake == "sigma_at_h1":
        dz1 = dh1 * sigmoid(h1) * (1 - sigmoid(h1))
    elif mistake == "z1_one_minus_z1":
        dz1 = dh1 * z1 * (1 - z1)
    elif mistake == "seed_bug":
        if dz2.shape != h1.shape:
            raise ValueError("the seed's bug needs d_h = d_out")
        dz1 = dz2 * h1 * (1 - h1)
    else:  # "w2_not_transposed"
        dz1 = hand_down(dz2, W2, transposed=False) * h1 * (1 - h1)
    return {"dz1": dz1, "db1": dz1, "dW1": np.outer(x, dz1)}[key]


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
    numerical = [w for w in caught if isinstance(w, str) and w.startswith(("RuntimeWarning", "FloatingPointError"))]
    if numerical:
        return (f"{key.replace('the warnings ', '').replace(' raised', '')} raised {len(numerical)} numerical "
                f"warning(s), e.g. {numerical[0][:120]!r}; a numerically stable version raises none.")
    return None
