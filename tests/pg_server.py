"""A throw-away PostgreSQL server for the tests: Debian's postgresql binaries, a temporary data
folder, 127.0.0.1 on a free port only, stopped and removed afterwards (also when a test fails).

initdb refuses to run as root, so as root the server runs as the ``postgres`` account (or
``nobody``) through ``runuser``. Authentication is ``trust``: the server exists for one test run
and listens on the loopback interface only.
"""
from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def bindir() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin with initdb and pg_ctl, or None."""
    found = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")
             if (Path(p) / "initdb").is_file() and (Path(p) / "pg_ctl").is_file()]
    version = lambda p: [int(x) for x in re.findall(r"\d+", p.parent.name)] or [0]  # noqa: E731
    return max(found, key=version) if found else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def postgres_server(dbname: str = "gradebook", user: str = "grader"):
    """Start a server, create ``dbname``, yield its SQLAlchemy URL; stop it and delete its files on exit."""
    bins = bindir()
    if bins is None:
        raise RuntimeError("PostgreSQL's server binaries are not in /usr/lib/postgresql/*/bin: "
                           "apt-get install postgresql")
    base = Path(tempfile.mkdtemp(prefix="course-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        account = next(a for a in ("postgres", "nobody") if _exists(a))
        entry = pwd.getpwnam(account)
        os.chown(base, entry.pw_uid, entry.pw_gid)
        prefix = ["runuser", "-u", account, "--"]
    data, log, port = base / "data", base / "server.log", free_port()

    def run(*cmd: str) -> None:
        proc = subprocess.run(prefix + list(cmd), capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{Path(cmd[0]).name} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}{tail}")

    started = False
    try:
        run(str(bins / "initdb"), "-D", str(data), "-U", user, "-A", "trust", "-E", "UTF8",
            "--locale=C", "--no-sync")
        run(str(bins / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
            f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off "
            f"-c synchronous_commit=off -c full_page_writes=off", "start")
        started = True
        run(str(bins / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", user, dbname)
        yield f"postgresql://{user}@127.0.0.1:{port}/{dbname}"
    finally:
        if started:
            subprocess.run(prefix + [str(bins / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                           capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
        shutil.rmtree(base, ignore_errors=True)


def _exists(account: str) -> bool:
    try:
        pwd.getpwnam(account)
        return True
    except KeyError:
        return False
