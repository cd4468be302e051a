"""Small tables for notebooks: rendered as Markdown in JupyterLab, readable as text elsewhere."""
import numpy as np

__all__ = ["markdown_table"]


def _number(value, digits):
    """``value`` with ``digits`` decimals; one that rounds to zero prints as 0.000..., without a sign
    (-0.0, or -1e-17 where another machine computes +1e-17, must not change the table)."""
    text = f"{float(value):.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _cell(value, digits):
    arr = np.asarray(value)
    if arr.ndim == 0:
        return _number(arr, digits) if arr.dtype.kind == "f" else str(arr)
    return "(" + ", ".join(_number(v, digits) for v in arr.ravel()) + ")"


def markdown_table(headers, rows, digits=4):
    """A Markdown table; vectors print as (a, b, ...), numbers with ``digits`` decimals (the same text on
    every machine: the digits are fixed, and zero has no sign).

    headers : list of str (Markdown and LaTeX allowed); rows : list of lists of numbers or arrays.
    Returns an ``IPython.display.Markdown`` object (its text is the plain Markdown).
    """
    from IPython.display import Markdown

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(":-:" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_cell(v, digits) for v in row) + " |" for row in rows]
    return Markdown("\n".join(lines))
