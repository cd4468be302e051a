"""course.gradcheck against gradients known in closed form."""
import warnings

import numpy as np
import pytest

from course import (CheckFailed, KinkWarning, check_gradient, gradient_table, numerical_gradient,
                    numerical_vjp, rel_error, sigmoid)

RNG = np.random.default_rng(0)


def test_numerical_gradient_of_a_quadratic_form():
    M = RNG.normal(size=(4, 4))
    x = RNG.normal(size=4)
    num = numerical_gradient(lambda v: v @ M @ v, x)
    assert rel_error(num, (M + M.T) @ x) < 1e-8


def test_numerical_gradient_of_a_matrix_argument_and_input_untouched():
    W = RNG.normal(size=(3, 2))
    x, g = RNG.normal(size=3), RNG.normal(size=2)
    before = W.copy()
    num = numerical_gradient(lambda w: g @ (x @ w), W)
    assert np.array_equal(W, before)
    assert rel_error(num, np.outer(x, g)) < 1e-8


def test_numerical_vjp_of_sigmoid():
    z, up = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))
    s = sigmoid(z)
    assert rel_error(numerical_vjp(sigmoid, z, up), up * s * (1 - s)) < 1e-8


def test_numerical_vjp_rejects_wrong_upstream_shape():
    with pytest.raises(ValueError, match="upstream"):
        numerical_vjp(sigmoid, np.zeros(3), np.zeros((1, 3)))


def test_rel_error_floor_and_no_broadcasting():
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(np.array([1e-12]), np.array([0.0])) == pytest.approx(1e-4)
    with pytest.raises(ValueError, match="no broadcasting"):
        rel_error(np.ones((1, 3)), np.ones(3))


def test_kink_warning_only_when_a_step_crosses_the_kink():
    relu_sq = lambda v: np.sum(np.maximum(v, 0) ** 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        numerical_gradient(relu_sq, np.array([1.0, -2.0]), watch=lambda v: v)
    with pytest.warns(KinkWarning, match=r"1 input entry \(\[1\]\)"):
        numerical_gradient(relu_sq, np.array([1.0, 3e-6]), watch=lambda v: v)
    with pytest.warns(KinkWarning):
        numerical_gradient(relu_sq, np.array([0.0]), watch=lambda v: v)
    # a watched value on the kink that this input does not move is no problem for it
    z_on_kink = np.array([0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        numerical_gradient(lambda w: np.sum(w * np.maximum(z_on_kink, 0)), np.ones(2), watch=lambda w: z_on_kink)


def test_check_gradient_pass_and_fail_messages():
    x = RNG.normal(size=(2, 3))
    num = numerical_gradient(lambda v: np.sum(v ** 3), x)
    check_gradient("dX", 3 * x ** 2, num)
    with pytest.raises(CheckFailed, match="relative error .* > 1e-06"):
        check_gradient("dX", 3 * x ** 2 + 1e-3, num)
    with pytest.raises(CheckFailed, match="sign flipped"):
        check_gradient("dX", -3 * x ** 2, num)
    with pytest.raises(CheckFailed, match=r"wrong shape: expected \(2, 3\)"):
        check_gradient("dX", (3 * x ** 2).T, num)


def test_gradient_table_rows():
    table = gradient_table({"dW": np.ones(2), "db": np.ones((1, 2))}, {"dW": np.ones(2), "db": np.ones(2)})
    lines = table.splitlines()
    assert lines[0].split()[:4] == ["tensor", "shape", "ok", "exact"]
    assert lines[1].split()[:4] == ["dW", "yes", "True", "True"]
    assert lines[2].split()[:2] == ["db", "NO"] and "expected (2,)" in lines[2]
