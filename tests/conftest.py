"""Shared fixtures: the repository root and a throw-away copy of the course for nbgrader runs."""
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader import instructor
from grader.instructor import assignments, release, use_this_python_for_tools

ROOT = Path(__file__).resolve().parents[1]
use_this_python_for_tools()  # nbgrader runs the `alembic` executable by name


def copy_course(dest: Path) -> Path:
    """A throw-away copy of this course at dest (grader.instructor.copy_course)."""
    return instructor.copy_course(ROOT, dest)


@pytest.fixture
def course_copy(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_DB_URL", raising=False)
    return copy_course(tmp_path / "course")


ASSIGNMENTS = assignments(ROOT)
if os.environ.get("COURSE_TEST_ASSIGNMENTS"):
    # the edit-test loop on one assignment: COURSE_TEST_ASSIGNMENTS=03_tensor_backprop pytest ...
    # (make test and CI leave it unset and test every assignment)
    ASSIGNMENTS = [a for a in ASSIGNMENTS if a in os.environ["COURSE_TEST_ASSIGNMENTS"].split(",")]


def built_once(tmp_path_factory, name: str, build) -> Path:
    """``build(folder)`` once per test run, even when the run is split over pytest-xdist workers:
    the first worker to ask builds the folder under a lock while the others wait, then all use it."""
    import fcntl

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's folder, shared by its workers (each has its own popen-gwN below it)
    folder = base / name
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (base / f"{name}.built").exists():
            shutil.rmtree(folder, ignore_errors=True)
            build(folder)
            (base / f"{name}.built").touch()
    return folder


@pytest.fixture(scope="session")
def released_course(tmp_path_factory):
    """A course copy in which `nbgrader generate_assignment` has run for every assignment: its
    release/ is what source/ generates now, and its gradebook knows every assignment."""
    os.environ.pop("COURSE_DB_URL", None)

    def build(folder):
        release(copy_course(folder / "course"))
    return built_once(tmp_path_factory, "released", build) / "course"


@pytest.fixture(scope="session")
def generated_course(released_course, tmp_path_factory):
    """A copy of the released course with every assignment's reference run cached, so graded copies
    can start from it without generating or running the reference again."""
    def build(folder):
        folder.mkdir(parents=True)
        shutil.copytree(released_course, folder / "course")
        warm_reference_cache(folder / "course")
    return built_once(tmp_path_factory, "generated", build) / "course"


def warm_reference_cache(root):
    """Run every assignment's reference once (grader.verdicts caches it in root/.grader-cache), so the
    copies made from ``root`` start with it, as a course does after its first grading run."""
    from concurrent.futures import ThreadPoolExecutor

    from traitlets.config import Config

    from grader.verdicts import reference_reports
    sources = [p for a in ASSIGNMENTS for p in sorted((root / "source" / a).glob("*.ipynb"))]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda p: reference_reports(p, Config(), root), sources))


def honest_books(root):
    """{assignment: (notebook name, source, release)} of the first notebook of each assignment."""
    from grader.instructor import release_notebooks
    out = {}
    for a in ASSIGNMENTS:
        name, (src, rel) = next(iter(release_notebooks(root, a).items()))
        out[a] = (name, src, rel)
    return out


# -- one autograde run for the whole suite ---------------------------------------------------------
# Limits for the test run: an endless loop is stopped after 5 s, a kernel that ignores the
# interrupt is shut down 2 s later, a kernel may use 1.5 GiB (the course's defaults are 60 s,
# 5 s and 4 GiB; honest notebooks need < 3 s and < 0.5 GiB).
TEST_LIMITS = ("--GuardedExecute.timeout=5", "--GuardedExecute.kill_grace=2",
               "--GuardedExecute.memory_limit_mb=1536")
WORKERS = int(os.environ.get("ROUNDTRIP_WORKERS", os.cpu_count() or 1))
# Seconds one submission of each assignment takes to autograde here, measured in graded_course with the
# other lane running (for spreading the submissions over the copies).
GRADING_SECONDS = {"01": 3.5, "02": 4.5, "03": 2.1, "04": 1.9, "05": 3.0}


def grading_seconds(assignment: str) -> float:
    return GRADING_SECONDS.get(assignment[:2], 2.5)

# The small class tests/test_grade.py grades in parallel (grader.grade, Dask, PostgreSQL): its yardstick is
# this class as graded_course grades it, by plain `nbgrader autograde` into one SQLite gradebook.
CLASS_ASSIGNMENT = "03_tensor_backprop"
# A reference answer handed in 2 days and 3 hours after the due date (test_integrity.py: the penalty).
LATE_STUDENT, LATE_BY_HOURS = "late", 2 * 24 + 3


def class_roster(root) -> dict:
    """{student: {notebook name: notebook}} of the class: the reference, the blank release, the first two
    known mistakes of the catalogue, and a cheat (grader.instructor.DEMO_TAMPER in the first answer, the
    last test cell rewritten) whom grader.integrity must flag."""
    from grader.instructor import (DEMO_TAMPER, DEMO_TAMPER_TEST, build_submission, load_catalogue,
                                   release_notebooks, variant_code)

    notebooks = release_notebooks(root, CLASS_ASSIGNMENT)
    kinds = {"honest-reference": {}, "honest-blank": {"blank": True}}
    for variant, student in zip(load_catalogue(root, CLASS_ASSIGNMENT).values(),
                                (f"wrong-first-{CLASS_ASSIGNMENT[:2]}", f"wrong-second-{CLASS_ASSIGNMENT[:2]}")):
        kinds[student] = {"replace": {variant["cell"]: variant_code(notebooks, variant)}}
    out = {}
    for student, kwargs in {**kinds, f"tamper-{CLASS_ASSIGNMENT[:2]}": {"blank": True}}.items():
        books = {name: build_submission(src, rel, **kwargs) for name, (src, rel) in notebooks.items()}
        if student.startswith("tamper-"):
            for nb in books.values():
                answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
                answer.source = DEMO_TAMPER + answer.source
                tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
                         and not c.metadata["nbgrader"].get("solution")]
                tests[-1].source = DEMO_TAMPER_TEST  # an instructor's cell altered: evidence, flagged
        out[student] = books
    return out


def sandbox_leftovers(grader_pid: int, homes=()) -> tuple[list[int], list[str]]:
    """What is left of the sandboxes of grading process ``grader_pid``, seen from outside (the process
    table, /tmp): the pids running as its sandbox uid (grader.sandbox.UID_BASE + the pid) or naming one
    of ``homes`` (bubblewrap and its pid 1 run as root), and the sandbox homes in /tmp it owns. Only
    meaningful when grading as root (otherwise kernels run as the grader's own user)."""
    import psutil

    from grader.sandbox import UID_BASE
    uid = UID_BASE + grader_pid
    pids = []
    for proc in psutil.process_iter():
        try:
            if proc.uids().real == uid or any(home in " ".join(proc.cmdline()) for home in homes):
                pids.append(proc.pid)
        except psutil.Error:  # gone meanwhile, or a zombie
            pass
    owned = [h.name for h in Path(tempfile.gettempdir()).glob("course-sandbox-*") if h.stat().st_uid == uid]
    return pids, owned


def late_assignment() -> str:
    """The assignment of the late student: the one with the fewest test cells (the cheapest to grade)."""
    import tampering
    from grader.instructor import release_notebooks

    def tests(a):
        (_, (src, _)), *_ = release_notebooks(ROOT, a).items()
        return len(tampering.test_cells(src))
    return min(ASSIGNMENTS, key=tests)


@dataclass
class GradedCourse:
    roots: list            # course copies graded side by side (each its own SQLite gradebook)
    where: dict            # (student, assignment) -> the copy that holds the submission
    preflights: dict       # assignment -> [Preflight of each copy]
    students: dict         # (student, assignment) -> what the roster says about them

    def root_of(self, student, assignment):
        return self.where[(student, assignment)]

    def scores(self, student, assignment):
        """{grade_id: (score, max)} of a student's submission, from its copy's gradebook."""
        from nbgrader.api import Gradebook
        from grader.instructor import database_url
        with Gradebook(database_url(self.where[(student, assignment)])) as gb:
            sub = gb.find_submission(assignment, student)
            return {g.name: (g.score, g.max_score) for nb in sub.notebooks for g in nb.grades}

    def flagged(self, student, assignment):
        from nbgrader.api import Gradebook
        from grader.instructor import database_url
        with Gradebook(database_url(self.where[(student, assignment)])) as gb:
            sub = gb.find_submission(assignment, student)
            return any(nb.flagged for nb in sub.notebooks)


@pytest.fixture(scope="session")
def graded_course(generated_course, tmp_path_factory):
    """Every submission the suite grades through real ``nbgrader autograde``, graded once.

    The roster: per assignment the reference, the blank release and its first known-wrong variant
    (test_roundtrip.py), the tampering catalogue (tests/tampering.py, test_integrity.py), the honest
    corpus (tests/honest.py, test_integrity.py), a malformed notebook and an empty folder; the class
    of test_grade.py (class_roster) and a late reference (test_integrity.py).  Students are spread over
    WORKERS copies of the generated course, which are graded at the same time (no two writers share a
    gradebook), each by one ``nbgrader autograde "*"`` (every assignment), after grader.instructor's
    preflight has named the submissions it cannot grade; each copy then runs export, and copy 0 (which
    holds the students whose feedback the tests read, the class and the late student)
    ``generate_feedback "*"`` for the students whose feedback the tests read.
    """
    from concurrent.futures import ThreadPoolExecutor

    from grader.instructor import (build_submission, load_catalogue, preflight, release_notebooks,
                                   run_nbgrader, variant_code, write_submission)
    from grader.sandbox import Sandbox
    import honest
    import tampering

    Sandbox.check_available()
    base = tmp_path_factory.mktemp("graded")
    late = late_assignment()
    roots = []
    for i in range(WORKERS):
        root = base / f"part{i}"
        shutil.copytree(generated_course, root)
        roots.append(root)
    jobs = []  # (seconds it takes, student, assignment, notebooks or raw texts, roster entry)
    catalogue = tampering.catalogue(generated_course, ASSIGNMENTS)
    class_books = class_roster(generated_course)
    for assignment in ASSIGNMENTS:
        notebooks = release_notebooks(generated_course, assignment)
        first = next(iter(load_catalogue(ROOT, assignment).items()))
        roster = {"honest-reference": ({}, "reference"), "honest-blank": ({"blank": True}, "blank"),
                  f"wrong-first-{assignment[:2]}": ({"replace": {first[1]["cell"]: variant_code(notebooks, first[1])}},
                                                    ("variant", first[0]))}
        for student, (kwargs, what) in roster.items():
            books = {n: build_submission(s, r, **kwargs) for n, (s, r) in notebooks.items()}
            jobs.append((grading_seconds(assignment), student, assignment, books, what))
        if assignment == CLASS_ASSIGNMENT:
            for student, books in class_books.items():
                if student not in roster:
                    jobs.append((grading_seconds(assignment), student, assignment, books, "class"))
        if assignment == late:
            jobs.append((grading_seconds(assignment), LATE_STUDENT, assignment,
                         {n: build_submission(s, r) for n, (s, r) in notebooks.items()}, "late"))
    for sub in catalogue:
        # a kernel that hangs or dies waits out the time limit, the grace after it and a fresh kernel
        # (TEST_LIMITS; measured: 5 to 10 s more)
        hangs = any("endless loop" in kind for kind in sub.kinds) or set(sub.kinds) & tampering.DYING
        jobs.append((grading_seconds(sub.assignment) + (8.0 if hangs else 0.0), sub.student, sub.assignment,
                     sub.notebooks, sub))
    for sub in honest.corpus(honest_books(generated_course)):
        jobs.append((grading_seconds(sub.assignment), sub.student, sub.assignment, sub.notebooks, sub))
    # copy 0 holds the students whose feedback the tests read (and generates it, for them alone), the
    # class of test_grade.py (one gradebook) and the late student (beside honest-reference)
    feedback_read = {"honest-reference", "honest-blank", LATE_STUDENT,
                     next(s.student for s in catalogue if s.expect == "touched")}
    pinned_in = {CLASS_ASSIGNMENT: set(class_books)}
    load = [0.0] * WORKERS
    load[0] = 0.55 * sum(1 for _, student, *_ in jobs if student in feedback_read)  # generate_feedback's notebooks
    where, students = {}, {}

    def is_pinned(student, assignment):
        return student in feedback_read or student in pinned_in.get(assignment, ())
    for weight, student, assignment, books, what in sorted(jobs, key=lambda j: (not is_pinned(j[1], j[2]), -j[0])):
        i = 0 if is_pinned(student, assignment) else load.index(min(load))
        load[i] += weight
        root = roots[i]
        if any(isinstance(b, str) for b in books.values()):
            folder = root / "submitted" / student / assignment
            folder.mkdir(parents=True)
            for name, text in books.items():
                (folder / name).write_text(text)
        else:
            write_submission(root, student, assignment, books)
        if student == LATE_STUDENT:
            from datetime import timedelta

            from nbgrader.utils import parse_utc
            due = json.loads((root / "due_dates.json").read_text())[assignment]
            (root / "submitted" / student / assignment / "timestamp.txt").write_text(
                f"{parse_utc(due) + timedelta(hours=LATE_BY_HOURS)} UTC\n")
        where[(student, assignment)], students[(student, assignment)] = root, what
    bad = roots[0] / "submitted" / "bad-empty" / ASSIGNMENTS[0]
    bad.mkdir(parents=True)  # a student folder without a notebook
    where[("bad-empty", ASSIGNMENTS[0])] = roots[0]

    def grade_copy(root):
        # what grader.instructor.grade does for one assignment, for all of them in one nbgrader run each
        # (an assignment id of "*": nbgrader starts once per copy, not once per assignment)
        results = {a: preflight(root, a) for a in ASSIGNMENTS}
        skipped = sorted({s for check in results.values() for s in check.skipped})
        exclude = [f"--CourseDirectory.student_id_exclude={','.join(skipped)}"] if skipped else []
        run_nbgrader(root, "autograde", "*", "--force", *exclude, *TEST_LIMITS)
        if root == roots[0]:
            unread = sorted({s for (s, _), r in where.items() if r == root} - feedback_read)
            run_nbgrader(root, "generate_feedback", "*", "--force",
                         f"--CourseDirectory.student_id_exclude={','.join(unread)}")
        run_nbgrader(root, "export")
        return results

    with ThreadPoolExecutor(WORKERS) as pool:
        per_copy = list(pool.map(grade_copy, roots))
    preflights = {a: [results[a] for results in per_copy] for a in ASSIGNMENTS}
    return GradedCourse(roots, where, preflights, students)


# -- the quick tier (make check): the toolkit, the release sync, one grading round trip ------------
QUICK_MODULES = {"test_checks", "test_gradcheck", "test_symbolic", "test_nn", "test_graphs", "test_feedback",
                 "test_derivations", "test_verdicts", "test_quick", "test_base_python"}


# -- two lanes (make test: pytest -n 2) --------------------------------------------------------------
# make test runs the suite on two pytest-xdist workers, each given one lane, which it runs in collection
# order (so a module's fixtures are built once). The grading lane: the tests that read the suite's
# graded fixtures (graded_course, fast_scores), class-scale grading, the release's own tests, the quick
# tier's round trip and (there for balance) nbval's runs of assignments 2-5. The machine lane:
# JupyterHub, JupyterLab and Chromium, the sandbox's attacks and their timeouts, machine independence,
# nbval's run of assignment 1, and everything else. The two take about as long (measured:
# benchmarks/suite_time.py prints each lane's total, and notes/suite-speed.md). Without -n (make check,
# one test file) there are no lanes.
GRADING_LANE = ("tests/test_roundtrip.py", "tests/test_integrity.py", "tests/test_grade.py",
                "tests/test_feedback_offline.py", "tests/test_release.py", "tests/test_quick.py",
                "source/02_index_loops/", "source/03_tensor_backprop/", "source/04_batch_backprop/",
                "source/05_xor_mlp/")
GRADED_FIXTURES = {"graded_course", "fast_scores", "fast_messages"}
# True when a collected test reads graded_course, i.e. the session grades the suite's corpora once: a test
# of the quick tier then reads what it needs from there instead of grading it again (tests/test_quick.py)
GRADED_IN_SUITE = pytest.StashKey[bool]()


# Each lane starts with these, in this order (the rest in collection order): while graded_course keeps
# both cores busy (two course copies graded side by side), the machine lane runs the tests that wait
# most -- the hub's servers and sleeps, the sandbox's time limits and its 10 s after grading -- and the
# browser tests, which keep a core busy throughout, run beside the grading lane's one-process tests.
# (The sandbox needs the generated course graded_course builds first: the hub goes before it.)
FIRST_IN_LANE = ("tests/test_feedback_offline.py", "tests/test_roundtrip.py", "tests/test_hub.py",
                 "tests/test_sandbox.py")


def lane_of(nodeid: str) -> str:
    return "grading" if nodeid.startswith(GRADING_LANE) else "machine"


class LanesPlugin:
    """pytest-xdist's scheduler for make test: its loadscope scheduling with the lane as the scope, so
    the two lanes are two work units and each worker runs one. (xdist's own --dist loadgroup cannot
    do this under pytest 9.2: the group it appends to a test's node id is not seen.)"""

    @staticmethod
    def pytest_xdist_make_scheduler(config, log):
        from xdist.scheduler import LoadScopeScheduling

        class Lanes(LoadScopeScheduling):
            def _split_scope(self, nodeid: str) -> str:
                return lane_of(nodeid)
        return Lanes(config, log)


def pytest_configure(config):
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(LanesPlugin(), "course-lanes")


def pytest_collection_finish(session):
    # after -m and -k have deselected: in make check, nothing that reads graded_course is left
    session.config.stash[GRADED_IN_SUITE] = any("graded_course" in getattr(item, "fixturenames", ())
                                                for item in session.items)


def pytest_collection_modifyitems(config, items):
    def rank(item):
        return next((i for i, first in enumerate(FIRST_IN_LANE) if item.nodeid.startswith(first)),
                    len(FIRST_IN_LANE))
    items.sort(key=rank)  # stable: the modules keep their tests together and in order
    for item in items:
        module = getattr(item, "module", None)
        if module is not None and module.__name__.rsplit(".", 1)[-1] in QUICK_MODULES:
            item.add_marker(pytest.mark.quick)


def pytest_runtest_setup(item):
    if GRADED_FIXTURES & set(getattr(item, "fixturenames", ())) and lane_of(item.nodeid) != "grading":
        # in the machine lane it would build the graded fixtures a second time, in the other worker
        pytest.fail(f"{item.nodeid} reads the graded fixtures: add it to GRADING_LANE in tests/conftest.py",
                    pytrace=False)
