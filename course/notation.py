"""The course's notation table (``notation.md`` beside this file), shown in a notebook on demand.

Every notebook's setup cell shows it collapsed, so the table is written once and each notebook
links to the same text.
"""
from pathlib import Path

__all__ = ["TABLE", "notation"]

TABLE = Path(__file__).with_name("notation.md")


def notation():
    """The notation table as collapsed Markdown (click to open); display it or end a cell with it."""
    from IPython.display import Markdown

    body = TABLE.read_text().split("\n", 2)[2]          # without the file's own title
    return Markdown("<details><summary><b>Notation used in the whole course</b> (click to open)</summary>\n\n"
                    + body + "\n</details>")
