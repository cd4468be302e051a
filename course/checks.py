"""Array checks whose failure messages teach.

``check_array`` compares a student's array with the expected one in a fixed
order -- type, shape, dtype, NaN/inf, values -- and never broadcasts: a
``(1, M)`` answer does not pass for an ``(M,)`` one.  When the values are
wrong it says by how much and where, and tries to name the mistake:

* a catalogue of known-wrong answers passed by the test (``wrong=``),
  e.g. ``{"sigma' evaluated at the activation instead of z": value}``;
* the expected answer with its sign flipped;
* the expected answer transposed (square, non-symmetric matrices only);
* the expected answer times a constant factor (the factor is reported,
  as a fraction when it is a simple one such as 1/3 or 2).

``call`` runs a student's function the way graded tests should: on copies
of the inputs, with warnings recorded instead of printed (a correct answer
must not lose points because numpy wrote to stderr), and with a plain
message when the function is still the ``raise NotImplementedError()`` stub.

Every check returns ``None`` (a graded cell ending in a number would score
that number) and raises :class:`CheckFailed`, an ``AssertionError``, on
failure.
"""
from __future__ import annotations

import contextlib
import copy
import io
import warnings
from fractions import Fraction

import numpy as np

from .tolerances import ANALYTIC

__all__ = ["CheckFailed", "check_array", "check_equal", "check_no_warnings", "call", "call_recording_warnings"]


class CheckFailed(AssertionError):
    """A check found a wrong answer; the message says what is wrong."""


def _fmt(value) -> str:
    return np.format_float_positional(float(value), precision=8, unique=True, trim="-") \
        if abs(float(value)) >= 1e-4 or float(value) == 0 else f"{float(value):.6e}"


def _index(idx) -> str:
    return "(" + ", ".join(str(int(i)) for i in idx) + ")" if len(idx) != 1 else f"[{int(idx[0])}]"


def _close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def _simple_fraction(c: float) -> str:
    frac = Fraction(c).limit_denominator(12)
    if frac.denominator != 1 and abs(float(frac) - c) <= 1e-9 * max(1.0, abs(c)):
        return f"{frac.numerator}/{frac.denominator}"
    if frac.denominator == 1 and abs(float(frac) - c) <= 1e-9 * max(1.0, abs(c)):
        return str(frac.numerator)
    return _fmt(c)


def diagnose(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float,
             wrong: dict | None = None) -> str | None:
    """Name the mistake that turns ``expected`` into ``got``, or return None.

    ``got`` and ``expected`` have the same shape.  The catalogue ``wrong``
    (description -> wrong value) is tried first, then the built-in
    diagnoses: sign flipped, transposed, scaled by a constant.
    """
    for description, value in (wrong or {}).items():
        value = np.asarray(value, dtype=float)
        if value.shape == got.shape and _close(got, value, rtol, atol):
            return f"your answer matches a known mistake: {description}."
    if np.any(expected != 0) and _close(got, -expected, rtol, atol):
        return "your answer is the expected one with its sign flipped."
    if (expected.ndim == 2 and expected.shape[0] == expected.shape[1]
            and not _close(expected, expected.T, rtol, atol) and _close(got, expected.T, rtol, atol)):
        return "your answer is the expected one transposed."
    denom = float(np.sum(expected * expected))
    if denom > 0:
        c = float(np.sum(got * expected)) / denom
        if c != 0 and abs(c - 1) > 1e-6 and _close(got, c * expected, rtol, atol):
            return (f"your answer is the expected one times a constant factor of {_simple_fraction(c)}"
                    " (look for a missing or extra scale: 1/N, 2, 1/2, a mean instead of a sum...).")
    return None


def _as_array(name: str, got, expected: np.ndarray) -> np.ndarray:
    if isinstance(got, np.ndarray):
        return got
    if expected.ndim == 0 and isinstance(got, (float, int, np.generic)) and not isinstance(got, bool):
        return np.asarray(got)
    kind = type(got).__name__
    hint = " (wrap it with np.array(...))" if isinstance(got, (list, tuple)) else ""
    raise CheckFailed(f"{name} should be a numpy array of shape {expected.shape}, but it is a {kind}{hint}.")


def check_array(name: str, got, expected, *, rtol: float = ANALYTIC["rtol"],
                atol: float = ANALYTIC["atol"], dtype=None, wrong: dict | None = None) -> None:
    """Check ``got`` against ``expected``: type, shape, dtype, finiteness, values.

    Parameters
    ----------
    name : str
        What the quantity is called in the notebook (``"dW1"``); every message starts with it.
    got : np.ndarray, shape S (a Python or numpy scalar is accepted when S is ``()``)
    expected : array_like, shape S
    rtol, atol : float
        Passes when ``|got - expected| <= atol + rtol * |expected|`` entry-wise.
        Default: the ``ANALYTIC`` policy (rtol 1e-9, atol 1e-12), see :mod:`course.tolerances`.
    dtype : numpy dtype, optional
        If given, ``got.dtype`` must be exactly this (e.g. ``np.float32`` for the seed's
        float32 network).  Otherwise any floating dtype is accepted.
    wrong : dict[str, array_like of shape S], optional
        Known-wrong answers; if ``got`` matches one, the message names that mistake.

    Raises
    ------
    CheckFailed
        With a message naming the quantity, what differs, the tolerance and a diagnosis.
    """
    expected = np.asarray(expected)
    got = _as_array(name, got, expected)
    if got.shape != expected.shape:
        msg = f"{name} has the wrong shape: expected {expected.shape}, got {got.shape}."
        if got.ndim == 2 and got.T.shape == expected.shape:
            msg += " It looks transposed."
        elif got.squeeze().shape == expected.squeeze().shape:
            msg += " The entries would fit, but the dimensions of size 1 differ (check reshapes, keepdims and [:, None])."
        elif got.size == expected.size:
            msg += " It has the right number of entries in the wrong layout."
        for description, value in (wrong or {}).items():
            value = np.asarray(value)
            if value.shape == got.shape and got.dtype.kind in "fiu" and _close(got.astype(float), value.astype(float), rtol, atol):
                msg += f"\n  diagnosis: your answer matches a known mistake: {description}."
                break
        raise CheckFailed(msg)
    if dtype is not None and got.dtype != np.dtype(dtype):
        raise CheckFailed(f"{name} has dtype {got.dtype}, expected {np.dtype(dtype)}.")
    if got.dtype.kind not in "fiu" or (expected.dtype.kind == "f" and got.dtype.kind != "f"):
        raise CheckFailed(f"{name} should hold floating-point numbers, but its dtype is {got.dtype}.")
    bad = ~np.isfinite(got)
    if np.any(bad):
        where = _index(np.argwhere(bad)[0]) if got.ndim else "()"
        raise CheckFailed(f"{name} contains {int(bad.sum())} NaN or infinite value(s), the first at {where} "
                          f"(often an overflow in exp or a log of 0).")
    got64 = got.astype(float)
    exp64 = expected.astype(float)
    err = np.abs(got64 - exp64)
    bound = atol + rtol * np.abs(exp64)
    if np.all(err <= bound):
        return None
    n_bad = int(np.sum(err > bound))
    worst = np.unravel_index(int(np.argmax(err - bound)), err.shape) if err.ndim else ()
    where = f" at index {_index(worst)}" if err.ndim else ""
    lines = [
        f"{name} is wrong: {n_bad} of {err.size} entries differ from the expected values by more than the tolerance.",
        f"  largest error {_fmt(err[worst])}{where}: got {_fmt(got64[worst])}, expected {_fmt(exp64[worst])}",
        f"  tolerance: |got - expected| <= atol + rtol*|expected| with rtol={rtol:g}, atol={atol:g}",
    ]
    reason = diagnose(got64, exp64, rtol, atol, wrong)
    if reason:
        lines.append(f"  diagnosis: {reason}")
    raise CheckFailed("\n".join(lines))


def check_equal(name: str, got, expected) -> None:
    """Check a non-numeric answer (a set, a string, a bool) for exact equality."""
    if got != expected:
        raise CheckFailed(f"{name} is not right yet: got {got!r}.")


def _copy_args(args, kwargs):
    return copy.deepcopy(args), copy.deepcopy(kwargs)


def call_recording_warnings(fn, *args, **kwargs):
    """Run ``fn(*args, **kwargs)`` on deep copies of its arguments.

    Returns ``(result, warnings)`` where ``warnings`` is the list of warning
    messages (str) raised during the call.  Nothing is printed: warnings are
    recorded and anything written to ``sys.stderr`` is swallowed, so a correct
    answer never loses its points to noise.  A function that still raises the
    release stub's ``NotImplementedError`` gives a :class:`CheckFailed` saying so.
    """
    name = getattr(fn, "__name__", "this function")
    args, kwargs = _copy_args(args, kwargs)
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("always")
        try:
            result = fn(*args, **kwargs)
        except NotImplementedError:
            raise CheckFailed(f"{name} is not implemented yet: replace `raise NotImplementedError()` "
                              f"in its cell with your code and run that cell again.") from None
    return result, [f"{w.category.__name__}: {w.message}" for w in caught]


def call(fn, *args, **kwargs):
    """Like :func:`call_recording_warnings` but returns only the result."""
    return call_recording_warnings(fn, *args, **kwargs)[0]


def check_no_warnings(name: str, caught: list) -> None:
    """Fail when the call that produced ``caught`` (from :func:`call_recording_warnings`) warned."""
    if caught:
        raise CheckFailed(f"{name} raised {len(caught)} warning(s), e.g. {caught[0]!r}; "
                          f"a numerically stable version raises none.")
