"""Known mistakes of assignment 2 (index loops), as the wrong values the visible checks name.

Each function turns the value a visible check already has (a finite-difference gradient, the forward
values) into the value one known mistake gives; none computes an answer an exercise asks for.
"""
from __future__ import annotations

import numpy as np

from course.nn import sigmoid


def layer_2_fed_z1(z1, W2):
    """The prediction when layer 2 is fed the pre-activation z1 instead of a1 (the seed's forward)."""
    return np.asarray(z1, dtype=float) @ np.asarray(W2, dtype=float)


def z1_for_a1_in_dW2(numeric_dW2, z1, a1):
    """dW2 with the pre-activation z1 standing where the activation a1 belongs (row k scaled by z1_k / a1_k)."""
    return np.asarray(numeric_dW2, dtype=float) * (np.asarray(z1, dtype=float) / np.asarray(a1, dtype=float))[:, None]


def _slope_at(u):
    s = sigmoid(np.asarray(u, dtype=float))
    return s * (1 - s)


def sigma_prime_of_a1(numeric_dz1, z1, a1):
    """dz1 with the sigmoid's slope taken at a1 instead of at z1."""
    return np.asarray(numeric_dz1, dtype=float) * _slope_at(a1) / _slope_at(z1)


def z1_one_minus_z1(numeric_dz1, z1):
    """dz1 with the slope written z1 (1 - z1): the pre-activation where the activation belongs."""
    z1 = np.asarray(z1, dtype=float)
    return np.asarray(numeric_dz1, dtype=float) * z1 * (1 - z1) / _slope_at(z1)


def no_slope(numeric_dz1, z1):
    """dz1 without the sigmoid's slope at all (da1 handed down unchanged)."""
    return np.asarray(numeric_dz1, dtype=float) / _slope_at(z1)


H_STAR_MISTAKES = {
    "the factor 2 from differentiating h^2 is lost": 2 ** (1 / 3),
    "the Taylor coefficient 1/2 instead of 1/6 in the truncation error": 3 ** (-1 / 3),
    "the truncation error taken as F3 h^2 (the 1/6 is lost)": 6 ** (-1 / 3),
}


def h_star_mistake(relative_slope: float) -> str:
    """Name the mistake behind a step h = s h* from the slope of the total error there.

    For e(h) = C h^2 + r / h the slope at h = s h* is (r / h^2) (s^3 - 1): the visible check measures
    it relative to r / h^2, this recovers s and compares it with the factors known mistakes give.
    """
    if not relative_slope > -1:
        return ""
    s = float(relative_slope + 1) ** (1 / 3)
    for description, factor in H_STAR_MISTAKES.items():
        if abs(s / factor - 1) < 1e-6:
            return f"\n  diagnosis: your answer matches a known mistake: {description}."
    return ""
