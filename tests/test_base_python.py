"""scripts/base_python.py: which interpreter the Makefile makes .venv from (Debian's python3 only when
it is the same Python version as python3 on PATH and can make a virtual environment)."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("base_python", ROOT / "scripts" / "base_python.py")
base_python = importlib.util.module_from_spec(spec)
spec.loader.exec_module(base_python)

THIS_VERSION = "%d.%d" % sys.version_info[:2]


def fake_python(tmp_path: Path, body: str) -> str:
    """An executable standing in for /usr/bin/python3: a shell script that ignores its arguments."""
    path = tmp_path / "python3"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return str(path)


def test_the_system_python_of_the_same_version_is_chosen(tmp_path):
    system = fake_python(tmp_path, f"echo {THIS_VERSION}")
    assert base_python.base_python(system) == system


def test_another_version_keeps_python3_on_path(tmp_path):
    # requirements.txt's pins are wheels for one Python version: a Debian with another one is not used
    major, minor = sys.version_info[:2]
    system = fake_python(tmp_path, f"echo {major}.{minor + 1}")
    assert base_python.base_python(system) == sys.executable


def test_a_python_that_cannot_make_a_venv_keeps_python3_on_path(tmp_path):
    # Debian's python3 without python3-venv: the probe's "import venv, ensurepip" fails
    system = fake_python(tmp_path, f"echo {THIS_VERSION}; echo 'No module named ensurepip' >&2; exit 1")
    assert base_python.base_python(system) == sys.executable


def test_no_system_python_keeps_python3_on_path(tmp_path):
    assert base_python.base_python(str(tmp_path / "absent")) == sys.executable


def test_the_script_prints_one_interpreter_that_runs():
    printed = subprocess.run([sys.executable, str(ROOT / "scripts" / "base_python.py")],
                             capture_output=True, text=True, check=True).stdout
    chosen = printed.strip()
    assert printed == chosen + "\n"
    version = subprocess.run([chosen, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert version == THIS_VERSION
