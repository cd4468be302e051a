"""The test suite's wall time on this machine, with its slowest steps (issue: the suite stays fast).

    .venv/bin/python benchmarks/suite_time.py           # the whole suite (what make test runs)
    .venv/bin/python benchmarks/suite_time.py --quick   # the quick tier (make check)

Runs pytest as the Makefile does, times it from outside, and prints the wall time, pytest's summary
line and its ten slowest steps (setup and call). Nothing is asserted: time limits belong here, not in
tests. Run it on an idle machine; the number depends on the cores (``nproc``) and what else runs.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    cmd = [sys.executable, "-m", "pytest", "-q", "--durations=10"]
    if quick:
        cmd += ["-m", "quick", "-p", "no:nbval", "-o", "addopts=-p no:cacheprovider --durations=10"]
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.monotonic() - start
    out = proc.stdout.splitlines()
    summary = next((l for l in reversed(out) if re.search(r"\d+ (passed|failed)", l)), "(no summary line)")
    slowest = []
    if any("slowest" in l for l in out):
        i = next(i for i, l in enumerate(out) if "slowest" in l)
        slowest = [l for l in out[i + 1:] if re.match(r"\s*\d+\.\d+s (setup|call|teardown)", l)][:10]
    print(f"{'quick tier' if quick else 'whole suite'} on {os.cpu_count()} cores: {wall:.0f} s wall")
    print(summary.strip("= "))
    print("slowest steps:")
    for line in slowest:
        print("  " + line.strip())
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
