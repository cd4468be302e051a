"""Finite-difference gradients and the comparison students read.

Central differences in float64::

    df/dx_i  ~  (f(x + h e_i) - f(x - h e_i)) / (2h),    h = 1e-5

have error O(h^2) from truncation plus O(eps/h) from round-off, about 1e-10
relative here; a correct analytic gradient therefore agrees to ~1e-9 and the
pass bound is a relative error of 1e-6 (:data:`course.tolerances.FINITE_DIFF`).

Where a function is not smooth (ReLU at 0) the finite difference is not a
derivative.  Pass ``watch=`` -- a function of ``x`` returning the
pre-activations -- and a :class:`KinkWarning` is issued whenever a step of
``h`` carries one of them across (or onto) a kink.
"""
from __future__ import annotations

import warnings

import numpy as np

from .checks import CheckFailed, diagnose, _fmt, _index
from .tolerances import FINITE_DIFF

__all__ = ["KinkWarning", "numerical_gradient", "numerical_vjp", "rel_error",
           "check_gradient", "gradient_table"]

H = FINITE_DIFF["h"]


class KinkWarning(UserWarning):
    """A finite-difference step crossed a non-smooth point of the function."""


def _flat(values) -> np.ndarray:
    return np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in
                           (values if isinstance(values, (list, tuple)) else [values])])


def _crosses_kink(before, after, kinks) -> bool:
    """Does moving the watched values from ``before`` to ``after`` cross or touch a kink?

    A value that sits on a kink but does not move with this input is no problem for it.
    """
    k = np.asarray(kinks, dtype=float)[None, :]
    s_before, s_after = np.sign(before[:, None] - k), np.sign(after[:, None] - k)
    moved = (before != after)[:, None]
    return bool(np.any(moved & ((s_before != s_after) | (s_before == 0) | (s_after == 0))))


def _perturbations(x: np.ndarray, h: float):
    """Yield (index, x + h e_i, x - h e_i) for every entry of x (float64 copies)."""
    for idx in np.ndindex(*x.shape):
        plus, minus = x.copy(), x.copy()
        plus[idx] += h
        minus[idx] -= h
        yield idx, plus, minus


def numerical_gradient(f, x, h: float = H, watch=None, kinks=(0.0,)) -> np.ndarray:
    """Central-difference gradient of a scalar function.

    Parameters
    ----------
    f : callable, array of shape S -> scalar
    x : array_like, shape S (converted to a float64 copy; the caller's array is never changed)
    h : float, step (default 1e-5)
    watch : callable, array of shape S -> array or list of arrays, optional
        The quantities whose kinks matter (pre-activations of ReLU layers).
    kinks : sequence of float, the non-smooth points of the watched quantities (default ``(0.0,)``)

    Returns
    -------
    np.ndarray, shape S, float64 -- the numerical gradient df/dx.

    Warns
    -----
    KinkWarning, if a step of ``h`` moves a watched value across or onto a kink.
    """
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    crossed = []
    for idx, plus, minus in _perturbations(x, h):
        grad[idx] = (float(f(plus)) - float(f(minus))) / (2 * h)
        if watch is not None and _crosses_kink(_flat(watch(minus)), _flat(watch(plus)), kinks):
            crossed.append(idx)
    if crossed:
        shown = ", ".join(_index(i) for i in crossed[:5]) + (" ..." if len(crossed) > 5 else "")
        warnings.warn(f"{len(crossed)} input entr{'y' if len(crossed) == 1 else 'ies'} ({shown}): a step of "
                      f"h={h:g} carries a watched value across a kink at {tuple(kinks)}; the finite "
                      f"difference there is not a derivative.", KinkWarning, stacklevel=2)
    return grad


def numerical_vjp(f, x, upstream, h: float = H, watch=None, kinks=(0.0,)) -> np.ndarray:
    """Central-difference vector-Jacobian product of an array function.

    Parameters
    ----------
    f : callable, array of shape S -> array of shape T
    x : array_like, shape S
    upstream : array_like, shape T -- the gradient dL/df flowing back into f
    h, watch, kinks : as in :func:`numerical_gradient`

    Returns
    -------
    np.ndarray, shape S, float64 -- ``sum_j upstream_j * df_j/dx``, i.e. dL/dx.
    """
    upstream = np.asarray(upstream, dtype=float)

    def scalar(z):
        out = np.asarray(f(z), dtype=float)
        if out.shape != upstream.shape:
            raise ValueError(f"f returns shape {out.shape} but upstream has shape {upstream.shape}")
        return float(np.sum(out * upstream))

    return numerical_gradient(scalar, x, h=h, watch=watch, kinks=kinks)


def rel_error(got, expected, floor: float = FINITE_DIFF["floor"]) -> float:
    """Largest entry-wise relative error ``|a - b| / max(|a| + |b|, floor)``.

    ``got`` and ``expected`` must have the same shape (no broadcasting: a
    ``(1, M)`` against an ``(M,)`` raises ``ValueError``).  The floor keeps
    entries where both are ~0 from dividing by zero: there the error is
    measured in absolute terms scaled by 1/floor.
    """
    a, b = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ, {a.shape} vs {b.shape} (no broadcasting)")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)))


def check_gradient(name: str, analytic, numeric, max_rel_error: float = FINITE_DIFF["max_rel_error"],
                   wrong: dict | None = None) -> None:
    """Check an analytic gradient against a finite-difference one.

    Parameters
    ----------
    name : str, e.g. ``"dW1"``
    analytic : np.ndarray, shape S -- the student's gradient
    numeric : np.ndarray, shape S -- from :func:`numerical_gradient`
    max_rel_error : float, pass bound on :func:`rel_error` (default 1e-6)
    wrong : dict[str, array of shape S], optional known-wrong answers to name

    Raises CheckFailed naming shape problems first, then the relative error,
    where it is largest, the bound, and a diagnosis when one fits.
    """
    numeric = np.asarray(numeric, dtype=float)
    if not isinstance(analytic, np.ndarray):
        raise CheckFailed(f"{name} should be a numpy array of shape {numeric.shape}, "
                          f"but it is a {type(analytic).__name__}.")
    if analytic.shape != numeric.shape:
        raise CheckFailed(f"{name} has the wrong shape: expected {numeric.shape} (the shape of the "
                          f"parameter), got {analytic.shape}.")
    a = analytic.astype(float)
    if not np.all(np.isfinite(a)):
        raise CheckFailed(f"{name} contains NaN or infinite values.")
    err = rel_error(a, numeric)
    if err <= max_rel_error:
        return None
    per_entry = np.abs(a - numeric) / np.maximum(np.abs(a) + np.abs(numeric), FINITE_DIFF["floor"])
    worst = np.unravel_index(int(np.argmax(per_entry)), per_entry.shape) if per_entry.ndim else ()
    lines = [f"{name} disagrees with finite differences: relative error {err:.3e} > {max_rel_error:g}.",
             f"  worst entry {_index(worst) if worst else '()'}: analytic {_fmt(a[worst])}, "
             f"numerical {_fmt(numeric[worst])}"]
    reason = diagnose(a, numeric, 1e-5, 1e-9, wrong)
    if reason:
        lines.append(f"  diagnosis: {reason}")
    raise CheckFailed("\n".join(lines))


def gradient_table(analytic: dict, numeric: dict, max_rel_error: float = FINITE_DIFF["max_rel_error"]) -> str:
    """A per-tensor comparison table, one row per gradient (Karpathy's layout).

    Parameters
    ----------
    analytic, numeric : dict[str, np.ndarray] with the same keys; shapes should match per key.

    Returns the table as a string (print it); columns: name, shape ok, exact
    (bit-for-bit), approx (relative error <= max_rel_error), rel error, max |diff|.
    """
    rows = [f"{'tensor':<10}{'shape ok':>9}{'exact':>7}{'approx':>8}{'rel error':>12}{'max |diff|':>12}"]
    for key, num in numeric.items():
        got = analytic.get(key)
        num = np.asarray(num, dtype=float)
        shape_ok = isinstance(got, np.ndarray) and got.shape == num.shape
        if shape_ok:
            g = got.astype(float)
            err, diff = rel_error(g, num), float(np.max(np.abs(g - num))) if num.size else 0.0
            rows.append(f"{key:<10}{'yes':>9}{str(bool(np.array_equal(g, num))):>7}"
                        f"{str(err <= max_rel_error):>8}{err:>12.2e}{diff:>12.2e}")
        else:
            shape = getattr(got, "shape", type(got).__name__)
            rows.append(f"{key:<10}{'NO':>9}{'-':>7}{'-':>8}   got {shape}, expected {num.shape}")
    return "\n".join(rows)
