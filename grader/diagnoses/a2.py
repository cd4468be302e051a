"""Known mistakes and property checks of assignment 2 (index loops), computed by the grader."""
from __future__ import annotations

import numpy as np

from . import diagnosis, sigmoid


def _f(v):
    return np.asarray(v, dtype=float)


@diagnosis
def a2_forward_z1_to_layer_2(x, W1, W2):
    """y_hat computed from the pre-activation z1 instead of a1 (the seed's forward)."""
    return _f(x) @ _f(W1) @ _f(W2)


@diagnosis
def a2_dW2_with_z1(z1, dy_hat):
    """dW2 with the pre-activation z1 where the activation a1 belongs."""
    return _f(z1)[:, None] * _f(dy_hat)[None, :]


@diagnosis
def a2_dz1(da1, z1, *, mistake):
    """dz1 with one known mistake in the sigmoid's slope."""
    da1, z1 = _f(da1), _f(z1)
    a1 = sigmoid(z1)
    if mistake == "sigma_at_a1":
        return da1 * sigmoid(a1) * (1 - sigmoid(a1))
    if mistake == "z1_one_minus_z1":
        return da1 * z1 * (1 - z1)
    return da1  # "no_slope"


@diagnosis
def a2_one_sided_difference(A, W, h=1e-5):
    """(f(W + h e_i) - f(W)) / h for the test's f(W) = sum sin(W A) + (sum W)^3."""
    A, W = _f(A), _f(W)

    def f(V):
        return float(np.sum(np.sin(V * A)) + np.sum(V) ** 3)
    out = np.zeros_like(W)
    for i in np.ndindex(*W.shape):
        step = np.zeros_like(W)
        step[i] = h
        out[i] = (f(W + step) - f(W)) / h
    return out


# -- property checks: (name, the student's value, ...) -> message or None -----------------------------
@diagnosis
def a2_best_h(key, h, *, low, high):
    try:
        h = float(h)
    except (TypeError, ValueError):
        return f"{key} should be a number, got {type(h).__name__}."
    if not low <= h <= high:
        return (f"{key} = {h:g} is not the order of magnitude the error model gives: put the sizes of "
                f"c and r for float64 into your h_star and round to a power of ten.")
    return None


@diagnosis
def a2_fit(key, Y_hat, Y_test, *, bar):
    """predict(X_test) (original units) reaches a test loss mean_n 1/2 ||y_hat_n - y_n||^2 under ``bar``."""
    try:
        Y_hat = np.asarray(Y_hat, dtype=float)
    except (TypeError, ValueError):
        return f"{key} should be a numpy array of predictions, got {type(Y_hat).__name__}."
    Y_test = _f(Y_test)
    if Y_hat.shape != Y_test.shape:
        return f"{key} has shape {Y_hat.shape}; the test targets have shape {Y_test.shape}."
    if not np.all(np.isfinite(Y_hat)):
        return f"{key} contains NaN or infinite values."
    loss = float(np.mean(0.5 * np.sum((Y_test - Y_hat) ** 2, axis=1)))
    if not loss < bar:
        return f"the test loss of your predictions (original units) is {loss:.1f}; the bar is {bar}."
    return None
