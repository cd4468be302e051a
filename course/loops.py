"""Arrays that can only be read one entry at a time, for the exercises written with index loops.

``loops_only(a)`` wraps a numpy array so that a function given it can read it the ways index-loop
code reads an array -- ``A[i, j]`` or ``A[i][j]`` (a Python float), ``for row in A``, ``zip`` and
``enumerate`` over it, ``len(A)``, ``A.shape``, ``A.ndim``, ``A.size``, ``np.shape(A)``, and
``np.zeros_like(A)`` for a result of its own -- and nothing that does the loops' work: slices,
index arrays, ``@``, arithmetic on whole arrays, numpy's functions and conversion to numpy all
raise :class:`LoopsOnly`, with a message saying what is allowed. A row (``A[i]``, ``for row in
A``) is itself loops-only. Vectorised code therefore cannot run on it, whoever wrote it and
however, and no test has to read a student's code to know that an exercise was written with loops.

The wrapped values are a private float64 copy: the caller's array is never changed, and writing
into the wrapper is refused (a function builds its result in an array of its own, e.g.
``np.zeros(A.shape)``).
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["LoopArray", "LoopsOnly", "loops_only", "unwrap"]

MESSAGE = ("this exercise is written with index loops. Allowed: A[i, j] or A[i][j] (one number), "
           "for row in A, zip(...) and enumerate(...) over arrays, len(A), A.shape, A.size, "
           "np.shape(A), np.zeros_like(A) or np.zeros(A.shape) for your result")
SHAPE_FUNCTIONS = {"shape": lambda a: a.shape, "ndim": lambda a: a.ndim, "size": lambda a: a.size}
# result buffers of the same shape: they hold no value of the input, so they do no work for the loops
LIKE_FUNCTIONS = {"zeros_like": np.zeros, "ones_like": np.ones, "empty_like": np.zeros}


class LoopsOnly(TypeError):
    """A vectorised operation was tried on a :class:`LoopArray`."""


def _refuse(what: str):
    raise LoopsOnly(f"{what} does the work the loops should do, so it is not available here: {MESSAGE}.")


class LoopArray:
    """A read-only array of floats that index loops can read and nothing else can (module docstring)."""

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

    @property
    def size(self) -> int:
        return int(self._data.size)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise LoopsOnly(f"len() of a single number: {MESSAGE}.")
        return self._data.shape[0]

    def __getitem__(self, index):
        idx = index if isinstance(index, tuple) else (index,)
        if len(idx) > self._data.ndim or not all(
                isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in idx):
            _refuse(f"indexing with {index!r} (a slice, an index array, or more indices than the "
                    f"{self._data.ndim} of an array of shape {self._data.shape})")
        if len(idx) == self._data.ndim:
            return float(self._data[idx])
        return LoopArray(self._data[idx])   # a row (A[i], then A[i][j]): loops-only as well

    def __iter__(self):
        if self._data.ndim == 0:
            raise LoopsOnly(f"iterating over a single number: {MESSAGE}.")
        return (self[i] for i in range(self._data.shape[0]))

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
                        "e.g. out = np.zeros(A.shape) or np.zeros_like(A), and write into out[i, j].")

    def __setattr__(self, name, value):
        raise LoopsOnly(f"this input is read-only ({name} cannot be set).")

    def __array__(self, *args, **kwargs):
        _refuse("converting to a numpy array (np.array, np.asarray, np.sum, ...)")

    def __array_ufunc__(self, ufunc, method, *args, **kwargs):
        _refuse(f"np.{getattr(ufunc, '__name__', 'ufunc')}(...) on a whole array")

    def __array_function__(self, func, types, args, kwargs):
        name = getattr(func, "__name__", "function")
        if name in SHAPE_FUNCTIONS and args and args[0] is self:
            return SHAPE_FUNCTIONS[name](self)
        if name in LIKE_FUNCTIONS and args and args[0] is self:
            return LIKE_FUNCTIONS[name](self._data.shape, dtype=kwargs.get("dtype") or float)
        _refuse(f"np.{name}(...)")

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
