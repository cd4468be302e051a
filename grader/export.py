"""``nbgrader export`` with the integrity flags, and a CSV that Canvas's gradebook imports.

``grades.csv`` is nbgrader's own CSV export (scores after late penalties) with two more columns:
``integrity_flag`` is ``yes`` when autograde flagged any notebook of the submission (see
:mod:`grader.integrity`), and ``integrity_reasons`` holds what was found (nbgrader_config.py selects
this plugin).

``canvas.csv`` (beside it) is in the layout of Canvas's gradebook export, which its import reads back:
``Student, ID, SIS User ID, SIS Login ID, Section``, one column per assignment, a ``Points Possible``
row, then one row per student with the score (after late penalties; empty when not submitted).
Students are matched by ``SIS Login ID`` = the nbgrader student id (the hub's login name); flags go
to the ``Notes`` column, which Canvas imports as a custom column.
"""
import csv
from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.plugins import CsvExportPlugin

from .integrity import FLAG_PREFIX


class FlaggedCsvExport(CsvExportPlugin):
    """nbgrader's CSV export plus ``integrity_flag`` and ``integrity_reasons``."""

    def export(self, gradebook) -> None:
        super().export(gradebook)
        dest = self.to or "grades.csv"
        with open(dest, newline="") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            fields = list(reader.fieldnames or []) + ["integrity_flag", "integrity_reasons"]
        for row in rows:
            flagged, reasons = False, []
            try:
                submission = gradebook.find_submission(row["assignment"], row["student_id"])
            except MissingEntry:
                submission = None
            if submission is not None:
                for notebook in submission.notebooks:
                    flagged |= bool(notebook.flagged)
                    for comment in notebook.comments:
                        if (comment.auto_comment or "").startswith(FLAG_PREFIX):
                            reasons.append(f"{notebook.name}: {comment.auto_comment[len(FLAG_PREFIX):].strip()}")
            row["integrity_flag"] = "yes" if flagged else ""
            row["integrity_reasons"] = " || ".join(reasons)
        with open(dest, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
        write_canvas_csv(Path(dest).with_name("canvas.csv"), rows, gradebook)


CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def _points(value) -> str:
    number = float(value)
    return f"{number:.2f}".rstrip("0").rstrip(".")


def write_canvas_csv(dest: Path, rows: list[dict], gradebook) -> None:
    """``canvas.csv`` from the rows of grades.csv (see the module docstring)."""
    assignments = [a.name for a in gradebook.assignments]
    max_scores = {a.name: a.max_score for a in gradebook.assignments}
    by_student: dict[str, dict] = {}
    for row in rows:
        record = by_student.setdefault(row["student_id"], {"last": row.get("last_name") or "",
                                                           "first": row.get("first_name") or "", "scores": {},
                                                           "notes": []})
        if row.get("timestamp"):  # submitted
            record["scores"][row["assignment"]] = _points(row["score"])
        if row.get("integrity_flag"):
            record["notes"].append(f"{row['assignment']}: flagged ({row.get('integrity_reasons', '')})")
    with open(dest, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CANVAS_FIXED + assignments + ["Notes"])
        writer.writerow(["    Points Possible", "", "", "", ""] + [_points(max_scores[a]) for a in assignments] + [""])
        for student in sorted(by_student):
            record = by_student[student]
            name = ", ".join(part for part in (record["last"], record["first"]) if part) or student
            writer.writerow([name, "", "", student, ""] + [record["scores"].get(a, "") for a in assignments]
                            + ["; ".join(record["notes"])])
