"""Numbers the seed notebooks give, typed in once (already in the course's row layout).

Each function returns fresh arrays, so a notebook can modify what it gets.
"""
import numpy as np

__all__ = ["seed003_params"]


def seed003_params():
    """The 3-4-2-3 sigmoid network of seed 003 (row layout already: z = h W + b).

    Returns a list of three (W, b) pairs: W1 (3, 4), b1 (4,), W2 (4, 2), b2 (2,), W3 (2, 3), b3 (3,).
    """
    return [
        (np.array([[0.1, 0.1, 0.1, 0.1], [-0.1, 0.1, 0.2, 0.1], [0.1, 0.2, 0.1, 0.1]]),
         np.array([0.2, -0.2, 0.2, 0.2])),
        (np.array([[-0.2, 0.2], [0.2, 0.2], [0.2, -0.2], [0.12, 0.2]]),
         np.array([0.4, 0.4])),
        (np.array([[-0.3, 0.3, 0.13], [0.3, 0.3, 0.3]]),
         np.array([0.16, -0.6, 0.6])),
    ]
