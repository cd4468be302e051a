"""Grading integrity: honest work scores full marks, tampering earns nothing, flags only on evidence.

The catalogue (tests/tampering.py) goes through real ``nbgrader autograde`` with the course's
configuration (the sandbox, verdicts outside the kernel, grader/integrity.py) in the suite's one
grading run (conftest.graded_course), and each submission's outcome is asserted from the gradebook:
code tampering of every kind earns no more than the blank release; tampering with the instructor's
cells costs exactly the touched tests; a kernel that dies or hangs costs only what it did not finish;
honest-but-unusual code scores full marks; a notebook is flagged exactly when there is evidence.
"""
import csv
import json
import math
from pathlib import Path

import nbformat
import pytest

from grader.instructor import (build_submission, load_catalogue, nbgrader_meta, release_notebooks,
                               run_nbgrader, variant_code, write_submission)
from grader.integrity import FLAG_PREFIX, META_KEY, structure_findings
from conftest import ASSIGNMENTS, LATE_BY_HOURS, LATE_STUDENT, ROOT, TEST_LIMITS, late_assignment
import honest
import tampering

BOOKS = {a: next(iter(release_notebooks(ROOT, a).items())) for a in ASSIGNMENTS}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_structure_findings_on_reference_blank_and_known_wrong_work(assignment):
    name, (src, rel) = BOOKS[assignment]
    notebooks = release_notebooks(ROOT, assignment)
    assert structure_findings(json.loads(json.dumps(build_submission(src, rel))), src) == []
    assert structure_findings(json.loads(json.dumps(build_submission(src, rel, blank=True))), src) == []
    for description, variant in load_catalogue(ROOT, assignment).items():
        nb = build_submission(src, rel, replace={variant["cell"]: variant_code(notebooks, variant)})
        assert structure_findings(json.loads(json.dumps(nb)), src) == [], description


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_structure_kind_is_found_in_every_assignment(assignment):
    name, (src, rel) = BOOKS[assignment]
    for kind, (mutate, touches) in tampering.STRUCTURE_TAMPERING.items():
        nb = tampering.reference(src, rel)
        target = nbgrader_meta(tampering.test_cells(src)[-1])["grade_id"]
        mutate(nb.cells, target)
        found = structure_findings(json.loads(json.dumps(nb)), src)
        assert found, kind
        if touches:
            assert any(target in f["touches"] for f in found), (kind, found)


# -- the graded catalogue ----------------------------------------------------------------------------
CATALOGUE = tampering.catalogue(ROOT, ASSIGNMENTS)


def autograded(graded_course, student, assignment):
    name = BOOKS[assignment][0]
    path = graded_course.root_of(student, assignment) / "autograded" / student / assignment / name
    return nbformat.read(str(path), as_version=4)


def test_catalogue_covers_every_kind_and_assignment():
    kinds = {k for sub in CATALOGUE for k in sub.kinds}
    assert kinds == set(tampering.ALL_KINDS)
    assert {sub.assignment for sub in CATALOGUE if sub.expect == "nothing"} == set(ASSIGNMENTS)


@pytest.mark.parametrize("sub", [s for s in CATALOGUE if s.expect == "nothing"], ids=lambda s: s.student)
def test_code_tampering_earns_nothing(sub, graded_course):
    """No more than the blank release (0 on every test); flagged exactly when there is evidence."""
    scores = graded_course.scores(sub.student, sub.assignment)
    blank = graded_course.scores("honest-blank", sub.assignment)
    assert scores and sum(got for got, _ in scores.values()) <= sum(got for got, _ in blank.values()) == 0, scores
    evidence = set(sub.kinds) & tampering.EVIDENCE
    if evidence:
        assert graded_course.flagged(sub.student, sub.assignment), (sub.kinds, evidence)
        reasons = " ".join(f["what"] for f in autograded(graded_course, sub.student, sub.assignment).metadata[META_KEY]["flags"])
        assert "kernel died" in reasons or "more than once" in reasons, reasons


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
    nb = autograded(graded_course, sub.student, sub.assignment)
    cell = next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == sub.disrupted)
    names = {o.get("ename") for o in cell.outputs if o.get("output_type") == "error"}
    assert names & {"KernelDied", "CellTimeoutError", "MemoryError"}, names
    # what happened is evidence: a kernel that died or hung (here or later) flags the notebook
    stopped = {o.get("ename") for c in nb.cells for o in c.get("outputs", [])} & {"KernelDied", "CellTimeoutError"}
    assert graded_course.flagged(sub.student, sub.assignment) == bool(stopped)


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
    sub = next(s for s in CATALOGUE if s.expect == "touched")
    root = graded_course.root_of(sub.student, sub.assignment)
    rows = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(open(root / "grades.csv"))}
    row = rows[(sub.student, sub.assignment)]
    assert row["integrity_flag"] == "yes" and "test cell" in row["integrity_reasons"]
    assert float(row["score"]) < float(row["max_score"])
    for a in ASSIGNMENTS:
        honest_root = graded_course.root_of("honest-reference", a)
        honest = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(open(honest_root / "grades.csv"))}
        assert honest[("honest-reference", a)]["integrity_flag"] == ""
        assert float(honest[("honest-reference", a)]["score"]) == float(honest[("honest-reference", a)]["max_score"])
    html = "".join(p.read_text() for p in (root / "feedback" / sub.student / sub.assignment).glob("*.html"))
    assert "IntegrityFlag" in html and "was not counted" in html
    assert "BEGIN HIDDEN TESTS" not in html and "_rng = np.random.default_rng" not in html


def test_regrading_gives_the_same_scores_and_flags(graded_course):
    # two of the cheapest: a tampering bundle and an honest-but-unusual submission (~5 s each)
    cheap = sorted(ASSIGNMENTS, key=lambda a: len(tampering.test_cells(BOOKS[a][1][0])))
    picks = [min((s for s in CATALOGUE if s.expect == e), key=lambda s: cheap.index(s.assignment))
             for e in ("nothing", "full")]
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
        if sub.expect in ("touched", "full", "hardcoded"):  # the table agrees with what each kind must come to
            assert flagged == ("yes" if sub.expect == "touched" else "no"), sub.student
        if sub.expect == "nothing":
            assert score.startswith("0 /"), sub.student
    out = ROOT / "test-artifacts" / "integrity"
    out.mkdir(parents=True, exist_ok=True)
    (out / "catalogue.md").write_text("\n".join(rows) + "\n")


@pytest.fixture
def released_copy(generated_course, tmp_path, monkeypatch):
    """A fresh copy of the suite's released course (`make release` has run: release/, the gradebook with
    every assignment and its due date, the reference runs cached), nobody graded yet."""
    import shutil

    monkeypatch.delenv("COURSE_DB_URL", raising=False)
    return Path(shutil.copytree(generated_course, tmp_path / "course"))


def test_a_regrade_clears_a_flag_whose_evidence_is_gone(released_copy):
    """A test cell edited, flagged; the student hands in a clean notebook; the regrade clears the
    flag and the comment (and the opt-out note of a run without the sandbox is recorded, then gone)."""
    from nbgrader.api import Gradebook
    from grader.instructor import database_url

    root = released_copy
    assignment = min(ASSIGNMENTS, key=lambda a: len(tampering.test_cells(BOOKS[a][1][0])))
    name, (src, rel) = next(iter(release_notebooks(root, assignment).items()))
    nb = tampering.reference(src, rel)
    tampering._edit(nb.cells, nbgrader_meta(tampering.test_cells(src)[-1])["grade_id"])
    write_submission(root, "fixer", assignment, {name: nb})

    def state():
        with Gradebook(database_url(root)) as gb:
            sub = gb.find_submission_notebook(name[:-len(".ipynb")], assignment, "fixer")
            return sub.flagged, " ".join(c.auto_comment or "" for c in sub.comments).strip()

    def autograde(*extra):
        proc = run_nbgrader(root, "autograde", assignment, "--force", *TEST_LIMITS, *extra)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]

    autograde("--GuardedExecute.sandbox=False")
    flagged, comment = state()
    assert flagged and FLAG_PREFIX in comment and "WITHOUT the sandbox" in comment
    write_submission(root, "fixer", assignment, {name: tampering.reference(src, rel)})
    autograde()
    assert state() == (False, "")


HONEST = honest.corpus({a: (BOOKS[a][0],) + BOOKS[a][1] for a in ASSIGNMENTS})


def test_the_honest_corpus_covers_every_habit_on_every_assignment():
    for a in ASSIGNMENTS:
        placed = {h for sub in HONEST if sub.assignment == a for h in sub.habits}
        assert placed == set(honest.HABITS), a


@pytest.mark.parametrize("sub", HONEST, ids=lambda s: s.student)
def test_honest_code_in_every_style_scores_full_marks_unflagged(sub, graded_course):
    scores = graded_course.scores(sub.student, sub.assignment)
    lost = {gid: (got, mx) for gid, (got, mx) in scores.items() if got != mx}
    assert scores and not lost, (lost, sub.habits)
    assert not graded_course.flagged(sub.student, sub.assignment), sub.habits


def test_a_late_submission_loses_the_penalty_through_autograde(graded_course):
    """due_dates.json -> the gradebook (make release); a reference handed in 2 days and 3 hours late
    (conftest.LATE_STUDENT) loses 30 % of its points (10 % per started day, grader.late) in the
    gradebook, in grades.csv and canvas.csv (export) and in its feedback; the reference handed in on
    time beside it loses nothing."""
    from nbgrader.api import Gradebook
    from grader.instructor import database_url, score_table

    assignment = late_assignment()
    penalty = 0.1 * math.ceil(LATE_BY_HOURS / 24)  # 10 % per started day: 2 days and 3 hours -> 30 %
    root = graded_course.root_of(LATE_STUDENT, assignment)
    assert graded_course.root_of("honest-reference", assignment) == root
    with Gradebook(database_url(root)) as gb:
        prompt, late = (gb.find_submission(assignment, s) for s in ("honest-reference", LATE_STUDENT))
        assert prompt.late_submission_penalty == 0 and prompt.score == prompt.max_score
        assert late.late_submission_penalty == pytest.approx(penalty * late.max_score)
        assert late.score == late.max_score  # nbgrader keeps the raw score; the penalty is subtracted on export
    table = {line.split()[0]: line for line in score_table(root).splitlines()}
    assert f"{(1 - penalty) * late.max_score:g} / {late.max_score:g} late" in table[LATE_STUDENT]
    rows = {r["student_id"]: r for r in csv.DictReader(open(root / "grades.csv")) if r["assignment"] == assignment}
    late_row = rows[LATE_STUDENT]
    assert float(late_row["late_submission_penalty"]) == pytest.approx(penalty * float(late_row["max_score"]))
    assert float(late_row["score"]) == pytest.approx((1 - penalty) * float(late_row["max_score"]))
    assert float(rows["honest-reference"]["late_submission_penalty"]) == 0
    canvas = list(csv.reader(open(root / "canvas.csv")))
    column = canvas[0].index(assignment)
    scores = {row[3]: row[column] for row in canvas[2:]}
    assert float(scores[LATE_STUDENT]) == pytest.approx((1 - penalty) * float(canvas[1][column]))
    html = {s: "".join(p.read_text() for p in (root / "feedback" / s / assignment).glob("*.html"))
            for s in ("honest-reference", LATE_STUDENT)}
    assert html[LATE_STUDENT] and html["honest-reference"]
    assert "Late submission penalty" in html[LATE_STUDENT] and "Late submission penalty" not in html["honest-reference"]
