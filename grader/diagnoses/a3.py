"""Known mistakes of assignment 3 (tensor backprop), recomputed by the grader.

Each step's diagnosis takes the reference's forward cache and upstream gradient (the test's given
values) and returns the wrong value of one backward step with one known mistake. The descriptions the
hidden tests give them are those of ``course/mistakes/a3.py``, which the visible checks use.
"""
from __future__ import annotations

import numpy as np

from . import diagnosis, hand_down, sigmoid as _sigmoid


def _arr(v):
    return np.asarray(v, dtype=float)


@diagnosis
def a3_sigmoid_step(cache, da, *, l, mistake):
    """dz_l from the reference's da_l (dy_hat at the top) with sigma' at the wrong argument:
    ``sigma_at_a`` (sigma'(a_l)), ``z_for_a`` (a_l (1 - a_l) with z_l put in)."""
    da, a, z = _arr(da), _arr(cache[f"a{l}"]), _arr(cache[f"z{l}"])
    if mistake == "sigma_at_a":
        return da * _sigmoid(a) * (1 - _sigmoid(a))
    return da * z * (1 - z)


@diagnosis
def a3_weight_step(cache, dz, *, l):
    """dW_l built from z_{l-1} instead of a_{l-1} (l >= 2)."""
    return np.outer(_arr(cache[f"z{l - 1}"]), _arr(dz))


@diagnosis
def a3_input_step(dz, params, *, l):
    """da_{l-1} as dz_l W_l instead of dz_l W_l^T (square W_l only)."""
    return hand_down(_arr(dz), params[l - 1][0], transposed=False)


@diagnosis
def a3_backward(cache, params, *, key, mistake):
    """The whole backward pass with one known mistake; ``key`` picks the tensor (``"dW1"``).

    ``sigma_at_a``: sigma' evaluated at a instead of z, i.e. sigmoid(a) (1 - sigmoid(a));
    ``z_for_a``: a (1 - a) fed z; ``not_transposed``: the gradient handed down as dz W instead of
    dz W^T (square layers only).
    """
    y_hat, y = _arr(cache["y_hat"]), _arr(cache["y"])
    n_layers = max(int(k[1:]) for k in cache if k.startswith("z"))
    out = {"dy_hat": 2 / len(y) * (y_hat - y)}
    da = out["dy_hat"]
    for l in range(n_layers, 0, -1):
        a, z, W = _arr(cache[f"a{l}"]), _arr(cache[f"z{l}"]), _arr(params[l - 1][0])
        if mistake == "sigma_at_a":
            dz = da * _sigmoid(a) * (1 - _sigmoid(a))
        elif mistake == "z_for_a":
            dz = da * z * (1 - z)
        else:
            dz = da * a * (1 - a)
        out.update({f"dz{l}": dz, f"dW{l}": np.outer(_arr(cache[f"a{l - 1}"]), dz), f"db{l}": dz})
        da = hand_down(dz, W, transposed=mistake != "not_transposed")
        if l > 1:
            out[f"da{l - 1}"] = da
    return out[key]
