"""Known mistakes and property checks of assignment 5 (the XOR MLP), computed by the grader."""
from __future__ import annotations

import numpy as np

from . import diagnosis, hand_down, sigmoid


@diagnosis
def a5_dZ2_wrt_y_hat(cache):
    """dL/dY_hat of the mean cross-entropy: the gradient one node too early."""
    Y, Y_hat = np.asarray(cache["Y"], dtype=float), np.asarray(cache["Y_hat"], dtype=float)
    return -Y / Y_hat / len(Y)


@diagnosis
def a5_dW2_with_Z1(cache, dZ2):
    """dW2 with the pre-activation Z1 where the activation A1 belongs."""
    return np.asarray(cache["Z1"], dtype=float).T @ np.asarray(dZ2, dtype=float)


@diagnosis
def a5_untransposed(d, M):
    """The gradient handed down through M without its transpose (square M only)."""
    return hand_down(np.asarray(d, dtype=float), M, transposed=False)


@diagnosis
def a5_dZ1(cache, dA1, *, at_zero, mistake):
    """dZ1 with one mistake: ``times_activation`` (dA1 * A1), ``mask_of_output`` (ReLU' read off A1),
    ``other_convention`` (ReLU'(0) = 1 - at_zero)."""
    Z1, A1 = np.asarray(cache["Z1"], dtype=float), np.asarray(cache["A1"], dtype=float)
    dA1 = np.asarray(dA1, dtype=float)
    if mistake == "times_activation":
        return dA1 * A1
    if mistake == "mask_of_output":
        return dA1 * ((A1 > 0) + at_zero * (A1 == 0))
    return dA1 * ((Z1 > 0) + (1.0 - at_zero) * (Z1 == 0))


@diagnosis
def a5_uniform_no_density(r):
    """The integral of w^2 over [-r, r] without the density 1/(2r): 2 r^3 / 3."""
    r = np.asarray(r, dtype=float).reshape(-1)
    return 2 * r ** 3 / 3


@diagnosis
def a5_glorot_limit(fans, *, mistake):
    """A wrong Glorot limit: ``variance`` (the variance itself taken as the limit) or ``fan_in``
    (only the forward condition, Var = 1/fan_in)."""
    fans = np.asarray(fans, dtype=float)
    fan_in, fan_out = fans[:, 0], fans[:, 1]
    return 2 / (fan_in + fan_out) if mistake == "variance" else np.sqrt(3 / fan_in)


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
