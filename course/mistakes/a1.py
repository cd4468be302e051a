"""Known mistakes of assignment 1 (softmax Jacobian), as the wrong values they produce, for the
visible checks (one local wrong step each; never the answer an exercise asks for)."""
from __future__ import annotations

import numpy as np

from course.nn import sigmoid

__all__ = ["exp_alone_sym", "jacobian_outputs_sym", "jacobian_num", "xent_grad_outputs_sym",
           "dz1_sigma_at_h1", "dz1_z1_one_minus_z1", "dx_not_transposed", "dW1_seed"]


def exp_alone_sym(x):
    """The numerators alone: exp(x_i), never divided by their sum (sympy column)."""
    import sympy as sp
    return x.applyfunc(sp.exp)


def jacobian_outputs_sym(s, mistake):
    """Wrong Jacobians written with the outputs s (sympy column): "diag" (only the derivative of the
    numerator kept), "plus" (the second term added), "outer" (only the second term)."""
    import sympy as sp
    outer = s * s.T
    return {"diag": sp.diag(*s), "plus": sp.diag(*s) + outer, "outer": -outer}[mistake]


def jacobian_num(s, mistake):
    """The same wrong Jacobians in numpy, for an output vector s of shape (n,)."""
    s = np.asarray(s, dtype=float)
    outer = s[:, None] * s[None, :]
    return {"diag": np.diag(s), "plus": np.diag(s) + outer, "outer": -outer,
            "inner": np.diag(s) - float(s @ s)}[mistake]


def xent_grad_outputs_sym(p, y, mistake):
    """Wrong dL/dz written with p = y_hat and y (sympy columns): "wrt_y_hat" stops at dL/dy_hat,
    "p_alone" drops the term that comes from y."""
    return {"wrt_y_hat": -y.multiply_elementwise(p.applyfunc(lambda v: 1 / v)), "p_alone": p}[mistake]


def dz1_sigma_at_h1(dh1, h1):
    """sigma' evaluated at the activation h1 instead of at z1."""
    s = sigmoid(np.asarray(h1, dtype=float))
    return np.asarray(dh1, dtype=float) * s * (1 - s)


def dz1_z1_one_minus_z1(dh1, z1):
    """sigma' written with z1 where the activation belongs."""
    z1 = np.asarray(z1, dtype=float)
    return np.asarray(dh1, dtype=float) * z1 * (1 - z1)


def dx_not_transposed(W, g):
    """The upstream gradient multiplied by W as it is (only a square W lets this run)."""
    return np.asarray(g, dtype=float) @ np.asarray(W, dtype=float)


def dW1_seed(x, h1, dz2):
    """What the handed-over seed_backward returns for dW1 (square hidden/output layers only)."""
    h1 = np.asarray(h1, dtype=float)
    return np.outer(np.asarray(x, dtype=float), h1 * (1 - h1) * np.asarray(dz2, dtype=float))
