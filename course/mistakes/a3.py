"""Known mistakes of assignment 3 (tensor backprop), as the wrong values the visible checks name.

Each function takes what a visible check already has -- finite-difference gradients, the forward
cache, the weights -- and returns ``{description: wrong value}`` for one backward step. Where it
can, the wrong value is itself a finite difference (a vector-Jacobian product of the *wrong*
function), so nothing here is the step the exercise asks for. The descriptions are the same
words the grader's diagnoses use (``grader/diagnoses/a3.py``), so a student reads one name for one
mistake before and after submitting.
"""
from __future__ import annotations

import numpy as np

from ..gradcheck import numerical_vjp
from ..nn import sigmoid

__all__ = ["LOSS_2_OVER_N", "LOSS_1_OVER_N", "LOSS_2", "SIGMA_AT_A", "Z_FOR_A_SIGMA", "Z_FOR_A_W",
           "NOT_TRANSPOSED", "loss_step", "sigmoid_step", "weight_step", "input_step"]

LOSS_2_OVER_N = "the factor 2/n is missing"
LOSS_1_OVER_N = "the factor 1/n of the mean is missing (a sum instead of the mean)"
LOSS_2 = "the factor 2 from the square is missing"
SIGMA_AT_A = "sigma' evaluated at a instead of z"
Z_FOR_A_SIGMA = "z in place of a in sigma' (a formula written with a, fed z)"
Z_FOR_A_W = "z in place of a: the layer below's pre-activation z instead of its activation a"
NOT_TRANSPOSED = "W not transposed when the gradient is handed down"


def loss_step(numeric_dy_hat) -> dict:
    """The output gradient with the loss's constants lost, from its finite-difference value."""
    g = np.asarray(numeric_dy_hat, dtype=float)
    n = g.shape[-1]
    return {LOSS_2_OVER_N: g * n / 2, LOSS_1_OVER_N: g * n, LOSS_2: g / 2}


def sigmoid_step(da, cache, l) -> dict:
    """dz_l with sigma' taken at the wrong argument: at a_l (a finite-difference VJP of the sigmoid
    at a_l), or a formula in a_l evaluated at z_l."""
    da = np.asarray(da, dtype=float)
    a, z = np.asarray(cache[f"a{l}"], dtype=float), np.asarray(cache[f"z{l}"], dtype=float)
    return {SIGMA_AT_A: numerical_vjp(sigmoid, a, da), Z_FOR_A_SIGMA: da * z * (1 - z)}


def weight_step(dz, cache, l) -> dict:
    """dW_l built from z_{l-1} instead of a_{l-1} (layers above the first only: x has no z)."""
    if f"z{l - 1}" not in cache:
        return {}
    dz = np.asarray(dz, dtype=float)
    z_prev = np.asarray(cache[f"z{l - 1}"], dtype=float)
    return {Z_FOR_A_W: numerical_vjp(lambda W: z_prev @ W, np.zeros((z_prev.shape[0], dz.shape[0])), dz)}


def input_step(dz, params, l) -> dict:
    """da_{l-1} handed down through W instead of its transpose (only a square W survives it)."""
    W = np.asarray(params[l - 1][0], dtype=float)
    if W.shape[0] != W.shape[1]:
        return {}
    dz = np.asarray(dz, dtype=float)
    return {NOT_TRANSPOSED: numerical_vjp(lambda a: a @ W.T, np.zeros(W.shape[1]), dz)}
