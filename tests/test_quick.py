"""One grading round trip for the quick tier (make check): the smallest assignment's reference and
blank release through real ``nbgrader autograde`` in the course's sandbox, scored from the gradebook.

In the whole suite (make test) the same two submissions are already graded, by the suite's one grading
pass (conftest.graded_course: honest-reference and honest-blank, with the course's configuration and
sandbox): there the test reads their gradebook instead of grading them a second time. (The whole suite
grades every assignment's corpora: tests/test_roundtrip.py, tests/test_integrity.py.)"""
import shutil

from nbgrader.api import Gradebook

from conftest import ASSIGNMENTS, GRADED_IN_SUITE, ROOT, TEST_LIMITS
from grader.instructor import build_submission, database_url, grade, release_notebooks, write_submission


def test_reference_full_marks_and_blank_zero_through_autograde(request, tmp_path):
    assignment = min(ASSIGNMENTS, key=lambda a: sum(len(s.cells) for s, _ in release_notebooks(ROOT, a).values()))
    if request.config.stash.get(GRADED_IN_SUITE, False):
        graded = request.getfixturevalue("graded_course")
        reference_student, blank_student = "honest-reference", "honest-blank"
        root = graded.root_of(reference_student, assignment)
        assert graded.root_of(blank_student, assignment) == root  # one gradebook holds both
    else:
        root = tmp_path / "course"
        shutil.copytree(request.getfixturevalue("released_course"), root)
        reference_student, blank_student = "quick-reference", "quick-blank"
        books = release_notebooks(root, assignment)
        for student, kwargs in ((reference_student, {}), (blank_student, {"blank": True})):
            write_submission(root, student, assignment,
                             {n: build_submission(s, r, **kwargs) for n, (s, r) in books.items()})
        result = grade(root, assignment, feedback=False, extra=TEST_LIMITS)
        assert not result.problems, result.problems
    with Gradebook(database_url(root)) as gb:
        reference = gb.find_submission(assignment, reference_student)
        blank = gb.find_submission(assignment, blank_student)
        assert reference.max_score > 0 and reference.score == reference.max_score, (assignment, reference.score)
        assert blank.score == 0, (assignment, blank.score)
