"""grader.feedback: hidden tests and tracebacks never reach the students' feedback."""
from nbformat.v4 import new_code_cell, new_notebook, new_output

from grader.feedback import HideHiddenTests, strip_hidden

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


def test_the_students_tracebacks_keep_their_own_frames_and_no_machine_paths():
    import sys
    answer = new_code_cell("def f(): ...")
    answer.metadata = {"nbgrader": {"grade": False, "solution": True, "grade_id": "a"}}
    library = f"File {sys.prefix}/lib/python3.11/site-packages/numpy/core/fromnumeric.py:88, in _wrapreduction"
    answer.outputs = [
        new_output("error", ename="ValueError", evalue=f"bad shape in {sys.prefix}/lib/x.py",
                   traceback=["Cell In[4], line 3\n----> 3 f(x)", library, "ValueError: bad shape"]),
        new_output("stream", name="stderr", text=f"{sys.prefix}/lib/numpy/warnings.py:1: RuntimeWarning\n"
                                                 "/tmp/course-sandbox-ab12cd/home/notes.txt written\n")]
    nb, _ = HideHiddenTests().preprocess(new_notebook(cells=[answer]), {})
    error, stream = nb.cells[0].outputs
    assert error["traceback"] == ["Cell In[4], line 3\n----> 3 f(x)", "ValueError: bad shape"]
    assert sys.prefix not in error["evalue"] and "<python>/lib/x.py" in error["evalue"]
    assert sys.prefix not in stream["text"] and "course-sandbox" not in stream["text"]
    assert "<python>/lib/numpy/warnings.py" in stream["text"] and "~/notes.txt" in stream["text"]


def test_missing_mathjax_is_one_sentence(monkeypatch, tmp_path):
    import pytest

    from grader import mathjax
    monkeypatch.setenv(mathjax.MATHJAX_ENV, str(tmp_path / "nowhere.js"))
    with pytest.raises(mathjax.MathJaxMissing, match=r"run `bash scripts/node-packages.sh`"):
        mathjax.offline_mathjax("https://cdn.example/MathJax.js")
    fake = tmp_path / "tex-svg.js"
    fake.write_text("var x = '</script>';")
    monkeypatch.setenv(mathjax.MATHJAX_ENV, str(fake))
    tags = mathjax.offline_mathjax("https://cdn.example/MathJax.js")
    assert "cdn.example" not in tags and "<\\/script>" in tags and tags.count("</script>") == 2
    assert "inlineMath: [['$', '$']" in tags
