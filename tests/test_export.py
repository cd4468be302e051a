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
