"""How hidden tests hand values to the grader, which judges them outside this kernel.

A hidden test calls the student's functions on its inputs and *reports* what they return::

    report("dW1 for widths (3, 4, 2, 3)", grads["dW1"], wrong={"transposed": {"transpose": True}})

It never computes an expected value: the grader runs the same hidden code on the reference
solution, in a kernel of its own, and compares the two reports in its own process with the
course's tolerance policy (``tol`` names an entry of :mod:`course.tolerances`). ``wrong`` names
known mistakes the grader looks for when a value is wrong -- data only, never a formula:
``{"scale": c}`` (the expected value times ``c``), ``{"transpose": True}``, ``{"sign": True}``,
``{"diagnosis": name, "args": [keys of context reports]}`` (a diagnosis the grader computes).

``context`` reports are the test's inputs, for the grader's diagnoses; they are not graded.

``given(key, compute)`` is what a test needs from *another* exercise (a forward pass for a
backward test): the grader's reference run computes it with the reference solution, and a
student's run receives that value instead of calling the student's own function, so one mistake
costs its own points once.

Everything here only displays data; it decides nothing. Outside nbgrader a report shows as a
one-line note.
"""
from __future__ import annotations

import base64
import json
import os

import numpy as np

__all__ = ["report", "given", "encode", "MIME", "GIVEN_ENV", "keep", "run_hidden"]

MIME = "application/vnd.backprop-course.report+json"
GIVEN_ENV = "COURSE_GIVEN_FILE"      # set by the grader: a JSON file {key: encoded value}
_KINDS = "biuf"                      # bool, int, unsigned, float: the only array dtypes reported
MAX_ITEMS = 100_000                  # items of a list, tuple, set or dict (the rest is not reported)


def encode(value, _depth: int = 0):
    """A JSON-safe description of ``value`` that keeps its type, shape and dtype exactly."""
    if _depth > 6:
        return {"t": "other", "type": "nested too deeply"}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _KINDS:
            return {"t": "other", "type": f"numpy array of dtype {value.dtype}"}
        data = np.ascontiguousarray(value)
        return {"t": "ndarray", "dtype": data.dtype.str, "shape": list(data.shape),
                "b64": base64.b64encode(data.tobytes()).decode("ascii")}
    if isinstance(value, np.generic) and value.dtype.kind in _KINDS:
        return {"t": "npscalar", "dtype": value.dtype.str,
                "b64": base64.b64encode(np.asarray(value).tobytes()).decode("ascii")}
    if isinstance(value, bool) or value is None:
        return {"t": "json", "v": value}
    if isinstance(value, int):
        return {"t": "json", "v": value} if abs(value) < 2 ** 53 else {"t": "other", "type": "huge int"}
    if isinstance(value, float):
        return {"t": "float", "b64": base64.b64encode(np.float64(value).tobytes()).decode("ascii")}
    if isinstance(value, str):
        return {"t": "json", "v": value[:10_000]}
    if isinstance(value, (list, tuple)):
        return {"t": type(value).__name__ if type(value) in (list, tuple) else "list",
                "items": [encode(v, _depth + 1) for v in list(value)[:MAX_ITEMS]]}
    if isinstance(value, (set, frozenset)):
        items = sorted((v for v in value if isinstance(v, (str, int, float))), key=repr)
        return {"t": "set", "items": [encode(v, _depth + 1) for v in items[:MAX_ITEMS]]}
    if isinstance(value, dict):
        return {"t": "dict", "items": {str(k): encode(v, _depth + 1) for k, v in list(value.items())[:MAX_ITEMS]}}
    return {"t": "other", "type": type(value).__name__}


def decode(data):
    """The value :func:`encode` described (arrays are read-only copies)."""
    t = data.get("t")
    if t == "ndarray":
        dtype = np.dtype(data["dtype"])
        if dtype.kind not in _KINDS:
            raise ValueError("unsupported dtype")
        return np.frombuffer(base64.b64decode(data["b64"]), dtype=dtype).reshape(data["shape"]).copy()
    if t == "npscalar":
        dtype = np.dtype(data["dtype"])
        if dtype.kind not in _KINDS:
            raise ValueError("unsupported dtype")
        return np.frombuffer(base64.b64decode(data["b64"]), dtype=dtype)[0]
    if t == "float":
        return float(np.frombuffer(base64.b64decode(data["b64"]), dtype=np.float64)[0])
    if t == "json":
        return data["v"]
    if t in ("list", "tuple", "set"):
        items = [decode(v) for v in data["items"]]
        return {"list": list, "tuple": tuple, "set": set}[t](items)
    if t == "dict":
        return {k: decode(v) for k, v in data["items"].items()}
    return Unreportable(data.get("type", "?"))


class Unreportable:
    """A value of a type reports do not carry (an object of the student's own class, ...)."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self):
        return f"<a {self.type_name}>"


def report(key: str, value, *, tol: str = "ANALYTIC", wrong: dict | None = None, context: bool = False,
           check: dict | None = None, composed_as: str | None = None) -> None:
    """Hand ``value`` to the grader under ``key`` (see the module docstring).

    ``check`` (``{"name": ..., "args": [context keys], "kwargs": {...}}``) asks the grader to judge a
    property of the value with one of its functions instead of comparing it with the reference's
    (a random initialisation, a trained network).

    ``composed_as`` names the report of a composed function (a backward pass built from the student's
    steps) that this value -- the student's own steps chained by the test -- also makes right: a
    composition is judged as a composition, so a step's mistake is charged once, in the step's test.
    """
    from IPython.display import display

    payload = {"key": str(key), "value": encode(value), "tol": tol, "wrong": wrong or {}, "context": bool(context)}
    if check:
        payload["check"] = check
    if composed_as:
        payload.update(context=True, composed_as=str(composed_as))
    display({MIME: payload, "text/plain": f"(reported to the grader: {key})"}, raw=True)


def _given_values() -> dict:
    path = os.environ.get(GIVEN_ENV)
    if not path or not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def given(key: str, compute):
    """The value another exercise's reference solution gives (see the module docstring)."""
    values = _given_values()
    if key in values:
        return decode(values[key])
    value = compute()
    from IPython.display import display

    display({MIME: {"key": str(key), "value": encode(value), "given": True, "context": True},
             "text/plain": f"({key}: computed here; when graded, the reference solution's value is used)"}, raw=True)
    return value


# -- how the grader runs a hidden test ---------------------------------------------------------
# A student may name a helper of their own ``report`` or write a scalar ``sigmoid``: hidden tests
# must not pick those up from the notebook's namespace. The grader runs each hidden part through
# run_hidden(), in a copy of the namespace where the names the instructor's cells bound are those
# cells' own values (kept right after each such cell ran) and report/given are this module's.
_KEPT: dict = {}


def keep(names) -> None:
    """Keep the values the instructor's cell that just ran gave ``names`` (called by the grader)."""
    from IPython import get_ipython

    user_ns = get_ipython().user_ns
    for name in names:
        if name in user_ns:
            _KEPT[name] = user_ns[name]


def run_hidden(source: str) -> None:
    """Run a hidden test's code (called by the grader; see above). What it assigns stays in its own
    namespace; the student's functions see their own globals as always."""
    from IPython import get_ipython

    namespace = dict(get_ipython().user_ns)
    namespace.update(_KEPT)
    namespace.update(report=report, given=given)
    exec(compile(source, "<hidden tests>", "exec"), namespace)
