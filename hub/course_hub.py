"""The course on a JupyterHub on this machine: bring it up, see it, tear it down (needs root).

    python3 hub/course_hub.py up       # or: make hub
    python3 hub/course_hub.py status
    python3 hub/course_hub.py down     # or: make hub-down
    python3 hub/course_hub.py down --keep-environment   # (tests/test_hub.py) keeps env/ and node_modules/

``up`` creates, in this order (each step is skipped when already done, so it can be run again):

* local Unix accounts ``bp-instructor`` and three demo students ``bp-ada``, ``bp-bob``, ``bp-cy``,
  each with a random password (``/opt/backprop-hub/state/passwords.json``, readable by root only);
* ``/opt/backprop-hub/env``: a Python environment from the pinned ``requirements.txt`` with the
  student toolkit ``course`` installed -- and *not* the grading package: students' servers and
  kernels run here and must not read the grader (its diagnoses know the right answers);
* ``/opt/backprop-hub/node_modules``: the npm packages of ``package.json`` (JupyterHub's
  ``configurable-http-proxy``, MathJax for feedback pages);
* nbgrader's exchange ``/srv/nbgrader/exchange`` (mode 0777, as nbgrader's documentation for a
  shared server says; nbgrader sets the modes of the course folders inside it itself);
* the instructor's course folder ``/home/bp-instructor/backprop`` (mode 0700): ``source/``, the
  course's ``nbgrader_config.py``, ``due_dates.json`` and a gradebook holding those due dates, and
  the grading package in
  ``/home/bp-instructor/.backprop-grader`` (on the instructor's ``PYTHONPATH`` only);
* per-role nbgrader extensions: students get the Assignments tab and Validate (formgrader, course
  list and create-assignment are switched off in their own Jupyter config), the instructor gets
  Formgrader, the course list and create-assignment (no Assignments tab);
* the hub itself: JupyterHub (PAM log-in with those accounts, each user's server a local process
  running as that user) on ``http://127.0.0.1:8765`` (``HUB_PORT``), its log in
  ``/opt/backprop-hub/state/hub.log``.

The developer's checkout this runs from keeps the solutions in ``source/``: ``up`` closes everything in
it to other users except ``course/`` and ``.venv/`` (which graded kernels elsewhere on the machine
read), and ``down`` gives every entry back the mode it had.

``down`` stops the hub and every server it started, removes the accounts with their homes, the
exchange and ``/opt/backprop-hub``. ``down --keep-environment`` keeps the two things ``up`` builds
from pinned lists -- ``env/`` (a minute of pip) and ``node_modules/`` -- for the next ``up``, which
reuses them while ``requirements.txt`` and ``package-lock.json`` are unchanged (tests/test_hub.py
brings a hub up and down on every run of the suite).
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HUB = Path(os.environ.get("BACKPROP_HUB_DIR", "/opt/backprop-hub"))
ENV, STATE, NODE = HUB / "env", HUB / "state", HUB / "node_modules"
EXCHANGE = Path("/srv/nbgrader/exchange")
COURSE_ID = "backprop"
INSTRUCTOR = "bp-instructor"
STUDENTS = ("bp-ada", "bp-bob", "bp-cy")
PORT = int(os.environ.get("HUB_PORT", "8765"))
BASE_PYTHON = Path("/usr/bin/python3")
URL = f"http://127.0.0.1:{PORT}"

STUDENT_OFF_LAB = ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:course-list",
                   "@jupyter/nbgrader:create-assignment"]
STUDENT_OFF_SERVER = ["nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list"]
INSTRUCTOR_OFF_LAB = ["@jupyter/nbgrader:assignment-list"]
INSTRUCTOR_OFF_SERVER = ["nbgrader.server_extensions.assignment_list"]


class HubError(Exception):
    """Something the person running the command must do; the message says what."""


def say(message: str) -> None:
    print(f"[hub] {message}", flush=True)


def run(*cmd, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], check=True, **kwargs)


def home(user: str) -> Path:
    return Path("/home") / user


def course_dir() -> Path:
    return home(INSTRUCTOR) / COURSE_ID


# ----------------------------------------------------------------------------------------- checks
def preflight() -> None:
    if sys.platform != "linux":
        raise HubError("The course hub runs on Linux only (it creates Unix accounts and uses bubblewrap).")
    if os.geteuid() != 0:
        raise HubError("Bringing the course hub up or down creates and removes Unix accounts: run it as root "
                       "(sudo make hub).")
    if subprocess.run([BASE_PYTHON, "-c", "import venv, ensurepip"], capture_output=True).returncode != 0:
        say("installing Debian packages: python3 python3-venv")
        run("apt-get", "update", "-qq")
        run("apt-get", "install", "-y", "-qq", "python3", "python3-venv", stdout=subprocess.DEVNULL,
            env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    missing = [tool for tool in ("useradd", "userdel", "chpasswd", "runuser", "bwrap", "npm") if not shutil.which(tool)]
    if missing:
        raise HubError(f"The course hub needs {', '.join(missing)}: run `bash scripts/system-packages.sh` and "
                       f"`bash scripts/node-packages.sh` (they install what is missing), then try again.")


# --------------------------------------------------------------------------------------- accounts
def passwords() -> dict:
    path = STATE / "passwords.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def create_accounts() -> dict:
    STATE.mkdir(parents=True, exist_ok=True)
    os.chmod(STATE, 0o700)
    known = passwords()
    for user in (INSTRUCTOR,) + STUDENTS:
        if subprocess.run(["id", "-u", user], capture_output=True).returncode != 0:
            run("useradd", "--create-home", "--shell", "/bin/bash", "--comment", "backprop course hub", user)
            say(f"created account {user}")
        os.chmod(home(user), 0o700)
        if user not in known:
            known[user] = secrets.token_urlsafe(12)
            run("chpasswd", input=f"{user}:{known[user]}\n", text=True)
    path = STATE / "passwords.json"
    path.write_text(json.dumps(known, indent=1))
    os.chmod(path, 0o600)
    return known


def remove_accounts() -> None:
    for user in (INSTRUCTOR,) + STUDENTS:
        if subprocess.run(["id", "-u", user], capture_output=True).returncode == 0:
            subprocess.run(["pkill", "-KILL", "-u", user], capture_output=True)
            time.sleep(0.2)
            run("userdel", "--remove", user, stderr=subprocess.DEVNULL)
            say(f"removed account {user} and its home")


# ------------------------------------------------------------------------------------ environment
def build_environment() -> None:
    python = ENV / "bin" / "python"
    stamp = ENV / ".installed"  # what it was built from: rebuilt when requirements.txt changes
    built_from = f"{BASE_PYTHON} {sys_version(BASE_PYTHON)}\n" + (REPO / "requirements.txt").read_text()
    if not (stamp.is_file() and stamp.read_text() == built_from):
        install_requirements(python)
        stamp.write_text(built_from)
    # the toolkit only: a fresh copy of course/ into site-packages on every `up` (the grading package
    # stays out)
    site = Path(subprocess.check_output([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        text=True).strip())
    shutil.rmtree(site / "course", ignore_errors=True)
    shutil.copytree(REPO / "course", site / "course", ignore=shutil.ignore_patterns("__pycache__"))
    run(python, "-m", "compileall", "-q", site / "course")
    run("chmod", "-R", "a+rX", HUB)


def sys_version(python: Path) -> str:
    return subprocess.check_output([python, "-c", "import sys; print(sys.version)"], text=True).strip()


def install_requirements(python: Path) -> None:
    say(f"building the course environment in {ENV} (pinned requirements.txt; a minute or two)")
    if not python.exists():
        # Debian's python3, not the one this script runs with: every user must be able to execute the
        # interpreter (a Python under /root, as pyenv installs it, is closed to them)
        run(BASE_PYTHON, "-m", "venv", ENV)
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    run(*pip, "-r", REPO / "requirements.txt")
    run(python, "-m", "pip", "uninstall", "--quiet", "--yes", "rfc3987-syntax", "lark")


def install_node() -> None:
    lock = (REPO / "package-lock.json").read_text()
    stamp = NODE / ".built-from-package-lock.json"
    if stamp.is_file() and stamp.read_text() == lock and (NODE / ".bin" / "configurable-http-proxy").exists() \
            and (NODE / "mathjax" / "es5" / "tex-svg.js").is_file():
        return
    say("installing the npm packages (configurable-http-proxy, mathjax)")
    for name in ("package.json", "package-lock.json"):
        shutil.copy(REPO / name, HUB / name)
    run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error", cwd=HUB)
    stamp.write_text(lock)
    run("chmod", "-R", "a+rX", NODE)


# --------------------------------------------------------------------------------- course and exchange
def chown_tree(path: Path, user: str) -> None:
    run("chown", "-R", f"{user}:{user}", path)


def write_json(path: Path, data: dict, user: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n")
    chown_tree(path.parent, user)


def setup_exchange() -> None:
    EXCHANGE.mkdir(parents=True, exist_ok=True)
    os.chmod(EXCHANGE, 0o777)
    # every user's nbgrader (students' and the instructor's) finds the exchange here
    conf = ENV / "etc" / "jupyter"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "nbgrader_config.py").write_text(
        "# written by hub/course_hub.py: nbgrader's exchange on this hub, for every user\n"
        "c = get_config()  # noqa: F821\n"
        f"c.Exchange.root = {str(EXCHANGE)!r}\n")


def setup_instructor() -> None:
    root = course_dir()
    if not (root / "nbgrader_config.py").is_file():
        root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(REPO / "source", root / "source", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        for name in ("nbgrader_config.py", "due_dates.json"):
            shutil.copy(REPO / name, root / name)
        say(f"course folder {root} (source/ and the grading configuration)")
    grader = home(INSTRUCTOR) / ".backprop-grader"
    shutil.rmtree(grader, ignore_errors=True)
    shutil.copytree(REPO / "grader", grader / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    jupyter = home(INSTRUCTOR) / ".jupyter"
    jupyter.mkdir(exist_ok=True)
    (jupyter / "nbgrader_config.py").write_text(
        "# written by hub/course_hub.py: the instructor's course\n"
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\n")
    role_config(INSTRUCTOR, INSTRUCTOR_OFF_LAB, INSTRUCTOR_OFF_SERVER)
    chown_tree(home(INSTRUCTOR), INSTRUCTOR)
    os.chmod(home(INSTRUCTOR), 0o700)
    # the due dates of due_dates.json into the course's gradebook, as `make release` does (formgrader
    # shows them and lets the instructor change them); once, so a re-run keeps the instructor's changes
    if not (root / "gradebook.db").exists():
        run("runuser", "-u", INSTRUCTOR, "--", "env", f"PYTHONPATH={grader}", f"HOME={home(INSTRUCTOR)}",
            ENV / "bin" / "python", "-c", "import sys; from pathlib import Path; from grader.instructor import set_due_dates; "
            "set_due_dates(Path(sys.argv[1]))", root, cwd=root)


def role_config(user: str, lab_off: list[str], server_off: list[str]) -> None:
    """The nbgrader extensions a role does not get, switched off in the user's own Jupyter config; and
    JupyterLab's news check off (the hub has no internet to ask)."""
    jupyter = home(user) / ".jupyter"
    write_json(jupyter / "labconfig" / "page_config.json", {"disabledExtensions": {e: True for e in lab_off}}, user)
    write_json(jupyter / "jupyter_server_config.json",
               {"ServerApp": {"jpserver_extensions": {e: False for e in server_off}}}, user)
    write_json(jupyter / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings",
               {"fetchNews": "false", "checkForUpdates": False}, user)


def setup_students() -> None:
    for user in STUDENTS:
        role_config(user, STUDENT_OFF_LAB, STUDENT_OFF_SERVER)
        chown_tree(home(user), user)


# --------------------------------------------------------------------------------------------- hub
HUB_CONFIG = '''# written by hub/course_hub.py: JupyterHub for the course "{course}"
c = get_config()  # noqa: F821
c.JupyterHub.bind_url = "{url}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_port}"
c.ConfigurableHTTPProxy.command = ["{node}/.bin/configurable-http-proxy"]
c.JupyterHub.db_url = "sqlite:///{state}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{state}/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = "{state}/hub.pid"
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = {users!r}
c.Authenticator.admin_users = {{"{instructor}"}}
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = ["{env}/bin/jupyterhub-singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 120
c.Spawner.environment = {{"COURSE_MATHJAX": "{node}/mathjax/es5/tex-svg.js"}}


def only_the_instructor_grades(spawner):
    """The grading package is on the instructor's PYTHONPATH and nobody else's."""
    if spawner.user.name == "{instructor}":
        spawner.environment["PYTHONPATH"] = "/home/{instructor}/.backprop-grader"


c.Spawner.pre_spawn_hook = only_the_instructor_grades
'''


def hub_pid() -> int | None:
    path = STATE / "hub.pid"
    if not path.is_file():
        return None
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (ValueError, ProcessLookupError):
        return None


def start_hub() -> None:
    if hub_pid():
        say(f"the hub is already running on {URL}")
        return
    config = STATE / "jupyterhub_config.py"
    config.write_text(HUB_CONFIG.format(course=COURSE_ID, url=URL, hub_port=PORT + 1, proxy_port=PORT + 2,
                                        node=NODE, state=STATE, users=set((INSTRUCTOR,) + STUDENTS),
                                        instructor=INSTRUCTOR, env=ENV))
    log = open(STATE / "hub.log", "ab")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "COURSE_", "PYTHON"))}
    env["PATH"] = f"{ENV / 'bin'}:{NODE / '.bin'}:/usr/sbin:/usr/bin:/sbin:/bin"
    subprocess.Popen([str(ENV / "bin" / "jupyterhub"), "-f", str(config)], cwd=STATE, stdout=log, stderr=log,
                     env=env, start_new_session=True)
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{URL}/hub/health", timeout=2) as response:
                if response.status == 200:
                    say(f"the hub is up: {URL} (log: {STATE / 'hub.log'})")
                    return
        except OSError:
            time.sleep(0.5)
    raise HubError(f"JupyterHub did not answer on {URL} within 90 s: see {STATE / 'hub.log'}.")


def stop_hub() -> None:
    pid = hub_pid()
    if pid:
        os.kill(pid, signal.SIGTERM)  # the hub stops the proxy and every user's server it started
        for _ in range(100):
            try:
                os.kill(pid, 0)
                time.sleep(0.1)
            except ProcessLookupError:
                break
        else:
            os.killpg(os.getpgid(pid), signal.SIGKILL)
        say("stopped the hub")


# ------------------------------------------------------------------------------------ the checkout
# what graded kernels elsewhere on this machine still need from the checkout: the toolkit and the
# environment (bound read-only into every sandbox, which runs as a uid of its own)
OPEN_IN_CHECKOUT = {"course", ".venv"}


def close_checkout() -> None:
    """Other users may pass through the checkout to course/ and .venv/, and read nothing else."""
    modes_file = STATE / "checkout-modes.json"
    modes = json.loads(modes_file.read_text()) if modes_file.is_file() else {}
    for path in [REPO] + [p for p in REPO.iterdir() if p.name not in OPEN_IN_CHECKOUT and not p.is_symlink()]:
        mode = path.stat().st_mode & 0o777
        modes.setdefault(str(path), mode)
        os.chmod(path, (mode & 0o771) if path == REPO else (mode & 0o770))
    modes_file.write_text(json.dumps(modes))


def reopen_checkout() -> None:
    modes_file = STATE / "checkout-modes.json"
    if modes_file.is_file():
        for path, mode in json.loads(modes_file.read_text()).items():
            if os.path.lexists(path):
                os.chmod(path, mode)


# ---------------------------------------------------------------------------------------- commands
def up() -> int:
    preflight()
    create_accounts()
    close_checkout()
    build_environment()
    install_node()
    setup_exchange()
    setup_instructor()
    setup_students()
    start_hub()
    say(f"log in at {URL} as {INSTRUCTOR} (formgrader) or {', '.join(STUDENTS)} (Assignments); "
        f"passwords: {STATE / 'passwords.json'} (root only)")
    return 0


def down(keep_environment: bool = False) -> int:
    preflight()
    stop_hub()
    remove_accounts()
    reopen_checkout()
    shutil.rmtree(EXCHANGE, ignore_errors=True)
    if keep_environment and HUB.is_dir():
        kept = {ENV, NODE}
        for entry in HUB.iterdir():
            if entry not in kept:
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
        say(f"removed {EXCHANGE} and {HUB} except {ENV.name}/ and {NODE.name}/ (kept for the next up)")
    else:
        shutil.rmtree(HUB, ignore_errors=True)
        say(f"removed {EXCHANGE} and {HUB}")
    return 0


def status() -> int:
    pid = hub_pid()
    print(f"hub: {'running on ' + URL + f' (pid {pid})' if pid else 'not running'}")
    for user in (INSTRUCTOR,) + STUDENTS:
        exists = subprocess.run(["id", "-u", user], capture_output=True).returncode == 0
        print(f"account {user}: {'present' if exists else 'absent'}")
    return 0


def main(argv: list[str]) -> int:
    commands = {"up": up, "down": down, "status": status}
    keep = argv[1:] == ["--keep-environment"] and argv[:1] == ["down"]
    if not (len(argv) == 1 and argv[0] in commands or keep):
        print("usage: python3 hub/course_hub.py up|status|down [--keep-environment]  (up and down need root)",
              file=sys.stderr)
        return 2
    try:
        return down(keep_environment=True) if keep else commands[argv[0]]()
    except HubError as err:
        print(f"PROBLEM: {err}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as err:
        print(f"PROBLEM: `{' '.join(map(str, err.cmd))}` failed (exit {err.returncode}); the output above says why.",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
