"""Benchmark: what trusted grading costs, and what parallel grading gains, on one class.

    .venv/bin/python benchmarks/grade_benchmark.py [-k 40] [--workers 3] [--assignment 03_tensor_backprop]

Builds a throw-away copy of the course with K synthetic submissions of one assignment (honest =
the reference solutions, wrong = the known mistakes of tests/catalogue in turn, blank = the
release as handed out; 2 : 2 : 1) and grades identical copies three ways:

* **plain**: `nbgrader autograde` with nbgrader's own preprocessors (no sandbox, no verdicts
  outside the kernel: a configuration with only the course id, the gradebook and the timeout);
* **serial**: `nbgrader autograde` with the course's configuration (every kernel in the sandbox,
  the reference run, verdicts outside the kernel, integrity checks);
* **parallel**: `python -m grader.grade --workers N` with the same configuration.

It prints the cost of the sandbox and verdicts (serial / plain wall time), checks that every
per-cell grade of serial and parallel is the same, and prints their throughput (notebooks per
second of wall time, start-up included), their ratio, and the peak memory of one worker process
and of one kernel.

This is a script, not a test: its timings depend on the machine and on whatever else runs.
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.instructor import (build_submission, copy_course, load_catalogue, release,  # noqa: E402
                               release_notebooks, use_this_python_for_tools, variant_code, write_submission)


PLAIN_CONFIG = """c = get_config()  # noqa: F821
import os
c.CourseDirectory.course_id = "backprop-by-hand"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db")
c.ExecutePreprocessor.timeout = 60
c.Execute.timeout = 60
"""


def make_class(root: Path, assignment: str, k: int) -> dict[str, str]:
    """K submissions: honest, wrong (each known mistake in turn), blank, in the ratio 2 : 2 : 1."""
    notebooks = release_notebooks(root, assignment)
    variants = list(load_catalogue(root, assignment).values())
    kinds = {}
    for i in range(k):
        kind = ("honest", "wrong", "honest", "wrong", "blank")[i % 5]
        kwargs: dict = {}
        if kind == "blank":
            kwargs = {"blank": True}
        elif kind == "wrong" and variants:
            variant = variants[(i // 5 * 2 + i % 5 // 2) % len(variants)]
            kwargs = {"replace": {variant["cell"]: variant_code(notebooks, variant)}}
        student = f"s{i:03d}-{kind}"
        kinds[student] = kind
        subs = {}
        for name, (src, rel) in notebooks.items():
            ids = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in src.cells}
            kw = dict(kwargs)
            if "replace" in kw:
                kw["replace"] = {g: code for g, code in kw["replace"].items() if g in ids}
            subs[name] = build_submission(src, rel, **kw)
        write_submission(root, student, assignment, subs)
    return kinds


def cell_grades(root: Path, assignment: str) -> dict:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(assignment):
            out[sub.student_id] = {(nb.name, g.name): (g.auto_score, g.manual_score, g.max_score, g.needs_manual_grade)
                                   for nb in sub.notebooks for g in nb.grades}
    return out


def _busy() -> float:
    """CPU seconds the whole machine has spent busy since boot (all cores)."""
    import psutil

    t = psutil.cpu_times()
    return sum(getattr(t, name, 0.0) for name in ("user", "nice", "system", "irq", "softirq", "steal"))


def timed(cmd: list[str], cwd: Path) -> dict:
    """Run ``cmd``; return its wall time, output, the CPU time of its process tree, the CPU time
    other processes on the machine used meanwhile, and the peak resident memory (MiB) of its whole
    process tree (sampled every 0.25 s with psutil)."""
    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy = _busy()
    start = time.monotonic()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, text=True, stdout=out, stderr=subprocess.STDOUT)
        top, peak = psutil.Process(proc.pid), 0
        while proc.poll() is None:
            try:
                total = top.memory_info().rss
                for child in top.children(recursive=True):
                    try:
                        total += child.memory_info().rss
                    except psutil.Error:
                        pass
                peak = max(peak, total)
            except psutil.Error:
                pass
            time.sleep(0.25)
        seconds = time.monotonic() - start
        out.seek(0)
        output = out.read()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        sys.stdout.write(output)
        raise SystemExit(f"{' '.join(cmd)} failed with exit status {proc.returncode}")
    return {"seconds": seconds, "output": output, "cpu": cpu, "others": max(0.0, _busy() - busy - cpu),
            "mib": peak / 2 ** 20}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", type=int, default=40, help="number of submissions (default 40)")
    parser.add_argument("--workers", type=int, default=3,
                        help="parallel worker processes (default 3: grader.grade's default on 2 cores)")
    parser.add_argument("--assignment", default="03_tensor_backprop")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run both this many times, interleaved, and keep the fastest of each (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary course copies")
    args = parser.parse_args(argv)
    use_this_python_for_tools()
    os.environ.pop("COURSE_DB_URL", None)  # both runs use their copy's SQLite gradebook

    base = Path(tempfile.mkdtemp(prefix="grade-benchmark-"))
    try:
        root = copy_course(ROOT, base / "prepared")
        release(root, [args.assignment])
        kinds = make_class(root, args.assignment, args.k)
        per_student = len(release_notebooks(root, args.assignment))
        notebooks = args.k * per_student
        counts = {kind: list(kinds.values()).count(kind) for kind in ("honest", "wrong", "blank")}
        print(f"\nclass: {args.k} submissions of {args.assignment} ({per_student} notebook(s) each; "
              f"{counts['honest']} honest, {counts['wrong']} wrong, {counts['blank']} blank); "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before the runs", flush=True)

        serial_runs, parallel_runs, plain_runs = [], [], []
        for run in range(args.repeat):  # interleaved, so that all meet the same background load
            serial_root, parallel_root, plain_root = base / f"serial{run}", base / f"parallel{run}", base / f"plain{run}"
            shutil.copytree(root, serial_root)
            shutil.copytree(root, parallel_root)
            shutil.copytree(root, plain_root)
            (plain_root / "nbgrader_config.py").write_text(PLAIN_CONFIG)
            print(f"run {run + 1}/{args.repeat}: plain nbgrader autograde (no sandbox, no verdicts) ...", flush=True)
            plain_runs.append(timed([sys.executable, "-m", "nbgrader", "autograde", args.assignment], plain_root))
            print(f"run {run + 1}/{args.repeat}: serial nbgrader autograde ...", flush=True)
            serial_runs.append(timed([sys.executable, "-m", "nbgrader", "autograde", args.assignment], serial_root))
            print(f"run {run + 1}/{args.repeat}: parallel python -m grader.grade --workers {args.workers} ...",
                  flush=True)
            parallel_runs.append(timed([sys.executable, "-m", "grader.grade", args.assignment,
                                        "--workers", str(args.workers)], parallel_root))
            for name, r in (("serial", serial_runs[-1]), ("parallel", parallel_runs[-1])):
                print(f"  {name:8} {r['seconds']:6.1f} s wall, {r['cpu']:6.1f} s CPU; other processes on the "
                      f"machine used {r['others'] / r['seconds']:.2f} of the {os.cpu_count()} cores meanwhile",
                      flush=True)
            print(f"  ratio of this run: {serial_runs[-1]['seconds'] / parallel_runs[-1]['seconds']:.2f}x", flush=True)
        plain = min(plain_runs, key=lambda r: r["seconds"])
        serial = min(serial_runs, key=lambda r: r["seconds"])
        parallel = min(parallel_runs, key=lambda r: r["seconds"])
        serial_s, parallel_s = serial["seconds"], parallel["seconds"]
        memory = re.search(r"Peak memory per worker: (\d+) MiB with its kernel "
                           r"\(worker process (\d+) MiB, largest kernel (\d+) MiB", parallel["output"])

        serial_grades = cell_grades(base / "serial0", args.assignment)
        parallel_grades = cell_grades(base / "parallel0", args.assignment)
        same = len(serial_grades) == args.k and all(
            cell_grades(base / f"{kind}{run}", args.assignment) == serial_grades
            for run in range(args.repeat) for kind in ("serial", "parallel"))
        serial_rate, parallel_rate = notebooks / serial_s, notebooks / parallel_s
        ratio = parallel_rate / serial_rate
        print(f"\n{'':10}{'wall time':>12}{'notebooks/s':>14}" + ("   (fastest of the runs)" if args.repeat > 1 else ""))
        print(f"{'plain':10}{plain['seconds']:>11.1f}s{notebooks / plain['seconds']:>14.3f}   (nbgrader alone)")
        print(f"{'serial':10}{serial_s:>11.1f}s{serial_rate:>14.3f}")
        print(f"{'parallel':10}{parallel_s:>11.1f}s{parallel_rate:>14.3f}   ({args.workers} workers)")
        print(f"cost of the sandbox and verdicts: {serial_s / plain['seconds']:.2f}x plain nbgrader's wall time "
              f"(aim: at most 1.25x)")
        print(f"ratio: {ratio:.2f}x (target on 2 cores: >= 1.8x)")
        print(f"CPU per notebook: serial {serial['cpu'] / notebooks:.2f} s, parallel {parallel['cpu'] / notebooks:.2f} s "
              f"(start-up included)")
        if memory:
            print(f"memory per worker: {memory.group(1)} MiB peak with its kernel (worker process "
                  f"{memory.group(2)} MiB, largest kernel {memory.group(3)} MiB)")
        print(f"whole process tree at its peak: serial {serial['mib']:.0f} MiB (nbgrader + kernel), "
              f"parallel {parallel['mib']:.0f} MiB (parent + {args.workers} workers + kernels)")
        print(f"grades identical: {'yes' if same else 'NO'} ({len(parallel_grades)} students, "
              f"{sum(len(v) for v in parallel_grades.values())} graded cells)")
        if not same:
            for student in sorted(set(serial_grades) | set(parallel_grades)):
                if serial_grades.get(student) != parallel_grades.get(student):
                    print(f"  differs: {student}")
        return 0 if same else 1
    finally:
        if args.keep:
            print(f"course copies kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
