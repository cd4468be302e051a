"""Students derive (issue 15): at least 60 % of every assignment's points need a derivation that the
notebook does not state, and README's table says how many.

A graded test cell whose points need such a derivation carries the cell metadata ``derivation``: one
sentence saying what the student derives. README's "The assignments" table has, per assignment, the
points and the points that need a derivation; both are computed here from the source notebooks.
"""
import re

import nbformat
import pytest

from conftest import ASSIGNMENTS, ROOT


def points(assignment):
    total = derived = 0.0
    for path in (ROOT / "source" / assignment).glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.get("metadata", {})
            grading = meta.get("nbgrader", {})
            if grading.get("grade") and not grading.get("solution"):
                total += grading.get("points", 0)
                if meta.get("derivation"):
                    assert isinstance(meta["derivation"], str) and len(meta["derivation"]) > 15, grading["grade_id"]
                    derived += grading.get("points", 0)
    return total, derived


def readme_rows():
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## The assignments"):]
    section = section[:section.index("\n## ", 5)]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and re.fullmatch(r"`\d\d_\w+`", cells[0]):
            rows[cells[0].strip("`")] = cells
    return section, rows


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_most_points_need_a_derivation(assignment):
    total, derived = points(assignment)
    assert total > 0
    assert derived >= 0.6 * total, f"{assignment}: only {derived:g} of {total:g} points need a derivation"


def test_readme_states_the_derivation_points():
    section, rows = readme_rows()
    assert set(rows) == set(ASSIGNMENTS), sorted(rows)
    all_total = all_derived = 0.0
    for assignment, cells in rows.items():
        total, derived = points(assignment)
        all_total, all_derived = all_total + total, all_derived + derived
        assert f"{total:g}" == cells[-2], (assignment, cells)
        assert cells[-1].startswith(f"{derived:g} ("), (assignment, cells)
    assert f"{all_derived:g} of {all_total:g} points" in section
