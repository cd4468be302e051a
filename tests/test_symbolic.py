"""course.symbolic.check_symbolic: identities pass, wrong expressions fail with the residual."""
import pytest
import sympy as sp

from course import CheckFailed, check_symbolic

x = sp.Matrix(sp.symbols("x1:4"))
e = x.applyfunc(sp.exp)
s = e / sum(e)


def test_softmax_jacobian_identity():
    check_symbolic("J", s.jacobian(x), sp.diag(*s) - s * s.T)


def test_scalar_identity_needing_evaluation_fallback():
    t = sp.symbols("t")
    check_symbolic("trig", sp.sin(t) ** 2 + sp.cos(t) ** 2, sp.Integer(1))
    check_symbolic("log", sp.log(sp.exp(t) * sp.exp(t)), 2 * t)  # not simplified for complex t


def test_wrong_matrix_shows_residual_point_and_known_mistake():
    with pytest.raises(CheckFailed) as err:
        check_symbolic("J", -s * s.T, sp.diag(*s) - s * s.T, wrong={"the diagonal is missing": -s * s.T})
    msg = str(err.value)
    assert "residual" in msg and "not 0" in msg and "known mistake: the diagonal is missing" in msg


def test_shape_and_type_errors():
    with pytest.raises(CheckFailed, match="looks transposed"):
        check_symbolic("s", s.T, s)
    with pytest.raises(CheckFailed, match="should be a sympy Matrix"):
        check_symbolic("s", [1, 2, 3], s)
    with pytest.raises(CheckFailed, match="should be a sympy expression"):
        check_symbolic("L", "x", sp.Integer(1))
