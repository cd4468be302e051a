"""Computational-graph pictures: the forward values on the nodes, the gradients on the edges.

A graph is drawn in columns from left (inputs and parameters) to right (the loss)::

    draw_graph(columns=[["x", "W1", "b1"], ["z1"], ["a1"], ["L"]],
               edges=[("x", "z1"), ("W1", "z1"), ("b1", "z1"), ("z1", "a1"), ("a1", "L")],
               values={"x": x, "z1": z1, ...},          # forward values, printed under each node
               grads={"z1": dz1, ...})                  # dL/d(node), printed in red on its outgoing edge

Nodes without a value or gradient are drawn without one, so the same call shows the forward pass
alone before the student's backward pass exists and the whole picture after it. Figures are small
(72 dpi), use no randomness and no pyplot state, and show the same picture on every machine.
"""
from __future__ import annotations

import numpy as np

__all__ = ["draw_graph", "short"]

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def short(value, digits: int = 2, max_entries: int = 6) -> str:
    """A value in a few characters: a number, a short vector ``(0.23, -0.57)``, or ``(3, 4) array``."""
    if value is None:
        return ""
    arr = np.asarray(value)
    if arr.dtype.kind not in "fiub":
        return str(value)
    def num(v):
        text = f"{float(v):.{digits}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text
    if arr.ndim == 0:
        return num(arr)
    if arr.size > max_entries:
        return f"{arr.shape} array" if arr.ndim > 1 else f"({arr.size},) vector"
    if arr.ndim == 1:
        return "(" + ", ".join(num(v) for v in arr) + ")"
    return "[" + "; ".join(", ".join(num(v) for v in row) for row in arr.reshape(arr.shape[0], -1)) + "]"


def _label(name: str) -> str:
    """'W1' -> 'W₁', 'y_hat' -> 'ŷ'; other names unchanged."""
    if name == "y_hat":
        return "ŷ"
    head = name.rstrip("0123456789")
    return head + name[len(head):].translate(_SUBSCRIPTS)


def draw_graph(columns, edges, values=None, grads=None, title=None, width=None, show=True):
    """Draw a computational graph; return the matplotlib Figure when ``show=False``.

    Parameters
    ----------
    columns : list of list of str -- node names, one list per column, left to right
    edges : list of (str, str) or (str, str, str) -- (from, to[, operation shown at the arrow head])
    values : dict[str, array_like], optional -- forward values, printed under the node
    grads : dict[str, array_like], optional -- d<node> = dL/d(node), printed in red on the node's
        outgoing edge(s) (on the node itself for the loss, which has none); a gradient whose value is
        None is drawn as "?"
    title : str, optional
    width : float, optional -- figure width in inches (default 1.7 per column)
    show : bool -- display the figure (True, the default) or return it
    """
    from matplotlib.figure import Figure

    values, grads = values or {}, grads or {}
    pos = {}
    tallest = max(len(col) for col in columns)
    for c, col in enumerate(columns):
        offset = (tallest - len(col)) / 2
        for r, name in enumerate(col):
            pos[name] = (c, tallest - 1 - r - offset)
    fig = Figure(figsize=(width or 1.7 * len(columns), 0.9 + 1.05 * tallest), dpi=72)
    ax = fig.add_axes((0, 0, 1, 0.92 if title else 1))
    ax.set_xlim(-0.6, len(columns) - 0.4)
    ax.set_ylim(-0.8, tallest - 0.3)
    ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=10)
    outgoing = {}
    for edge in edges:
        src, dst = edge[0], edge[1]
        outgoing.setdefault(src, []).append(dst)
        (x0, y0), (x1, y1) = pos[src], pos[dst]
        ax.annotate("", xy=(x1 - 0.2, y1), xytext=(x0 + 0.2, y0),
                    arrowprops=dict(arrowstyle="-|>", color="0.45", lw=1, shrinkA=0, shrinkB=0))
        if len(edge) > 2:
            ax.text(x1 - 0.24, y1 + 0.1, edge[2], ha="right", va="bottom", fontsize=7, color="0.3")
        if src in grads:
            g = grads[src]
            ax.text((x0 + x1) / 2, (y0 + y1) / 2 - 0.12, "?" if g is None else short(g), ha="center", va="top",
                    fontsize=7, color="#c0392b")
    for name, (x, y) in pos.items():
        ax.text(x, y, _label(name), ha="center", va="center", fontsize=10, fontweight="bold",
                bbox=dict(boxstyle="round,pad=0.3", fc="#eaf2fb", ec="#2c5d8f", lw=1))
        if name in values:
            ax.text(x, y - 0.25, short(values[name]), ha="center", va="top", fontsize=7)
        if name in grads and name not in outgoing:
            g = grads[name]
            ax.text(x, y + 0.25, "?" if g is None else "d=" + short(g), ha="center", va="bottom",
                    fontsize=7, color="#c0392b")
    if show:
        from IPython.display import display
        display(fig)
        return None
    return fig
