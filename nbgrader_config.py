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
c.OverwriteCells.add_missing_cells = True

# Feedback shows each failed test's message, never the hidden test's code (course/feedback.py).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "course.feedback.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
