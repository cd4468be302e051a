"""release/ is what nbgrader generates from source/ now, leaks nothing, and fails every graded test blank."""
import json
import re

import nbformat
import pytest
from nbgrader.validator import Validator
from traitlets.config.loader import PyFileConfigLoader

from grader.instructor import build_submission, nbgrader_meta
from conftest import ASSIGNMENTS, ROOT

NOTEBOOKS = sorted(p.relative_to(ROOT / "source") for p in (ROOT / "source").glob("*/*.ipynb"))


def course_config():
    """The course's nbgrader_config.py, as the Validate button in the course's JupyterLab reads it."""
    return PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()


@pytest.mark.quick
def test_every_assignment_has_a_release():
    assert ASSIGNMENTS, "no assignments under source/"
    released = sorted(p.relative_to(ROOT / "release") for p in (ROOT / "release").glob("*/*.ipynb"))
    assert released == NOTEBOOKS, "release/ and source/ hold different notebooks: run `make release`"


@pytest.mark.quick
def test_release_is_in_sync_with_source(released_course):
    for rel in NOTEBOOKS:
        fresh = json.loads((released_course / "release" / rel).read_text())
        committed = json.loads((ROOT / "release" / rel).read_text())
        assert fresh == committed, f"release/{rel} is stale: run `make release` and commit the result"


@pytest.mark.quick
@pytest.mark.parametrize("rel", NOTEBOOKS, ids=str)
def test_release_leaks_no_solution_and_no_hidden_test(rel):
    text = (ROOT / "release" / rel).read_text()
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    assert "HIDDEN TESTS" not in text
    released = nbformat.read(str(ROOT / "release" / rel), as_version=4)
    released_code = "\n".join(c.source for c in released.cells)
    source = nbformat.read(str(ROOT / "source" / rel), as_version=4)
    # lines the notebook hands out on purpose (given code, e.g. the seed's own backward) are no leak
    given = "\n".join(c.source for c in source.cells if not nbgrader_meta(c).get("solution"))
    for cell in source.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            inside = re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S)
            assert inside, f"solution cell {meta['grade_id']} has no BEGIN/END SOLUTION block"
            body = [l.strip() for block in inside for l in block.splitlines()]
            leaked = [l for l in body if len(l) > 12 and l in released_code and l not in given]
            assert not leaked, f"solution lines of {meta['grade_id']} appear in release/{rel}: {leaked}"
        if meta.get("grade"):
            hidden = re.search(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S)
            assert hidden, f"graded cell {meta['grade_id']} has no hidden tests"
            for line in hidden.group(1).splitlines():
                if len(line.strip()) > 15:
                    assert line not in released_code, f"hidden test line of {meta['grade_id']} leaked: {line}"


@pytest.mark.parametrize("rel", NOTEBOOKS, ids=str)
def test_every_graded_cell_fails_on_the_blank_release(rel, tmp_path):
    path = tmp_path / rel.name
    path.write_text((ROOT / "release" / rel).read_text())
    results = Validator(config=course_config()).validate(str(path))
    assert "changed" not in results and "type_changed" not in results
    failed = {r["source"] for r in results.get("failed", [])}
    released = nbformat.read(str(path), as_version=4)
    graded = [c for c in released.cells if nbgrader_meta(c).get("grade") and c.cell_type == "code"]
    assert graded
    passing = [nbgrader_meta(c)["grade_id"] for c in graded if c.source.strip() not in failed]
    assert not passing, f"these graded cells pass on the blank release of {rel}: {passing}"


@pytest.mark.parametrize("rel", NOTEBOOKS, ids=str)
def test_validate_passes_on_the_reference_solution(rel, tmp_path):
    """What the Validate button tells a student who has written the reference answers: all passed."""
    source = nbformat.read(str(ROOT / "source" / rel), as_version=4)
    released = nbformat.read(str(ROOT / "release" / rel), as_version=4)
    path = tmp_path / rel.name
    nbformat.write(build_submission(source, released), str(path))
    results = Validator(config=course_config()).validate(str(path))
    assert results == {}, f"Validate reports problems on the reference answers of {rel}: {list(results)}"
