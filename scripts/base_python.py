"""Print the Python interpreter that .venv is to be made from (the Makefile asks this when PYTHON is
not given): the one running this script (``python3`` on PATH), or Debian's ``/usr/bin/python3`` when
that is the same Python version and can make a virtual environment.

Why: the course's work is Python start-up and imports (every graded kernel, every nbgrader command),
and interpreters differ in how they were compiled. Debian builds CPython with profile-guided
optimisation and link-time optimisation; pyenv, as installed on these machines, builds it without
(``./configure`` with neither). On the 2-core machine of the course's CI the same test suite took
234-244 s from pyenv's 3.11.7 and 208-215 s from Debian's 3.11.2, and ``fib(22)`` 1.69-1.74 ms vs
1.45-1.48 ms. The same minor version means the same wheels, so requirements.txt's pins hold either
way; any other interpreter on PATH is used as it is.

    python3 scripts/base_python.py        # prints a path
"""
from __future__ import annotations

import os
import subprocess
import sys

SYSTEM_PYTHON = "/usr/bin/python3"
PROBE = "import sys, venv, ensurepip; print('%d.%d' % sys.version_info[:2])"


def base_python(system_python: str = SYSTEM_PYTHON) -> str:
    here = sys.executable
    if not os.access(system_python, os.X_OK) or os.path.realpath(system_python) == os.path.realpath(here):
        return here
    try:
        probe = subprocess.run([system_python, "-c", PROBE], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return here
    same_version = probe.stdout.strip() == "%d.%d" % sys.version_info[:2]
    return system_python if probe.returncode == 0 and same_version else here


if __name__ == "__main__":
    print(base_python())
