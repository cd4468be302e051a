"""course.graphs and course.notation: the pictures and the notation table every notebook shows."""
import io

import numpy as np

from course.graphs import draw_graph, short
from course.notation import TABLE, notation


def test_short_values_are_machine_independent_text():
    assert short(np.array([0.2, -0.3])) == "(0.20, -0.30)"
    assert short(-1e-17) == "0.00"                       # no sign on a zero
    assert short(np.zeros((3, 4))) == "(3, 4) array"
    assert short(np.eye(2)) == "[1.00, 0.00; 0.00, 1.00]"
    assert short(None) == ""


def test_graph_shows_values_and_gradients_and_is_small():
    x, W = np.array([0.2, -0.3]), np.arange(6.0).reshape(2, 3) / 7
    fig = draw_graph([["x", "W1"], ["z1"], ["L"]], [("x", "z1", "·W"), ("W1", "z1"), ("z1", "L")],
                     values={"x": x, "W1": W, "z1": x @ W, "L": 0.5},
                     grads={"z1": np.ones(3), "W1": None, "L": 1.0}, title="t", show=False)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "(0.20, -0.30)" in texts and "(1.00, 1.00, 1.00)" in texts and "?" in texts and "d=1.00" in texts
    assert "W₁" in texts and "z₁" in texts
    png = io.BytesIO()
    fig.savefig(png, format="png")
    assert png.tell() < 40_000


def test_notation_is_one_table_shown_collapsed():
    text = notation().data
    assert text.startswith("<details>") and "Kronecker" in text and "| $W_\\ell,\\ b_\\ell$ |" in text
    assert TABLE.read_text().count("\n| ") >= 12
