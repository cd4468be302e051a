"""Building blocks the notebooks share and do not grade.

Only functions whose derivation is *not* an exercise live here; everything
students are asked to write stays in their notebook.
"""
import numpy as np

__all__ = ["sigmoid", "grading_now"]


def sigmoid(z):
    """Logistic function 1 / (1 + exp(-z)), element-wise, without overflow warnings.

    z : np.ndarray of any shape and floating dtype; returns the same shape and dtype.
    """
    z = np.asarray(z)
    out = np.empty_like(z, dtype=z.dtype if z.dtype.kind == "f" else float)
    pos = z >= 0
    out[pos] = 1 / (1 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1 + ez)
    return out


def grading_now() -> bool:
    """True while nbgrader executes the notebook (autograde or the Validate button).

    nbgrader sets ``NBGRADER_EXECUTION`` for both. Cells that only show something -- benchmarks --
    use this to skip their work: they are never graded, and every second counts once per submission.
    """
    import os

    return bool(os.environ.get("NBGRADER_EXECUTION"))
