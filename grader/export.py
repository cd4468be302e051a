"""``nbgrader export`` with the integrity flags: grades.csv gains two columns.

``integrity_flag`` is ``yes`` when autograde flagged any notebook of the submission (see
:mod:`grader.integrity`), and ``integrity_reasons`` holds what was found.  Everything else is
nbgrader's own CSV export, unchanged (nbgrader_config.py selects this plugin).
"""
import csv

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
