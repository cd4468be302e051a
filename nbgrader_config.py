"""nbgrader configuration for the course "Backpropagation by hand".

Gradebook: SQLite file gradebook.db in the course root, unless the environment
variable COURSE_DB_URL holds a database URL (e.g. postgresql://user@host/db).
"""
import os
from pathlib import Path

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

ROOT = Path(__file__).resolve().parent

c.CourseDirectory.course_id = "backprop-by-hand"
c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.db_url = os.environ.get("COURSE_DB_URL") or f"sqlite:///{ROOT / 'gradebook.db'}"
# Files in source/<assignment>/ that never go to students.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".pytest_cache"]

# The heaviest notebook cell (sympy simplification) takes ~1 s; a student's slow but honest
# loop gets a generous margin, an endless loop is stopped.
c.ExecutePreprocessor.timeout = 60
c.Execute.timeout = 60

# Autograde restores test cells a student edited (checksums) and also ones a student deleted.
c.OverwriteCells.add_missing_cells = True   # (RestoreCells inherits it)

# Grading integrity (course/integrity.py): the submission's code is screened before it runs
# (course/screen.py); the kernel runs with a memory limit and the notebook with a time limit, and
# a kernel that dies or hangs costs only the cells it did not finish; tests touched by tampering
# score 0 with the reason in the output, the gradebook (notebook flagged + comment) and grades.csv;
# stderr noise in a test cell no longer zeroes a correct answer.
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "course.integrity.NormalizeMetadata",   # metadata a student edited is put back first
    "course.integrity.RestoreCells",        # nbgrader's OverwriteCells, deleted tests put back reliably
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    "course.integrity.ScreenSubmission",
    "course.integrity.GuardedExecute",
    "grader.verdicts.Verdicts",             # tests that report values are judged here, outside the kernel
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "course.integrity.ApplyFlags",
    "nbgrader.preprocessors.SaveAutoGrades",
    "course.integrity.RecordFlags",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.GuardedExecute.memory_limit_mb = 4096   # per kernel; MemoryError beyond it
c.GuardedExecute.notebook_timeout = 600   # per notebook; later cells are not run
c.ExportApp.plugin_class = "course.export.FlaggedCsvExport"

# Feedback shows each failed test's message, never the hidden test's code (course/feedback.py).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "course.feedback.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
