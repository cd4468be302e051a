"""Attacks on the machine, through real ``nbgrader autograde``, checked from outside the kernel.

Each attack is one student's submission of assignment 3 (the blank release with the attack as its
first answer); the class is graded by one ``nbgrader autograde`` run with the course's
configuration (grader/sandbox.py, grader/integrity.py). What is asserted is read from outside:
hashes of the course's files, the gradebook, the process table (sampled while grading runs), a
listener on 127.0.0.1, the kernel's resident memory, the size of the autograded notebook, the
files in feedback/.
"""
from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from grader.instructor import build_submission, grade, release_notebooks, write_submission
from conftest import TEST_LIMITS, sandbox_leftovers

ASSIGNMENT = "03_tensor_backprop"
MARKER = "sandbox-attack-marker-4711"            # the attacks graded by plain nbgrader autograde
PARALLEL_MARKER = "sandbox-attack-marker-4712"   # those graded by grader.grade --workers 2 at the same time
MEMORY_MB = 1536  # TEST_LIMITS' kernel limit


def attacks(port: int, marker: str = MARKER) -> dict[str, str]:
    """student -> code placed in the first answer cell of a blank submission; what the attacks start
    or write carries ``marker``."""
    MARKER = marker  # noqa: N806 (the attack texts below read it)
    return {
        "read-course": r'''
import glob, os
found = [p for top in ("/work", "/tmp", "/root", "/home", "/srv", "/var", "/opt")
         for name in ("*.ipynb", "gradebook.db", "nbgrader_config.py", "integrity.py")
         for p in glob.glob(f"{top}/**/{name}", recursive=True) if "/.venv/" not in p]
for p in found[:20]:
    try:
        print(p, open(p).read()[:20000])
    except OSError as e:
        print(p, e)
print("FOUND", len(found))
''',
        "write-course": r'''
import glob, os
for pattern in ("/work/**/*.py", "/tmp/**/*.py", "/work/**/gradebook.db", "/tmp/**/gradebook.db",
                "/work/**/*.ipynb", "/tmp/**/*.ipynb", "/home/**/*"):
    for p in glob.glob(pattern, recursive=True)[:200]:
        try:
            with open(p, "a") as f:
                f.write("\n# tampered\n")
        except OSError:
            pass
''',
        "detach": f'''
import subprocess, os
subprocess.Popen(["sh", "-c", "sleep 300 # {MARKER}"], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sh", ["sh", "-c", "sleep 301 # {MARKER}"])
    os._exit(0)
import atexit
atexit.register(lambda: subprocess.Popen(["sh", "-c", "sleep 302 # {MARKER}"], start_new_session=True))
''',
        "network": f'''
import socket
for host in ("127.0.0.1", "localhost", "::1"):
    try:
        s = socket.create_connection((host, {port}), timeout=2)
        s.sendall(b"{MARKER}")
        s.close()
        print("sent to", host)
    except OSError as e:
        print(host, e)
''',
        "processes": f'''
import subprocess
procs = []
try:
    for i in range(300):
        procs.append(subprocess.Popen(["sh", "-c", "sleep 20 # {MARKER}-many"]))
except OSError as e:
    print("stopped after", len(procs), type(e).__name__)
''',
        "signals": r'''
import os, signal
for sig in (signal.SIGSTOP, signal.SIGKILL):
    for target in (os.getppid(), -1, 1):
        try:
            os.kill(target, sig) if target != -1 else None
        except OSError as e:
            print(target, e)
try:
    os.killpg(os.getpgid(os.getppid()), signal.SIGSTOP)
except OSError as e:
    print("killpg", e)
''',
        "memory": '''
try:
    block = bytearray(3 * 2 ** 30)
    print("ALLOCATED")
except MemoryError:
    print("MemoryError: the allocation failed")
''',
        "flood": '''
import sys
chunk = "x" * (1 << 20)
for _ in range(500):
    sys.stdout.write(chunk)
print("y" * (100 << 20))
''',
        "flood-lines": '''
import sys
for _ in range(300):
    print("z" * 100_000, flush=True)
''',
        # (issue 26) the values a test takes from the reference, looked up before the test grades them
        "harvest-givens": r'''
import glob, json, os
import numpy as np
from course.report import decode
def _found():
    found = {}
    for path in [os.environ.get("COURSE_GIVEN_FILE") or ""] + glob.glob("/run/**/*.json", recursive=True) \
            + glob.glob(os.path.expanduser("~/**/*.json"), recursive=True):
        try:
            found.update({k: decode(v) for k, v in json.load(open(path)).items()})
        except (OSError, ValueError, TypeError):
            pass
    print("HARVESTED", len(found))
    return found
def _same(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and np.allclose(a, b)
def _tag(found, y_hat):  # which hidden network this call is about: its forward cache
    for key, value in found.items():
        if key.startswith("the forward cache") and isinstance(value, dict) and _same(value.get("y_hat"), y_hat):
            return key[len("the forward cache"):]
def loss_backward(y_hat, y):
    found = _found()
    return found.get("the reference dy_hat" + str(_tag(found, y_hat)))
def sigmoid_backward(da, cache, l):
    found = _found()
    return found.get(f"the reference dz{l}" + str(_tag(found, cache["y_hat"])))
def input_backward(dz, params, l):
    found = _found()
    for key, value in found.items():
        if key.startswith(f"the reference dz{l} for") and _same(value, dz):
            return found.get(key.replace(f"dz{l}", f"da{l - 1}"))
def weight_backward(dz, cache, l):
    found = _found()
    return found.get(f"the reference dW{l}" + str(_tag(found, cache["y_hat"])))
weight_backward_loops = weight_backward
''',
        # (issue 26) the hidden tests' text, printed while they run and kept to print later
        "hook-print": r'''
def _show(info):
    print("HOOKED", info.raw_cell)
get_ipython().events.register("pre_run_cell", _show)
''',
        "hook-keep": r'''
_kept = []
def _keep(info):
    if "HIDDEN" in info.raw_cell:
        _kept.append(info.raw_cell)
    elif _kept:
        print("KEPT", _kept.pop(0))
get_ipython().events.register("pre_run_cell", _keep)
''',
        # (issue 26) a report nested past any parser's limit
        "deep-report": r'''
from IPython.display import display
def _deep(*args, **kwargs):
    display({"application/vnd.backprop-course.report+json": "[" * 200000 + "]" * 200000, "text/plain": ""}, raw=True)
    display({"application/vnd.backprop-course.report+json": {"key": ["no"], "value": 1}, "text/plain": ""}, raw=True)
    return float("nan")
for _name in ("loss_backward", "sigmoid_backward", "weight_backward", "bias_backward", "input_backward",
              "weight_backward_loops", "backward"):
    globals()[_name] = _deep
''',
        "files": f'''
with open("notes-{MARKER}.txt", "w") as f:
    f.write("written by the kernel")
import os
os.makedirs("out", exist_ok=True)
open("out/model-{MARKER}.pkl", "wb").write(b"0" * 1000)
''',
    }


def course_hashes(root: Path) -> dict[str, str]:
    """sha256 of every file the grading must leave alone (the course, its config, sources)."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or rel.parts[0] in ("autograded", "submitted", "feedback", ".grader-cache") \
                or rel.name.startswith("gradebook.db") or "__pycache__" in rel.parts:
            continue
        out[str(rel)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


class Listener(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received = []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.received.append(conn.recv(100))
            conn.close()


class Sampler(threading.Thread):
    """Samples, while grading runs: processes carrying the marker, kernel memory, nbgrader's memory."""

    def __init__(self, marker: str = MARKER):
        super().__init__(daemon=True)
        self.marker = marker
        self.stop = threading.Event()
        self.most_marked = 0
        self.kernel_rss = 0
        self.grader_rss = 0

    def run(self):
        me = psutil.Process()
        while not self.stop.is_set():
            marked = 0
            for proc in me.children(recursive=True):
                try:
                    cmd = " ".join(proc.cmdline())
                    rss = proc.memory_info().rss
                except psutil.Error:
                    continue
                if self.marker in cmd:
                    marked += 1
                elif "ipykernel_launcher" in cmd:
                    self.kernel_rss = max(self.kernel_rss, rss)
                elif "nbgrader" in cmd and "autograde" in cmd:
                    self.grader_rss = max(self.grader_rss, rss)
            self.most_marked = max(self.most_marked, marked)
            time.sleep(0.05)


def marked_processes(marker: str = MARKER) -> list[str]:
    out = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            cmd = " ".join(proc.info["cmdline"] or [])
        except psutil.Error:
            continue
        if marker in cmd:
            out.append(f"{proc.pid}: {cmd}")
    return out


def first_answer_cell(src) -> str:
    """The grade_id of the notebook's first answer cell, where each attack goes."""
    return next(c.metadata["nbgrader"]["grade_id"] for c in src.cells
                if c.get("metadata", {}).get("nbgrader", {}).get("solution"))


def grade_attacks(root: Path) -> dict:
    """Every attack and a victim, graded by one plain ``nbgrader autograde`` (grader.instructor.grade)."""
    listener = Listener()
    listener.start()
    (name, (src, rel)), = release_notebooks(root, ASSIGNMENT).items()
    first_answer = first_answer_cell(src)
    write_submission(root, "victim", ASSIGNMENT, {name: build_submission(src, rel)})
    for student, code in attacks(listener.port).items():
        # (the harvest's functions in every answer cell that defines one: the blank's stubs come later)
        cells = HARVESTING if student == "harvest-givens" else {first_answer}
        write_submission(root, student, ASSIGNMENT, {name: build_submission(src, rel, blank=True,
                                                                              replace={c: code for c in cells})})
    write_submission(root, "blank", ASSIGNMENT, {name: build_submission(src, rel, blank=True)})
    # honest habits that once cost points: a helper named report, a scalar sigmoid (issue 26)
    honest = build_submission(src, rel)
    for cell in honest.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == first_answer:
            cell.source = ("import math\ndef sigmoid(z):\n    return 1 / (1 + math.exp(-z))\n"
                           "def report(label, value):\n    print(label, value)\nreport('sigmoid(0)', sigmoid(0))\n\n"
                           + cell.source)
    write_submission(root, "honest-habits", ASSIGNMENT, {name: honest})
    links(root, name, src, rel)
    before = course_hashes(root)
    sampler = Sampler()
    sampler.start()
    started = time.monotonic()
    try:
        check = grade(root, ASSIGNMENT, feedback=True, extra=TEST_LIMITS)
    finally:
        sampler.stop.set()
        sampler.join()
    finished = time.monotonic()
    time.sleep(max(0.0, 10 - (time.monotonic() - finished)))  # "10 s after grading"
    leftovers = marked_processes()
    listener.stop.set()
    listener.join()
    return {"root": root, "check": check, "before": before, "after": course_hashes(root), "sampler": sampler,
            "leftovers": leftovers, "received": listener.received, "name": name,
            "seconds": finished - started}


HARVESTING = {"loss_backward", "sigmoid_backward", "weight_backward_loops", "weight_backward", "input_backward"}
LINKED = {"link-notebook", "link-folder"}   # refused whole: the notebook or the folder is a link
LINKS = {"gb.db": "../../../gradebook.db", "answers.json": f"../../../source/{ASSIGNMENT}/{{name}}",
         "all": f"../../../source/{ASSIGNMENT}", "nested/deeper.txt": "../../../../nbgrader_config.py"}


def links(root: Path, name: str, src, rel) -> None:
    """Submissions that are, or hold, symbolic links into the course (an unpacked archive): the
    notebook itself, the assignment's folder, and other files (whose code reads them)."""
    sub = root / "submitted"
    folder = sub / "link-notebook" / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / name).symlink_to(f"../../../source/{ASSIGNMENT}/{name}")
    (folder / "timestamp.txt").write_text("2026-11-21 12:00:00.000000 UTC\n")
    (sub / "link-folder").mkdir()
    (sub / "link-folder" / ASSIGNMENT).symlink_to(f"../../source/{ASSIGNMENT}")
    reader = "import os\nfor p in " + repr(sorted(LINKS)) + (
        ":\n    try:\n        print('READ', p, open(p, 'rb').read(64) if os.path.isfile(p) else os.listdir(p))\n"
        "    except OSError as e:\n        print('READ', p, type(e).__name__)\n")
    write_submission(root, "link-files", ASSIGNMENT, {name: build_submission(src, rel, blank=True,
                                                                           replace={first_answer_cell(src): reader})})
    for path, target in LINKS.items():
        (sub / "link-files" / ASSIGNMENT / path).parent.mkdir(parents=True, exist_ok=True)
        (sub / "link-files" / ASSIGNMENT / path).symlink_to(target.format(name=name))


def grade_attacks_in_parallel(root: Path) -> dict:
    """The attacks that aim at the grading processes, graded by ``python -m grader.grade --workers 2``
    (which once lost every other student of the batch to a SIGSTOP or a killed worker)."""
    from grader import grade as class_grade

    (name, (src, rel)), = release_notebooks(root, ASSIGNMENT).items()
    first_answer = first_answer_cell(src)
    chosen = {k: v for k, v in attacks(1, PARALLEL_MARKER).items()
              if k in ("signals", "detach", "write-course", "processes")}
    for student, code in chosen.items():
        write_submission(root, student, ASSIGNMENT, {name: build_submission(src, rel, blank=True,
                                                                              replace={first_answer: code})})
    for i in range(2):
        write_submission(root, f"victim-{i}", ASSIGNMENT, {name: build_submission(src, rel)})
    before = course_hashes(root)
    status = class_grade.main([ASSIGNMENT, "--course-dir", str(root), "--workers", "2"])
    time.sleep(10)
    return {"root": root, "status": status, "before": before, "after": course_hashes(root),
            "leftovers": marked_processes(PARALLEL_MARKER), "students": list(chosen) + ["victim-0", "victim-1"]}


@pytest.fixture(scope="module")
def graded_attacks(generated_course, tmp_path_factory):
    """Both gradings, each in its own copy of the course, at the same time (so that their waits -- the
    timeouts, the 10 s after each -- overlap); each attack carries its run's marker."""
    import shutil
    from concurrent.futures import ThreadPoolExecutor

    roots = []
    for name in ("sandbox", "sandbox-parallel"):
        roots.append(tmp_path_factory.mktemp(name) / "course")
        shutil.copytree(generated_course, roots[-1])
    with ThreadPoolExecutor(2) as pool:
        serial, parallel = pool.submit(grade_attacks, roots[0]), pool.submit(grade_attacks_in_parallel, roots[1])
        return serial.result(), parallel.result()


@pytest.fixture(scope="module")
def attacked(graded_attacks):
    return graded_attacks[0]


@pytest.fixture(scope="module")
def attacked_in_parallel(graded_attacks):
    return graded_attacks[1]


def scores(root, student):
    from nbgrader.api import Gradebook
    from grader.instructor import database_url
    with Gradebook(database_url(root)) as gb:
        sub = gb.find_submission(ASSIGNMENT, student)
        return {g.name: g.score for nb in sub.notebooks for g in nb.grades}


def autograded(attacked, student) -> nbformat.NotebookNode:
    return nbformat.read(attacked["root"] / "autograded" / student / ASSIGNMENT / attacked["name"], as_version=4)


def outputs_text(nb) -> str:
    """Every output of the notebook as text; a stream's text as printed (one print may arrive as several
    stream outputs, e.g. "FOUND" and " 0\n" on a busy machine: a frontend shows them as one line)."""
    parts = []
    for cell in nb.cells:
        for o in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if o.get("output_type") == "stream":
                text = o.get("text", "")
                parts.append("".join(text) if isinstance(text, list) else text)
            else:
                parts.append(f"\n{o}\n")
        parts.append("\n")
    return "".join(parts)


def test_everyone_is_graded_and_the_victim_keeps_full_marks(attacked):
    root = attacked["root"]
    victim = scores(root, "victim")
    assert victim and all(v > 0 for v in victim.values()), victim
    blank = sum(scores(root, "blank").values())
    assert blank == 0
    for student in attacks(0):
        assert sum(scores(root, student).values()) <= blank, student


def test_no_file_of_the_course_changes(attacked):
    assert attacked["after"] == attacked["before"]


def test_hidden_tests_and_sources_are_out_of_reach(attacked):
    text = outputs_text(autograded(attacked, "read-course"))
    assert "FOUND 0" in text
    assert "BEGIN HIDDEN TESTS" not in text and "report(" not in text
    feedback = next((attacked["root"] / "feedback" / "read-course" / ASSIGNMENT).glob("*.html")).read_text()
    assert "BEGIN HIDDEN TESTS" not in feedback


def test_nothing_it_starts_outlives_its_notebook(attacked):
    assert attacked["sampler"].most_marked >= 1  # the attack did start processes
    assert attacked["leftovers"] == []


def test_the_network_is_unreachable(attacked):
    text = outputs_text(autograded(attacked, "network"))
    assert "127.0.0.1 [Errno" in text and "sent to" not in text  # the attack ran, and every connect failed
    assert attacked["received"] == []


def test_process_count_is_limited(attacked):
    # RLIMIT_NPROC 64 for the sandbox's user (kernel threads included): far fewer than 300 sleepers
    assert 1 <= attacked["sampler"].most_marked < 64


def test_the_grader_cannot_be_signalled(attacked):
    assert "signals" not in attacked["check"].skipped
    assert scores(attacked["root"], "signals")  # graded, and the students after it too
    assert scores(attacked["root"], "victim")


def test_memory_limit_is_enforced(attacked):
    text = outputs_text(autograded(attacked, "memory"))
    assert "MemoryError: the allocation failed" in text and "ALLOCATED" not in text
    assert attacked["sampler"].kernel_rss < MEMORY_MB * 2 ** 20


def test_a_flood_of_output_stays_small(attacked):
    """500 MB in one go (the kernel's own memory limit stops it) and 30 MB in 300 flushed lines
    (the grader keeps 1 MB of the cell and drops the rest)."""
    for student in ("flood", "flood-lines"):
        path = attacked["root"] / "autograded" / student / ASSIGNMENT / attacked["name"]
        assert path.stat().st_size < 3 * 2 ** 20, student
    assert "[output cut: this cell printed more than 1,000,000 bytes" in outputs_text(autograded(attacked, "flood-lines"))
    assert attacked["sampler"].grader_rss < 600 * 2 ** 20


def test_files_the_kernel_writes_go_nowhere(attacked):
    root = attacked["root"]
    answer = next(c for c in autograded(attacked, "files").cells if c.get("metadata", {}).get("nbgrader", {}).get("solution"))
    assert not [o for o in answer.outputs if o.get("output_type") == "error"]  # the kernel did write its files
    for folder in ("autograded", "feedback"):
        found = [str(p) for p in (root / folder).rglob(f"*{MARKER}*")]
        assert found == [], folder
    assert not list(Path("/tmp").glob(f"*{MARKER}*"))


def test_without_bubblewrap_grading_stops_with_one_sentence(monkeypatch, capsys):
    import shutil as _shutil

    from grader import grade
    from grader.sandbox import Sandbox, SandboxUnavailable

    real_which = _shutil.which
    monkeypatch.setattr("grader.sandbox.shutil.which", lambda name: None if name == "bwrap" else real_which(name))
    monkeypatch.delenv("COURSE_NO_SANDBOX", raising=False)
    with pytest.raises(SandboxUnavailable, match=r"install the Debian packages bubblewrap"):
        Sandbox.check_available()
    assert grade.main([ASSIGNMENT, "--course-dir", "/nonexistent"]) == 2
    out = capsys.readouterr().out
    assert out.count("PROBLEM:") == 1 and "bwrap" in out and "--no-sandbox" in out


def test_the_opt_out_is_said_on_every_run(monkeypatch, capsys):
    from grader import grade

    monkeypatch.setenv("COURSE_NO_SANDBOX", "0")  # so that monkeypatch puts the environment back afterwards
    assert grade.sandbox_ready(opt_out=True)
    assert "WITHOUT the sandbox" in capsys.readouterr().out
    assert os.environ["COURSE_NO_SANDBOX"] == "1"


def test_parallel_grading_survives_the_attacks(attacked_in_parallel):
    run = attacked_in_parallel
    assert run["status"] == 0  # every student graded
    for student in run["students"]:
        got = scores(run["root"], student)
        if student.startswith("victim"):
            assert got and all(v > 0 for v in got.values()), (student, got)
        else:
            assert sum(got.values()) == 0, (student, got)
    assert run["after"] == run["before"]
    assert run["leftovers"] == []


def test_a_course_under_tmp_stays_visible(tmp_path):
    """CI clones the course into a temporary folder: the sandbox's own /tmp must not hide it."""
    from grader.sandbox import Sandbox

    toolkit = tmp_path / "course"
    toolkit.mkdir()
    box = Sandbox(readable=[toolkit])
    home = box.make_home(None, "work")
    try:
        cmd = box.command(["true"], home, "work")
        tmpfs = next(i for i in range(len(cmd) - 1) if cmd[i:i + 2] == ["--tmpfs", "/tmp"])
        assert tmpfs < cmd.index(str(toolkit))  # the tmpfs comes first, the bind on top of it
        assert cmd[cmd.index(str(toolkit)) - 1] == "--ro-bind"
    finally:
        Sandbox.remove_home(home)


@pytest.mark.parametrize("reference_run", [True, False])
def test_the_reference_runs_as_nbgrader_runs_a_submission(tmp_path, monkeypatch, reference_run):
    """The reference is run outside ``nbgrader autograde`` too (preflight, grader.grade, a cold cache):
    its kernel still sees nbgrader's NBGRADER_EXECUTION, so cells that only show something skip
    (course.grading_now; assignment 5's seed run takes seconds). A submission's kernel gets the variable
    from nbgrader alone."""
    from traitlets.config import Config

    from grader.integrity import GuardedExecute

    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from course import grading_now\nimport os\nprint(os.environ.get('NBGRADER_EXECUTION'), grading_now())")])
    GuardedExecute(config=Config(), reference_run=reference_run).preprocess(
        nb, {"metadata": {"path": str(tmp_path)}, "nbgrader": {"assignment": "work"}})
    printed = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    assert printed == ("autograde True\n" if reference_run else "None False\n"), nb.cells[0].outputs


def test_no_code_of_the_students_runs_after_the_last_cell(tmp_path):
    """After the last cell the kernel is killed, not asked to stop: an ``atexit`` hook of the student's
    never runs (and nothing waits for a kernel that will not stop). Run without the sandbox so that what
    the kernel writes is seen from outside: the cell's own file is there, the hook's is not."""
    from traitlets.config import Config

    from grader.integrity import GuardedExecute

    during, after = tmp_path / "during-the-cell", tmp_path / "after-the-last-cell"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        f"import atexit, pathlib\npathlib.Path({str(during)!r}).write_text('x')\n"
        f"atexit.register(pathlib.Path({str(after)!r}).write_text, 'x')")])
    GuardedExecute(config=Config(), sandbox=False).preprocess(
        nb, {"metadata": {"path": str(tmp_path)}, "nbgrader": {"assignment": "work"}})
    assert during.exists(), nb.cells[0].outputs
    assert not after.exists(), "the kernel ran the student's atexit hook after the last cell"


@pytest.mark.skipif(os.geteuid() != 0, reason="sandboxes run as a uid of their own only when grading as root")
def test_reap_stops_the_sandboxes_of_a_dead_grader_and_removes_their_homes():
    """grader.grade calls Sandbox.reap(pid) for a worker that died: bubblewrap's --die-with-parent misses
    a grader killed in the sandbox's first milliseconds, and nothing else would stop that kernel or
    remove its home. Here a grading process starts a sandbox (a process that sleeps) and stays; reap,
    given its pid, finds the sandbox from outside and stops every process of it."""
    import subprocess
    import sys

    from grader.sandbox import Sandbox

    grader_code = (
        "import sys, time, subprocess\n"
        "from grader.sandbox import Sandbox\n"
        "box = Sandbox()\n"
        "home = box.make_home(None, 'work')\n"
        "subprocess.Popen(box.command([sys.executable, '-c', 'import time; time.sleep(120)'], home, 'work'),\n"
        "                 start_new_session=True)\n"
        "print(home, flush=True)\n"
        "time.sleep(120)\n")
    grader = subprocess.Popen([sys.executable, "-c", grader_code], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parents[1])
    try:
        home = grader.stdout.readline().strip()
        assert home, "the grading process did not start a sandbox"
        deadline = time.monotonic() + 30
        while len(sandbox_leftovers(grader.pid, [home])[0]) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(sandbox_leftovers(grader.pid, [home])[0]) >= 3, \
            "the sandbox did not start (bubblewrap, its pid 1, the sleeping process)"
        assert Sandbox.reap(grader.pid)
        time.sleep(0.2)
        assert sandbox_leftovers(grader.pid, [home]) == ([], [])
        assert not Path(home).exists()
    finally:
        grader.kill()
        grader.wait()



# -- issue 26: holes found by an outside attack set, each checked from outside the kernel ----------
def flagged(root, student) -> bool:
    from nbgrader.api import Gradebook
    from grader.instructor import database_url
    with Gradebook(database_url(root)) as gb:
        return any(nb.flagged for nb in gb.find_submission(ASSIGNMENT, student).notebooks)


def feedback_text(attacked, student) -> str:
    import html
    import re
    page = next((attacked["root"] / "feedback" / student / ASSIGNMENT).glob("*.html")).read_text()
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def hidden_test_lines(attacked) -> set[str]:
    src = nbformat.read(attacked["root"] / "source" / ASSIGNMENT / attacked["name"], as_version=4)
    lines = set()
    for cell in src.cells:
        if "### BEGIN HIDDEN TESTS" in cell.source:
            hidden = cell.source[cell.source.index("### BEGIN HIDDEN TESTS"):]
            lines |= {line.strip() for line in hidden.splitlines() if len(line.strip()) >= 16}
    return lines


def test_values_from_the_reference_cannot_be_harvested(attacked):
    """A blank whose functions return what they find in the file of given values earned 5 of 19 on
    this assignment when every given value was there from the start."""
    assert sum(scores(attacked["root"], "harvest-givens").values()) == 0
    assert "HARVESTED" in outputs_text(autograded(attacked, "harvest-givens"))  # the attack ran


def test_the_hidden_tests_text_never_reaches_feedback(attacked):
    lines = hidden_test_lines(attacked)
    assert len(lines) > 20
    for student, mark in (("hook-print", "HOOKED"), ("hook-keep", "KEPT")):
        text = feedback_text(attacked, student)
        assert mark in text, student   # the hook ran and printed
        leaked = [line for line in lines if line in text or repr(line)[1:-1] in text]
        assert leaked == [], (student, leaked[:3])


def test_a_report_nested_too_deep_is_judged_and_flagged(attacked):
    assert "deep-report" in attacked["check"].graded
    assert scores(attacked["root"], "deep-report") and sum(scores(attacked["root"], "deep-report").values()) == 0
    assert flagged(attacked["root"], "deep-report")


def test_honest_habits_keep_full_marks(attacked):
    """A helper of the student's own named report, and a scalar sigmoid: hidden tests use neither."""
    root = attacked["root"]
    assert scores(root, "honest-habits") == scores(root, "victim")
    assert not flagged(root, "honest-habits")


def test_links_in_a_submission_are_never_followed(attacked):
    root, problems = attacked["root"], "\n".join(attacked["check"].problems)
    for student in LINKED:   # refused, with one sentence, and not graded
        assert f"submitted/{student}/{ASSIGNMENT}" in problems and "is a symbolic link" in problems
        assert student in attacked["check"].skipped
    text = outputs_text(autograded(attacked, "link-files"))
    for path in LINKS:
        assert f"READ {path} FileNotFoundError" in text, path
    assert sum(scores(root, "link-files").values()) == 0 and flagged(root, "link-files")
    for folder in (root / "autograded" / "link-files" / ASSIGNMENT, root / "feedback" / "link-files" / ASSIGNMENT):
        assert sorted(p.name for p in folder.rglob("*")) == sorted([attacked["name"].replace(
            ".ipynb", ".html" if "feedback" in str(folder) else ".ipynb"), "timestamp.txt"]), folder
    aside = root / "submitted" / "link-files" / f".not-graded-{ASSIGNMENT}"
    assert sorted(str(p.relative_to(aside)) for p in aside.rglob("*") if p.is_symlink()) == sorted(LINKS)


def test_links_are_refused_under_plain_nbgrader_too(tmp_path):
    """The course's Autograde.pre_convert_hook: a linked notebook is taken out of the list nbgrader
    grades, other links are set aside before nbgrader copies anything, and each is named."""
    from grader.stage import STAGED, make_pre_convert
    folder = tmp_path / "submitted" / "eve" / ASSIGNMENT
    folder.mkdir(parents=True)
    (tmp_path / "secret.db").write_text("hidden")
    (folder / "mine.ipynb").write_text("{}")
    (folder / "linked.ipynb").symlink_to("../../../secret.db")
    (folder / "data.csv").symlink_to("../../../secret.db")
    notebooks = [str(folder / "mine.ipynb"), str(folder / "linked.ipynb")]
    make_pre_convert("sqlite://", tmp_path)(assignment=ASSIGNMENT, student="eve", notebooks=notebooks)
    assert notebooks == [str(folder / "mine.ipynb")]
    assert sorted(p.name for p in folder.iterdir()) == ["mine.ipynb"]
    assert len(STAGED[str(folder)]) == 2 and all("symbolic link" in s for s in STAGED[str(folder)])


def _descendants_peak(proc, stop, peak):
    """Peak resident memory of ``proc`` and its descendants that are not kernels (the grading
    processes: nbgrader autograde, grader.grade and its workers), sampled every 50 ms."""
    import psutil as ps
    root = ps.Process(proc.pid)
    while not stop.is_set():
        try:
            procs = [root] + root.children(recursive=True)
        except ps.Error:
            break
        for p in procs:
            try:
                cmd = " ".join(p.cmdline())
                if any(k in cmd for k in ("ipykernel_launcher", "bwrap", "prlimit", "setpriv")):
                    continue
                peak[0] = max(peak[0], p.memory_info().rss)
            except ps.Error:
                pass
        time.sleep(0.05)


@pytest.mark.parametrize("grader", ["nbgrader autograde", "grader.grade"])
def test_the_grader_stays_small_while_a_kernel_prints_500_mib(grader, generated_course, tmp_path):
    """500 lines of 1 MiB, printed faster than one flush: with the default kernel limits (4 GiB), the
    grading process once held 1.5 GiB. Checked from outside: the peak resident memory of the grading
    processes, a victim graded in the same run."""
    import shutil
    import subprocess
    import sys

    root = tmp_path / "course"
    shutil.copytree(generated_course, root)
    (name, (src, rel)), = release_notebooks(root, ASSIGNMENT).items()
    flood = "for _ in range(500):\n    print('f' * (1 << 20))"
    write_submission(root, "flood", ASSIGNMENT, {name: build_submission(src, rel, blank=True,
                                                                       replace={first_answer_cell(src): flood})})
    write_submission(root, "victim", ASSIGNMENT, {name: build_submission(src, rel)})
    command = ([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, "--force"] if grader == "nbgrader autograde"
               else [sys.executable, "-m", "grader.grade", ASSIGNMENT, "--course-dir", str(root), "--workers", "2"])
    proc = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    stop, peak = threading.Event(), [0]
    sampler = threading.Thread(target=_descendants_peak, args=(proc, stop, peak), daemon=True)
    sampler.start()
    out, _ = proc.communicate(timeout=600)
    stop.set()
    sampler.join()
    assert sum(scores(root, "victim").values()) > 0, out[-2000:]
    assert scores(root, "flood") is not None and sum(scores(root, "flood").values()) == 0
    assert peak[0] < 600 * 2 ** 20, f"{grader}: {peak[0] / 2 ** 20:.0f} MiB"
