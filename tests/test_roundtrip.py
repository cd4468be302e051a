"""The autograde round trip, through nbgrader itself, in a temporary copy of the course.

reference -> full marks; blank release -> 0 on every graded cell; every known-wrong variant
(tests/catalogue/<assignment>.py) -> loses the points of the cells it names.  Bad input
(malformed JSON, an empty student folder, a missing notebook, an unknown assignment) is
reported in one sentence and the rest of the class is still graded.
"""
import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from nbgrader.api import Gradebook

from course.instructor import (CourseError, build_submission, database_url, grade, load_catalogue,
                               nbgrader_meta, preflight, release_notebooks, variant_code,
                               write_submission)
from conftest import ASSIGNMENTS, ROOT


def slug(description: str) -> str:
    return "wrong-" + "".join(ch if ch.isalnum() else "-" for ch in description.lower()).strip("-")[:60]


def cell_scores(root, assignment):
    """{student: {grade_id: (score, max)}} from the gradebook."""
    out = {}
    with Gradebook(database_url(root)) as gb:
        for sub in gb.assignment_submissions(assignment):
            cells = {}
            for nb in sub.notebooks:
                for g in nb.grades:
                    cells[g.name] = (g.score, g.max_score)
            out[sub.student_id] = cells
    return out


WORKERS = int(os.environ.get("ROUNDTRIP_WORKERS", (os.cpu_count() or 1) + 1))


def class_roster(assignment):
    """{student id: build_submission kwargs}: the honest pair and one student per known-wrong variant."""
    notebooks = release_notebooks(ROOT, assignment)
    students = {"honest-reference": {}, "honest-blank": {"blank": True}}
    for description, variant in load_catalogue(ROOT, assignment).items():
        students[slug(description)] = {"replace": {variant["cell"]: variant_code(notebooks, variant)}}
    return students


@pytest.fixture(scope="module")
def graded_class(generated_course, tmp_path_factory):
    """Every assignment's roster autograded by nbgrader, split over WORKERS course copies.

    Each copy starts from the generated course (release and gradebook ready) and has its own
    SQLite gradebook, so the copies are graded at the same time without concurrent writers.
    The honest students, the bad inputs and generate_feedback live in copy 0.
    Returns {assignment: (scores {student: {grade_id: (score, max)}}, [Preflight per copy])}.
    """
    base = tmp_path_factory.mktemp("graded")
    roots = []
    for i in range(WORKERS):
        root = base / f"part{i}"
        shutil.copytree(generated_course, root)
        roots.append(root)
    for assignment in ASSIGNMENTS:
        roster = class_roster(assignment)
        others = sorted(s for s in roster if not s.startswith("honest-"))
        groups = [["honest-reference", "honest-blank"]] + [[] for _ in range(WORKERS - 1)]
        for i, student in enumerate(others):
            groups[(i + 1) % WORKERS].append(student)
        for root, group in zip(roots, groups):
            notebooks = release_notebooks(root, assignment)
            for student in group:
                write_submission(root, student, assignment,
                                 {name: build_submission(src, rel, **roster[student])
                                  for name, (src, rel) in notebooks.items()})
        bad = roots[0] / "submitted" / "bad-json" / assignment  # malformed JSON beside good work
        bad.mkdir(parents=True)
        (bad / next(iter(release_notebooks(roots[0], assignment)))).write_text('{"cells": [')
        (roots[0] / "submitted" / "bad-empty" / assignment).mkdir(parents=True)  # no notebook at all

    def grade_all(index):
        return {a: grade(roots[index], a, feedback=(index == 0)) for a in ASSIGNMENTS}

    with ThreadPoolExecutor(WORKERS) as pool:
        per_copy = list(pool.map(grade_all, range(WORKERS)))
    out = {}
    for assignment in ASSIGNMENTS:
        scores = {}
        for root in roots:
            scores.update(cell_scores(root, assignment))
        out[assignment] = (scores, [results[assignment] for results in per_copy], roots[0])
    return out


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_autograde_round_trip(assignment, graded_class):
    scores, results, first_root = graded_class[assignment]
    students = class_roster(assignment)
    variants = load_catalogue(ROOT, assignment)
    assert variants, f"tests/catalogue/{assignment}.py lists no known-wrong variants"

    problems = [p for r in results for p in r.problems]
    assert sorted(s for r in results for s in r.skipped) == ["bad-empty", "bad-json"]
    assert any("is not valid JSON" in p and "bad-json" in p for p in problems), problems
    assert any("holds no notebook" in p and "bad-empty" in p for p in problems), problems
    assert len(problems) == 2, problems
    assert set(scores) == set(students), "every good submission must be graded"
    graded_cells = {name for name, (_, mx) in scores["honest-reference"].items() if mx > 0}
    assert graded_cells
    for name in graded_cells:
        got, mx = scores["honest-reference"][name]
        assert got == mx, f"reference loses points on {name}"
        assert scores["honest-blank"][name][0] == 0, f"blank release scores on {name}"
    for description, variant in variants.items():
        cells = scores[slug(description)]
        for name in variant["loses"]:
            got, mx = cells[name]
            assert got < mx, f"known-wrong variant '{description}' keeps its points on {name}"
    assert (first_root / "feedback" / "honest-reference" / assignment).is_dir()
    # feedback shows what failed, never the hidden tests (course/feedback.py)
    source_text = "".join(p.read_text() for p in (ROOT / "source" / assignment).glob("*.ipynb"))
    for page in (first_root / "feedback" / "honest-blank" / assignment).glob("*.html"):
        html = page.read_text()
        assert "HIDDEN TESTS" not in html and "hidden tests ran here" in html
        assert "_rng = np.random.default_rng" not in html
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
