"""Known mistakes of assignment 4 (batch backprop), recomputed by the grader."""
from __future__ import annotations

import numpy as np

from . import diagnosis, hand_down, sigmoid


def _f(v):
    return np.asarray(v, dtype=float)


@diagnosis
def a4_forward_z(X, params, *, layer):
    """The pre-activation Z_layer of the right forward pass (what a cache holding z for a shows)."""
    A = _f(X)
    for W, b in params[:layer]:
        Z = A @ _f(W) + _f(b)
        A = sigmoid(Z)
    return Z


@diagnosis
def a4_sigmoid_prime_at_a(dA, A):
    """sigma' evaluated at the activation a instead of at z: dA * s(a) * (1 - s(a))."""
    s = sigmoid(_f(A))
    return _f(dA) * s * (1 - s)


@diagnosis
def a4_bias_wrong_axis(dZ):
    """The bias gradient summed over the unit axis instead of the batch axis."""
    return _f(dZ).sum(axis=1)


@diagnosis
def a4_bias_kept_2d(dZ):
    """The right sums, kept as a (1, d) row instead of a (d,) vector."""
    return _f(dZ).sum(axis=0, keepdims=True)


@diagnosis
def a4_hand_down_untransposed(dZ, W):
    """dZ W instead of dZ W^T (only a square W survives it without a shape error)."""
    return hand_down(_f(dZ), _f(W), transposed=False)


def _step_forward(X, y, params):
    (W1, b1), (W2, b2) = [(_f(W), _f(b)) for W, b in params]
    A1 = sigmoid(_f(X) @ W1 + b1)
    return A1, A1 @ W2 + b2


@diagnosis
def a4_step_loss_broadcast(X, y, params):
    """The loss of buggy_step: y_hat (N, 1) minus y (N,) broadcast to an (N, N) matrix."""
    _, y_hat = _step_forward(X, y, params)
    return np.mean((y_hat - _f(y)) ** 2)


@diagnosis
def a4_step_bias_wrong_axis(X, y, params, lr):
    """b1 after buggy_step's update: dZ1 summed over the unit axis with keepdims, which broadcasts
    b1 from (h,) to (N, h)."""
    (W1, b1), (W2, b2) = [(_f(W), _f(b)) for W, b in params]
    A1, y_hat = _step_forward(X, y, params)
    N = len(_f(y))
    dy_hat = 2 / N * (y_hat - _f(y).reshape(N, 1))
    dZ1 = (dy_hat @ W2.T) * A1 * (1 - A1)
    return b1 - float(lr) * dZ1.sum(axis=1, keepdims=True)
