"""What students see in nbgrader's feedback: the message of each failed test, not the hidden test.

nbgrader's ``generate_feedback`` renders the autograded notebook, hidden tests included, and an
error's IPython traceback quotes the lines of test code around the failure.  This preprocessor runs
inside ``generate_feedback`` (see nbgrader_config.py) and, in every graded cell,

* removes the ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` region from the source
  (leaving a one-line note that hidden tests ran there), and
* replaces each error's traceback with its last line, ``ErrorName: message`` -- the toolkit's
  messages say what is wrong (quantity, shape, largest error, known mistake) without quoting code.

The autograded notebooks and the scores in the gradebook are untouched.
"""
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


class HideHiddenTests(Preprocessor):
    """Strip hidden tests and tracebacks from graded cells before feedback is rendered."""

    enabled = Bool(True, help="On by default: nbgrader registers it without enabling it.").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade"):
            cell.source = strip_hidden(cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
