"""The autograde round trip, through nbgrader itself, in a temporary copy of the course.

reference -> full marks; blank release -> 0 on every graded cell; every known-wrong variant
(tests/catalogue/<assignment>.py) -> loses the points of the cells it names.  Bad input
(malformed JSON, an empty student folder, a missing notebook, an unknown assignment) is
reported in one sentence and the rest of the class is still graded.
"""
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from nbgrader.api import Gradebook

from course.instructor import (CourseError, build_submission, database_url, grade, load_catalogue,
                               nbgrader_meta, preflight, release_notebooks, variant_code,
                               write_submission)
from conftest import ASSIGNMENTS, ROOT, copy_course


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


def grade_class(base, assignment, students, bad_inputs=True, parts=None):
    """Autograde ``students`` ({id: build_submission kwargs}) split over independent course copies.

    Each copy has its own SQLite gradebook, so the copies are graded at the same time
    (one nbgrader process each) without concurrent writers.  Returns
    ({student: {grade_id: (score, max)}}, [Preflight per copy], [copy roots]).
    """
    parts = parts or max(1, min(len(students), os.cpu_count() or 1))
    ids = sorted(students)
    groups = [ids[i::parts] for i in range(parts)]
    roots = [copy_course(base / f"part{i}") for i in range(parts)]
    for root, group in zip(roots, groups):
        notebooks = release_notebooks(root, assignment)
        for student in group:
            write_submission(root, student, assignment,
                             {name: build_submission(src, rel, **students[student])
                              for name, (src, rel) in notebooks.items()})
    if bad_inputs:  # malformed JSON and a folder without notebooks, beside good submissions
        bad = roots[0] / "submitted" / "bad-json" / assignment
        bad.mkdir(parents=True)
        (bad / next(iter(release_notebooks(roots[0], assignment)))).write_text('{"cells": [')
        (roots[0] / "submitted" / "bad-empty" / assignment).mkdir(parents=True)
    with ThreadPoolExecutor(parts) as pool:
        results = list(pool.map(lambda root: grade(root, assignment), roots))
    scores = {}
    for root in roots:
        scores.update(cell_scores(root, assignment))
    return scores, results, roots


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_autograde_round_trip(assignment, tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_DB_URL", raising=False)
    variants = load_catalogue(ROOT, assignment)
    notebooks = release_notebooks(ROOT, assignment)
    assert variants, f"tests/catalogue/{assignment}.py lists no known-wrong variants"
    students = {"honest-reference": {}, "honest-blank": {"blank": True}}
    for description, variant in variants.items():
        students[slug(description)] = {"replace": {variant["cell"]: variant_code(notebooks, variant)}}

    scores, results, roots = grade_class(tmp_path, assignment, students)

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
    assert any((root / "feedback" / "honest-reference" / assignment).is_dir() for root in roots)


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
