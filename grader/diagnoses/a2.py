"""Known mistakes and property checks of assignment 2 (index loops), computed by the grader."""
from __future__ import annotations

import numpy as np

from . import diagnosis, sigmoid


@diagnosis
def a2_forward_z1_to_layer_2(x, W1, W2):
    """y computed from the pre-activation z1 instead of h1."""
    return np.asarray(x, dtype=float) @ np.asarray(W1, dtype=float) @ np.asarray(W2, dtype=float)


@diagnosis
def a2_backward(cache, t, W2, *, key, mistake):
    """The index-loop backward pass with one known mistake."""
    x, z1, h1, y = (np.asarray(cache[k], dtype=float) for k in ("x", "z1", "h1", "y"))
    t, W2 = np.asarray(t, dtype=float), np.asarray(W2, dtype=float)
    d2 = y - t
    if mistake == "z1_for_h1":
        return {"dW2": np.outer(z1, d2)}[key]
    back = d2 @ W2.T
    if mistake == "sigma_at_h1":
        d1 = back * sigmoid(h1) * (1 - sigmoid(h1))
    elif mistake == "z1_one_minus_z1":
        d1 = back * z1 * (1 - z1)
    else:  # "negative": delta defined as t - y
        d1 = -(back * h1 * (1 - h1))
    return {"delta1": d1, "dW1": np.outer(x, d1)}[key]


@diagnosis
def a2_one_sided_difference(A, W, h=1e-5):
    """(f(W + h e_i) - f(W)) / h for the test's f(W) = sum sin(W A) + (sum W)^3."""
    A, W = np.asarray(A, dtype=float), np.asarray(W, dtype=float)

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
        return (f"{key} = {h:g} is not near the bottom of the V (between {low:g} and {high:g}): "
                f"look again at where the error curve is lowest.")
    return None


@diagnosis
def a2_fit(key, fit, X_train, Y_train, X_test, Y_test, *, bar):
    """The trained W1_fit, W2_fit reach a test MSE (original units) under ``bar``, and the reported
    test_history[-1] is that MSE."""
    try:
        W1, W2 = np.asarray(fit["W1"], dtype=float), np.asarray(fit["W2"], dtype=float)
        reported = float(fit["test_mse"])
    except (KeyError, TypeError, ValueError) as err:
        return f"{key}: W1_fit, W2_fit and test_history are not all there yet ({type(err).__name__})."
    x_mean, x_std = X_train.mean(axis=0), X_train.std(axis=0)
    y_mean, y_std = Y_train.mean(axis=0), Y_train.std(axis=0)
    try:
        Y_hat = sigmoid(((X_test - x_mean) / x_std) @ W1) @ W2 * y_std + y_mean
    except ValueError as err:
        return f"{key}: W1_fit {W1.shape} and W2_fit {W2.shape} do not fit the data ({err})."
    mse = float(np.mean(0.5 * np.sum((Y_test - Y_hat) ** 2, axis=1)))
    if not mse < bar:
        return f"the test MSE of W1_fit, W2_fit is {mse:.1f}; the bar is {bar}."
    if not abs(reported - mse) <= 1e-6 * abs(mse):
        return f"test_history[-1] (your reported test MSE) is {reported:.6g}, but W1_fit, W2_fit give {mse:.6g}."
    return None
