"""Verdicts decided outside the student's kernel.

A converted hidden test only *reports* the values the student's functions return
(:func:`course.report.report`). The grader

1. runs the source notebook -- the reference solution with the same hidden tests -- once per
   assignment in a kernel of its own (the same sandbox and limits) and keeps every test cell's
   reports (:func:`reference_reports`, cached on disk under ``.grader-cache/`` in the course root,
   keyed by the source notebook, the toolkit and the library versions);
2. after the student's notebook has run, reads the reports out of each test cell's outputs,
   compares them with the reference's in this process (shape before values, the tolerance the
   reference names from :mod:`course.tolerances`, the diagnoses it names), and writes the verdict
   into the cell's outputs before ``SaveAutoGrades`` scores them (:class:`Verdicts`).

So what the kernel says about itself decides nothing: a test passes exactly when every value it
had to report arrived and matches the reference. Outputs the kernel produced are kept for the
student (prints, plots), but its errors, ``stderr`` and bare numbers no longer score a cell; a
failed test gets one error output with the grader's message. Reports a test did not ask for (or
asked for once and got twice) are evidence of tampering: the test scores 0 and the notebook is
flagged.

Tests that do not report anything are left as they are (decided by their own asserts).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from importlib import metadata
from pathlib import Path

import nbformat
import numpy as np
from nbformat.notebooknode import NotebookNode

from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from course import tolerances
from course.checks import CheckFailed, check_array
from course.report import MIME, Unreportable, decode

from . import diagnoses
from .integrity import GIVENS_KEY, META_KEY, GuardedExecute, _is_test, _nbgrader

CACHE_DIR = ".grader-cache"
GRADER_ERRORS = {"KernelDied", "NotRun", "CellTimeoutError", "IntegrityFlag"}


class ReferenceFailed(RuntimeError):
    """The reference solution does not pass its own hidden tests."""


# -- the reference run -------------------------------------------------------------------------
def _fingerprint(source: Path) -> str:
    import course

    h = hashlib.sha256(source.read_bytes())
    toolkit = Path(course.__file__).resolve().parent
    grading = Path(__file__).resolve().parent
    for path in sorted(toolkit.glob("*.py")) + sorted(grading.glob("*.py")):
        h.update(path.name.encode() + path.read_bytes())
    for dist in ("numpy", "sympy", "matplotlib", "ipykernel"):
        try:
            h.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            pass
    h.update(sys.version.encode())
    return h.hexdigest()[:24]


MAX_DEPTH = 24   # nesting a report may have (course.report.encode stops at 7)


def _depth_ok(obj, limit: int = MAX_DEPTH) -> bool:
    """Whether ``obj`` (parsed JSON) is nested at most ``limit`` deep, found without recursion."""
    stack = [(obj, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return True


def _readable(payload) -> dict:
    """A report as the grader can judge it: a dict whose key is a string and whose value is a dict,
    nested within MAX_DEPTH; anything else becomes a report under an unreadable key (evidence)."""
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except (ValueError, RecursionError, MemoryError):
            payload = None
    if not isinstance(payload, dict) or not _depth_ok(payload):
        return {"key": "(a report the grader could not read)", "value": {}}
    key = payload.get("key")
    if not isinstance(key, str) or not isinstance(payload.get("value", {}), dict):
        return {"key": "(a report the grader could not read)", "value": {}}
    return payload


def reports_in(cell) -> list[dict]:
    """The report payloads among a cell's outputs, in order (each made readable: :func:`_readable`)."""
    out = []
    for output in cell.get("outputs", []):
        data = output.get("data") if isinstance(output, dict) else None
        if output.get("output_type") in ("display_data", "execute_result") and isinstance(data, dict) and MIME in data:
            out.append(_readable(data[MIME]))
    return out


_MEMORY: dict[str, dict] = {}


def reference_reports(source: Path, config, root: Path, log=None) -> dict[str, list[dict]]:
    """{grade_id: [report payloads]} of the source notebook's test cells, run on the reference."""
    key = _fingerprint(source)
    if key in _MEMORY:
        return _MEMORY[key]
    cache = root / CACHE_DIR / "reference" / f"{source.stem}-{key}.json"
    if cache.exists():
        try:
            _MEMORY[key] = json.loads(cache.read_text(encoding="utf-8"))
            return _MEMORY[key]
        except ValueError:
            pass

    nb = nbformat.read(source, as_version=4)
    if log:
        log.info("Running the reference solution %s once to get the expected values", source)
    executor = GuardedExecute(config=config, reference_run=True)  # the same sandbox, limits, timeouts
    resources = {"metadata": {"path": str(source.parent)}, "nbgrader": {"assignment": source.parent.name}}
    executor.preprocess(nb, resources)
    result: dict[str, list[dict]] = {}
    order = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if not _is_test(cell):  # a given cell may take a value from the reference too (course.report.given)
            givens = [r for r in reports_in(cell) if r.get("given")]
            if givens:
                result[cell_key(cell, index)] = givens
                order.append(cell_key(cell, index))
            continue
        order.append(cell_key(cell))
        unused = unused_givens(cell.source)
        if unused:
            raise ReferenceFailed(f"in {source}, the test {cell_key(cell)!r} takes given values it never uses "
                                  f"({', '.join(unused)}): the kernel would read them for nothing; remove them.")
        gid = _nbgrader(cell)["grade_id"]
        errors = [o for o in cell.outputs if o.get("output_type") == "error"]
        cut = [o for o in cell.outputs if o.get("output_type") == "stream" and "[output cut:" in str(o.get("text", ""))]
        if cut and not errors:
            errors = [{"ename": "OutputLimit", "evalue": str(cut[0]["text"]).strip()}]
        if errors:
            raise ReferenceFailed(f"the reference solution in {source} fails its own test {gid!r}: "
                                  f"{errors[0].get('ename')}: {errors[0].get('evalue')}; fix the source notebook "
                                  f"before grading.")
        result[gid] = reports_in(cell)
        # the reference must pass its own test (a property check that rejects it is a broken test)
        message, evidence = judge(result[gid], [r for r in result[gid] if not r.get("given")])
        if message or evidence:
            raise ReferenceFailed(f"the reference solution in {source} fails its own test {gid!r}: "
                                  f"{message or '; '.join(evidence)}")
    check_givens_leak(order, result, source)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(result), encoding="utf-8")
    os.replace(tmp, cache)
    _MEMORY[key] = result
    return result


def cell_key(cell, index=None) -> str | None:
    """The name a cell's reports have in the reference's record: a test cell's grade_id, or
    ``(cell <grade_id>)`` for another instructor cell that takes a given value."""
    gid = _nbgrader(cell).get("grade_id")
    if _is_test(cell):
        return gid
    if gid or index is not None:
        return f"(cell {gid or index})"
    return None


def givens_by_cell(reference: dict[str, list[dict]]) -> dict[str, dict]:
    """{cell key: {given key: encoded value}}: what each cell's ``given`` calls take from the
    reference, delivered to the kernel only while that cell runs (:class:`grader.integrity.GuardedExecute`)."""
    givens_of(reference)  # (one key, one value: checked)
    out: dict[str, dict] = {}
    for cell, reports in reference.items():
        for r in reports:
            if r.get("given"):
                out.setdefault(cell, {})[r["key"]] = r["value"]
    return out


def _numeric_leaves(value) -> list[np.ndarray]:
    """Every number or numeric array inside a decoded value (dicts, lists and tuples opened), as arrays."""
    out, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, (np.ndarray, np.number, float, int)) and not isinstance(item, bool):
            out.append(np.asarray(item))
    return out


def _float_leaves(value) -> list[np.ndarray]:
    """The finite, not integer-valued float arrays and numbers inside a decoded value (integers and
    one-hot targets are inputs, not answers)."""
    return [a for a in _numeric_leaves(value) if a.dtype.kind == "f" and a.size and np.all(np.isfinite(a))
            and not np.all(a == np.round(a))]


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return any(a.shape == c.shape and np.allclose(a, c, rtol=1e-9, atol=1e-12)
               for c in ((b, b.T) if b.ndim == 2 else (b,)))


def check_givens_leak(order: list[str], reference: dict[str, list[dict]], source: Path) -> None:
    """Refuse a notebook whose ``given`` values would hand a kernel the answer of a test not yet
    graded: a value a cell takes from the reference (delivered while that cell runs) must not be
    what that cell's test, or any later test, grades. ``order`` is the cell keys in notebook order."""
    inputs = {key: [leaf for r in reference.get(key, []) if r.get("given") for leaf in _float_leaves(_decoded(r))]
              for key in order}
    # what a test grades, less what it hands the student's function itself (db = dz: the test's own
    # input is its answer, and delivering it earlier gives nothing away)
    graded = {key: [leaf for r in reference.get(key, []) if not r.get("given") and not r.get("context")
                    for leaf in _float_leaves(_decoded(r)) if not any(_same(leaf, x) for x in inputs[key])]
              for key in order}
    for i, key in enumerate(order):
        for r in reference.get(key, []):
            if not r.get("given"):
                continue
            for leaf in _float_leaves(_decoded(r)):
                for later in order[i:]:
                    if any(_same(leaf, answer) for answer in graded[later]):
                        raise ReferenceFailed(
                            f"in {source}, the value {r['key']!r} that {key!r} takes from the reference is what the "
                            f"test {later!r} grades, and a kernel would read it before that test is graded: compute "
                            f"it from the test's own inputs, or move {later!r} before {key!r}.")


def unused_givens(source: str) -> list[str]:
    """Names a test's code assigns from ``given(...)`` and never reads: a value delivered to the kernel
    for nothing (and, when it is the test's own answer, handed over; check_givens_leak cannot tell an
    input from an unused value)."""
    import ast
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    assigned = [t.id for node in ast.walk(tree) if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                and getattr(node.value.func, "id", None) == "given" for t in node.targets if isinstance(t, ast.Name)]
    loaded = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return [name for name in assigned if name not in loaded]


def _decoded(report: dict):
    try:
        return decode(report.get("value", {}))
    except (KeyError, ValueError, TypeError):
        return None


def givens_of(reference: dict[str, list[dict]]) -> dict:
    """{key: encoded value} of every ``given`` the reference computed (a key names one value)."""
    out, where = {}, {}
    for gid, reports in reference.items():
        for r in reports:
            if not r.get("given"):
                continue
            key = r["key"]
            if key in out and out[key] != r["value"]:
                raise ReferenceFailed(f"the tests {where[key]!r} and {gid!r} both take a given value named {key!r}, "
                                      f"but not the same value: give them different names in the source notebook.")
            out[key], where[key] = r["value"], gid
    return out


# -- judging one test --------------------------------------------------------------------------
def _wrong_values(expected, spec: dict, context: dict) -> dict:
    out = {}
    if not isinstance(expected, np.ndarray) and not isinstance(expected, (float, np.floating)):
        return out
    exp = np.asarray(expected, dtype=float)
    for description, how in (spec or {}).items():
        try:
            if "scale" in how:
                out[description] = exp * float(how["scale"])
            elif how.get("transpose"):
                out[description] = np.swapaxes(exp, -1, -2) if exp.ndim >= 2 else exp
            elif how.get("sign"):
                out[description] = -exp
            elif "diagnosis" in how:
                args = [context[k] for k in how.get("args", [])]
                kwargs = how.get("kwargs", {}) if isinstance(how.get("kwargs"), dict) else {}
                out[description] = np.asarray(diagnoses.get(how["diagnosis"])(*args, **kwargs), dtype=float)
        except (KeyError, TypeError, ValueError):
            continue
    return out


def compare(key: str, got, expected, tol: str = "ANALYTIC", wrong: dict | None = None,
            context: dict | None = None) -> str | None:
    """None when ``got`` is right, else the message that says what is wrong."""
    if isinstance(tol, dict) and {"rtol", "atol"} <= set(tol):
        policy = {"rtol": float(tol["rtol"]), "atol": float(tol["atol"])}  # a test's own bound (the reference names it)
    else:
        policy = getattr(tolerances, tol, tolerances.ANALYTIC) if isinstance(tol, str) else tolerances.ANALYTIC
    if not isinstance(policy, dict) or "rtol" not in policy:
        policy = tolerances.ANALYTIC
    if isinstance(got, Unreportable):
        return f"{key} should be {_kind(expected)}, but it is {got!r}."
    try:
        if isinstance(expected, (np.ndarray, np.generic)) or (isinstance(expected, float) and not isinstance(expected, bool)):
            exact = isinstance(expected, np.ndarray) and expected.dtype == np.float32
            check_array(key, got, expected, rtol=policy["rtol"], atol=policy["atol"],
                        dtype=expected.dtype if exact else None,
                        wrong=_wrong_values(expected, wrong or {}, context or {}))
            return None
        if isinstance(expected, (list, tuple)) and any(isinstance(e, (np.ndarray, float)) for e in expected):
            if not isinstance(got, (list, tuple)) or len(got) != len(expected):
                return f"{key} should be a {type(expected).__name__} of {len(expected)} values, got {_describe(got)}."
            for i, (g, e) in enumerate(zip(got, expected)):
                message = compare(f"{key}[{i}]", g, e, tol, None, context)
                if message:
                    return message
            return None
        if isinstance(expected, dict):
            if not isinstance(got, dict) or set(got) != set(expected):
                return f"{key} should be a dict with the keys {sorted(expected)}, got {_describe(got)}."
            for k in expected:
                message = compare(f"{key}[{k!r}]", got[k], expected[k], tol, None, context)
                if message:
                    return message
            return None
        if type(got) is not type(expected) or got != expected:
            return f"{key} is not right yet: got {_describe(got)}."
        return None
    except CheckFailed as failure:
        # the hidden test's expected numbers stay with the grader; shapes, sizes and diagnoses do not
        message = re.sub(r"(got [^,\n]+), expected [-+0-9.eE]+(?=\n|$)", r"\1", str(failure))
        if getattr(got, "dtype", None) in (np.float32, np.float16) and getattr(expected, "dtype", None) == np.float64:
            message += (f"\n{key} is {got.dtype} (about {np.finfo(got.dtype).precision} digits), where float64 is "
                        f"expected: compute in float64, numpy's default.")
        return message


def _kind(value) -> str:
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape}"
    return f"a {type(value).__name__}"


def _describe(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def judge(expected: list[dict], got: list[dict]) -> tuple[str | None, list[str]]:
    """(failure message or None, evidence) for one test cell.

    ``expected`` are the reference's reports, ``got`` the student's. Evidence names reports the test
    did not ask for.
    """
    wanted = {r["key"]: r for r in expected}
    seen: dict[str, dict] = {}
    evidence = []
    for r in got:
        k = r.get("key")
        if k not in wanted:
            evidence.append(f"a value was reported under {str(k)[:60]!r}, which the test does not ask for")
        elif k in seen:
            evidence.append(f"the value {k!r} was reported more than once")
        else:
            seen[k] = r
    context = {}
    for r in expected:
        if r.get("context"):
            try:
                context[r["key"]] = decode(r["value"])
            except (KeyError, ValueError, TypeError):
                pass
    for r in expected:
        if r.get("context"):
            continue
        k = r["key"]
        if k not in seen:
            return f"the test stopped before it could check {k} (the error above says why).", evidence
        try:
            value = decode(seen[k].get("value", {}))
        except Exception:  # whatever the kernel sent: a value the grader cannot read is a wrong value
            value = Unreportable("value that could not be read")
        check = r.get("check")
        if isinstance(check, dict) and "name" in check:
            # a property of the student's value (a random initialisation, a trained network), not
            # equality with the reference's: a function of the grader's judges it
            try:
                args = [context[a] for a in check.get("args", [])]
                message = diagnoses.get(check["name"])(k, value, *args, **(check.get("kwargs") or {}))
            except (KeyError, TypeError, ValueError, IndexError, AttributeError) as err:
                message = f"{k} could not be checked ({type(err).__name__}: {err}); it is not what the test expects."
        else:
            expected_value = decode(r["value"])
            try:
                message = compare(k, value, expected_value, r.get("tol", "ANALYTIC"), r.get("wrong"), context)
                if message:
                    message = _composed(k, value, r, got, message)
            except (ValueError, TypeError, OverflowError, RecursionError, MemoryError) as err:
                message = f"{k} could not be compared with what the test expects ({type(err).__name__}): it is not right."
        if message:
            return message, evidence
    return None, evidence


def _composed(key: str, value, expected: dict, got: list[dict], message: str) -> str | None:
    """A composed function's value that differs from the reference's is still right when it equals
    the student's own steps chained by the test (reported ``composed_as`` this key): the steps'
    mistakes cost their own tests, not this one again. A chain that is all zeros (or not finite)
    earns nothing this way."""
    chained = [r for r in got if r.get("composed_as") == key and isinstance(r.get("value"), dict)]
    if len(chained) != 1:
        return message
    try:
        chain = decode(chained[0]["value"])
    except Exception:
        return message
    leaves = [np.asarray(v, dtype=float) for v in _numeric_leaves(chain)]
    if not leaves or not all(np.all(np.isfinite(v)) for v in leaves) or not any(np.any(v != 0) for v in leaves):
        return message
    if compare(key, value, chain, expected.get("tol", "ANALYTIC")) is None:
        return None
    return message


def failure_output(message: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename="WrongAnswer", evalue=message,
                        traceback=[f"WrongAnswer: {line}" if i == 0 else line
                                   for i, line in enumerate(message.splitlines())])


def _source_of(config, info: dict) -> tuple[Path, Path]:
    """(the source notebook of the notebook being graded, the course root)."""
    coursedir = CourseDirectory(config=config)
    source = Path(coursedir.format_path(coursedir.source_directory, ".", info["assignment"])) / f"{info['notebook']}.ipynb"
    return source, Path(coursedir.root)


class ProvideGivens(NbGraderPreprocessor):
    """Before the student's notebook runs: the values its tests take from the reference (``given``),
    handed to ``GuardedExecute`` in ``resources``, which writes them into the sandbox."""

    def preprocess(self, nb, resources):
        source, root = _source_of(self.config, resources["nbgrader"])
        if source.exists():
            resources[GIVENS_KEY] = givens_by_cell(reference_reports(source, self.config, root, self.log))
        return nb, resources


def apply_verdict(cell, expected: list[dict]) -> list[str]:
    """Judge one executed test cell against the reference's reports and rewrite its outputs:
    the student's own outputs stay (``stderr`` as ``stdout``, bare values as displays), the
    kernel's errors go, and a failed test gets the grader's message (after the first kernel error,
    which says why a test stopped early). Returns the evidence of tampering (see :func:`judge`)."""
    got = [r for r in reports_in(cell) if not r.get("given")]
    message, evidence = judge(expected, got)
    kept, errors = [], []
    for output in cell.outputs:
        kind = output.get("output_type")
        if kind in ("display_data", "execute_result") and MIME in output.get("data", {}):
            continue
        if kind == "error":
            errors.append(output)
            continue
        if kind == "stream" and output.get("name") == "stderr":
            output["name"] = "stdout"
        if kind == "execute_result":
            output = NotebookNode(output_type="display_data", data=output.get("data", {}),
                                  metadata=output.get("metadata", {}))
        kept.append(output)
    # the grader's own notes (a kernel that died, cells not run, a time limit) always stay; of the
    # kernel's errors, the first one says why a failed test stopped early
    notes = [e for e in errors if e.get("ename") in GRADER_ERRORS]
    others = [e for e in errors if e.get("ename") not in GRADER_ERRORS]
    cell.outputs = kept + notes + (others[:1] + [failure_output(message)] if message else [])
    return evidence


def is_judged(expected: list[dict] | None) -> bool:
    """Whether a test reports values (and is judged here) rather than deciding by its own asserts."""
    return any(not r.get("context") for r in expected or [])


class Verdicts(NbGraderPreprocessor):
    """Decide every reporting test cell from its reports, outside the kernel (module docstring)."""

    def preprocess(self, nb, resources):
        source, root = _source_of(self.config, resources["nbgrader"])
        reference = reference_reports(source, self.config, root, self.log)
        flags = nb.metadata.setdefault(META_KEY, {}).setdefault("flags", [])
        for cell in nb.cells:
            if cell.cell_type != "code" or not _is_test(cell):
                continue
            gid = _nbgrader(cell)["grade_id"]
            expected = reference.get(gid) or []
            if not is_judged(expected):
                continue  # a test that reports nothing decides by its own asserts
            evidence = apply_verdict(cell, expected)
            if evidence:
                flags.append({"cell": gid, "index": None, "what": f"in the test {gid!r}, " + "; ".join(evidence[:3]),
                              "touches": [gid]})
        return nb, resources


__all__ = ["Verdicts", "ProvideGivens", "apply_verdict", "is_judged", "reference_reports", "judge", "compare", "givens_of", "givens_by_cell",
           "cell_key", "check_givens_leak", "ReferenceFailed"]
