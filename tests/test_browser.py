"""The student's and the instructor's view in a real browser: JupyterLab 4 with nbgrader's extensions,
driven through Debian's headless Chromium with Playwright.

One JupyterLab server (on a free port of 127.0.0.1, with a token) serves a throw-away copy of the
course for the whole module.  The tests open every release notebook, take assignment 5 (its notebook
has LaTeX and a matplotlib plot) from blank to the reference answer with nbgrader's Validate button
pressed in both states, and load the formgrader.  Each step leaves a screenshot in
test-artifacts/browser/ (git-ignored).
"""
import re

import nbformat
import pytest

from browser_lab import (NB, Lab, Shots, activate_tab, close_dialog, launch_chromium, menu, new_page,
                         open_path, open_problems, run_from, scroll_to_cell, settled_texts, validate,
                         wait_current_tab, wait_for, wait_run_finished)
from conftest import ASSIGNMENTS, ROOT, copy_course
from grader.instructor import build_submission, nbgrader_meta

RELEASE_NOTEBOOKS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "release").glob("*/*.ipynb"))

# Assignment 5: light enough to run in full twice, and it has both a plot and LaTeX.
CYCLE = "release/05_xor_mlp/xor_mlp.ipynb"
# On the blank release, these visible checks stop at the toolkit's message for the function they call
# first; the other graded cells (which call a stub directly, or need a variable a failed cell did not
# make) fail with Python's own error.
NOT_IMPLEMENTED = {
    "test_forward_xor": "forward_xor",
    "test_grad_Z2": "grad_Z2",
    "test_grad_W2": "grad_W2",
    "test_grad_b2": "grad_b2",
    "test_grad_A1": "grad_A1",
    "test_grad_Z1": "grad_Z1",
    "test_grad_W1": "grad_W1",
    "test_grad_b1": "grad_b1",
    "test_grad_X": "grad_X",
    "test_keras_step": "sgd_step_xor",
    "test_activation_sympy": "sigmoid_prime_in_a",
    "test_activation_grads": "sigmoid_grad_from_output",
    "test_dense": "dense_forward",
    "test_glorot_limit": "uniform_variance",
    "test_glorot": "glorot_uniform",
    "test_mean_loss_lr": "mean_loss_lr",
    "test_xor_gradients": "xor_gradients",
    "test_gradient_descent": "gradient_descent",
}
PLOT_CELL = "train_run"  # the training loss and the decision boundary


@pytest.fixture(scope="module")
def shots():
    return Shots(ROOT / "test-artifacts" / "browser")


@pytest.fixture(scope="module")
def lab_and_browser(tmp_path_factory):
    """JupyterLab serving a course copy whose gradebook knows every assignment, and Debian's Chromium;
    both shut down at the end, whatever happened."""
    from nbgrader.api import Gradebook

    work = tmp_path_factory.mktemp("browser")
    root = copy_course(work / "course")
    server = Lab(root, work / "home")
    pw = chromium = None
    try:
        server.launch()  # it boots while the gradebook is written and the browser starts
        # What `nbgrader db assignment add` does (the server opens the gradebook only when asked).
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
            for name in ASSIGNMENTS:
                gb.update_or_create_assignment(name)
        pw, chromium = launch_chromium()
        yield server.wait_ready(), chromium
    finally:
        try:
            if chromium is not None:
                chromium.close()
            if pw is not None:
                pw.stop()
        finally:
            server.stop()


@pytest.fixture(scope="module")
def lab(lab_and_browser):
    return lab_and_browser[0]


@pytest.fixture(scope="module")
def browser(lab_and_browser):
    return lab_and_browser[1]


@pytest.fixture
def page(browser, shots, request):
    page = new_page(browser)
    failed_before = request.session.testsfailed
    try:
        yield page
        if request.session.testsfailed > failed_before:  # what the page showed when the test failed
            shots(page, f"FAILED-{request.node.name}")
    finally:
        page.context.close()


def cell_index(nb, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if nbgrader_meta(c).get("grade_id") == grade_id)


def test_every_release_notebook_opens_without_a_front_end_error(lab, page, shots):
    """Each release notebook opens in JupyterLab: rendered whole, its LaTeX typeset without a MathJax
    error, its kernel idle, and no error dialog, console error or uncaught exception.  (The notebook
    of the student's path below is checked the same way there, as its first step.)"""
    paths = [p for p in RELEASE_NOTEBOOKS if p != CYCLE]
    assert paths, "no release notebooks"
    # Open them all (their kernels start side by side), then look at each tab.
    page.goto(lab.url(f"/lab/tree/{paths[0]}", reset="", token=lab.token))
    wait_current_tab(page, paths[0].rsplit("/", 1)[-1])  # (opened later, it took the focus from the next)
    for path in paths[1:]:
        open_path(page, path)
    problems = []
    for path in paths:
        activate_tab(page, path.rsplit("/", 1)[-1])
        problems += open_problems(lab, page, path, len(nbformat.read(str(ROOT / path), as_version=4).cells))
        shots(page, "open-" + path.split("/")[1])
    assert not problems, "\n".join(problems)


def test_assignment_from_blank_to_reference_with_validate(lab, page, shots):
    """The student's path through assignment 5 in the browser, step by step."""
    source = nbformat.read(str(ROOT / CYCLE.replace("release/", "source/", 1)), as_version=4)
    release = nbformat.read(str(ROOT / CYCLE), as_version=4)
    graded = {nbgrader_meta(c)["grade_id"]: i for i, c in enumerate(release.cells)
              if nbgrader_meta(c).get("grade") and c.cell_type == "code"}
    assert set(NOT_IMPLEMENTED) <= set(graded), "NOT_IMPLEMENTED names a graded cell the notebook no longer has"

    # 1. The blank release opens, with its LaTeX typeset.
    page.goto(lab.url(f"/lab/tree/{CYCLE}", reset="", token=lab.token))
    problems = open_problems(lab, page, CYCLE, len(release.cells))
    assert not problems, "\n".join(problems)
    display_math = page.locator(f"{NB} .jp-MarkdownOutput mjx-container[display='true']").first
    display_math.evaluate("m => m.closest('.jp-Cell').scrollIntoView({block: 'start'})")
    shots(page, "blank-opened-latex")

    # 2. Run All stops at the first cell that calls a function the student has not written yet.
    menu(page, "Run", "Run All Cells")
    s = wait_run_finished(page)
    first_error = max(i for i, p in enumerate(s["prompts"]) if p and re.search(r"\d", p))  # the last that ran
    assert all(p is None or "[ ]" in p for p in s["prompts"][first_error + 1:]), \
        f"Run All went on past the first error: {s['prompts']}"
    texts = settled_texts(page, lambda t: "NotImplementedError" in t[first_error]["err"])
    assert "NotImplementedError" in texts[first_error]["err"], \
        f"Run All stopped at cell {first_error} without a NotImplementedError: " + repr(
            {i: t["err"][-300:] for i, t in enumerate(texts) if t["err"]})
    scroll_to_cell(page, first_error)
    shots(page, "blank-run-all-stops-at-first-error")

    # 3. The rest run one by one (as a student continues): every visible check fails, most of them
    #    with the toolkit's "... is not implemented yet" message.
    run_from(page, first_error + 1)
    texts = settled_texts(page, lambda t: all(t[i]["err"] for i in graded.values())
                          and all(f"{fn} is not implemented yet" in t[graded[g]]["err"] for g, fn in NOT_IMPLEMENTED.items()))
    for grade_id, i in graded.items():
        assert texts[i]["err"], f"the visible check {grade_id} passed on the blank release: {texts[i]['out']!r}"
    for grade_id, fn in NOT_IMPLEMENTED.items():
        err = texts[graded[grade_id]]["err"]
        assert f"{fn} is not implemented yet: replace `raise NotImplementedError()`" in err, \
            f"{grade_id} does not say that {fn} is not implemented yet:\n{err[-600:]}"
    scroll_to_cell(page, graded["test_forward_xor"])
    shots(page, "blank-checks-fail-not-implemented")

    # 4. Validate on the blank notebook: every graded cell is listed as failed.
    classes, text = validate(page)
    shots(page, "blank-validate-verdict")
    close_dialog(page)
    assert "validation-failed" in classes, f"Validate did not report failures on the blank notebook:\n{text[:500]}"
    assert text.count("The following cell failed:") == len(graded), text[:2000]
    assert "is not implemented yet" in text

    # 5. The reference answers are written through the contents API, the notebook reloaded from disk,
    #    and Kernel > Restart Kernel and Run All Cells: every visible check passes, the plot renders.
    lab.put_notebook(CYCLE, build_submission(source, release))
    menu(page, "File", "Reload Notebook from Disk")
    reloaded = "() => document.querySelector('%s .jp-Cell .jp-OutputArea-output') === null" % NB
    wait_for(page, f"() => !!document.querySelector('.jp-Dialog') || ({reloaded})()")
    if page.locator(".jp-Dialog").count():  # "unsaved changes" confirmation, if any
        close_dialog(page)
    wait_for(page, reloaded)
    menu(page, "Kernel", "Restart Kernel and Run All Cells")
    close_dialog(page)
    s = wait_run_finished(page)
    plot = cell_index(release, PLOT_CELL)
    texts = settled_texts(page, lambda t: all(t[i]["out"].strip() for i in graded.values()) and t[plot]["imgs"])
    errors = {i: t["err"] for i, t in enumerate(texts) if t["err"]}
    assert not errors, "cells show errors with the reference answers:\n" + "\n".join(
        f"cell {i}: {e[-400:]}" for i, e in errors.items())
    assert all(p is None or re.search(r"\d", p) for p in s["prompts"]), f"not every cell ran: {s['prompts']}"
    for grade_id, i in graded.items():
        assert texts[i]["out"].strip(), f"the visible check {grade_id} printed nothing"
    scroll_to_cell(page, graded["test_forward_xor"])
    shots(page, "reference-checks-pass")
    assert texts[plot]["imgs"] >= 1, "the training plot did not render as an image in its output area"
    page.locator(f"{NB} .jp-Cell").nth(plot).locator(".jp-OutputArea-output img").first.evaluate(
        "i => i.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(150)
    shots(page, "reference-plot")

    # 6. Validate on the reference answers: success.
    classes, text = validate(page)
    shots(page, "reference-validate-verdict")
    close_dialog(page)
    assert "validation-success" in classes, f"Validate did not pass the reference answers:\n{text[:2000]}"
    assert "Success! Your notebook passes all the tests." in text
    assert not page.errors, "\n".join(page.errors)


def test_formgrader_lists_the_assignments(lab, page, shots):
    page.goto(lab.url("/formgrader", token=lab.token))
    names = page.locator("table td.name a")
    names.nth(len(ASSIGNMENTS) - 1).wait_for()
    shots(page, "formgrader")
    assert names.all_inner_texts() == ASSIGNMENTS
    assert not page.errors, "\n".join(page.errors)
