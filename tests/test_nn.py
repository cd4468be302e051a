"""course.nn: the ungraded building blocks."""
import warnings

import numpy as np

from course import grading_now, sigmoid


def test_sigmoid_is_stable_and_keeps_dtype():
    z = np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(z)
    assert s.dtype == np.float32
    assert np.allclose(s, 0.5 * (1 + np.tanh(z.astype(float) / 2)), atol=1e-7)
    assert s[0] == 0.0 and s[2] == 0.5 and s[-1] == 1.0


def test_grading_now_follows_nbgraders_variable(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert grading_now() is False
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert grading_now() is True
