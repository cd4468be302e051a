"""The autograde round trip, through nbgrader itself, in temporary copies of the course.

Real ``nbgrader autograde`` (conftest.graded_course): reference -> full marks; blank release -> 0
on every graded cell; malformed JSON and an empty student folder are reported in one sentence and
the rest of the class is still graded; feedback shows what failed but not the hidden tests.

The known-wrong variants of tests/catalogue/<assignment>.py (148 of them) run in one shared kernel
per assignment (tests/fastgrade.py), each variant's own cells in a fork of the kernel after the cells it
shares with the reference, scored by nbgrader's own ``determine_grade``; that this agrees with
``nbgrader autograde`` is checked here on the reference, the blank release and one variant of every
assignment (run to its end through the fork).
"""
from concurrent.futures import ThreadPoolExecutor

import pytest

from grader.instructor import (CourseError, build_submission, load_catalogue, nbgrader_meta, preflight,
                               release_notebooks, variant_code)
from conftest import ASSIGNMENTS, ROOT
from fastgrade import SharedKernel, as_autograded


def variants(assignment):
    notebooks = release_notebooks(ROOT, assignment)
    return {d: (v, {v["cell"]: variant_code(notebooks, v)}) for d, v in load_catalogue(ROOT, assignment).items()}


@pytest.fixture(scope="module")
def fast_scores(generated_course):
    """{assignment: ({"reference"|"blank"|variant description: {grade_id: (score, max)}}, messages)}.

    The blank release runs in full in the shared kernel, then the reference, one stretch at a time
    (advance(), scoring its tests on the way): each variant replaces one answer cell, and its own cells
    run in a fork of the state the reference's cells before it leave (grade_forked(), variants in the
    order of their cells); the tests before its cell keep the reference's scores. The first variant
    runs to the end (it is compared with real nbgrader below); the others stop after the last test
    they must lose or keep. The reference's scores are those of its run to the end."""
    def run(assignment):
        (name, (src, rel)), = release_notebooks(generated_course, assignment).items()
        kernel = SharedKernel(str(generated_course / "source" / assignment),
                              source=generated_course / "source" / assignment / name, root=generated_course)
        try:
            reference_nb = as_autograded(build_submission(src, rel), src)
            out = {"blank": kernel.grade(as_autograded(build_submission(src, rel, blank=True), src))}
            reference_cells = [c.source for c in kernel.code_cells(reference_nb)]
            ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in kernel.code_cells(reference_nb)]
            planned = []
            for i, (description, (variant, replace)) in enumerate(variants(assignment).items()):
                nb = as_autograded(build_submission(src, rel, replace=replace), src)
                start = ids.index(variant["cell"])
                # only the variant's cell differs from the reference's run
                assert [c.source for c in kernel.code_cells(nb)][:start] == reference_cells[:start], description
                stop = None if i == 0 else set(variant["loses"]) | set(variant.get("keeps", []))
                planned.append((start, i, description, nb, stop))
            messages = {}
            for start, _, description, nb, stop in sorted(planned, key=lambda p: p[:2]):
                kernel.advance(reference_nb, start)
                before = dict(kernel.prefix_scores)  # the reference's tests before the variant's cell
                out[description] = {**before, **kernel.grade_forked(nb, start, stop_after=stop)}
                messages[description] = {**kernel.prefix_messages, **kernel.messages}
            kernel.advance(reference_nb, len(reference_cells))
            out["reference"] = kernel.prefix_scores
            return assignment, (out, messages)
        finally:
            kernel.close()

    with ThreadPoolExecutor(2) as pool:
        return dict(pool.map(run, ASSIGNMENTS))


@pytest.fixture(scope="module")
def fast_messages(fast_scores):
    return {a: m for a, (_, m) in fast_scores.items()}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_scores_full_marks_and_blank_zero(assignment, graded_course):
    reference = graded_course.scores("honest-reference", assignment)
    blank = graded_course.scores("honest-blank", assignment)
    graded_cells = {name for name, (_, mx) in reference.items() if mx > 0}
    assert graded_cells
    for name in graded_cells:
        got, mx = reference[name]
        assert got == mx, f"reference loses points on {name}"
        assert blank[name][0] == 0, f"blank release scores on {name}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_known_wrong_variants_lose_their_points(assignment, fast_scores):
    found = variants(assignment)
    assert found, f"tests/catalogue/{assignment}.py lists no known-wrong variants"
    for description, (variant, _) in found.items():
        cells = fast_scores[assignment][0][description]
        for name in variant["loses"]:
            got, mx = cells[name]
            assert got < mx, f"known-wrong variant '{description}' keeps its points on {name}"
        # one mistake is charged once: every other test it reached keeps its points (the first
        # variant of each assignment runs to the end, the others up to the last test they lose or
        # the catalogue says they keep)
        assert set(variant.get("keeps", [])) <= set(cells), description
        for name, (got, mx) in cells.items():
            if name not in variant["loses"]:
                assert got == mx, f"known-wrong variant '{description}' also loses points on {name}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_known_mistakes_are_named_by_the_visible_check_and_the_grader(assignment, fast_messages):
    """A catalogue entry's ``named`` ({test: text}) is the diagnosis a student must read: in the visible
    check's error (what they see before submitting) and in the grader's verdict (what feedback shows)."""
    found = variants(assignment)
    assert sum(bool(v.get("named")) for v, _ in found.values()) >= 3, \
        f"tests/catalogue/{assignment}.py names the diagnosis of fewer than 3 known mistakes"
    for description, (variant, _) in found.items():
        for test, text in variant.get("named", {}).items():
            seen = fast_messages[assignment][description][test]
            assert text in seen["visible"], (description, test, seen["visible"])
            assert text in seen["verdict"], (description, test, seen["verdict"])


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_shared_kernel_grading_agrees_with_nbgrader(assignment, fast_scores, graded_course):
    fast = fast_scores[assignment][0]
    first = next(iter(variants(assignment)))
    assert fast["reference"] == graded_course.scores("honest-reference", assignment)
    assert fast["blank"] == graded_course.scores("honest-blank", assignment)
    assert fast[first] == graded_course.scores(f"wrong-first-{assignment[:2]}", assignment)


def test_bad_submissions_are_named_and_the_rest_is_graded(graded_course):
    problems = [p for results in graded_course.preflights.values() for r in results for p in r.problems]
    assert any("holds no notebook" in p and "bad-empty" in p for p in problems), problems
    for (student, assignment), what in graded_course.students.items():
        if getattr(what, "expect", None) != "malformed":
            assert graded_course.scores(student, assignment), f"{student} was not graded"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_shows_messages_not_hidden_tests(assignment, graded_course):
    root = graded_course.root_of("honest-blank", assignment)
    assert (graded_course.root_of("honest-reference", assignment) / "feedback" / "honest-reference" / assignment).is_dir()
    source_text = "".join(p.read_text() for p in (ROOT / "source" / assignment).glob("*.ipynb"))
    pages = list((root / "feedback" / "honest-blank" / assignment).glob("*.html"))
    assert pages
    for page in pages:
        html = page.read_text()
        assert "HIDDEN TESTS" not in html and "hidden tests ran here" in html
        assert "is not implemented yet" in html  # the failed tests' messages are there
        assert "_rng = np.random.default_rng" not in html
        # the math renders without a network: MathJax is inside the page, no CDN (tests/test_browser.py
        # opens one offline)
        assert 'id="MathJax-script"' in html and "cdnjs" not in html and "mathjax/2.7" not in html
    assert "_rng = np.random.default_rng" in source_text  # the string above is real hidden-test code


def test_bad_input_sentences(course_copy):
    root = course_copy
    with pytest.raises(CourseError, match="no submitted/ folder"):
        preflight(root, ASSIGNMENTS[0])
    with pytest.raises(CourseError, match=r"There is no assignment folder source/nope"):
        preflight(root, "nope")
    folder = root / "submitted" / "alice" / ASSIGNMENTS[0]
    folder.mkdir(parents=True)
    (folder / "renamed.ipynb").write_text((ROOT / "release" / ASSIGNMENTS[0] /
                                           next(iter(release_notebooks(root, ASSIGNMENTS[0])))).read_text())
    check = preflight(root, ASSIGNMENTS[0])
    assert check.skipped == ["alice"] and "lacks" in check.problems[0] and "exact name" in check.problems[0]
    (folder / "renamed.ipynb").write_text('{"nbformat": 3, "cells": []}')
    assert "not a readable Jupyter notebook" in " ".join(preflight(root, ASSIGNMENTS[0]).problems)


def test_catalogue_cells_exist():
    for assignment in ASSIGNMENTS:
        notebooks = release_notebooks(ROOT, assignment)
        ids = {nbgrader_meta(c).get("grade_id") for src, _ in notebooks.values() for c in src.cells}
        for description, variant in load_catalogue(ROOT, assignment).items():
            assert variant["cell"] in ids, description
            assert variant_code(notebooks, variant).strip(), description  # patches still apply
            assert set(variant["loses"]) <= ids, description
