"""Known mistakes and property checks of assignment 5 (the XOR MLP), computed by the grader."""
from __future__ import annotations

import numpy as np

from . import diagnosis, hand_down, sigmoid


@diagnosis
def a5_relu_grad(Z, *, mistake):
    """ReLU' with the kink convention lost: always 0 at z = 0 ("zero") or always 1 ("one")."""
    Z = np.asarray(Z, dtype=float)
    return (Z > 0) * 1.0 if mistake == "zero" else (Z >= 0) * 1.0


@diagnosis
def a5_backward(cache, W, V, *, key, at_zero, mistake):
    """backward_xor with one mistake: ``v_not_transposed`` (dH = dA V, square V only) or
    ``other_convention`` (ReLU'(0) the other way round)."""
    X, Y, Z, H, Y_hat = (np.asarray(cache[k], dtype=float) for k in ("X", "Y", "Z", "H", "Y_hat"))
    W, V = np.asarray(W, dtype=float), np.asarray(V, dtype=float)
    dA = (Y_hat - Y) / len(X)
    dH = hand_down(dA, V, transposed=mistake != "v_not_transposed")
    a0 = 1.0 - at_zero if mistake == "other_convention" else at_zero
    dZ = dH * ((Z > 0) + a0 * (Z == 0))
    grads = {"dA": dA, "dV": H.T @ dA, "db2": dA.sum(0), "dH": dH, "dZ": dZ, "dW": X.T @ dZ,
             "db1": dZ.sum(0), "dX": dZ @ W.T}
    return grads[key]


@diagnosis
def a5_sgd_uphill(params, grads, *, key, lr):
    return np.asarray(params[key], dtype=float) + lr * np.asarray(grads["d" + key], dtype=float)


@diagnosis
def a5_grad_of_output_as_z(a, *, activation):
    """The derivative written for z but given the activation a: sigma(a)(1 - sigma(a)), 1 - tanh(a)^2."""
    a = np.asarray(a, dtype=float)
    return sigmoid(a) * (1 - sigmoid(a)) if activation == "sigmoid" else 1 - np.tanh(a) ** 2


# -- property checks: (name of the value, the student's value, ...) -> message or None ----------------
@diagnosis
def a5_glorot_uniform(key, W, *, fan_in, fan_out):
    """Glorot-uniform: shape, the bound sqrt(6 / (fan_in + fan_out)) reached but never passed,
    variance 2 / (fan_in + fan_out) and mean 0 within 5 standard errors."""
    if not isinstance(W, np.ndarray) or W.dtype.kind != "f":
        return f"{key} should be a numpy array of floats, but it is {type(W).__name__}."
    if W.shape != (fan_in, fan_out):
        return f"{key} has shape {W.shape}, expected {(fan_in, fan_out)}."
    if not np.all(np.isfinite(W)):
        return f"{key} contains NaN or infinite values."
    limit = np.sqrt(6 / (fan_in + fan_out))
    n = fan_in * fan_out
    top = float(np.abs(W).max())
    if top > limit * (1 + 1e-12):
        return f"{key}: |w| reaches {top:.4f}, beyond the bound {limit:.4f}."
    if top <= 0.99 * limit:
        return f"{key}: |w| never comes near the bound {limit:.4f} (largest {top:.4f})."
    var, target = float(W.var()), 2 / (fan_in + fan_out)
    se = np.sqrt(0.8 * (limit ** 2 / 3) ** 2 / n)  # standard error of the sample variance of U[-l, l]
    if abs(var - target) >= 5 * se:
        return f"{key}: variance {var:.3e}, expected {target:.3e} +- {5 * se:.1e}."
    if abs(float(W.mean())) >= 5 * np.sqrt(target / n):
        return f"{key}: mean {float(W.mean()):.2e} is not 0."
    return None


@diagnosis
def a5_separates_xor(key, params, X, y):
    """The trained 2-4-1 tanh/sigmoid network classifies all four XOR points."""
    try:
        W1, b1, W2, b2 = (np.asarray(params[k], dtype=float) for k in ("W1", "b1", "W2", "b2"))
        P = sigmoid(np.tanh(np.asarray(X) @ W1 + b1) @ W2 + b2)
    except (KeyError, TypeError, ValueError) as err:
        return f"{key} should be a dict of W1, b1, W2, b2 that predicts XOR ({type(err).__name__}: {err})."
    if P.shape != np.shape(y) or not np.all((P > 0.5) == (np.asarray(y) > 0.5)):
        return f"{key} does not reach 100 % on XOR: predictions {np.round(P.ravel(), 3).tolist()}."
    return None


@diagnosis
def a5_falling_losses(key, losses, *, steps):
    """One loss per step, the last below the first."""
    try:
        losses = np.asarray(losses, dtype=float)
    except (TypeError, ValueError):
        return f"{key} should hold numbers, one per step."
    if losses.shape != (steps,):
        return f"{key} should hold one loss per step ({steps}), got shape {losses.shape}."
    if not losses[-1] < losses[0]:
        return f"{key}: the loss does not fall ({losses[0]:.4g} before the first step, {losses[-1]:.4g} before the last)."
    return None
