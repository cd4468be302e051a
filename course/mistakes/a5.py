"""Wrong answers of assignment 5 (the XOR MLP), for the visible checks to name.

Each function computes one known mistake, one local wrong step, from values the visible check
already has (the forward cache, an upstream gradient). Where writing the wrong formula out would
print the right one beside it, the value is computed by finite differences of the wrong map
instead. None of them is an exercise's answer.
"""
from __future__ import annotations

import numpy as np

from ..gradcheck import numerical_vjp

__all__ = ["gradient_wrt_y_hat", "dW2_with_pre_activation", "hand_down_untransposed", "relu_mask_of_output",
           "activation_instead_of_derivative", "derivative_at_the_activation", "second_moment_without_density"]


def gradient_wrt_y_hat(Y_hat, Y):
    """dL/dY_hat of the mean cross-entropy (the gradient one node too early, not dL/dZ2)."""
    Y_hat, Y = np.asarray(Y_hat, dtype=float), np.asarray(Y, dtype=float)
    return -Y / Y_hat / len(Y)


def dW2_with_pre_activation(Z1, W2, dZ2):
    """dW2 as if Z2 = Z1 W2 + b2: the pre-activation Z1 used where the activation A1 belongs."""
    Z1 = np.asarray(Z1, dtype=float)
    return numerical_vjp(lambda w: Z1 @ w, np.asarray(W2, dtype=float), dZ2)


def hand_down_untransposed(d, M):
    """The upstream gradient sent through M as in the forward direction (only a square M lets it run)."""
    M = np.asarray(M, dtype=float)
    if M.shape[0] != M.shape[1]:
        return None
    return np.asarray(d, dtype=float) @ M


def relu_mask_of_output(dA1, A1, at_zero):
    """ReLU' read off the activation A1 = ReLU(Z1) instead of Z1: A1 = 0 cannot tell z = 0 from z < 0."""
    A1 = np.asarray(A1, dtype=float)
    return np.asarray(dA1, dtype=float) * ((A1 > 0) + at_zero * (A1 == 0))


def activation_instead_of_derivative(dA1, A1):
    """dA1 multiplied by the activation A1 itself instead of by ReLU'(Z1)."""
    return np.asarray(dA1, dtype=float) * np.asarray(A1, dtype=float)


def derivative_at_the_activation(fn, a, h=1e-5):
    """f'(a): the derivative taken at the activation a, where it belongs at z (central difference)."""
    a = np.asarray(a, dtype=float)
    return (fn(a + h) - fn(a - h)) / (2 * h)


def second_moment_without_density(r, n=200_001):
    """The integral of w^2 over [-r, r] without the density 1/(2r) (trapezoid rule)."""
    out = []
    for radius in np.atleast_1d(np.asarray(r, dtype=float)):
        w = np.linspace(-radius, radius, n)
        f = w ** 2
        out.append(float(np.sum((f[1:] + f[:-1]) / 2 * np.diff(w))))
    return np.array(out).reshape(np.shape(r))
