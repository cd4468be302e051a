"""Symbolic checks with sympy.

``check_symbolic(name, got, expected)`` passes when ``got - expected``
simplifies to zero.  ``simplify`` can miss an identity that holds, so when
it does not reach zero the difference is evaluated at a few random rational
points (exactly, then to 30 digits); the answer passes only if every point
gives zero to within 1e-20.  A failure shows the simplified residual and a
point where it is not zero.

``at_points(name, got, symbols, points)`` is what hidden tests use: the answer's values at numeric
points, which the grader compares with the reference's outside the kernel.
"""
from __future__ import annotations

import random

import numpy as np
import sympy as sp

from .checks import CheckFailed

__all__ = ["check_symbolic", "at_points", "by_hand", "ByHand"]

_ZERO = sp.Float("1e-20")


def _short(expr, limit: int = 300) -> str:
    text = str(expr)
    return text if len(text) <= limit else text[:limit] + " ..."


def _is_zero_at_random_points(residual, trials: int, seed: int):
    symbols = sorted(residual.free_symbols, key=str)
    rng = random.Random(seed)
    for _ in range(trials):
        point = {s: sp.Rational(rng.randint(-20, 20), rng.randint(1, 9)) for s in symbols}
        values = residual.subs(point)
        entries = list(values) if isinstance(values, sp.MatrixBase) else [values]
        for value in entries:
            number = sp.N(value, 30)
            if not number.is_number or abs(number) > _ZERO:
                return False, point, value
    return True, None, None


def _residual_is_zero(got, value) -> bool:
    """True when ``got - value`` simplifies to zero (matrices: every entry)."""
    if isinstance(value, sp.MatrixBase):
        if not isinstance(got, sp.MatrixBase) or got.shape != value.shape:
            return False
        return all(sp.simplify(e) == 0 for e in sp.Matrix(got) - value)
    if isinstance(got, sp.MatrixBase):
        return False
    return sp.simplify(got - value) == 0


def _known_mistake(got, wrong) -> str:
    for description, value in (wrong or {}).items():
        if _residual_is_zero(got, value):
            return f"\n  diagnosis: your answer matches a known mistake: {description}."
    return ""


def check_symbolic(name: str, got, expected, *, trials: int = 4, seed: int = 0,
                   wrong: dict | None = None) -> None:
    """Check that a sympy expression or matrix equals the reference.

    Parameters
    ----------
    name : str, what the quantity is called in the notebook
    got : sympy expression or Matrix (shape (m, n) when ``expected`` is a matrix)
    expected : sympy expression or Matrix
    wrong : dict[str, sympy expression or Matrix], optional
        Known-wrong answers; if ``got`` equals one, the message names that mistake.
    trials, seed : number of random rational points tried when ``simplify``
        does not reach zero, and the seed that picks them (fixed: a regrade
        evaluates the same points).

    Tolerance: exact (``simplify`` to 0), else |residual| <= 1e-20 at every
    point, evaluated with 30 significant digits.

    Raises CheckFailed with the residual ``got - expected``.
    """
    if isinstance(expected, sp.MatrixBase):
        if not isinstance(got, sp.MatrixBase):
            raise CheckFailed(f"{name} should be a sympy Matrix of shape {expected.shape}, "
                              f"but it is a {type(got).__name__}.")
        if got.shape != expected.shape:
            hint = " It looks transposed." if got.shape == expected.shape[::-1] else ""
            raise CheckFailed(f"{name} has the wrong shape: expected {expected.shape}, got {got.shape}.{hint}")
        residual = (sp.Matrix(got) - sp.Matrix(expected)).applyfunc(sp.simplify)
        if all(entry == 0 for entry in residual):
            return None
    else:
        if isinstance(got, sp.MatrixBase) or not isinstance(got, (sp.Basic, int, float)):
            raise CheckFailed(f"{name} should be a sympy expression, but it is a {type(got).__name__}.")
        residual = sp.simplify(sp.sympify(got) - expected)
        if residual == 0:
            return None
    zero, point, value = _is_zero_at_random_points(residual, trials, seed)
    if zero:
        return None
    raise CheckFailed(f"{name} is not equal to the expected expression.\n"
                      f"  residual (yours - expected), simplified: {_short(residual)}\n"
                      f"  at {point} the residual is {_short(sp.N(value, 6))}, not 0."
                      + _known_mistake(got, wrong))


def at_points(name: str, got, symbols, points, *, shape: tuple | None = None) -> np.ndarray:
    """The values of a sympy answer at numeric points, for the grader to compare outside the kernel.

    ``symbols`` is the list of sympy symbols (or matrix entries) the answer may use, ``points`` an
    array (k, len(symbols)); returns float64 of shape (k,) + the answer's shape. Raises
    :class:`CheckFailed` when ``got`` is not a sympy expression or Matrix (of ``shape``, if given),
    or when symbols other than ``symbols`` remain.
    """
    if shape is not None:
        if not isinstance(got, sp.MatrixBase):
            raise CheckFailed(f"{name} should be a sympy Matrix of shape {shape}, but it is a {type(got).__name__}.")
        if got.shape != tuple(shape):
            hint = " It looks transposed." if got.shape == tuple(shape)[::-1] else ""
            raise CheckFailed(f"{name} has the wrong shape: expected {tuple(shape)}, got {got.shape}.{hint}")
    elif isinstance(got, sp.MatrixBase) or not isinstance(got, (sp.Basic, int, float)):
        raise CheckFailed(f"{name} should be a sympy expression, but it is a {type(got).__name__}.")
    symbols = list(symbols)
    out = []
    for point in np.asarray(points, dtype=float):
        mapping = {s: sp.Float(repr(float(v)), 30) for s, v in zip(symbols, point)}
        value = sp.Matrix(got).subs(mapping) if isinstance(got, sp.MatrixBase) else sp.sympify(got).subs(mapping)
        entries = list(value) if isinstance(value, sp.MatrixBase) else [value]
        numbers = []
        for entry in entries:
            number = sp.N(entry, 30)
            if not number.is_number or not number.is_real:
                raise CheckFailed(f"{name} does not evaluate to a real number at a point ({_short(number)}).")
            numbers.append(float(number))
        out.append(np.array(numbers).reshape(value.shape if isinstance(value, sp.MatrixBase) else ()))
    return np.array(out)


class ByHand(NotImplementedError):
    """sympy's differentiation was used where an exercise asks for the derivative worked out by hand."""


from contextlib import contextmanager  # noqa: E402


@contextmanager
def by_hand(what: str):
    """Run the block with sympy's differentiation switched off (``diff``, ``jacobian``, ``Derivative``):
    an answer that asks sympy for the very derivative the exercise is about raises :class:`ByHand`,
    with a sentence saying so, instead of passing a check that compares it with sympy's own."""
    from sympy.core.function import Derivative

    def refuse(*args, **kwargs):
        raise ByHand(f"sympy's differentiation (diff, jacobian, Derivative) is switched off here: {what} asks "
                     f"for the derivative worked out by hand.")
    saved = Derivative.__new__
    Derivative.__new__ = staticmethod(refuse)
    try:
        yield
    finally:
        Derivative.__new__ = saved
