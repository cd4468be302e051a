"""Class-scale grading (grader.grade): parallel autograde gives exactly serial nbgrader's grades.

One light assignment, a small class (conftest.class_roster: the reference, the blank release, two known
mistakes, a cheat): graded by plain `nbgrader autograde` into SQLite as part of the suite's graded
course (the yardstick), then by grader.grade on 2 local worker processes into SQLite (one of them
killed mid-grading, then a rerun), and on a Dask LocalCluster of 2 worker processes into a real
PostgreSQL server the test starts. Bad input -- malformed JSON, a folder without notebooks, no
submissions, a database that does not connect, a worker that dies -- is named in one sentence, nothing
is half-written, and rerunning finishes the job.
"""
import os
import shutil
import threading
import time

import pytest
from nbgrader.api import Gradebook

from conftest import CLASS_ASSIGNMENT as ASSIGNMENT
from conftest import ASSIGNMENTS, class_roster, sandbox_leftovers
from grader import grade
from grader.instructor import build_submission, release_notebooks, write_submission
import pg_server

WRONG = f"wrong-second-{ASSIGNMENT[:2]}"  # the student whose worker is killed
TAMPER = f"tamper-{ASSIGNMENT[:2]}"


def submit(root, students=None):
    """Write the class's submissions (or only ``students``: {student: build_submission kwargs})."""
    if students is None:
        for student, books in class_roster(root).items():
            write_submission(root, student, ASSIGNMENT, books)
        return
    notebooks = release_notebooks(root, ASSIGNMENT)
    for student, kwargs in students.items():
        write_submission(root, student, ASSIGNMENT,
                         {name: build_submission(src, rel, **kwargs) for name, (src, rel) in notebooks.items()})


def grades(db_url):
    """Everything autograde records per student: per-cell scores and comments, per notebook and submission."""
    out = {}
    with Gradebook(db_url) as gb:
        for sub in gb.assignment_submissions(ASSIGNMENT):
            record = {"timestamp": sub.timestamp, "score": sub.score}
            for nb in sub.notebooks:
                record[nb.name] = (nb.late_submission_penalty, nb.flagged)
                for g in nb.grades:
                    record[(nb.name, g.name)] = (g.auto_score, g.manual_score, g.extra_credit,
                                                 g.needs_manual_grade, g.max_score)
                for c in nb.comments:
                    record[(nb.name, c.name, "comment")] = (c.auto_comment, c.manual_comment)
            out[sub.student_id] = record
    return out


def sqlite_url(root):
    return f"sqlite:///{root / 'gradebook.db'}"


def course_from(generated_course, dest):
    shutil.copytree(generated_course, dest, ignore=shutil.ignore_patterns("submitted", "autograded", "feedback"))
    return dest


@pytest.fixture(scope="module")
def serial(graded_course):
    """The yardstick: the class as plain `nbgrader autograde` graded it into SQLite (conftest.graded_course)."""
    if ASSIGNMENT not in ASSIGNMENTS:
        pytest.skip(f"COURSE_TEST_ASSIGNMENTS leaves out {ASSIGNMENT}, the class's assignment")
    roster = class_roster(graded_course.roots[0])
    root = graded_course.root_of("honest-reference", ASSIGNMENT)
    assert all(graded_course.root_of(s, ASSIGNMENT) == root for s in roster)  # one gradebook
    result = {s: r for s, r in grades(sqlite_url(root)).items() if s in roster}
    assert sorted(result) == sorted(roster)
    # the integrity checks ran inside serial autograde: the cheat is flagged with its reason, scores 0
    flagged = [k for k, v in result[TAMPER].items() if isinstance(k, str) and k != "timestamp" and k != "score"]
    assert result[TAMPER]["score"] == 0 and all(result[TAMPER][k][1] for k in flagged)
    assert any("INTEGRITY FLAG" in (v[0] or "") for k, v in result[TAMPER].items() if isinstance(k, tuple) and k[-1] == "comment")
    return result


@pytest.fixture(scope="module")
def postgres_url():
    if pg_server.bindir() is None:
        pytest.fail("PostgreSQL's server binaries are not installed (/usr/lib/postgresql/*/bin): "
                    "`make test` installs them (scripts/system-packages.sh), or run apt-get install postgresql.")
    with pg_server.postgres_server() as url:
        yield url


def run(root, *args):
    return grade.main([ASSIGNMENT, "--course-dir", str(root), *args])


def leftovers(root):
    staging = root / "autograded" / grade.STAGING
    return sorted(p.name for p in staging.iterdir() if p.name != ".lock") if staging.exists() else []


def kill_worker_grading(student, stop, killed):
    """SIGKILL the worker process that grades ``student``, as soon as its kernel starts: the parent of
    the process running in its staging folder (the sandbox starts in the folder of the notebook it
    executes). Once; its pid goes into ``killed``."""
    import psutil

    marker = os.sep + os.path.join(grade.STAGING, student, ASSIGNMENT)
    me = psutil.Process()
    while not stop.is_set():
        for proc in me.children(recursive=True):
            try:
                if proc.cwd().endswith(marker):
                    worker = psutil.Process(proc.ppid())
                    worker.kill()
                    killed.append(worker.pid)
                    return
            except psutil.Error:
                pass
        time.sleep(0.05)


def test_parallel_sqlite_equals_serial_names_bad_input_and_rerun_finishes(generated_course, serial, tmp_path,
                                                                         capsys):
    """2 worker processes into SQLite; one worker is killed while it grades wrong-second-03; a rerun finishes."""
    root = course_from(generated_course, tmp_path / "course")
    submit(root)
    bad = root / "submitted" / "bad-json" / ASSIGNMENT
    bad.mkdir(parents=True)
    (bad / next(iter(release_notebooks(root, ASSIGNMENT)))).write_text('{"cells": [')
    (root / "submitted" / "bad-empty" / ASSIGNMENT).mkdir(parents=True)

    stop, killed = threading.Event(), []
    killer = threading.Thread(target=kill_worker_grading, args=(WRONG, stop, killed), daemon=True)
    killer.start()
    try:
        assert run(root, "--workers", "2") == 1
    finally:
        stop.set()
        killer.join()
    out = capsys.readouterr().out
    assert killed, f"no worker was seen grading {WRONG}"
    # the kernel it was starting is stopped and its home removed (bubblewrap's --die-with-parent misses a
    # grader killed in the sandbox's first milliseconds, which is when this one was killed)
    if os.geteuid() == 0:
        assert sandbox_leftovers(killed[0]) == ([], []), sandbox_leftovers(killed[0])
    assert "on 2 worker processes" in out and "[5/5]" in out and "failures so far: 0" in out
    assert "is not valid JSON" in out and "bad-json" in out  # preflight's sentences, the rest graded
    assert "holds no notebook" in out and "bad-empty" in out
    assert f"{WRONG}: FAILED (the worker process grading it died (killed by SIGKILL))" in out
    summary = out[out.index("Summary of"):]
    assert "4 graded" in summary and "3 failed" in summary and "Peak memory per worker" in summary
    assert summary.count("PROBLEM:") == 3
    assert (f"{WRONG}'s submission of 03_tensor_backprop was not graded: the worker process grading it died "
            "(killed by SIGKILL); nothing of it was written to the gradebook, and rerunning "
            "`python -m grader.grade 03_tensor_backprop` grades it.") in summary
    graded = grades(sqlite_url(root))
    assert set(graded) == set(serial) - {WRONG}  # nothing half-written for the killed one
    assert all(graded[s] == serial[s] for s in graded)
    assert not (root / "autograded" / WRONG).exists() and leftovers(root) == []

    assert run(root, "--workers", "2") == 1  # the rerun grades what is left, and only that
    out = capsys.readouterr().out
    assert "4 submission(s) already autograded and unchanged" in out and f"[1/1] {WRONG}:" in out
    assert grades(sqlite_url(root)) == serial
    for student in serial:
        assert list((root / "autograded" / student / ASSIGNMENT).glob("*.ipynb")), student
    assert leftovers(root) == []


def test_dask_local_cluster_into_postgresql_equals_serial(generated_course, serial, postgres_url, tmp_path, capsys):
    root = course_from(generated_course, tmp_path / "course")
    submit(root)
    assert run(root, "--dask", "--workers", "2", "--db", postgres_url) == 0
    out = capsys.readouterr().out
    assert "has no record of 03_tensor_backprop" in out  # a new database learns the assignment first
    assert "Dask LocalCluster of 2 worker processes" in out and "[5/5]" in out
    assert grades(postgres_url) == serial
    assert leftovers(root) == []


def test_bad_input_is_one_sentence_and_grades_nothing(course_copy, capsys):
    root = course_copy
    assert run(root) == 2
    assert "PROBLEM: There is no submitted/ folder" in capsys.readouterr().out

    (root / "submitted" / "alice").mkdir(parents=True)
    assert run(root) == 1
    assert f"PROBLEM: Nobody has submitted {ASSIGNMENT} yet" in capsys.readouterr().out

    submit(root, {"alice": {}})
    closed = f"postgresql://grader@127.0.0.1:{pg_server.free_port()}/gradebook"
    assert run(root, "--db", closed) == 2
    out = capsys.readouterr().out
    assert out.startswith("PROBLEM: Cannot open the gradebook database postgresql://grader@127.0.0.1:")
    assert "nothing was graded" in out and len(out.strip().splitlines()) == 1
    assert run(root, "--db", "sqlite:////nonexistent/folder/gradebook.db") == 2
    assert "PROBLEM: Cannot open the gradebook database sqlite:////nonexistent" in capsys.readouterr().out
    assert not (root / "autograded" / "alice").exists()


def test_workers_take_the_environment_of_the_run_not_of_the_fork_server(tmp_path, monkeypatch):
    """LocalPool's workers are forked from multiprocessing's fork server, which keeps the environment it
    started with; the course's configuration reads the environment in the worker (COURSE_NO_SANDBOX,
    COURSE_DB_URL), so each worker must take the grading command's environment as it is now."""
    grade.LocalPool(1).close()  # the fork server runs from here on, without the variable below
    monkeypatch.setenv("COURSE_TEST_SEEN", "set after the fork server started")
    seen = tmp_path / "seen.txt"
    (tmp_path / "nbgrader_config.py").write_text(  # loaded by the worker's warm-up, as a course's is
        f"import os, pathlib\n"
        f"pathlib.Path({str(seen)!r}).write_text(os.environ.get('COURSE_TEST_SEEN', 'missing'))\n")
    pool = grade.LocalPool(1, warm={"root": str(tmp_path), "assignment": ASSIGNMENT})
    try:
        deadline = time.monotonic() + 60
        while not seen.exists():
            assert time.monotonic() < deadline, "the worker did not load the course's configuration"
            time.sleep(0.1)
    finally:
        pool.close()
    assert seen.read_text() == "set after the fork server started"
