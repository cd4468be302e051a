"""course.feedback: hidden tests and tracebacks never reach the students' feedback."""
from nbformat.v4 import new_code_cell, new_notebook, new_output

from course.feedback import HideHiddenTests, strip_hidden

HIDDEN = "check(a)\n### BEGIN HIDDEN TESTS\nsecret(b)\n### END HIDDEN TESTS\nprint('done')"


def test_strip_hidden_keeps_the_visible_part():
    out = strip_hidden(HIDDEN)
    assert "secret" not in out and "check(a)" in out and "print('done')" in out
    assert "hidden tests ran here" in out


def test_preprocessor_touches_graded_cells_only():
    graded = new_code_cell(HIDDEN)
    graded.metadata = {"nbgrader": {"grade": True, "solution": False, "grade_id": "t", "points": 1}}
    graded.outputs = [new_output("error", ename="CheckFailed", evalue="dW1 is wrong: ...",
                                 traceback=["----> 3 secret(b)", "CheckFailed: dW1 is wrong: ..."])]
    given = new_code_cell("secret(b)")
    given.outputs = [new_output("error", ename="AssertionError", evalue="", traceback=["----> 1 secret(b)"])]
    nb, _ = HideHiddenTests().preprocess(new_notebook(cells=[graded, given]), {})
    assert "secret" not in nb.cells[0].source
    assert nb.cells[0].outputs[0]["traceback"] == ["CheckFailed: dW1 is wrong: ..."]
    assert nb.cells[1].source == "secret(b)" and nb.cells[1].outputs[0]["traceback"] == ["----> 1 secret(b)"]
    assert HideHiddenTests().enabled
