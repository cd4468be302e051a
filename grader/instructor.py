"""Instructor commands around nbgrader: release, stored outputs, demo submissions, the grading cycle.

Run from the course root (the folder with ``nbgrader_config.py``)::

    python -m grader.instructor release      # nbgrader generate_assignment for every assignment
    python -m grader.instructor outputs      # re-execute source notebooks in place (nbval compares them)
    python -m grader.instructor demo         # the whole cycle on demo submissions, then a score table
    python -m grader.instructor grade A      # autograde + feedback + export for assignment A

Everything here drives the real ``nbgrader`` commands; nothing replaces them.
Bad input (a missing assignment folder, a student folder without notebooks, a
notebook that is not valid JSON) is reported in one sentence naming the file,
and every other submission is still graded.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import nbformat.reader

from .stage import irregular

DEMO_STUDENTS = ("demo-reference", "demo-partial", "demo-blank", "demo-tamper")
# The demo's cheat: an IPython input transformer that turns every later cell into `pass`, so no
# test can fail -- plain nbgrader gives it full marks; the course's integrity checks give it 0.
# The cheat of the demo: every later cell becomes `pass` (plain nbgrader scores that full marks, since
# no test raises), and the last test cell is rewritten to print a success message.
DEMO_TAMPER = "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])\n"
DEMO_TAMPER_TEST = "print('all tests passed')\n"
_SOLUTION_MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


def use_this_python_for_tools() -> None:
    """Put this interpreter's bin/ first on PATH: nbgrader calls the ``alembic`` executable by name."""
    bindir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bindir:
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


class CourseError(Exception):
    """Bad input an instructor can fix; the message says what and how."""


# --------------------------------------------------------------------------- the course folder
def course_root(start: Path | None = None) -> Path:
    """The course root: ``start`` (default: the current folder) must hold nbgrader_config.py and source/."""
    root = Path(start or Path.cwd()).resolve()
    if not (root / "nbgrader_config.py").is_file() or not (root / "source").is_dir():
        raise CourseError(f"{root} is not a course root (no nbgrader_config.py or source/ there): "
                          f"run this from the folder that holds them.")
    return root


def assignments(root: Path) -> list[str]:
    """Names of the assignments: the folders of source/ that hold a notebook, sorted."""
    return sorted(p.name for p in (root / "source").iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def check_assignment(root: Path, assignment: str) -> None:
    if not (root / "source" / assignment).is_dir():
        known = ", ".join(assignments(root)) or "none"
        raise CourseError(f"There is no assignment folder source/{assignment}: check the name "
                          f"(the assignments are: {known}).")


def run_nbgrader(root: Path, *args: str, quiet: bool = True) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in the course root with this Python; echo the command."""
    print("$ nbgrader " + " ".join(args), flush=True)
    use_this_python_for_tools()
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, text=True,
                          capture_output=True)
    if proc.returncode != 0 or not quiet:
        sys.stdout.write(proc.stdout + proc.stderr)
    return proc


# --------------------------------------------------------------------------- notebooks
def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read and validate a notebook; raise CourseError with a plain sentence if it is unusable."""
    try:
        nb = nbformat.read(str(path), as_version=4)
        nbformat.validate(nb)
    except (json.JSONDecodeError, nbformat.reader.NotJSONError):
        raise CourseError(f"{path} is not valid JSON: restore it from the student's last good copy "
                          f"or ask for a resubmission; it was not graded.") from None
    except Exception as err:  # nbformat raises several kinds for wrong versions and schemas
        raise CourseError(f"{path} is not a readable Jupyter notebook ({type(err).__name__}: "
                          f"{str(err).splitlines()[0][:120]}): ask for a resubmission; it was not graded.") from None
    return nb


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def solution_code(source: str) -> str:
    """The reference answer of a source solution cell: its code without the BEGIN/END SOLUTION lines."""
    return "\n".join(line for line in source.splitlines() if not _SOLUTION_MARKERS.match(line))


def build_submission(source_nb, release_nb, replace: dict[str, str] | None = None,
                     blank: bool = False) -> nbformat.NotebookNode:
    """A submission made from the release notebook.

    Each solution cell gets the reference answer from the source notebook, or
    ``replace[grade_id]`` when given (a known-wrong variant), or stays as
    released when ``blank``.  All other cells are the release's, untouched.
    """
    replace = replace or {}
    reference = {nbgrader_meta(c).get("grade_id"): solution_code(c.source)
                 for c in source_nb.cells if nbgrader_meta(c).get("solution")}
    unknown = set(replace) - set(reference)
    if unknown:
        raise CourseError(f"no solution cell with grade_id {sorted(unknown)} in this notebook.")
    nb = nbformat.from_dict(json.loads(json.dumps(release_nb)))
    for cell in nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if nbgrader_meta(cell).get("solution") and not blank:
            cell.source = replace.get(grade_id, reference[grade_id])
        elif grade_id in replace:
            cell.source = replace[grade_id]
    return nb


def variant_code(notebooks: dict, variant: dict) -> str:
    """The code of a known-wrong variant: its ``code``, or the reference answer with ``patch`` applied.

    ``patch`` is a list of (old, new) string replacements on the reference solution of
    ``variant["cell"]``; every ``old`` must occur in it (a stale patch is an error, not a no-op).
    """
    if "code" in variant:
        return variant["code"]
    for src, _ in notebooks.values():
        for cell in src.cells:
            if nbgrader_meta(cell).get("grade_id") == variant["cell"]:
                code = solution_code(cell.source)
                for old, new in variant["patch"]:
                    if old not in code:
                        raise CourseError(f"the patch {old!r} does not apply to the solution of {variant['cell']}.")
                    code = code.replace(old, new)
                return code
    raise CourseError(f"no solution cell {variant['cell']!r} for this variant.")


def load_catalogue(root: Path, assignment: str) -> dict:
    """The known-wrong variants of an assignment, from tests/catalogue/<assignment>.py.

    Returns ``{description: {"cell": grade_id, "code": str or "patch": [(old, new)], "loses": [test ids]}}``
    (empty when the assignment has no catalogue yet).
    """
    path = root / "tests" / "catalogue" / f"{assignment}.py"
    if not path.is_file():
        return {}
    spec = importlib.util.spec_from_file_location(f"catalogue_{assignment}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.VARIANTS


def release_notebooks(root: Path, assignment: str) -> dict[str, tuple]:
    """{notebook file name: (source notebook, release notebook)} for an assignment."""
    out = {}
    for src in sorted((root / "source" / assignment).glob("*.ipynb")):
        rel = root / "release" / assignment / src.name
        if not rel.is_file():
            raise CourseError(f"release/{assignment}/{src.name} is missing: run `make release` first.")
        out[src.name] = (read_notebook(src), read_notebook(rel))
    return out


def write_submission(root: Path, student: str, assignment: str, notebooks: dict) -> None:
    folder = root / "submitted" / student / assignment
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, nb in notebooks.items():
        nbformat.write(nb, str(folder / name))
    (folder / "timestamp.txt").write_text("2026-11-21 12:00:00.000000 UTC\n")


def copy_course(root: Path, dest: Path) -> Path:
    """Copy what an instructor's course folder holds (source, release, config, the catalogue of
    known mistakes) from ``root`` to ``dest``: a throw-away course for tests and benchmarks."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("source", "release"):
        shutil.copytree(root / name, dest / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    shutil.copy(root / "nbgrader_config.py", dest / "nbgrader_config.py")
    if (root / DUE_DATES).is_file():
        shutil.copy(root / DUE_DATES, dest / DUE_DATES)
    shutil.copytree(root / "tests" / "catalogue", dest / "tests" / "catalogue",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return dest


# --------------------------------------------------------------------------- commands
def release(root: Path, names: list[str] | None = None) -> None:
    """Regenerate release/ from source/ with ``nbgrader generate_assignment``; due dates from
    ``due_dates.json`` go into the gradebook."""
    for assignment in names or []:
        check_assignment(root, assignment)
    # every assignment: one nbgrader run for all of them, "*" (the folders of source/ that hold
    # notebooks, which is what assignments() lists); nbgrader starts once instead of once each
    every = assignments(root)
    runs = ["*"] if every and (names is None or sorted(names) == every) else list(names or [])
    for assignment in runs:
        proc = run_nbgrader(root, "generate_assignment", assignment, "--force")
        if proc.returncode != 0:
            which = "" if assignment == "*" else f" {assignment}"
            raise CourseError(f"nbgrader generate_assignment{which} failed (output above).")
    set_due_dates(root, names)


DUE_DATES = "due_dates.json"


def set_due_dates(root: Path, names: list[str] | None = None) -> dict:
    """Write the due dates of ``due_dates.json`` (assignment -> "YYYY-MM-DD HH:MM:SS UTC") into the
    gradebook, where nbgrader computes how late each submission is (grader.late sets the penalty).
    Returns {assignment: due date} of what was set; no file, nothing set."""
    from nbgrader.api import Gradebook
    from nbgrader.utils import parse_utc

    path = root / DUE_DATES
    if not path.is_file():
        return {}
    try:
        dates = json.loads(path.read_text(encoding="utf-8"))
        parsed = {name: parse_utc(text) for name, text in dates.items() if names is None or name in names}
    except (ValueError, TypeError, AttributeError) as err:
        raise CourseError(f"{DUE_DATES} could not be read ({err}): write it as "
                          f'{{"01_softmax_jacobian": "2026-12-07 23:59:00 UTC", ...}}.') from None
    unknown = sorted(set(parsed) - set(assignments(root)))
    if unknown:
        raise CourseError(f"{DUE_DATES} names {', '.join(unknown)}, which is not an assignment in source/.")
    use_this_python_for_tools()
    with Gradebook(database_url(root)) as gb:
        for name, due in parsed.items():
            gb.update_or_create_assignment(name, duedate=due)
    return parsed


def execute_source(root: Path, names: list[str] | None = None, timeout: int = 120) -> None:
    """Execute each source notebook in its folder and store the outputs in place (for nbval)."""
    from nbclient import NotebookClient

    for assignment in names or assignments(root):
        for path in sorted((root / "source" / assignment).glob("*.ipynb")):
            nb = read_notebook(path)
            print(f"executing {path.relative_to(root)}", flush=True)
            NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                           resources={"metadata": {"path": str(path.parent)}}).execute()
            nbformat.write(nb, str(path))


@dataclass
class Preflight:
    graded: list = field(default_factory=list)     # students whose submission can be graded
    problems: list = field(default_factory=list)   # one sentence each
    skipped: list = field(default_factory=list)    # students left out (named in problems)


def preflight(root: Path, assignment: str) -> Preflight:
    """Look at every submitted/<student>/<assignment>/ before nbgrader does."""
    check_assignment(root, assignment)
    result = Preflight()
    expected = sorted(p.name for p in (root / "source" / assignment).glob("*.ipynb"))
    submitted = root / "submitted"
    if not submitted.is_dir():
        raise CourseError(f"There is no submitted/ folder in {root}: collect the submissions "
                          f"(nbgrader collect) or copy them to submitted/<student>/{assignment}/ first.")
    for student_dir in sorted(p for p in submitted.iterdir() if p.is_dir()):
        folder = student_dir / assignment
        if not folder.is_dir():
            continue
        rel = folder.relative_to(root)
        found = sorted(p.name for p in folder.glob("*.ipynb"))
        bad = None
        odd = irregular(folder, root)  # links, FIFOs, devices: never followed (grader/stage.py)
        odd_notebooks = [(p, kind) for p, kind in odd if p in (folder, student_dir)
                         or (p.parent == folder and p.suffix == ".ipynb")]
        for path, kind in odd:
            if (path, kind) not in odd_notebooks:
                result.problems.append(f"{path.relative_to(root)} is {kind}, not a file of {student_dir.name}'s own: "
                                       f"it is set aside, not graded, and the submission is flagged.")
        if odd_notebooks:
            path, kind = odd_notebooks[0]
            bad = (f"{path.relative_to(root)} is {kind}, not a notebook of {student_dir.name}'s own: ask "
                   f"{student_dir.name} to submit the notebook file itself; this student was not graded.")
        elif not found:
            bad = (f"{rel} holds no notebook: ask {student_dir.name} to submit {', '.join(expected)}; "
                   f"this student was not graded.")
        else:
            missing = [name for name in expected if name not in found]
            if missing:
                bad = (f"{rel} lacks {', '.join(missing)} (found {', '.join(found)}): ask {student_dir.name} "
                       f"to submit it under that exact name; this student was not graded.")
            for name in found:
                try:
                    read_notebook(folder / name)
                except CourseError as err:
                    bad = str(err).replace(str(root) + "/", "")
        if bad:
            result.problems.append(bad)
            result.skipped.append(student_dir.name)
        else:
            result.graded.append(student_dir.name)
    if not result.graded and not result.problems:
        result.problems.append(f"Nobody has submitted {assignment} yet (no submitted/*/{assignment}/ folder).")
    return result


def in_gradebook(root: Path, assignment: str) -> bool:
    """Has ``nbgrader generate_assignment`` recorded this assignment in the gradebook?"""
    from nbgrader.api import Gradebook, MissingEntry

    use_this_python_for_tools()
    with Gradebook(database_url(root)) as gb:
        try:
            gb.find_assignment(assignment)
            return True
        except MissingEntry:
            return False


def grade(root: Path, assignment: str, feedback: bool = True, extra: tuple = ()) -> Preflight:
    """autograde (and generate_feedback) for one assignment; bad submissions are named and skipped.

    ``extra`` are further nbgrader options for autograde (e.g. ``--GuardedExecute.timeout=6``).
    """
    check = preflight(root, assignment)
    if os.environ.get("COURSE_NO_SANDBOX", "").lower() not in ("1", "yes", "true") and \
            not any(str(e).startswith("--GuardedExecute.sandbox=False") for e in extra):
        from .sandbox import Sandbox, SandboxUnavailable
        try:
            Sandbox.check_available()
        except SandboxUnavailable as err:
            raise CourseError(str(err)) from None
    if not in_gradebook(root, assignment):
        print(f"NOTE: the gradebook has no record of {assignment} yet; creating it with "
              f"nbgrader generate_assignment (this also rewrites release/{assignment}).", flush=True)
        release(root, [assignment])
    for sentence in check.problems:
        print(f"PROBLEM: {sentence}", flush=True)
    if check.graded:
        exclude = [f"--CourseDirectory.student_id_exclude={','.join(check.skipped)}"] if check.skipped else []
        proc = run_nbgrader(root, "autograde", assignment, "--force", *exclude, *extra)
        if proc.returncode != 0:
            check.problems.append(f"nbgrader autograde {assignment} reported failures (log above).")
        if feedback:
            run_nbgrader(root, "generate_feedback", assignment, "--force", *exclude)
    return check


def score_table(root: Path, db_url: str | None = None) -> str:
    """student x assignment table of 'score / max' from the gradebook, late penalties subtracted
    ('late' marks a penalised submission, grader/late.py; 'flagged' one the integrity checks flagged,
    grader/integrity.py)."""
    from nbgrader.api import Gradebook, MissingEntry

    use_this_python_for_tools()
    url = db_url or database_url(root)
    with Gradebook(url) as gb:
        names = [a.name for a in gb.assignments]
        rows = [["student"] + names]
        for student in sorted(s.id for s in gb.students):
            row = [student]
            for name in names:
                try:
                    sub = gb.find_submission(name, student)
                    flag = " flagged" if any(nb.flagged for nb in sub.notebooks) else ""
                    penalty = sub.late_submission_penalty or 0
                    late = " late" if penalty else ""
                    row.append(f"{round(sub.score - penalty, 4):g} / {sub.max_score:g}{late}{flag}")
                except MissingEntry:
                    row.append("-")
            rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows)


def database_url(root: Path) -> str:
    """The gradebook URL nbgrader_config.py sets (COURSE_DB_URL, else SQLite in the course root)."""
    return os.environ.get("COURSE_DB_URL") or f"sqlite:///{root / 'gradebook.db'}"


def make_demo_submissions(root: Path, assignment: str) -> None:
    """Four demo students: the reference, the blank release, a partly wrong one, and a cheat
    (the blank release with DEMO_TAMPER in its first answer cell and its last test rewritten)."""
    notebooks = release_notebooks(root, assignment)
    variants = load_catalogue(root, assignment)
    # partly wrong: every other exercise gets its first known-wrong variant
    first_by_cell = {}
    for variant in variants.values():
        first_by_cell.setdefault(variant["cell"], variant_code(notebooks, variant))
    partial = dict(list(first_by_cell.items())[::2])
    for student, kwargs in (("demo-reference", {}), ("demo-blank", {"blank": True}),
                            ("demo-partial", {"replace": partial})):
        subs = {}
        for name, (src, rel) in notebooks.items():
            cells = {nbgrader_meta(c).get("grade_id") for c in src.cells}
            kw = dict(kwargs)
            if "replace" in kw:
                kw["replace"] = {k: v for k, v in kw["replace"].items() if k in cells}
            subs[name] = build_submission(src, rel, **kw)
        write_submission(root, student, assignment, subs)
    subs = {}
    for name, (src, rel) in notebooks.items():
        first = next(nbgrader_meta(c)["grade_id"] for c in src.cells if nbgrader_meta(c).get("solution"))
        nb = build_submission(src, rel, blank=True, replace={first: DEMO_TAMPER})
        last_test = [c for c in nb.cells if nbgrader_meta(c).get("grade") and not nbgrader_meta(c).get("solution")][-1]
        last_test.source = DEMO_TAMPER_TEST
        subs[name] = nb
    write_submission(root, "demo-tamper", assignment, subs)


def forget_demo_students(root: Path) -> None:
    """Remove the demo students (and their submissions) from the gradebook.

    nbgrader refuses to regenerate an assignment whose cells changed once it has submissions;
    the demo's own submissions must not block a maintainer who edited a notebook.
    """
    from nbgrader.api import Gradebook, MissingEntry

    use_this_python_for_tools()
    with Gradebook(database_url(root)) as gb:
        for student in DEMO_STUDENTS:
            try:
                gb.remove_student(student)
            except MissingEntry:
                pass


def demo(root: Path) -> int:
    names = assignments(root)
    forget_demo_students(root)
    release(root, names)
    problems = []
    for assignment in names:
        make_demo_submissions(root, assignment)
        problems += grade(root, assignment).problems
    proc = run_nbgrader(root, "export")
    if proc.returncode != 0:
        problems.append("nbgrader export failed (log above).")
    print("\nScores (from the gradebook; grades.csv holds the export, feedback/ the students' reports):\n")
    print(score_table(root))
    for sentence in problems:
        print(f"PROBLEM: {sentence}")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.instructor", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("release", "outputs"):
        p = sub.add_parser(name)
        p.add_argument("assignments", nargs="*", help="default: all")
    sub.add_parser("demo")
    p = sub.add_parser("grade")
    p.add_argument("assignment")
    sub.add_parser("scores")
    args = parser.parse_args(argv)
    try:
        root = course_root()
        if args.command == "release":
            release(root, args.assignments or None)
        elif args.command == "outputs":
            execute_source(root, args.assignments or None)
        elif args.command == "demo":
            return demo(root)
        elif args.command == "grade":
            result = grade(root, args.assignment)
            print(score_table(root))
            return 1 if result.problems else 0
        elif args.command == "scores":
            print(score_table(root))
    except CourseError as err:
        print(f"ERROR: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
