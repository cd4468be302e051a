"""course.loops: every honest index-loop style runs on a loops-only array, nothing vectorised does,
and every refusal says what is allowed (issue 26 item 8, issue 27 item 6)."""
from __future__ import annotations

import numpy as np
import pytest

from course.loops import LoopsOnly, loops_only

W = np.arange(6.0).reshape(2, 3) / 7 - 0.3
x = np.array([0.5, -1.0])
EXPECTED = x @ W

STYLES = {
    "A[i, j]": """
def f(W, x):
    out = np.zeros(W.shape[1])
    for j in range(W.shape[1]):
        for i in range(W.shape[0]):
            out[j] += x[i] * W[i, j]
    return out""",
    "A[i][j]": """
def f(W, x):
    out = np.zeros(len(W[0]))
    for j in range(len(W[0])):
        for i in range(len(W)):
            out[j] += x[i] * W[i][j]
    return out""",
    "for row in A, enumerate": """
def f(W, x):
    out = np.zeros_like(W[0])
    for i, row in enumerate(W):
        for j, w in enumerate(row):
            out[j] += x[i] * w
    return out""",
    "zip over rows and inputs": """
def f(W, x):
    out = [0.0] * np.shape(W)[1]
    for xi, row in zip(x, W):
        for j in range(len(row)):
            out[j] = out[j] + xi * row[j]
    return np.array(out)""",
    "range(len(A)), np.size, A.size, sum of a generator": """
def f(W, x):
    n_out = np.size(W) // len(W)
    assert W.size == np.size(W) and W.ndim == np.ndim(W) == 2
    return np.array([sum(x[i] * W[i][j] for i in range(len(x))) for j in range(n_out)])""",
}
VECTORISED = {
    "x @ W": "def f(W, x):\n    return x @ W",
    "np.dot": "def f(W, x):\n    return np.dot(x, W)",
    "a slice": "def f(W, x):\n    return [W[:, j] for j in range(3)]",
    "a row times a number": "def f(W, x):\n    return sum(x[i] * W[i] for i in range(2))",
    "np.sum": "def f(W, x):\n    return np.sum(W, axis=0)",
    "np.asarray": "def f(W, x):\n    return np.asarray(x) @ np.asarray(W)",
    "W.T": "def f(W, x):\n    return W.T",
    "an index array": "def f(W, x):\n    return W[[0, 1], 0]",
    "np.einsum": "def f(W, x):\n    return np.einsum('i,ij->j', x, W)",
}


def run(code: str):
    namespace = {"np": np}
    exec(code, namespace)
    return namespace["f"](loops_only(W), loops_only(x))


@pytest.mark.parametrize("style", STYLES)
def test_every_honest_loop_style_runs(style):
    got = run(STYLES[style])
    np.testing.assert_allclose(np.asarray(got, dtype=float), EXPECTED, rtol=1e-12)


@pytest.mark.parametrize("kind", VECTORISED)
def test_what_does_the_loops_work_is_refused_saying_what_is_allowed(kind):
    with pytest.raises(LoopsOnly) as err:
        run(VECTORISED[kind])
    text = str(err.value)
    assert "not available here" in text and "Allowed: A[i, j] or A[i][j]" in text and "for row in A" in text


def test_inputs_stay_read_only_and_rows_are_loops_only():
    w = loops_only(W)
    with pytest.raises(LoopsOnly, match="read-only"):
        w[0, 0] = 1.0
    with pytest.raises(LoopsOnly):
        w[0] + 1.0
    assert isinstance(w[1][2], float) and w[1][2] == W[1, 2]
    assert [len(row) for row in w] == [3, 3] and np.zeros_like(w).shape == (2, 3)
