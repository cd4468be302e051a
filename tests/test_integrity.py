"""Grading integrity: honest work scores full marks, tampering earns nothing and is flagged.

Two layers are tested.  The screen (course/screen.py) is static: every kind of the catalogue
(tests/tampering.py) is placed in every assignment and must be found, and no reference solution,
no known-wrong variant and no honest-but-unusual submission may be flagged.  The graded catalogue
goes through real ``nbgrader autograde`` with the course's preprocessors (course/integrity.py)
in the suite's one grading run (conftest.graded_course), and each submission's outcome is asserted.
"""
import csv
import json

import nbformat
import pytest

from course.instructor import (build_submission, load_catalogue, nbgrader_meta, release_notebooks,
                               run_nbgrader, variant_code)
from course.integrity import META_KEY, structure_findings
from course.screen import context_from_source, screen_cells, screen_notebook
from conftest import ASSIGNMENTS, ROOT, TEST_LIMITS
import tampering

BOOKS = {a: next(iter(release_notebooks(ROOT, a).items())) for a in ASSIGNMENTS}


def findings(nb, src):
    return [str(f) for f in screen_notebook(nb, src)] + \
           [f["what"] for f in structure_findings(json.loads(json.dumps(nb)), src)]


# -- the screen, statically ------------------------------------------------------------------------
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_false_flags_on_reference_blank_and_known_wrong_work(assignment):
    name, (src, rel) = BOOKS[assignment]
    notebooks = release_notebooks(ROOT, assignment)
    assert findings(build_submission(src, rel), src) == []
    assert findings(build_submission(src, rel, blank=True), src) == []
    for description, variant in load_catalogue(ROOT, assignment).items():
        nb = build_submission(src, rel, replace={variant["cell"]: variant_code(notebooks, variant)})
        assert findings(nb, src) == [], description


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_kind_is_found_in_every_assignment(assignment):
    """Each code tampering kind alone in each answer cell that defines functions is reported and
    names that cell; the honest, disrupting and typed-in kinds are not reported."""
    name, (src, rel) = BOOKS[assignment]
    slots = [gid for gid, names in tampering.function_names(src).items() if names]
    for i, (kind, code) in enumerate(tampering.CODE_TAMPERING.items()):
        gid = slots[i % len(slots)]
        nb = build_submission(src, rel, blank=True, replace={gid: code(src, gid)})
        found = screen_notebook(nb, src)
        assert found, f"{kind} in {assignment}/{gid} was not found"
        assert {f.cell for f in found} == {gid}, (kind, [str(f) for f in found])
    for kind, (mutate, touches) in tampering.STRUCTURE_TAMPERING.items():
        nb = tampering.reference(src, rel)
        target = nbgrader_meta(tampering.test_cells(src)[-1])["grade_id"]
        mutate(nb.cells, target)
        found = structure_findings(json.loads(json.dumps(nb)), src)
        assert found, kind
        if touches:
            assert any(target in f["touches"] for f in found), (kind, found)
    for kind, build in {**tampering.DISRUPTION, **tampering.HONEST,
                        tampering.HARDCODED: tampering._hardcoded}.items():
        assert findings(build(src, rel), src) == [], kind


SCREEN_CASES = {
    # code: flagged?
    "import numpy as np\nnp.testing.assert_allclose = print": True,
    "from numpy import testing\ntesting.assert_allclose = print": True,
    "import numpy.testing as npt\nnpt.assert_allclose = print": True,
    "check_array = print": True,
    "def check_array(*a): pass": True,
    "AssertionError = Exception": True,
    "import sys\nsys.stdout = None": True,
    "import sys\nf = sys._getframe": True,
    "from sys import _getframe": True,
    "x = __import__('os')": True,
    "y = getattr(np, 'tes' + 'ting')": True,
    "y = getattr(np, '__dict__')": True,
    "def f():\n    return _ref": True,
    "def f():\n    return In[-1]": True,
    "def f():\n    return (lambda: 0).__globals__": True,
    "class A:\n    def __eq__(self, o):\n        return True": True,
    "class B(np.ndarray):\n    pass": True,
    "%run other.py": True,
    "!cat /etc/passwd": True,
    "with open('x') as f:\n    pass": True,
    "import os": True,
    "import importlib": True,
    "np.ones(3).__class__ = list": True,
    # honest
    "import numpy as np\nfrom course import check_array\nx = np.ones(3)": False,
    "def f(x):\n    s = 0\n    for v in x:\n        s += v\n    return s": False,
    "class Layer:\n    def __init__(self, W):\n        self.W = W\n    def __call__(self, x):\n        return x @ self.W": False,
    "import math, warnings\nwarnings.filterwarnings('ignore')\nprint(math.pi)": False,
    "%timeit np.ones(3)": False,
    "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])": False,
    "import sys\nprint('debug', file=sys.stderr)": False,
    "def f(x):\n    for _ in range(3):\n        x = x * 2\n    return x": False,
    "def f(a):\n    return getattr(a, 'shape')": False,
    "if __name__ == '__main__':\n    pass": False,
    "from functools import reduce\ntotal = reduce(lambda a, b: a + b, [1, 2])": False,
    "squares = [i * i for i in range(4)]\nlookup = {k: v for k, v in zip('ab', (1, 2))}": False,
}


def test_screen_rules():
    name, (src, rel) = BOOKS["03_tensor_backprop"]
    ctx = context_from_source(src)
    for code, should in SCREEN_CASES.items():
        found = screen_cells([("cell", code)], ctx)
        assert bool(found) == should, f"{code!r}: {[str(f) for f in found]}"
        for f in found:
            assert f.cell == "cell" and f.line >= 1 and f.what  # one sentence naming where


# -- the graded catalogue ----------------------------------------------------------------------------
CATALOGUE = tampering.catalogue(ROOT, ASSIGNMENTS)


def autograded(graded_course, student, assignment):
    name = BOOKS[assignment][0]
    path = graded_course.root_of(student, assignment) / "autograded" / student / assignment / name
    return nbformat.read(str(path), as_version=4)


def test_catalogue_covers_every_kind_and_assignment():
    kinds = {k for sub in CATALOGUE for k in sub.kinds}
    assert kinds == set(tampering.ALL_KINDS)
    assert {sub.assignment for sub in CATALOGUE if sub.expect == "flagged"} == set(ASSIGNMENTS)


@pytest.mark.parametrize("sub", [s for s in CATALOGUE if s.expect == "flagged"], ids=lambda s: s.student)
def test_code_tampering_earns_nothing_and_is_flagged(sub, graded_course):
    scores = graded_course.scores(sub.student, sub.assignment)
    assert scores and all(got == 0 for got, _ in scores.values()), scores
    assert graded_course.flagged(sub.student, sub.assignment)
    flags = autograded(graded_course, sub.student, sub.assignment).metadata[META_KEY]["flags"]
    named = {f["cell"] for f in flags}
    for kind, cell in sub.kinds.items():
        assert cell in named, f"{kind} (cell {cell}) is not among the flags: {named}"
    nb = autograded(graded_course, sub.student, sub.assignment)
    assert any(o.get("ename") == "IntegrityFlag" for c in nb.cells for o in c.get("outputs", []))


@pytest.mark.parametrize("sub", [s for s in CATALOGUE if s.expect == "touched"], ids=lambda s: s.student)
def test_tampered_test_cells_score_zero_and_only_they(sub, graded_course):
    scores = graded_course.scores(sub.student, sub.assignment)
    touched = {gid for gid in sub.kinds.values() if gid}
    assert touched
    for gid, (got, mx) in scores.items():
        if mx == 0:
            continue
        if gid in touched:
            assert got == 0, f"{gid} was tampered with and kept {got}"
        else:
            assert got == mx, f"{gid} was not touched and lost points ({got}/{mx})"
    assert graded_course.flagged(sub.student, sub.assignment)
    flags = " | ".join(f["what"] for f in autograded(graded_course, sub.student, sub.assignment).metadata[META_KEY]["flags"])
    for kind, gid in sub.kinds.items():
        assert (repr(gid) in flags) if gid else ("does not have" in flags), (kind, flags)


@pytest.mark.parametrize("sub", [s for s in CATALOGUE if s.expect == "disrupted"], ids=lambda s: s.student)
def test_a_dying_or_hanging_kernel_costs_only_what_it_did_not_finish(sub, graded_course):
    _, (src, _) = BOOKS[sub.assignment]
    ids = [nbgrader_meta(c).get("grade_id") for c in src.cells]
    cut = ids.index(sub.disrupted)
    tests = [nbgrader_meta(c)["grade_id"] for c in tampering.test_cells(src)]
    before = [t for t in tests if ids.index(t) < cut]
    after = [t for t in tests if ids.index(t) > cut]
    scores = graded_course.scores(sub.student, sub.assignment)
    assert before and after
    for gid in before:
        assert scores[gid][0] == scores[gid][1], f"{gid} ran before the disruption and lost points"
    assert scores[after[0]][0] == 0, f"{after[0]} tests the disrupted cell and kept points"
    assert not graded_course.flagged(sub.student, sub.assignment)
    nb = autograded(graded_course, sub.student, sub.assignment)
    cell = next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == sub.disrupted)
    names = {o.get("ename") for o in cell.outputs if o.get("output_type") == "error"}
    assert names & {"KernelDied", "CellTimeoutError", "MemoryError"}, names


@pytest.mark.parametrize("sub", [s for s in CATALOGUE if s.expect == "full"], ids=lambda s: s.student)
def test_honest_but_unusual_code_scores_full_marks_unflagged(sub, graded_course):
    scores = graded_course.scores(sub.student, sub.assignment)
    assert all(got == mx for got, mx in scores.values()), scores
    assert not graded_course.flagged(sub.student, sub.assignment)


@pytest.mark.parametrize("sub", [s for s in CATALOGUE if s.expect == "hardcoded"], ids=lambda s: s.student)
def test_answers_found_once_and_typed_in_fail_the_hidden_tests(sub, graded_course):
    """Every test of a function scores 0 when the function returns its first (visible) answer forever."""
    _, (src, _) = BOOKS[sub.assignment]
    functions = {n for names in tampering.function_names(src).values() for n in names}
    scores = graded_course.scores(sub.student, sub.assignment)
    for cell in tampering.test_cells(src):
        gid = nbgrader_meta(cell)["grade_id"]
        if any(f"{n}(" in cell.source or f"{n}," in cell.source for n in functions):
            assert scores[gid][0] == 0, f"{gid} passes with answers fixed at their first value"
    assert not graded_course.flagged(sub.student, sub.assignment)


def test_malformed_submissions_are_named_and_the_rest_graded(graded_course):
    problems = [p for results in graded_course.preflights.values() for r in results for p in r.problems]
    for sub in (s for s in CATALOGUE if s.expect == "malformed"):
        (filename,) = sub.notebooks
        mine = [p for p in problems if sub.student in p and filename in p]
        assert len(mine) == 1, (sub.student, problems)
        assert "not graded" in mine[0] and ("not valid JSON" in mine[0] or "not a readable Jupyter notebook" in mine[0])
    graded = [s for s in CATALOGUE if s.expect != "malformed"]
    for sub in graded:
        assert graded_course.scores(sub.student, sub.assignment), f"{sub.student} was not graded"


def test_export_and_feedback_show_the_flag(graded_course):
    sub = next(s for s in CATALOGUE if s.expect == "flagged")
    root = graded_course.root_of(sub.student, sub.assignment)
    rows = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(open(root / "grades.csv"))}
    row = rows[(sub.student, sub.assignment)]
    assert row["integrity_flag"] == "yes" and "cell '" in row["integrity_reasons"]
    assert float(row["score"]) == 0
    for a in ASSIGNMENTS:
        honest_root = graded_course.root_of("honest-reference", a)
        honest = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(open(honest_root / "grades.csv"))}
        assert honest[("honest-reference", a)]["integrity_flag"] == ""
        assert float(honest[("honest-reference", a)]["score"]) == float(honest[("honest-reference", a)]["max_score"])
    html = "".join(p.read_text() for p in (root / "feedback" / sub.student / sub.assignment).glob("*.html"))
    assert "IntegrityFlag" in html and "was not counted" in html
    assert "BEGIN HIDDEN TESTS" not in html and "_rng = np.random.default_rng" not in html


def test_regrading_gives_the_same_scores_and_flags(graded_course):
    # two of the cheapest: a flagged bundle and an honest-but-unusual submission (~5 s each)
    cheap = sorted(ASSIGNMENTS, key=lambda a: len(tampering.test_cells(BOOKS[a][1][0])))
    picks = [min((s for s in CATALOGUE if s.expect == e), key=lambda s: cheap.index(s.assignment))
             for e in ("flagged", "full")]
    before = {s.student: (graded_course.scores(s.student, s.assignment), graded_course.flagged(s.student, s.assignment))
              for s in picks}
    for s in picks:
        proc = run_nbgrader(graded_course.root_of(s.student, s.assignment), "autograde", s.assignment, "--force",
                            f"--CourseDirectory.student_id={s.student}", *TEST_LIMITS)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    after = {s.student: (graded_course.scores(s.student, s.assignment), graded_course.flagged(s.student, s.assignment))
             for s in picks}
    assert after == before


def test_write_the_catalogue_table(graded_course):
    """test-artifacts/integrity/catalogue.md: every graded submission of the catalogue with its outcome."""
    rows = ["| submission | assignment | kinds (cell or test) | expected | score | flagged |", "|---|---|---|---|---|---|"]
    for sub in CATALOGUE:
        if sub.expect == "malformed":
            score, flagged = "not graded (named in one sentence)", ""
        else:
            scores = graded_course.scores(sub.student, sub.assignment)
            score = f"{sum(s for s, _ in scores.values()):g} / {sum(m for _, m in scores.values()):g}"
            flagged = "yes" if graded_course.flagged(sub.student, sub.assignment) else "no"
        kinds = "; ".join(f"{k} ({v})" if v else k for k, v in sub.kinds.items())
        rows.append(f"| {sub.student} | {sub.assignment} | {kinds} | {sub.expect} | {score} | {flagged} |")
        if sub.expect != "malformed":  # the table agrees with what each kind must come to
            assert flagged == ("yes" if sub.expect in ("flagged", "touched") else "no"), sub.student
    out = ROOT / "test-artifacts" / "integrity"
    out.mkdir(parents=True, exist_ok=True)
    (out / "catalogue.md").write_text("\n".join(rows) + "\n")
