"""The outputs nbval compares do not depend on the machine: nbval passes on source/ under other floating point.

nbval compares the stored outputs of the source notebooks with a fresh run as text (after
tests/nbval_sanitize.cfg). A notebook that prints floats to their last digit passes where its outputs
were stored and fails on the next machine: another CPU makes OpenBLAS pick other kernels (with or
without FMA, other blockings and summation orders) and numpy other SIMD loops, a result changes in its
last bit, and with it a printed digit or -- through numpy's column padding -- the spacing of a whole
array (``[0.3135  0.4434 ]`` against ``[0.3135 0.4434]``).

The test here runs nbval on every source notebook, exactly as ``make test`` does (pyproject's options,
the same sanitizer), in a subprocess whose floating point differs from this process's in two ways at
once, as on another CPU:

* ``openblas``: OpenBLAS forced to the kernels of another core type this CPU can run
  (``OPENBLAS_CORETYPE``, the first of SkylakeX, Haswell, Nehalem whose results differ from the core
  OpenBLAS uses here) and another thread count (``OPENBLAS_NUM_THREADS``);
* ``numpy-simd``: numpy's own loops (exp, log, tanh, reductions, ...) restricted to its baseline
  instruction set (``NPY_DISABLE_CPU_FEATURES`` = every dispatched feature this CPU has), as on a CPU
  without AVX2 and AVX-512.

Before a perturbation is used, a probe (products, exp, tanh, ... of random float32 and float64 arrays)
must give other bits under it than here; a perturbation that changes nothing on this machine is
left out, saying so. When the run fails, each perturbation runs alone to name the one an output depends
on. Each run's output goes to test-artifacts/machine-independence/<name>.txt ("together" for the first)
and its summary line is printed.

Cheap guards beside them: every source notebook fixes numpy's print options in its setup cell;
course.tables prints the same table for values that differ only by float noise (a zero has no sign);
the values hidden tests report to the grader (exact float bytes, judged by the grader with tolerances)
are left out of nbval's comparison by conftest.py, under the MIME type course.report sends.
"""
import ctypes
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT

ARTIFACTS = ROOT / "test-artifacts" / "machine-independence"
TIMEOUT = 900  # seconds for one nbval run over source/ (about 15 s here)

# OpenBLAS core types, each with the /proc/cpuinfo flags its kernels need.
CORE_TYPES = (("SkylakeX", {"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"}),
              ("Haswell", {"avx2", "fma"}),
              ("Nehalem", {"sse4_2"}))

PROBE = """
import hashlib, numpy as np
rng, h = np.random.default_rng(0), hashlib.sha256()
for dt in (np.float32, np.float64):
    for n in (2, 3, 5, 17, 64, 200):
        A, v = rng.standard_normal((n, n)).astype(dt), rng.standard_normal(n).astype(dt)
        for r in (A @ v, v @ A, A @ A, np.dot(v, v), np.exp(A), np.log(np.abs(A) + 1), np.tanh(A), np.sin(A)):
            h.update(np.ascontiguousarray(r).tobytes())
print(h.hexdigest())
"""


def _env(changes: dict) -> dict:
    env = dict(os.environ)
    env.update(changes)
    return env


def probe(changes: dict) -> str:
    """A hash of the bits of some float computations, in a new Python with these environment changes."""
    return subprocess.run([sys.executable, "-c", PROBE], env=_env(changes), capture_output=True, text=True,
                          check=True, timeout=120).stdout.strip()


def openblas_core() -> str:
    """The core type OpenBLAS uses in this process (its kernels), e.g. 'Haswell'; '' if not found."""
    libs = sorted((Path(np.__file__).parent.parent / "numpy.libs").glob("libscipy_openblas*"))
    for lib in libs:
        handle = ctypes.CDLL(str(lib))
        for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename",
                     "openblas_get_corename64_", "openblas_get_corename"):
            fn = getattr(handle, name, None)
            if fn is not None:
                fn.restype = ctypes.c_char_p
                return fn().decode()
    return ""


def cpu_flags() -> set:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    line = next((ln for ln in text.splitlines() if ln.startswith("flags")), "")
    return set(line.partition(":")[2].split())


def openblas_perturbation(base: str):
    """(environment changes, description) for another OpenBLAS core type and thread count, or (None, why)."""
    here = openblas_core()
    flags = cpu_flags()
    threads = os.environ.get("OPENBLAS_NUM_THREADS") or str(os.cpu_count() or 1)
    tried = []
    for core, needs in CORE_TYPES:
        if core.lower() == here.lower() or not needs <= flags:
            continue
        tried.append(core)
        if probe({"OPENBLAS_CORETYPE": core}) != base:
            changes = {"OPENBLAS_CORETYPE": core, "OPENBLAS_NUM_THREADS": "1" if threads != "1" else "2"}
            return changes, (f"OPENBLAS_CORETYPE={core} OPENBLAS_NUM_THREADS={changes['OPENBLAS_NUM_THREADS']} "
                             f"(this process: OpenBLAS core {here or 'unknown'}, {threads} thread(s))")
    return None, (f"no other OpenBLAS core type this CPU can run gives other results here "
                  f"(core {here or 'unknown'}; tried: {', '.join(tried) or 'none'})")


def numpy_simd_perturbation(base: str):
    """(environment changes, description) restricting numpy to its baseline SIMD, or (None, why)."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    disable = [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]
    if not disable:
        return None, "numpy dispatches to no SIMD extension above its baseline on this CPU"
    changes = {"NPY_DISABLE_CPU_FEATURES": " ".join(disable)}
    if probe(changes) == base:
        return None, f"NPY_DISABLE_CPU_FEATURES={' '.join(disable)} gives the same results as this process"
    return changes, f"NPY_DISABLE_CPU_FEATURES='{' '.join(disable)}' (numpy's baseline loops only)"


def run_nbval(name: str, changes: dict) -> subprocess.CompletedProcess:
    """nbval over source/ with pyproject's options (as `make test`), in a subprocess with these changes."""
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "source"], cwd=ROOT,
                          env=_env(changes), capture_output=True, text=True, timeout=TIMEOUT)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.txt").write_text(
        "".join(f"{k}={v}\n" for k, v in changes.items()) + "\n" + plain(proc.stdout + proc.stderr))
    return proc


def plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def summary_line(output: str) -> str:
    """pytest's last line, e.g. '107 passed in 12.3s'."""
    lines = [ln.strip(" =") for ln in plain(output).splitlines() if re.search(r"\b(passed|failed|error|no tests ran)", ln)]
    return lines[-1] if lines else "(no summary line)"


def failure_report(output: str, limit: int = 80) -> str:
    """The FAILURES section (which cell, the -/+ lines nbval compared), at most ``limit`` lines."""
    text = plain(output)
    start = text.find("= FAILURES =")
    end = min((i for i in (text.find("slowest", start), text.find("short test summary", start)) if i > 0),
              default=len(text))
    lines = (text[start:end] if start >= 0 else text[-4000:]).splitlines()
    return "\n".join(lines[:limit] + (["..."] if len(lines) > limit else []))


@pytest.fixture(scope="module")
def perturbations():
    """{name: (environment changes or None, description)} for each perturbation, each probed alone."""
    base = probe({})
    return {"openblas": openblas_perturbation(base), "numpy-simd": numpy_simd_perturbation(base)}


def test_nbval_passes_under_other_floating_point(perturbations, record_property):
    """One nbval run under every perturbation that changes bits here, together (as on another CPU, where
    OpenBLAS's kernels and numpy's loops differ at once); when it fails, each runs alone to name the one
    the stored outputs depend on."""
    used = {name: (changes, why) for name, (changes, why) in perturbations.items() if changes}
    for name, (changes, why) in perturbations.items():
        if not changes:
            print(f"{name} not used: {why}")
    if not used:
        pytest.skip("no perturbation changes the floating point of this machine: "
                    + "; ".join(why for _, why in perturbations.values()))
    together = {k: v for changes, _ in used.values() for k, v in changes.items()}
    description = " and ".join(why for _, why in used.values())
    proc = run_nbval("together", together)
    summary = summary_line(proc.stdout)
    record_property("perturbation", description)
    record_property("nbval_summary", summary)
    print(f"nbval on source/ under {description}: {summary}")
    if proc.returncode == 0 and "passed" in summary:
        return
    alone = {name: run_nbval(name, changes) for name, (changes, _) in used.items()} if len(used) > 1 else \
        {name: proc for name in used}
    culprits = [f"{why}: {summary_line(alone[name].stdout)}" for name, (_, why) in used.items()
                if alone[name].returncode != 0] or ["neither alone: only the two together change an output"]
    pytest.fail(
        f"nbval on source/ fails under {description}: {summary}.\n"
        f"Run alone, it fails under {'; '.join(culprits)}.\n"
        f"A stored output depends on the machine's floating point: format what the notebook prints "
        f"(fixed decimals, np.set_printoptions in its setup cell) or sanitize it (tests/nbval_sanitize.cfg); "
        f"assert the number with a tolerance.\n{failure_report(proc.stdout)}", pytrace=False)


def test_every_source_notebook_prints_arrays_with_fixed_decimals():
    """numpy's default prints each array with as many digits as its values need, padded to the widest:
    a last-bit difference changes the text. Every notebook fixes the decimals in its setup cell."""
    import nbformat

    for path in sorted((ROOT / "source").glob("*/*.ipynb")):
        setup = next(c for c in nbformat.read(str(path), as_version=4).cells if c.get("id") == "setup")
        assert re.search(r'np\.set_printoptions\(precision=\d+, floatmode="fixed"', setup.source), (
            f"{path.relative_to(ROOT)}: its setup cell should fix how arrays print, e.g. "
            f'np.set_printoptions(precision=8, floatmode="fixed")')


def test_markdown_table_text_does_not_depend_on_float_noise():
    from course.tables import markdown_table

    noisy = markdown_table(["v", "w"], [[np.array([-1e-17, 0.5 + 1e-16]), -0.0], [np.float32(0.25), -2e-9]]).data
    clean = markdown_table(["v", "w"], [[np.array([1e-17, 0.5]), 0.0], [np.float32(0.25), 2e-9]]).data
    assert noisy == clean
    assert "| (0.0000, 0.5000) | 0.0000 |" in clean and "-0.0000" not in noisy


def test_nbval_skips_the_same_report_mime_as_the_toolkit_sends():
    report = pytest.importorskip("course.report")
    import importlib.util

    spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
    root_conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(root_conftest)
    assert root_conftest.REPORT_MIME == report.MIME
