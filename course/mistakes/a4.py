"""Known mistakes of assignment 4 (batch backprop), as the wrong values the visible checks name.

One local wrong step each, computed without the step it replaces (derivatives by central
differences), so reading this module tells nothing about the right answer.
"""
from __future__ import annotations

import numpy as np

from ..nn import sigmoid

__all__ = ["sigmoid_prime_at_a"]


def sigmoid_prime_at_a(dA, A, h: float = 1e-5):
    """``dA`` times sigma' evaluated at the activation ``A`` instead of at the pre-activation
    ``z`` (sigma applied once too often); sigma' by a central difference."""
    A = np.asarray(A, dtype=float)
    return np.asarray(dA, dtype=float) * (sigmoid(A + h) - sigmoid(A - h)) / (2 * h)
