"""Two courses on one hub (README, "Running the course on JupyterHub"): what the statement there
rests on, with nbgrader's own commands and one exchange.

Two instructors' course folders with different ``course_id``s release an assignment of the same
name into one exchange; nbgrader keeps them apart (``<exchange>/<course_id>/outbound``); a student
with no course configured lists both, fetches each by ``--course``, and submits each into its own
course's inbound, where only that course's ``collect`` finds it.
"""
import os
import shutil
import subprocess
import sys

from conftest import ASSIGNMENTS, ROOT

ASSIGNMENT = ASSIGNMENTS[0]


def nbgrader(cwd, *args, env):
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def test_two_courses_share_an_exchange_and_stay_apart(tmp_path):
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "COURSE_DB"))}
    env.update(JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"), HOME=str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    for course in ("backprop", "backprop-b"):
        root = tmp_path / course
        shutil.copytree(ROOT / "release" / ASSIGNMENT, root / "release" / ASSIGNMENT)
        (root / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.CourseDirectory.course_id = {course!r}\nc.Exchange.root = {str(exchange)!r}\n")
        nbgrader(root, "db", "assignment", "add", ASSIGNMENT, env=env)
        nbgrader(root, "release_assignment", ASSIGNMENT, env=env)
        assert (exchange / course / "outbound" / ASSIGNMENT).is_dir()

    student = tmp_path / "student"
    student.mkdir()
    (student / "nbgrader_config.py").write_text(f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n")
    listed = nbgrader(student, "list", env=env)
    assert f"backprop {ASSIGNMENT}" in listed and f"backprop-b {ASSIGNMENT}" in listed, listed
    for course in ("backprop", "backprop-b"):
        where = student / course
        where.mkdir()
        (where / "nbgrader_config.py").write_text((student / "nbgrader_config.py").read_text())
        nbgrader(where, "fetch_assignment", ASSIGNMENT, "--course", course, env=env)
        nbgrader(where, "submit", ASSIGNMENT, "--course", course, env=env)
    for course in ("backprop", "backprop-b"):
        inbound = list((exchange / course / "inbound").iterdir())
        assert len(inbound) == 1 and f"+{ASSIGNMENT}+" in inbound[0].name, inbound
        nbgrader(tmp_path / course, "collect", ASSIGNMENT, env=env)
        collected = list((tmp_path / course / "submitted").glob(f"*/{ASSIGNMENT}/*.ipynb"))
        assert len(collected) == 1, collected
