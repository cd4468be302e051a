"""Grade a whole class in parallel with nbgrader's own autograde.

Run from the course root (the folder with ``nbgrader_config.py``)::

    python -m grader.grade ASSIGNMENT [--workers N] [--db URL] [--force]
    python -m grader.grade ASSIGNMENT --dask [--workers N]          # a Dask LocalCluster
    python -m grader.grade ASSIGNMENT --scheduler tcp://host:8786   # an existing Dask cluster

Every student in ``submitted/<student>/ASSIGNMENT/`` is autograded by nbgrader's ``Autograde``
converter, in-process in a worker, with the configuration ``nbgrader autograde`` loads
(``nbgrader_config.py`` and Jupyter's config paths: preprocessors, timeouts, everything), one
student per task; the grades are the ones serial ``nbgrader autograde ASSIGNMENT`` gives.

Workers: local processes (default: one more than the cores), or Dask distributed workers (``--dask`` starts a
LocalCluster of worker processes, ``--scheduler`` uses a running cluster whose workers share this
course directory at the same path).

The gradebook (SQLite ``gradebook.db`` by default, or ``COURSE_DB_URL`` / ``--db``) has ONE writer,
this process: each worker grades into a private SQLite copy and sends back the rows autograde
wrote, which are applied in one transaction per student (``grader.gradebook_merge``). Each
worker writes its autograded notebooks to ``autograded/.staging/``; they are moved to
``autograded/<student>/ASSIGNMENT`` only after that student's grades are committed. A stopped run
therefore leaves every student either untouched or completely graded, and running the command
again grades exactly the students that are not done (like ``nbgrader autograde`` without
``--force``, which skips submissions already autograded and unchanged; ``--force`` regrades all).

Bad submissions (a notebook that is not valid JSON, a student folder without notebooks, a missing
notebook) are named in one sentence by ``grader.instructor.preflight`` and skipped; so is any
submission nbgrader fails on or whose worker dies. The summary names each of them.
"""
from __future__ import annotations

import argparse
import fcntl
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from . import gradebook_merge
from .instructor import CourseError, course_root, preflight, use_this_python_for_tools
from .sandbox import Sandbox

STAGING = ".staging"  # inside the autograded folder (ignored by git, invisible to nbgrader's globs)
LOGS = ".logs"


# =========================================================================== worker side
_LOCK = threading.Lock()  # nbgrader chdirs and sets environment variables: one task per process at a time
_STATE: dict = {}


def _scratch_dir() -> Path:
    """This process's private folder for its scratch gradebook (a Dask worker's lives in the worker's
    local directory, which Dask removes; a local worker's is removed by the pool)."""
    if "scratch" not in _STATE:
        base = None
        if "distributed" in sys.modules:
            try:
                from distributed import get_worker

                base = get_worker().local_directory
            except (ImportError, ValueError, AttributeError):
                base = None
        _STATE["scratch"] = Path(tempfile.mkdtemp(prefix="course-grade-", dir=base))
    return _STATE["scratch"]


def _autograde_app(root: Path, assignment: str, scratch_url: str, staging: str):
    """nbgrader's AutogradeApp, initialised the way ``nbgrader autograde`` initialises it.

    Only the gradebook (a scratch copy) and the output folder (staging) are overridden, on the
    command line, so every other setting comes from the course's configuration unchanged.
    """
    key = (str(root), assignment, scratch_url, staging)
    if _STATE.get("app_key") != key:
        from nbgrader.apps.autogradeapp import AutogradeApp

        app = AutogradeApp()
        try:
            app.initialize([assignment, f"--db={scratch_url}",
                            f"--CourseDirectory.autograded_directory={staging}"])
        except SystemExit:  # traitlets exits on a configuration error
            raise RuntimeError("nbgrader could not load the course configuration (nbgrader_config.py)") from None
        for handler in list(app.log.handlers):  # the log goes to the result, not the terminal
            app.log.removeHandler(handler)
        _STATE["app"], _STATE["app_key"] = app, key
    return _STATE["app"]


def _sample_memory(interval: float = 1.0) -> None:
    """Track this worker's peak resident memory together with its kernels (psutil, sampled).

    getrusage's RUSAGE_CHILDREN cannot tell: a kernel is forked from the worker before it execs,
    so its high-water mark starts at the worker's own size.
    """
    import psutil

    me = psutil.Process()
    mine = me.cmdline()
    while True:
        if not _LOCK.locked():  # idle between tasks
            time.sleep(interval)
            continue
        try:
            total = me.memory_info().rss
            for child in me.children(recursive=True):
                try:
                    if child.cmdline() == mine:  # forked, not yet a kernel: a copy of this process
                        continue
                    rss = child.memory_info().rss
                except psutil.Error:
                    continue
                total += rss
                _STATE["kernel_peak"] = max(_STATE.get("kernel_peak", 0), rss)
            _STATE["total_peak"] = max(_STATE.get("total_peak", 0), total)
        except psutil.Error:
            pass
        time.sleep(interval)


def _start_memory_sampler() -> None:
    if "sampler" not in _STATE:
        try:
            import psutil  # noqa: F401
        except ImportError:
            _STATE["sampler"] = None
            return
        _STATE["sampler"] = threading.Thread(target=_sample_memory, daemon=True, name="memory-sampler")
        _STATE["sampler"].start()


def _memory() -> dict:
    """Peak resident memory (KiB): the worker process alone, its largest kernel, both together."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"pid": os.getpid(), "host": socket.gethostname(), "rss_self_kib": own,
            "rss_kernel_kib": _STATE.get("kernel_peak", 0) // 1024,
            "rss_total_kib": max(own, _STATE.get("total_peak", 0) // 1024)}


_EXC_LINE = re.compile(r"^([A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Timeout)\b.*)$")


def failure_reason(log: str, error: str = "") -> str:
    """The cause of a failed autograde in a few words, from nbgrader's log and traceback."""
    if "kernel became unresponsive" in log:
        return "its kernel became unresponsive (an endless loop that eats memory?)"
    for text in (log, error):
        lines = [line.strip() for line in text.splitlines()]
        causes = [m.group(1) for m in map(_EXC_LINE.match, lines) if m and "NbGraderException" not in m.group(1)]
        if causes:
            return causes[0][:240]
    errors = [line[len("[ERROR]"):].strip() for line in log.splitlines() if line.startswith("[ERROR]")]
    if errors:
        return errors[0][:240]
    lines = [line for line in error.strip().splitlines() if line.strip()]
    return (lines[-1].strip() if lines else "nbgrader reported a failure without a message")[:240]


def grade_submission(task: dict) -> dict:
    """Autograde one student's submission (runs in a worker process; one task at a time)."""
    with _LOCK:
        if task.get("quiet"):
            _silence()
        _start_memory_sampler()
        _quiet_warnings()
        return _grade_submission(task)


def _grade_submission(task: dict) -> dict:
    from nbgrader.converters import Autograde
    from nbgrader.utils import capture_log, temp_attrs

    start = time.monotonic()
    root, assignment, student = Path(task["root"]), task["assignment"], task["student"]
    cwd, env_url = os.getcwd(), os.environ.get("COURSE_DB_URL")
    scratch = _scratch_dir() / "gradebook.db"
    result = {"student": student, "ok": False}
    try:
        use_this_python_for_tools()  # nbgrader runs `alembic` by name
        shutil.copyfile(task["template"], scratch)
        scratch_url = f"sqlite:///{scratch}"
        os.environ["COURSE_DB_URL"] = scratch_url  # what nbgrader_config.py reads, should anything reload it
        os.chdir(root)  # nbgrader autograde runs in the course root
        app = _autograde_app(root, assignment, scratch_url, task["staging"])
        with temp_attrs(app.coursedir, assignment_id=assignment, student_id=student):
            converter = Autograde(coursedir=app.coursedir, parent=app)
            converter.force = True  # the staging folder is ours; which students to grade was decided already
            out = capture_log(converter)
            staged = Path(app.coursedir.format_path(app.coursedir.autograded_directory, student, assignment))
        result["log"] = out.get("log", "")
        if not out["success"]:
            result["reason"] = failure_reason(result["log"], out.get("error", ""))
        elif not any(staged.glob("*.ipynb")):
            result["reason"] = failure_reason(result["log"]) if "[ERROR]" in result["log"] else \
                "nbgrader wrote no autograded notebook for it"
        else:
            result["changes"] = gradebook_merge.changes(Path(task["template"]), scratch)
            result["notebooks"] = len(list(staged.glob("*.ipynb")))
            result["ok"] = True
    except Exception as err:  # anything unexpected is this submission's failure, not the run's
        result["reason"] = f"{type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ''}"[:240]
    finally:
        os.chdir(cwd)
        if env_url is None:
            os.environ.pop("COURSE_DB_URL", None)
        else:
            os.environ["COURSE_DB_URL"] = env_url
        scratch.unlink(missing_ok=True)
    result["seconds"] = time.monotonic() - start
    result.update(_memory())
    return result


def _quiet_warnings() -> None:
    if not _STATE.get("warnings"):
        import warnings

        from sqlalchemy.exc import SAWarning

        warnings.filterwarnings("ignore", category=SAWarning)  # nbgrader's own autoflush noise
        _STATE["warnings"] = True


# what a worker imports to grade (LocalPool's fork server imports them once, warm_up in each worker;
# not this module: under `python -m grader.grade` a worker runs it as its __main__ too, and runpy warns
# when it finds it imported already)
WORKER_IMPORTS = ["nbgrader.apps.autogradeapp", "nbgrader.converters", "nbclient"]


def warm_up(root: str | None = None, assignment: str | None = None) -> None:
    """Import what grading needs, and set up nbgrader's app, while the parent is still preparing."""
    _quiet_warnings()
    import importlib
    for name in WORKER_IMPORTS:
        importlib.import_module(name)

    if root and assignment:  # the app the first task will most likely ask for (the default folders)
        cwd = os.getcwd()
        try:
            os.chdir(root)
            _autograde_app(Path(root), assignment, f"sqlite:///{_scratch_dir() / 'gradebook.db'}",
                           os.path.join("autograded", STAGING))
        finally:
            os.chdir(cwd)


def _silence() -> None:
    """Send this process's stdout and stderr to /dev/null, once: the kernels it starts inherit them,
    and their start-up chatter would bury the parent's progress lines."""
    if not _STATE.get("silenced"):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.close(devnull)
        _STATE["silenced"] = True


def _worker_loop(conn, quiet: bool, scratch: str, warm: dict, environ: dict) -> None:
    """A local worker process: grade the tasks the parent sends until it sends None or goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    os.environ.clear()  # the parent's environment now, not the fork server's when it started
    os.environ.update(environ)
    _STATE["scratch"] = Path(scratch)  # the parent's to remove
    if quiet:
        _silence()
    try:
        try:
            warm_up(**warm)
        except Exception:
            pass  # the first task meets the same problem and reports it
        while True:
            try:
                task = conn.recv()
            except (EOFError, OSError):
                break
            if task is None:
                break
            try:
                conn.send(grade_submission(task))
            except (BrokenPipeError, OSError):
                break
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# =========================================================================== executors
def _died(task: dict, how: str) -> dict:
    return {"student": task["student"], "ok": False, "died": True,
            "reason": f"the worker process grading it died ({how})"}


def _killed_worker(task: dict) -> dict:
    return {"student": task["student"], "ok": False, "died": True,
            "reason": "every Dask worker that tried to grade it died (KilledWorker)"}


def _signal_name(exitcode) -> str:
    if exitcode is None:
        return "no exit status"
    if exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit status {exitcode}"


class LocalPool:
    """``workers`` local worker processes, started at once (they warm up while the parent prepares).

    :meth:`run` grades tasks one per idle worker and calls ``on_result(task, result)`` in this
    process. A worker that dies fails only the submission it was grading; a new worker takes its
    place for the tasks that are left.
    """

    def __init__(self, workers: int, quiet: bool = True, warm: dict | None = None):
        import multiprocessing as mp

        # Workers are forked from multiprocessing's fork server: a clean interpreter (nothing of this
        # process's state is inherited; each worker gets this process's sys.path, working folder and
        # environment as a spawned one would) that has imported nbgrader once, so a worker, and a
        # replacement for one that died, starts without the second of imports.
        self.ctx = mp.get_context("forkserver")
        self.ctx.set_forkserver_preload(WORKER_IMPORTS)
        self.quiet = quiet
        self.warm = warm or {}
        self.scratch: list[str] = []  # one private folder per worker process, removed by close()
        self.idle = [self._start() for _ in range(workers)]
        self.size = workers

    def _start(self):
        mine, theirs = self.ctx.Pipe()
        self.scratch.append(tempfile.mkdtemp(prefix="course-grade-"))
        proc = self.ctx.Process(target=_worker_loop, args=(theirs, self.quiet, self.scratch[-1], self.warm,
                                                           dict(os.environ)),
                                daemon=True, name="course-grade-worker")
        proc.start()
        theirs.close()
        return proc, mine

    def run(self, tasks: list[dict], on_result) -> None:
        from multiprocessing.connection import wait

        pending = deque(tasks)
        busy: dict = {}
        restarts = 0
        while len(self.idle) > len(tasks):  # more workers than work: the spares go now
            proc, conn = self.idle.pop()
            proc.terminate()
            proc.join(5)
            conn.close()

        def dispatch():
            nonlocal restarts
            while self.idle and pending:
                proc, conn = self.idle.pop()
                task = pending.popleft()
                try:
                    if not proc.is_alive():
                        raise BrokenPipeError
                    conn.send(task)
                except (BrokenPipeError, OSError):  # died while idle: replace it, keep the task
                    pending.appendleft(task)
                    conn.close()
                    restarts += 1
                    if restarts > 2 * self.size + 2:
                        raise CourseError(f"Worker processes die as soon as they start ({_signal_name(proc.exitcode)}): "
                                          f"run `python -c 'import grader.grade'` with this Python to see why.")
                    self.idle.append(self._start())
                    continue
                busy[(proc, conn)] = task

        try:
            while pending or busy:
                dispatch()
                ready = set(wait([c for _, c in busy] + [p.sentinel for p, _ in busy]))
                finished = []
                for (proc, conn), task in list(busy.items()):
                    if conn not in ready and proc.sentinel not in ready:
                        continue
                    del busy[(proc, conn)]
                    try:
                        if not conn.poll():
                            raise EOFError
                        result = conn.recv()
                    except (EOFError, OSError):
                        proc.join(5)
                        conn.close()
                        Sandbox.reap(proc.pid)  # a kernel it was starting may have outlived it
                        if pending:
                            self.idle.append(self._start())
                        finished.append((task, _died(task, _signal_name(proc.exitcode))))
                        continue
                    self.idle.append((proc, conn))
                    finished.append((task, result))
                dispatch()  # the next submissions go out before this process writes the results
                for task, result in finished:
                    on_result(task, result)
        finally:
            for proc, conn in busy:  # interrupted while grading
                proc.terminate()
                proc.join(5)
                conn.close()
                Sandbox.reap(proc.pid)

    def close(self) -> None:
        """Stop the idle workers (they hold no kernel and no unfinished work) and remove their folders."""
        for proc, conn in self.idle:
            proc.terminate()
        for proc, conn in self.idle:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join(1)
            conn.close()
        self.idle = []
        for folder in self.scratch:
            shutil.rmtree(folder, ignore_errors=True)


def run_dask(tasks: list[dict], workers: int, scheduler: str | None, on_result, quiet: bool = True) -> int:
    """Grade ``tasks`` on Dask distributed: a LocalCluster of worker processes, or ``scheduler``.

    Returns the number of workers. A task whose workers keep dying fails with KilledWorker.
    """
    import logging

    try:
        import dask
        from distributed import Client, LocalCluster, as_completed
    except ImportError as err:
        raise CourseError(f"Dask distributed is not installed ({err}): pip install -r requirements.txt.") from None

    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except Exception as err:
            raise CourseError(f"Cannot reach the Dask scheduler at {scheduler} ({type(err).__name__}: "
                              f"{str(err).splitlines()[0] if str(err) else ''}): start it (dask scheduler) "
                              f"or check the address; nothing was graded.") from None
    else:
        # one retry for a task whose worker died (the nanny restarts the worker), then KilledWorker
        try:
            with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
                cluster = LocalCluster(n_workers=min(workers, len(tasks)), threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.CRITICAL)
        except Exception as err:
            raise CourseError(f"Could not start a Dask LocalCluster of {workers} workers ({type(err).__name__}: "
                              f"{_first_line(err)}); nothing was graded.") from None
        client = Client(cluster)
    try:
        n = len(client.scheduler_info(n_workers=-1)["workers"]) if scheduler else min(workers, len(tasks))
        if scheduler and n == 0:
            raise CourseError(f"The Dask scheduler at {scheduler} has no workers: start some "
                              f"(dask worker {scheduler} --nthreads 1) and rerun; nothing was graded.")
        run = uuid.uuid4().hex[:8]
        if cluster is not None and quiet:  # our own LocalCluster: its workers may be silenced
            tasks = [dict(task, quiet=True) for task in tasks]
        futures = {client.submit(grade_submission, task, pure=False,
                                 key=f"grade-{task['assignment']}-{task['student']}-{run}"): task for task in tasks}
        for future in as_completed(futures):
            task = futures[future]
            try:
                result = future.result()
            except Exception as err:
                if type(err).__name__ == "KilledWorker":
                    result = _killed_worker(task)
                else:
                    result = {"student": task["student"], "ok": False,
                              "reason": f"Dask: {type(err).__name__}: {str(err)[:200]}"}
            on_result(task, result)
        return n
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# =========================================================================== parent side
@dataclass
class Report:
    assignment: str
    db_url: str = ""
    total: int = 0
    graded: list = field(default_factory=list)
    skipped: list = field(default_factory=list)      # already autograded and unchanged
    failed: dict = field(default_factory=dict)       # student -> sentence
    problems: list = field(default_factory=list)     # every failure, one sentence each
    notebooks: int = 0
    seconds: float = 0.0
    workers: int = 0
    memory: dict = field(default_factory=dict)       # (host, pid) -> peak KiB (worker, its largest kernel, together)

    def peak_memory_mib(self) -> tuple[float, float, float]:
        """The largest peaks over all workers (MiB): worker process, one kernel, worker + its kernels."""
        if not self.memory:
            return 0.0, 0.0, 0.0
        return tuple(max(m[i] for m in self.memory.values()) / 1024 for i in range(3))


def safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def _first_line(err: BaseException) -> str:
    text = str(getattr(err, "orig", None) or err).strip()
    return text.splitlines()[0][:200] if text else type(err).__name__


def course_config(root: Path, assignment: str, db_url: str | None):
    """The CourseDirectory ``nbgrader autograde ASSIGNMENT [--db URL]`` would use in ``root``."""
    from nbgrader.apps.autogradeapp import AutogradeApp

    app = AutogradeApp()
    cwd = os.getcwd()
    os.chdir(root)
    try:
        app.initialize([assignment] + ([f"--db={db_url}"] if db_url else []))
    except SystemExit:
        raise CourseError(f"nbgrader could not load the configuration in {root} (nbgrader_config.py): "
                          f"run `nbgrader autograde {assignment}` there to see why.") from None
    finally:
        os.chdir(cwd)
    return app.coursedir


def open_gradebook(db_url: str, course_id: str):
    from nbgrader.api import Gradebook

    try:
        return Gradebook(db_url, course_id)
    except ModuleNotFoundError as err:
        raise CourseError(f"The gradebook database {safe_url(db_url)} needs the Python module {err.name}, "
                          f"which is not installed: run pip install -r requirements.txt; nothing was graded.") from None
    except Exception as err:
        raise CourseError(f"Cannot open the gradebook database {safe_url(db_url)} ({_first_line(err)}): "
                          f"check --db / COURSE_DB_URL and that the database server is running; "
                          f"nothing was graded.") from None


def _generate_assignment(root: Path, assignment: str, db_url: str, explicit_db: bool) -> None:
    print(f"NOTE: the gradebook has no record of {assignment} yet; creating it with "
          f"nbgrader generate_assignment (this also rewrites release/{assignment}).", flush=True)
    env = dict(os.environ)
    if explicit_db:
        env["COURSE_DB_URL"] = db_url  # nbgrader_config.py reads it; no password on a command line
    print(f"$ nbgrader generate_assignment {assignment} --force", flush=True)
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force"],
                          cwd=root, env=env, text=True, capture_output=True)
    if proc.returncode != 0:
        sys.stdout.write(proc.stdout + proc.stderr)
        raise CourseError(f"nbgrader generate_assignment {assignment} failed (output above); nothing was graded.")


def _remove(path: Path) -> None:
    from nbgrader.utils import rmtree

    if path.is_dir():
        rmtree(str(path))
    elif path.exists():
        path.unlink()


class _RunLock:
    """One ``grader.grade`` run per course directory: this process is the gradebook's only writer."""

    def __init__(self, path: Path):
        self.path = path
        self.fh = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = open(self.path, "a+")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.fh.seek(0)
            other = self.fh.read().strip() or "another process"
            self.fh.close()
            raise CourseError(f"Another grader.grade run ({other}) is grading in this course directory: "
                              f"wait for it to finish, then rerun.") from None
        self.fh.seek(0)
        self.fh.truncate()
        self.fh.write(f"pid {os.getpid()} on {socket.gethostname()}")
        self.fh.flush()
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()


def default_workers() -> int:
    """One more than the cores this process may use: a worker spends most of a notebook's time
    waiting for its kernel (start-up, replies), so one extra keeps the cores busy (2.1x serial
    nbgrader on 2 cores with 3 workers, 1.5x with 2; benchmarks/grade_benchmark.py)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return cores + 1


def grade_class(root: Path, assignment: str, workers: int | None = None, db_url: str | None = None,
                scheduler: str | None = None, use_dask: bool = False, force: bool = False,
                quiet_workers: bool = True) -> Report:
    """Autograde every submitted student of ``assignment`` in parallel; see the module docstring."""
    use_this_python_for_tools()
    root = course_root(root)
    workers = max(1, workers or default_workers())
    report = Report(assignment)
    t0 = time.monotonic()

    check = preflight(root, assignment)  # CourseError: unknown assignment, no submitted/ folder
    report.problems += check.problems
    for sentence in check.problems:
        print(f"PROBLEM: {sentence}", flush=True)
    if check.graded:
        # local workers start now and import nbgrader while this process reads the configuration,
        # checks the gradebook and takes its snapshot
        pool = None if (use_dask or scheduler) else LocalPool(
            min(workers, len(check.graded)), quiet=quiet_workers, warm={"root": str(root), "assignment": assignment})
        try:
            _grade_students(root, assignment, check.graded, report, pool, workers, db_url, scheduler, force)
        finally:
            if pool is not None:
                pool.close()
    report.seconds = time.monotonic() - t0
    return report


def _to_grade(coursedir, gb, assignment: str, students: list[str], force: bool, report: Report) -> list[str]:
    """Who needs grading: nbgrader's rule (not autograded yet, or the submission's timestamp is newer
    than the autograded one, or --force), plus anyone the gradebook has no submission for."""
    excluded = set(filter(None, coursedir.student_id_exclude.split(",")))
    in_gradebook = {sub.student_id for sub in gb.assignment_submissions(assignment)}
    todo = []
    for student in students:
        if student in excluded:
            continue
        final = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))
        if force or student not in in_gradebook or not final.is_dir():
            todo.append(student)
            continue
        new = coursedir.get_existing_timestamp(coursedir.format_path(coursedir.submitted_directory, student, assignment))
        old = coursedir.get_existing_timestamp(str(final))
        if new is not None and old is not None and new > old:
            todo.append(student)
        else:
            report.skipped.append(student)
    return todo


def _grade_students(root, assignment, students, report, pool, workers, db_url, scheduler, force) -> None:
    from nbgrader.api import MissingEntry

    coursedir = course_config(root, assignment, db_url)
    report.db_url = coursedir.db_url
    gb = open_gradebook(coursedir.db_url, coursedir.course_id)
    try:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            gb.close()
            _generate_assignment(root, assignment, coursedir.db_url, explicit_db=bool(db_url))
            gb = open_gradebook(coursedir.db_url, coursedir.course_id)

        todo = _to_grade(coursedir, gb, assignment, students, force, report)
        report.total = len(todo)
        if report.skipped:
            print(f"{len(report.skipped)} submission(s) already autograded and unchanged, not graded again "
                  f"(--force regrades them): {', '.join(report.skipped)}", flush=True)
        if todo:
            _reference_first(root, assignment)
            _run(root, assignment, todo, report, coursedir, gb, pool, workers, scheduler)
    finally:
        gb.close()


def _reference_first(root: Path, assignment: str) -> None:
    """Run the reference solution once here, while the workers start, so that they all find it in
    the cache (grader.verdicts) instead of each running it again."""
    from traitlets.config import Config

    from .verdicts import ReferenceFailed, reference_reports
    for source in sorted((root / "source" / assignment).glob("*.ipynb")):
        try:
            reference_reports(source, Config(), root)
        except ReferenceFailed as err:
            raise CourseError(str(err)) from None


def _run(root, assignment, todo, report, coursedir, gb, pool, workers, scheduler) -> None:
    staging_rel = os.path.join(coursedir.autograded_directory, STAGING)
    staging = Path(coursedir.format_path(staging_rel, ".", ".")).resolve()
    logs = Path(coursedir.format_path(os.path.join(coursedir.autograded_directory, LOGS), ".", ".")).resolve()

    with _RunLock(staging / ".lock"):
        for stale in staging.iterdir():  # what a stopped run left: never committed, so never needed
            if stale.name != ".lock":
                _remove(stale)
        template = staging / f".template-{assignment}.db"
        gradebook_merge.snapshot(coursedir.db_url, template)
        tasks = [{"root": str(root), "assignment": assignment, "student": s,
                  "template": str(template), "staging": staging_rel} for s in todo]
        done = [0]
        where = (f"the Dask cluster at {scheduler}" if scheduler else
                 f"a Dask LocalCluster of {workers} worker processes" if pool is None else
                 f"{min(pool.size, len(todo))} worker processes")
        print(f"Grading {len(todo)} submission(s) of {assignment} on {where}; gradebook "
              f"{safe_url(coursedir.db_url)}", flush=True)

        def on_result(task, result):
            student = task["student"]
            done[0] += 1
            if "pid" in result:
                key = (result.get("host"), result["pid"])
                mine = (result["rss_self_kib"], result["rss_kernel_kib"], result["rss_total_kib"])
                report.memory[key] = tuple(map(max, report.memory.get(key, (0, 0, 0)), mine))
            if result.get("ok"):
                try:  # this student's rows, in one transaction
                    gradebook_merge.apply_changes(gb.db, result["changes"])
                    gb.db.commit()
                except Exception as err:
                    gb.db.rollback()
                    result = {"ok": False, "reason": f"writing its grades to the gradebook failed "
                                                     f"({_first_line(err)})"}
                else:  # then its autograded notebooks; until they are in place, a rerun grades it again
                    staged = Path(coursedir.format_path(staging_rel, student, assignment))
                    final = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))
                    _remove(final)
                    final.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(staged, final)
                    if staged.parent.is_dir() and not any(staged.parent.iterdir()):
                        staged.parent.rmdir()
                    report.graded.append(student)
                    report.notebooks += result["notebooks"]
                    sub = gb.find_submission(assignment, student)
                    line = (f"{student}: {sub.score:g} / {sub.max_score:g} points "
                            f"({result['notebooks']} notebook(s), {result['seconds']:.1f} s)")
            if not result.get("ok"):
                why = result.get("reason", "unknown")
                where_log = ""
                if result.get("log"):
                    path = logs / assignment / f"{student}.log"
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(result["log"])
                    where_log = f" (nbgrader's log: {os.path.relpath(path, root)})"
                sentence = (f"{student}'s submission of {assignment} was not graded: {why}{where_log}; "
                            f"nothing of it was written to the gradebook, and rerunning "
                            f"`python -m grader.grade {assignment}` grades it.")
                report.failed[student] = sentence
                report.problems.append(sentence)
                line = f"{student}: FAILED ({why})"
            print(f"[{done[0]:>{len(str(len(todo)))}}/{len(todo)}] {line}   "
                  f"failures so far: {len(report.failed)}", flush=True)

        try:
            if pool is None:
                report.workers = run_dask(tasks, workers, scheduler, on_result)
            else:
                report.workers = min(pool.size, len(tasks))
                pool.run(tasks, on_result)
        finally:
            template.unlink(missing_ok=True)
            for student in todo:  # what failed students left in staging
                left = Path(coursedir.format_path(staging_rel, student, assignment))
                if left.exists():
                    _remove(left)
                if left.parent.is_dir() and not any(left.parent.iterdir()):
                    left.parent.rmdir()


def print_summary(report: Report) -> None:
    print(f"\nSummary of {report.assignment}: {len(report.graded)} graded, {len(report.skipped)} already "
          f"graded and unchanged, {len(report.problems)} failed; {report.notebooks} notebook(s) in "
          f"{report.seconds:.1f} s"
          + (f" ({report.notebooks / report.seconds:.2f} notebooks/s) with {report.workers} worker(s)"
             if report.notebooks and report.seconds else "") + ".")
    if report.memory:
        own, kernel, total = report.peak_memory_mib()
        print(f"Peak memory per worker: {total:.0f} MiB with its kernel (worker process {own:.0f} MiB, "
              f"largest kernel {kernel:.0f} MiB).")
    if report.problems:
        print("Failed submissions:")
        for sentence in report.problems:
            print(f"  PROBLEM: {sentence}")
    print(f"Gradebook: {safe_url(report.db_url)}" if report.db_url else "", flush=True)


def sandbox_ready(opt_out: bool = False) -> bool:
    """True when every kernel can run in the sandbox, or the instructor opted out (said on every run)."""
    from .sandbox import Sandbox, SandboxUnavailable

    if opt_out:
        os.environ["COURSE_NO_SANDBOX"] = "1"
    if os.environ.get("COURSE_NO_SANDBOX", "").lower() in ("1", "yes", "true"):
        print("WARNING: grading WITHOUT the sandbox (--no-sandbox / COURSE_NO_SANDBOX=1): each kernel runs as "
              "this user, with the course's files and the network in reach; the gradebook records it.", flush=True)
        return True
    try:
        Sandbox.check_available()
    except SandboxUnavailable as err:
        print(f"PROBLEM: {err}", flush=True)
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.grade", description=__doc__.splitlines()[0])
    parser.add_argument("assignment")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes (default: the number of cores + 1); with --dask, LocalCluster workers")
    parser.add_argument("--db", default=None, metavar="URL",
                        help="gradebook database URL (default: COURSE_DB_URL, else gradebook.db in the course root)")
    engine = parser.add_mutually_exclusive_group()
    engine.add_argument("--dask", action="store_true", help="grade on a Dask LocalCluster of worker processes")
    engine.add_argument("--scheduler", metavar="ADDRESS",
                        help="grade on an existing Dask cluster, e.g. tcp://host:8786")
    parser.add_argument("--force", action="store_true",
                        help="regrade submissions that are already autograded and unchanged")
    parser.add_argument("--course-dir", default=None, help="the course root (default: the current folder)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="grade without the bubblewrap sandbox (only for a machine and students you trust; "
                             "recorded in the gradebook)")
    args = parser.parse_args(argv)
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    if not sandbox_ready(args.no_sandbox):
        return 2
    try:
        report = grade_class(Path(args.course_dir or Path.cwd()), args.assignment, workers=args.workers,
                             db_url=args.db, scheduler=args.scheduler, use_dask=args.dask, force=args.force)
    except CourseError as err:
        print(f"PROBLEM: {err}", flush=True)
        return 2
    except KeyboardInterrupt:
        print("\nPROBLEM: interrupted; every student graded so far is in the gradebook, no other is "
              "half-written: rerun the same command to finish.", flush=True)
        return 130
    print_summary(report)
    return 1 if report.problems else 0


if __name__ == "__main__":
    # run as grader.grade, not __main__: Dask and the worker processes refer to its functions by name
    from grader.grade import main as _main

    sys.exit(_main())
