"""Arrays that can only be read one entry at a time, for the exercises written with index loops.

``loops_only(a)`` wraps a numpy array so that a function given it can use ``A.shape``, ``len(A)``
and scalar indexing ``A[i, j]`` / ``v[i]`` (a Python float), and nothing else: slicing, ``@``,
arithmetic, iteration, ``np.`` functions and numpy conversion all raise :class:`LoopsOnly` with
a message that says so. Vectorised code therefore cannot run on it, whoever wrote it and however,
and no test has to read a student's code to know that an exercise was written with loops.

The wrapped values are a private float64 copy: the caller's array is never changed, and writing
into the wrapper is refused (a function builds its result in an array of its own, e.g.
``np.zeros(A.shape)``).
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["LoopArray", "LoopsOnly", "loops_only", "unwrap"]

MESSAGE = "this exercise is written with index loops: use A[i, j] inside for loops"


class LoopsOnly(TypeError):
    """A vectorised operation was tried on a :class:`LoopArray`."""


def _refuse(what: str):
    raise LoopsOnly(f"{what} is not available here: {MESSAGE} (A.shape gives the sizes; "
                    f"build results in np.zeros(...) of your own).")


class LoopArray:
    """A read-only array of floats that supports ``.shape``, ``.ndim``, ``len`` and ``A[i, j]`` only."""

    __slots__ = ("_data",)

    def __init__(self, values):
        data = np.array(values, dtype=float)
        data.setflags(write=False)
        object.__setattr__(self, "_data", data)

    # -- what is allowed -----------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def __len__(self) -> int:
        if self._data.ndim == 0:
            _refuse("len() of a scalar")
        return self._data.shape[0]

    def __getitem__(self, index):
        idx = index if isinstance(index, tuple) else (index,)
        if len(idx) != self._data.ndim or not all(
                isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in idx):
            _refuse(f"indexing with {index!r} (a slice, a row or an index array) on an array of shape "
                    f"{self._data.shape}; one entry at a time, with {self._data.ndim} integer "
                    f"ind{'ex' if self._data.ndim == 1 else 'ices'},")
        return float(self._data[idx])

    def __repr__(self) -> str:
        return f"loops_only({np.array2string(self._data, separator=', ')})"

    def __deepcopy__(self, memo):
        return LoopArray(self._data)

    def __copy__(self):
        return LoopArray(self._data)

    def __reduce__(self):
        return (LoopArray, (self._data.copy(),))

    # -- what is refused -----------------------------------------------------------------------
    def __setitem__(self, index, value):
        raise LoopsOnly("this input is read-only: build your result in an array of your own, "
                        "e.g. out = np.zeros(A.shape), and write into out[i, j].")

    def __setattr__(self, name, value):
        raise LoopsOnly(f"this input is read-only ({name} cannot be set).")

    def __iter__(self):
        _refuse("iterating over the array (for row in A)")

    def __array__(self, *args, **kwargs):
        _refuse("converting to a numpy array (np.array, np.asarray, np.sum, ...)")

    def __array_ufunc__(self, ufunc, method, *args, **kwargs):
        _refuse(f"np.{getattr(ufunc, '__name__', 'ufunc')}(...) on a whole array")

    def __array_function__(self, func, types, args, kwargs):
        _refuse(f"np.{getattr(func, '__name__', 'function')}(...)")

    def __float__(self):
        _refuse("float() of a whole array")

    def __bool__(self):
        _refuse("the truth value of a whole array")

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        _refuse(f"A.{name}")


def _binary(symbol):
    def refuse(self, other):
        _refuse(f"the operator {symbol} on whole arrays")
    return refuse


for _name, _symbol in (("add", "+"), ("sub", "-"), ("mul", "*"), ("truediv", "/"), ("floordiv", "//"),
                       ("mod", "%"), ("pow", "**"), ("matmul", "@"), ("and", "&"), ("or", "|"), ("xor", "^")):
    for _prefix in ("", "r", "i"):
        setattr(LoopArray, f"__{_prefix}{_name}__", _binary(_symbol))
for _name, _symbol in (("neg", "unary -"), ("pos", "unary +"), ("abs", "abs()"), ("invert", "~")):
    setattr(LoopArray, f"__{_name}__", lambda self, _s=_symbol: _refuse(f"{_s} on a whole array"))
for _name, _symbol in (("lt", "<"), ("le", "<="), ("gt", ">"), ("ge", ">=")):
    setattr(LoopArray, f"__{_name}__", _binary(_symbol))


def loops_only(values) -> LoopArray:
    """``values`` (array_like) as a :class:`LoopArray`; a dict is wrapped value by value."""
    if isinstance(values, dict):
        return {k: loops_only(v) for k, v in values.items()}
    if isinstance(values, LoopArray):
        return values
    return LoopArray(values)


def unwrap(value):
    """The numpy array inside a :class:`LoopArray` (a copy); other values unchanged; dicts value by value.

    For plots and printouts outside the exercises, never needed inside one.
    """
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, LoopArray):
        return object.__getattribute__(value, "_data").copy()
    return value
