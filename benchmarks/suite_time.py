"""The test suite's wall time on this machine, with its slowest steps (issue: the suite stays fast).

    .venv/bin/python benchmarks/suite_time.py           # the whole suite (what make test runs)
    .venv/bin/python benchmarks/suite_time.py --quick   # the quick tier (make check)

Runs pytest as the Makefile does (``make test``: two lanes on pytest-xdist workers; ``make check``:
serial), times it from outside, and prints the wall time, how busy the machine's cores were meanwhile
(from /proc/stat: the core-seconds spent, out of wall time x cores), one core's speed before and after
(the host of a virtual machine changes it), how long each lane's tests took (the lanes of
tests/conftest.py), pytest's summary line and its ten slowest steps (setup and call). Nothing is
asserted: time limits belong here, not in tests. Run it on an idle machine; the number depends on the
cores (``nproc``), their speed and what else runs.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def busy_seconds() -> float | None:
    """Core-seconds the whole machine has spent not idle since boot (/proc/stat), None off Linux."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return None
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def core_speed(seconds: float = 2.0) -> float:
    """Millions of iterations a second of a pure-Python loop on one core: how fast this machine runs
    right now. A virtual machine's speed drifts with its host (on the 2-core machine of issue 16 the
    same suite took 244 s and 268 s on one afternoon), so runs are compared at the speed they met."""
    n, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        n += 1
    return n / seconds / 1e6


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    cmd = [sys.executable, "-m", "pytest", "-q", "--durations=0", "-n", "2"]
    if quick:
        cmd = [sys.executable, "-m", "pytest", "-q"]
        cmd += ["-m", "quick", "-p", "no:nbval", "-o", "addopts=-p no:cacheprovider --durations=0"]
    speed_before = core_speed()
    start, busy_before = time.monotonic(), busy_seconds()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall, busy_after = time.monotonic() - start, busy_seconds()
    speed_after = core_speed()
    busy = busy_after - busy_before if busy_before is not None and busy_after is not None else None
    log = ROOT / "test-artifacts" / f"suite-time{'-quick' if quick else ''}.txt"
    log.parent.mkdir(exist_ok=True)
    log.write_text(proc.stdout + proc.stderr)
    out = proc.stdout.splitlines()
    summary = next((l for l in reversed(out) if re.search(r"\d+ (passed|failed)", l)), "(no summary line)")
    slowest = []
    if any("slowest" in l for l in out):
        i = next(i for i, l in enumerate(out) if "slowest" in l)
        slowest = [l for l in out[i + 1:] if re.match(r"\s*\d+\.\d+s (setup|call|teardown)", l)][:10]
    cores = os.cpu_count() or 1
    print(f"{'quick tier' if quick else 'whole suite'} on {cores} cores: {wall:.0f} s wall")
    if busy is not None:
        print(f"cores busy: {busy:.0f} core-seconds of {wall * cores:.0f} ({100 * busy / (wall * cores):.0f} %)")
    print(f"one core's speed (core_speed(): millions of loop iterations a second): {speed_before:.1f} before, "
          f"{speed_after:.1f} after")
    if not quick:
        sys.path.insert(0, str(ROOT / "tests"))
        from conftest import lane_of  # the lanes make test's two workers run
        lanes: dict[str, float] = {}
        for line in out:
            m = re.match(r"\s*(\d+\.\d+)s (setup|call|teardown)\s+(\S.*)$", line)
            if m:
                lanes[lane_of(m.group(3))] = lanes.get(lane_of(m.group(3)), 0.0) + float(m.group(1))
        print("lanes (their tests' setup, call and teardown): "
              + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in sorted(lanes.items())))
    print(summary.strip("= "))
    print(f"slowest steps (pytest's whole output: {log.relative_to(ROOT)}):")
    for line in slowest:
        print("  " + line.strip())
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
