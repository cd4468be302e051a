"""Known mistakes of assignment 3 (tensor backprop), recomputed by the grader."""
from __future__ import annotations

import numpy as np

from . import diagnosis, hand_down, sigmoid as _sigmoid


@diagnosis
def a3_backward(h, t, params, *, key, mistake):
    """Assignment 3's backward pass with one known mistake; ``key`` picks the tensor (``"dW1"``).

    ``sigma_at_h``: sigma' evaluated at h instead of z, i.e. sigmoid(h) (1 - sigmoid(h));
    ``w_not_transposed``: the gradient handed down as dz W instead of dz W^T (square layers only).
    """
    h = [np.asarray(x, dtype=float) for x in h]
    t = np.asarray(t, dtype=float)
    out, dh = {}, 2 / len(t) * (h[-1] - t)
    for l in range(len(params), 0, -1):
        W = np.asarray(params[l - 1][0], dtype=float)
        if mistake == "sigma_at_h":
            dz = dh * _sigmoid(h[l]) * (1 - _sigmoid(h[l]))
        else:
            dz = dh * h[l] * (1 - h[l])
        out.update({f"dh{l}": dh, f"dz{l}": dz, f"dW{l}": np.outer(h[l - 1], dz), f"db{l}": dz})
        dh = hand_down(dz, W, transposed=mistake != "w_not_transposed")
    return out[key]
