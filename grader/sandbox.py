"""The operating-system sandbox every graded kernel runs in.

A submission's kernel is started by bubblewrap (``bwrap``, Debian package ``bubblewrap``) as::

    prlimit --as --fsize --nproc --cpu --core  bwrap [namespaces, mounts]  setpriv [another uid]
        env -i [a clean environment]  python -m ipykernel_launcher -f CONNECTION_FILE

so that, whatever the student's code does:

* **no network**: a network namespace of its own, with nothing in it;
* **a private file system**: read-only views of the system (``/usr``, ``/etc``, ...), the Python
  environment and the student toolkit (``course/``); one writable folder of its own (the home,
  holding a copy of the submission's non-notebook files, removed afterwards), a small ``/tmp``.
  The course's ``source/``, gradebook, configuration, other students' folders, the grading package
  and the notebook being graded (hidden tests included) do not exist inside;
* **its own processes**: a PID namespace and session: it can neither see nor signal the grader,
  and every process it starts dies with the namespace when the kernel stops;
* **another user**: when the grader runs as root the kernel runs as an unprivileged uid of its own
  (one per grading process), without capabilities and with ``no_new_privs``;
* **limits**: address space, file size, processes, CPU time (``Limits``).

The kernel talks to the grader only through ZeroMQ's ``ipc`` transport: Unix sockets in a folder
bound into the sandbox (a TCP port on the host's loopback would be out of reach of a kernel in a
network namespace of its own, which is the point).
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

BWRAP = "bwrap"
HOME = "/home/student"            # the kernel's home and working folder's parent, inside the sandbox
GIVEN_DIR = "/run/course-given"   # read-only inside: what a running test takes from the reference
UID_BASE = 2_100_000_000          # + the grading process's pid: a uid no account has, one per grader


def matplotlib_font_cache() -> list[Path]:
    """matplotlib's font list, built once in the grader's process (the fonts it names are at the same
    paths inside the sandbox: the Python environment and /usr are bound where they are)."""
    try:
        import matplotlib
        import matplotlib.font_manager  # noqa: F401  (builds the cache if there is none)
    except ImportError:
        return []
    return sorted(Path(matplotlib.get_cachedir()).glob("fontlist-*.json"))


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _real_uid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("Uid:"))
    except (OSError, StopIteration, ValueError):
        return None


class SandboxUnavailable(RuntimeError):
    """bubblewrap (or prlimit / setpriv) is missing or cannot create namespaces here."""


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 4096       # address space of each process (RLIMIT_AS): allocations beyond fail
    file_mb: int = 64           # largest file the kernel may write (RLIMIT_FSIZE)
    processes: int = 64         # processes and threads of the sandbox's user (RLIMIT_NPROC)
    cpu_seconds: int = 900      # CPU time of each process (RLIMIT_CPU)
    tmp_mb: int = 256           # size of the writable /tmp (a tmpfs)


@dataclass
class Sandbox:
    """Builds the command that runs a kernel inside the sandbox, and its writable folders.

    ``readable`` are host paths bound read-only at the same place (the Python environment and the
    student toolkit); ``hidden`` are paths inside those that must not be visible (they are covered
    by an empty folder or file).
    """

    limits: Limits = field(default_factory=Limits)
    readable: list[Path] = field(default_factory=list)
    hidden: list[Path] = field(default_factory=list)

    # -- the host side -----------------------------------------------------------------------
    @staticmethod
    def check_available() -> None:
        missing = [tool for tool in (BWRAP, "prlimit", "setpriv") if shutil.which(tool) is None]
        if missing:
            raise SandboxUnavailable(
                f"grading needs {' and '.join(missing)} to run each student's kernel in a sandbox: "
                f"install the Debian packages bubblewrap and util-linux (`apt-get install bubblewrap`), "
                f"or grade without the sandbox only on a machine you trust with --no-sandbox "
                f"(see README, 'Grading integrity').")

    @property
    def uid(self) -> int | None:
        """The uid the kernel runs as: its own when the grader is root, else the grader's (None)."""
        return UID_BASE + os.getpid() if os.geteuid() == 0 else None

    def make_home(self, files_from: Path | None, workdir_name: str) -> Path:
        """A fresh host folder for one kernel: ``home/`` becomes the kernel's home (``HOME``), with
        ``home/workdir_name/`` holding a copy of the non-notebook files of ``files_from`` (the
        submission); ``ipc/`` holds the connection file and sockets. Owned by the sandbox's user."""
        home = Path(tempfile.mkdtemp(prefix="course-sandbox-"))
        work = home / "home" / workdir_name
        work.mkdir(parents=True)
        if files_from is not None and files_from.is_dir():
            for item in files_from.iterdir():
                if item.suffix == ".ipynb" or item.name.startswith(".ipynb_checkpoints"):
                    continue
                if item.is_dir() and not item.is_symlink():
                    shutil.copytree(item, work / item.name, symlinks=True)
                elif item.is_file() and not item.is_symlink():
                    shutil.copy2(item, work / item.name)
        self.ipc_dir(home).mkdir()
        fonts = matplotlib_font_cache()
        if fonts:  # matplotlib would otherwise scan every font again in each kernel (seconds, per notebook)
            target = home / "home" / ".config" / "matplotlib"
            target.mkdir(parents=True)
            for cached in fonts:
                shutil.copy2(cached, target / cached.name)
        self._own(home)
        self.given_dir(home).mkdir(mode=0o755)  # the grader's, read-only inside (Sandbox.command)
        return home

    @staticmethod
    def given_dir(home: Path) -> Path:
        """Where the grader puts the values a running test takes from the reference: the grader's own
        folder, bound read-only at GIVEN_DIR (the kernel can read what is there, never write it)."""
        return home / "given"

    @staticmethod
    def ipc_dir(home: Path) -> Path:
        """Where the connection file and the kernel's ipc sockets live (host path = sandbox path)."""
        return home / "ipc"

    @staticmethod
    def workdir(home: Path, workdir_name: str) -> Path:
        """The kernel's working folder, as the host sees it."""
        return home / "home" / workdir_name

    def _own(self, path: Path) -> None:
        if self.uid is None:
            return
        for root, dirs, files in os.walk(path):
            os.chown(root, self.uid, self.uid)
            for name in files:
                os.lchown(os.path.join(root, name), self.uid, self.uid)
        path.chmod(0o700)

    def give(self, path: Path) -> None:
        """Hand a file the grader wrote (the connection file) to the sandbox's user."""
        if self.uid is not None:
            os.chown(path, self.uid, self.uid)

    @staticmethod
    def remove_home(home: Path) -> None:
        shutil.rmtree(home, ignore_errors=True)

    @staticmethod
    def reap(grader_pid: int, wait: float = 5.0) -> list[int]:
        """Stop what is left of the sandboxes of a grading process that died without cleaning up (a
        worker killed), and remove their homes; the pids killed. bubblewrap's --die-with-parent stops a
        sandbox whose grader dies, except in its first milliseconds: a grader killed then leaves the
        sandbox's pid 1 and the kernel running for good. Its sandboxes are found from outside: their
        homes are owned by the dead grader's uid (UID_BASE + its pid), every process they start has that
        uid or, while bubblewrap sets up, a command line naming the home. Only when grading as root
        (otherwise the kernels run as the grader's own user and nothing tells them apart)."""
        import signal
        import time

        if os.geteuid() != 0:
            return []
        uid = UID_BASE + grader_pid
        homes = []
        for home in Path(tempfile.gettempdir()).glob("course-sandbox-*"):
            try:
                if home.stat().st_uid == uid:
                    homes.append(str(home))
            except OSError:
                pass

        def theirs(pid: int) -> bool:
            if _real_uid(pid) == uid:
                return True
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmdline = f.read().decode(errors="replace")
            except OSError:
                return False
            return any(home in cmdline for home in homes)

        killed: list[int] = []
        deadline, clean_passes = time.monotonic() + wait, 0
        while clean_passes < 2 and time.monotonic() < deadline:  # (one more pass: a process mid-fork)
            left = [pid for pid in _pids() if pid != os.getpid() and theirs(pid)]
            clean_passes = 0 if left else clean_passes + 1
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)
        for home in homes:
            shutil.rmtree(home, ignore_errors=True)
        return sorted(set(killed))

    # -- the command -----------------------------------------------------------------------------
    def _nproc(self) -> int:
        if self.uid is not None:
            return self.limits.processes
        # Not root: RLIMIT_NPROC counts every process of the instructor's own user, so allow the
        # ones running now plus the sandbox's share.
        mine = 0
        for pid in os.listdir("/proc"):
            try:
                if pid.isdigit() and os.stat(f"/proc/{pid}").st_uid == os.geteuid():
                    mine += 1
            except OSError:
                pass
        return mine + self.limits.processes

    def _prlimit(self, nproc: int | None) -> list[str]:
        """``prlimit`` with the limits, each at most the hard limit this process may not raise."""
        import resource

        lim, mib = self.limits, 2 ** 20

        def capped(which, value):
            hard = resource.getrlimit(which)[1]
            return value if hard == resource.RLIM_INFINITY else min(value, hard)
        out = ["prlimit", f"--as={capped(resource.RLIMIT_AS, lim.memory_mb * mib)}",
               f"--fsize={capped(resource.RLIMIT_FSIZE, lim.file_mb * mib)}",
               f"--cpu={capped(resource.RLIMIT_CPU, lim.cpu_seconds)}", "--core=0"]
        if nproc is not None:
            out.append(f"--nproc={capped(resource.RLIMIT_NPROC, nproc)}")
        return out + ["--"]

    def limits_only(self, kernel_cmd: list[str]) -> list[str]:
        """The opt-out: the kernel under the resource limits, as the grader's user, no namespaces
        (the process limit only when that user is not root, for whom it does not apply)."""
        return self._prlimit(self._nproc() if os.geteuid() != 0 else None) + list(kernel_cmd)

    def command(self, kernel_cmd: list[str], home: Path, workdir_name: str, extra_env: dict | None = None) -> list[str]:
        """The full command line: limits, namespaces and mounts, user, environment, kernel."""
        lim = self.limits
        mib = 2 ** 20
        cmd = self._prlimit(self._nproc())
        cmd += [BWRAP, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                "--unshare-cgroup-try", "--hostname", "sandbox", "--die-with-parent", "--new-session"]
        if self.uid is None:
            cmd += ["--unshare-user", "--disable-userns"]
        for top in ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
            if os.path.islink(top):
                cmd += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                cmd += ["--ro-bind", top, top]
        # /proc, /dev and a small /tmp first: what is bound below may live under /tmp (a course
        # folder there), and a tmpfs mounted later would hide it
        cmd += ["--proc", "/proc", "--dev", "/dev",
                "--perms", "1777", "--size", str(lim.tmp_mb * mib), "--tmpfs", "/tmp"]
        readable = self._readable_paths()
        made: set[str] = {"/tmp"}

        def parents(path: Path) -> list[str]:
            out = []
            for parent in reversed(path.parents[:-1]):
                if str(parent) not in made:
                    made.add(str(parent))
                    out += ["--perms", "0755", "--dir", str(parent)]
            return out
        for path in readable:
            cmd += parents(path) + ["--ro-bind", str(path), str(path)]
        for path in self.hidden:  # (only what a readable path would otherwise show)
            path = Path(os.path.realpath(path))
            if not any(q in path.parents for q in readable):
                continue
            if path.is_dir():
                cmd += ["--tmpfs", str(path), "--remount-ro", str(path)]
            elif path.exists():
                cmd += ["--ro-bind", "/dev/null", str(path)]
        cmd += parents(Path(HOME)) + ["--bind", str(home / "home"), HOME, "--chdir", f"{HOME}/{workdir_name}"]
        cmd += parents(Path(GIVEN_DIR)) + ["--ro-bind", str(self.given_dir(home)), GIVEN_DIR]
        # The connection file and the ipc sockets: the same path inside as outside.
        ipc = self.ipc_dir(home)
        cmd += parents(ipc) + ["--bind", str(ipc), str(ipc)]
        if self.uid is not None:
            cmd += ["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
        env = {"HOME": HOME, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "LANG": "C.UTF-8",
               "MPLCONFIGDIR": f"{HOME}/.config/matplotlib", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
               "PYTHONDONTWRITEBYTECODE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "JPY_PARENT_PID": "1"}  # (1: no banner on the terminal, no parent poller)
        for name, value in os.environ.items():  # nbgrader's NBGRADER_EXECUTION (course.grading_now), BLAS pins
            if name.startswith("NBGRADER_") or name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
                env[name] = value
        env.update(extra_env or {})
        cmd += ["env", "-i"] + [f"{k}={v}" for k, v in env.items()]
        return cmd + list(kernel_cmd)

    def _readable_paths(self) -> list[Path]:
        """The Python environment (venv and base installation) and the configured toolkit paths,
        without duplicates or paths inside another."""
        paths = [Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix),
                 Path(os.path.realpath(sys.executable)).parent.parent] + [Path(p) for p in self.readable]
        out: list[Path] = []
        for p in sorted({Path(os.path.realpath(p)) for p in paths if Path(p).exists()}, key=lambda p: len(p.parts)):
            if not any(p == q or q in p.parents for q in out):
                out.append(p)
        # Top-level system folders are bound already.
        return [p for p in out if not any(str(p) == top or str(p).startswith(top + "/")
                                          for top in ("/usr", "/etc", "/bin", "/lib", "/lib64"))]
