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
# Once the last cell has run, the kernel is killed (Validate, and autograde's GuardedExecute): no code of
# the student's runs after it, and nothing waits for the kernel to wind down.
c.Execute.shutdown_kernel = "immediate"

# Autograde restores test cells a student edited (checksums) and also ones a student deleted.
c.OverwriteCells.add_missing_cells = True   # (RestoreCells inherits it)

# Grading (grader/): every kernel runs in an OS sandbox (grader/sandbox.py: no network, a private file
# system without the course's files, its own processes, limits on memory, files, processes, CPU and
# output); tests that report values are judged outside the kernel against the reference solution
# (grader/verdicts.py); a submission is flagged only on evidence -- an instructor's cell altered,
# values a test did not ask for, a kernel that died or hung, a limit hit (grader/integrity.py) --
# with the reason in the output, the gradebook (notebook flagged + comment) and grades.csv.
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "grader.integrity.NormalizeMetadata",   # metadata a student edited is put back first
    "grader.integrity.RestoreCells",        # nbgrader's OverwriteCells, deleted tests put back reliably
    "nbgrader.preprocessors.CheckCellMetadata",
]
# Before nbgrader copies a submission: symbolic and hard links, FIFOs and devices in it are never
# followed; they are set aside, named in one sentence, and the submission is flagged (grader/stage.py).
from grader.stage import make_pre_convert as _make_pre_convert  # noqa: E402
c.Autograde.pre_convert_hook = _make_pre_convert(c.CourseDirectory.db_url, ROOT)
c.Autograde.autograde_preprocessors = [
    "grader.integrity.CheckStructure",      # an instructor's cell altered: evidence
    "grader.verdicts.ProvideGivens",        # what tests take from the reference (the reference runs once)
    "grader.integrity.GuardedExecute",
    "grader.verdicts.Verdicts",             # tests that report values are judged here, outside the kernel
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "grader.integrity.ApplyFlags",
    "nbgrader.preprocessors.SaveAutoGrades",
    "grader.integrity.RecordFlags",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.GuardedExecute.memory_limit_mb = 4096   # address space per kernel process; MemoryError beyond it
c.GuardedExecute.notebook_timeout = 600   # per notebook; later cells are not run
# The sandbox needs Debian's bubblewrap; COURSE_NO_SANDBOX=1 (or --GuardedExecute.sandbox=False, or
# `python -m grader.grade A --no-sandbox`) grades without it: only for a machine and students you
# trust; every run says so and the gradebook comment records it (README, "Grading integrity").
c.GuardedExecute.sandbox = os.environ.get("COURSE_NO_SANDBOX", "").lower() not in ("1", "yes", "true")
c.ExportApp.plugin_class = "grader.export.FlaggedCsvExport"   # grades.csv (+ flags) and canvas.csv

# Late submissions (due dates: due_dates.json, written into the gradebook by `make release`): 10 % of
# the points earned per started day late, at most 50 %, after 5 minutes' grace (grader/late.py).
c.AssignLatePenalties.plugin_class = "grader.late.PerDayCapped"
c.PerDayCapped.percent_per_day = 10.0
c.PerDayCapped.cap_percent = 50.0
c.PerDayCapped.grace_minutes = 5.0

# Feedback shows each failed test's message, never the hidden test's code (grader/feedback.py).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "grader.feedback.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
# ... and renders its math without a network: MathJax 3 inlined into the page (grader/mathjax.py);
# the course's templates come first, nbgrader's feedback template after them.
import nbgrader as _nbgrader  # noqa: E402
from grader.mathjax import TEMPLATES as _TEMPLATES  # noqa: E402
c.HTMLExporter.extra_template_basedirs = [
    str(_TEMPLATES), str(Path(_nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates")]
c.HTMLExporter.filters = {"offline_mathjax": "grader.mathjax.offline_mathjax"}
