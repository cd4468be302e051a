"""grader.export: nbgrader's CSV export plus the integrity columns, on a small gradebook made here."""
import csv

from nbgrader.api import Gradebook

from grader.export import FlaggedCsvExport
from grader.integrity import FLAG_PREFIX


def export(tmp_path, db):
    dest = tmp_path / "grades.csv"
    with Gradebook(db) as gb:
        FlaggedCsvExport(to=str(dest)).export(gb)
    with open(dest, newline="") as fh:
        reader = csv.DictReader(fh)
        return reader.fieldnames, list(reader)


def test_flag_and_reasons_columns(tmp_path):
    db = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(db) as gb:
        gb.add_assignment("a1")
    fields, rows = export(tmp_path, db)  # no students yet: the header still has both columns
    assert fields[-2:] == ["integrity_flag", "integrity_reasons"] and rows == []
    with Gradebook(db) as gb:
        gb.add_notebook("nb", "a1")
        gb.add_solution_cell("answer", "nb", "a1")
        gb.add_source_cell("answer", "nb", "a1", cell_type="code")
        for student in ("cheat", "honest", "absent"):
            gb.add_student(student)
        for student in ("cheat", "honest"):
            gb.add_submission("a1", student)
        notebook = gb.find_submission_notebook("nb", "a1", "cheat")
        notebook.flagged = True
        notebook.comments[0].auto_comment = f"{FLAG_PREFIX} cell 'answer', line 1: calls get_ipython()"
        gb.db.commit()
    fields, rows = export(tmp_path, db)
    by_student = {r["student_id"]: r for r in rows}
    assert by_student["cheat"]["integrity_flag"] == "yes"
    assert by_student["cheat"]["integrity_reasons"] == "nb: cell 'answer', line 1: calls get_ipython()"
    assert by_student["honest"]["integrity_flag"] == "" == by_student["absent"]["integrity_flag"]
    assert fields[:11] == ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
                           "email", "raw_score", "late_submission_penalty", "score", "max_score"]


def test_canvas_csv_and_the_late_penalty_against_hand_computed_rows(tmp_path):
    """Two assignments; one student on time, one 2 days and 1 minute late on a1 (a penalty of 10 % per
    started day, capped at 50 %: 3 days -> 30 % of 4 points = 1.2), one who never submitted a2."""
    from datetime import datetime, timedelta

    from grader.late import PerDayCapped

    db = f"sqlite:///{tmp_path / 'gradebook.db'}"
    due = datetime(2026, 12, 7, 23, 59)
    with Gradebook(db) as gb:
        for name, points in (("a1", 4.0), ("a2", 3.0)):
            gb.add_assignment(name, duedate=due)
            gb.add_notebook("nb", name)
            gb.add_grade_cell("test", "nb", name, max_score=points, cell_type="code")
            gb.add_solution_cell("answer", "nb", name)
            gb.add_source_cell("answer", "nb", name, cell_type="code")
        gb.add_student("ada", first_name="Ada", last_name="Lovelace")
        gb.add_student("bob")
        gb.add_submission("a1", "ada", timestamp=due - timedelta(hours=1))
        gb.add_submission("a2", "ada", timestamp=due)
        gb.add_submission("a1", "bob", timestamp=due + timedelta(days=2, minutes=6))
        plugin = PerDayCapped()
        for student, assignment, score in (("ada", "a1", 4.0), ("ada", "a2", 2.5), ("bob", "a1", 4.0)):
            notebook = gb.find_submission_notebook("nb", assignment, student)
            notebook.grades[0].auto_score = score
            late = gb.find_submission(assignment, student).total_seconds_late
            notebook.late_submission_penalty = plugin.late_submission_penalty(student, score, late)
        notebook = gb.find_submission_notebook("nb", "a1", "bob")
        notebook.flagged = True
        notebook.comments[0].auto_comment = f"{FLAG_PREFIX} the test cell 'test' was edited"
        gb.db.commit()
    export(tmp_path, db)
    with open(tmp_path / "canvas.csv", newline="") as fh:
        table = list(csv.reader(fh))
    assert table == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "a1", "a2", "Notes"],
        ["    Points Possible", "", "", "", "", "4", "3", ""],
        ["Lovelace, Ada", "", "", "ada", "", "4", "2.5", ""],
        ["bob", "", "", "bob", "", "2.8", "", "a1: flagged (nb: the test cell 'test' was edited)"],
    ]


def test_the_late_penalty_per_started_day_capped():
    from grader.late import DAY, PerDayCapped

    plugin = PerDayCapped(percent_per_day=10, cap_percent=50, grace_minutes=5)
    assert plugin.late_submission_penalty("s", 10.0, 0) is None
    assert plugin.late_submission_penalty("s", 10.0, 4 * 60) is None           # within the grace period
    assert plugin.late_submission_penalty("s", 10.0, 6 * 60) == 1.0            # day 1 started: 10 %
    assert plugin.late_submission_penalty("s", 10.0, DAY + 6 * 60) == 2.0      # day 2 started: 20 %
    assert plugin.late_submission_penalty("s", 8.0, 30 * DAY) == 4.0           # capped at 50 %
    assert plugin.late_submission_penalty("s", 0.0, 3 * DAY) is None           # nothing to take
