"""What students see in nbgrader's feedback: the message of each failed test, not the hidden test.

nbgrader's ``generate_feedback`` renders the autograded notebook, hidden tests included, and an
error's IPython traceback quotes the lines of test code around the failure.  This preprocessor runs
inside ``generate_feedback`` (see nbgrader_config.py) and, in every graded cell,

* removes the ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` region from the source
  (leaving a one-line note that hidden tests ran there), and
* replaces each error's traceback with its last line, ``ErrorName: message`` -- the grader's
  messages say what is wrong (quantity, shape, largest error, known mistake) without quoting code.

In every other cell (the student's own), tracebacks keep only the frames of the student's cells, and
paths of the grading machine (the Python installation, the course folder, the sandbox's folders) are
replaced by short placeholders in tracebacks and printed text.

The autograded notebooks and the scores in the gradebook are untouched.
"""
import os
import re
import sys
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
NOTE = "# (hidden tests ran here; their messages, if any, are shown below)"


def strip_hidden(source: str) -> str:
    """The source without its hidden-test regions, each replaced by a one-line note."""
    out, hidden = [], False
    for line in source.splitlines():
        if BEGIN in line:
            hidden = True
            out.append(NOTE)
        elif END in line:
            hidden = False
        elif not hidden:
            out.append(line)
    return "\n".join(out)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _machine_paths() -> list[tuple[str, str]]:
    pairs = {os.path.realpath(sys.prefix): "<python>", sys.prefix: "<python>",
             os.path.realpath(sys.base_prefix): "<python>", str(Path(__file__).resolve().parents[1]): "<course>",
             os.getcwd(): "<course>"}
    return sorted(((k, v) for k, v in pairs.items() if len(k) > 1), key=lambda kv: -len(kv[0]))


def scrub_paths(text: str) -> str:
    """``text`` with the grading machine's paths replaced by placeholders."""
    for path, placeholder in _machine_paths():
        text = text.replace(path, placeholder)
    return re.sub(r"/tmp/course-sandbox-[A-Za-z0-9_]+(/home)?", "~", text)


def students_frames(traceback: list[str]) -> list[str]:
    """The frames of an IPython traceback that are in the student's cells, and the error line."""
    if not traceback:
        return traceback
    kept = [entry for entry in traceback[:-1]
            if any(mark in _ANSI.sub("", entry) for mark in ("Cell In[", "Input In [", "<ipython-input-"))]
    return [scrub_paths(entry) for entry in kept + traceback[-1:]]


def hidden_lines(nb) -> list[str]:
    """The lines of the notebook's hidden tests worth hiding (long enough to say something), each
    as written and as a string's repr shows it, longest first."""
    lines = set()
    for cell in nb.cells:
        if cell.cell_type == "code" and BEGIN in cell.source:
            for line in cell.source[cell.source.find(BEGIN):].splitlines():
                line = line.strip()
                if len(line) >= 16:
                    lines |= {line, repr(line)[1:-1]}
    return sorted(lines, key=len, reverse=True)


def scrub_hidden(text: str, lines: list[str]) -> str:
    """``text`` without any line of a hidden test in it (a kernel that kept a hidden test's source and
    printed it later, in a cell of its own)."""
    for line in lines:
        if line in text:
            text = text.replace(line, "[text of a hidden test removed]")
    return text


class HideHiddenTests(Preprocessor):
    """Strip hidden tests and tracebacks from graded cells before feedback is rendered."""

    enabled = Bool(True, help="On by default: nbgrader registers it without enabling it.").tag(config=True)

    def preprocess(self, nb, resources):
        self._hidden = hidden_lines(nb)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code":
            return cell, resources
        graded_test = meta.get("grade") and not meta.get("solution")
        if graded_test:
            cell.source = strip_hidden(cell.source)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                if graded_test:
                    output["traceback"] = [scrub_paths(f"{output.get('ename', 'Error')}: {output.get('evalue', '')}")]
                else:
                    output["traceback"] = students_frames(output.get("traceback", []))
                output["evalue"] = scrub_paths(str(output.get("evalue", "")))
            elif output.get("output_type") == "stream":
                text = output.get("text", "")
                output["text"] = scrub_paths("".join(text) if isinstance(text, list) else text)
            self._scrub(output)
        return cell, resources

    def _scrub(self, output) -> None:
        lines = getattr(self, "_hidden", [])
        if not lines:
            return
        for field in ("text", "evalue"):
            if isinstance(output.get(field), (str, list)):
                value = output[field]
                output[field] = scrub_hidden("".join(value) if isinstance(value, list) else value, lines)
        if isinstance(output.get("traceback"), list):
            output["traceback"] = [scrub_hidden(str(t), lines) for t in output["traceback"]]
        data = output.get("data")
        if isinstance(data, dict):
            for mime in list(data):
                if mime.startswith("text/") or mime.endswith("json") or mime.endswith("+xml"):
                    value = data[mime]
                    if isinstance(value, (str, list)):
                        data[mime] = scrub_hidden("".join(value) if isinstance(value, list) else value, lines)
