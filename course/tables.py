"""Small tables for notebooks: rendered as Markdown in JupyterLab, readable as text elsewhere."""
import numpy as np

__all__ = ["markdown_table"]


def _cell(value, digits):
    arr = np.asarray(value)
    if arr.ndim == 0:
        return f"{float(arr):.{digits}f}" if arr.dtype.kind == "f" else str(arr)
    return "(" + ", ".join(f"{float(v):.{digits}f}" for v in arr.ravel()) + ")"


def markdown_table(headers, rows, digits=4):
    """A Markdown table; vectors print as (a, b, ...), numbers with ``digits`` decimals.

    headers : list of str (Markdown and LaTeX allowed); rows : list of lists of numbers or arrays.
    Returns an ``IPython.display.Markdown`` object (its text is the plain Markdown).
    """
    from IPython.display import Markdown

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(":-:" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_cell(v, digits) for v in row) + " |" for row in rows]
    return Markdown("\n".join(lines))
