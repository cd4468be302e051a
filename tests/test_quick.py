"""One grading round trip for the quick tier (make check): the smallest assignment's reference and
blank release through real ``nbgrader autograde`` in the course's sandbox, scored from the gradebook.
(The whole suite grades every assignment's corpora: tests/test_roundtrip.py, tests/test_integrity.py.)"""
import shutil

from nbgrader.api import Gradebook

from conftest import ASSIGNMENTS, TEST_LIMITS
from grader.instructor import build_submission, database_url, grade, release_notebooks, write_submission


def test_reference_full_marks_and_blank_zero_through_autograde(released_course, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(released_course, root)
    assignment = min(ASSIGNMENTS, key=lambda a: sum(len(s.cells) for s, _ in release_notebooks(root, a).values()))
    books = release_notebooks(root, assignment)
    for student, kwargs in (("quick-reference", {}), ("quick-blank", {"blank": True})):
        write_submission(root, student, assignment, {n: build_submission(s, r, **kwargs) for n, (s, r) in books.items()})
    result = grade(root, assignment, feedback=False, extra=TEST_LIMITS)
    assert not result.problems, result.problems
    with Gradebook(database_url(root)) as gb:
        reference = gb.find_submission(assignment, "quick-reference")
        blank = gb.find_submission(assignment, "quick-blank")
        assert reference.max_score > 0 and reference.score == reference.max_score, (assignment, reference.score)
        assert blank.score == 0, (assignment, blank.score)
