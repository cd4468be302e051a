"""Verdicts outside the kernel (grader/verdicts.py): reports in, a decision out, in the grader's process.

Unit tests of the pieces: reports survive the trip exactly; a test passes only when every value it
asks for arrives and matches the reference; forged, extra and duplicated reports are evidence, not
marks; the diagnoses and property checks the reference names are applied. Every source notebook's
hidden tests report values and no hidden test computes an expected value in the kernel.
"""
import json

import nbformat
import numpy as np
import pytest

from course.report import MIME, decode, encode
from grader.integrity import split_test
from grader.verdicts import apply_verdict, compare, judge, reports_in
from conftest import ASSIGNMENTS, ROOT


def rep(key, value, **extra):
    return {"key": key, "value": encode(value), **extra}


def test_values_survive_encoding_exactly():
    values = [np.arange(6, dtype=np.float32).reshape(2, 3) / 7, np.array([True, False]), np.float64(1 / 3), 1 / 3,
              7, "text", None, (np.ones(2), [1.5, {"a": np.zeros((1, 2))}]), {"x", "y"}]
    for value in values:
        back = decode(json.loads(json.dumps(encode(value))))
        if isinstance(value, np.ndarray):
            assert back.dtype == value.dtype and back.shape == value.shape and np.array_equal(back, value)
        elif isinstance(value, tuple):
            assert isinstance(back, tuple) and np.array_equal(back[0], value[0]) and back[1][0] == 1.5
            assert np.array_equal(back[1][1]["a"], value[1][1]["a"])
        else:
            assert back == value and type(back) is type(value)
    assert repr(decode(encode(object()))) == "<a object>"


def test_compare_checks_shape_before_values_and_names_the_mistake():
    expected = np.arange(6.0).reshape(2, 3) + 1
    assert compare("dW", expected.copy(), expected) is None
    assert "wrong shape" in compare("dW", expected.T.copy(), expected) and "transposed" in compare("dW", expected.T.copy(), expected)
    assert "wrong shape" in compare("db", expected[:1], expected[0])  # no broadcasting
    assert "sign flipped" in compare("dW", -expected, expected)
    message = compare("dW", expected * 3, expected, wrong={"the sum instead of the mean": {"scale": 3}})
    assert "known mistake: the sum instead of the mean" in message
    assert "numpy array" in compare("dW", expected.tolist(), expected)
    assert compare("L", 2.0, np.float64(2.0)) is None
    assert "float32" in compare("s", expected, expected.astype(np.float32), tol="FLOAT32")


def test_a_test_passes_only_on_every_value_it_asked_for():
    expected = [rep("ctx", np.ones(2), context=True), rep("a", np.ones(2)), rep("b", 2.0)]
    assert judge(expected, [rep("a", np.ones(2)), rep("b", 2.0)]) == (None, [])
    message, evidence = judge(expected, [rep("a", np.ones(2))])
    assert "stopped before it could check b" in message and evidence == []
    message, _ = judge(expected, [rep("a", np.ones(2)), rep("b", 2.5)])
    assert message.startswith("b is wrong") and "got 2.5" in message
    assert "expected 2" not in message  # the hidden test's expected values stay with the grader
    assert judge(expected, [])[0]  # a blank test fails


def test_forged_extra_and_repeated_reports_are_evidence():
    expected = [rep("a", np.ones(2))]
    _, evidence = judge(expected, [rep("a", np.ones(2)), rep("a", np.ones(2)), rep("zzz", 1.0)])
    assert len(evidence) == 2 and "more than once" in evidence[0] and "does not ask for" in evidence[1]


def test_apply_verdict_decides_the_cell_whatever_the_kernel_said():
    def cell(outputs):
        return nbformat.v4.new_code_cell("x", outputs=outputs)

    def display(r):
        return nbformat.v4.new_output("display_data", data={MIME: r, "text/plain": "(reported)"})

    expected = [rep("a", np.ones(2))]
    error = nbformat.v4.new_output("error", ename="AssertionError", evalue="visible check failed", traceback=[])
    stderr = nbformat.v4.new_output("stream", name="stderr", text="a warning\n")
    bare = nbformat.v4.new_output("execute_result", data={"text/plain": "0.5"}, execution_count=1)
    # right values: the kernel's error, stderr and a bare number (partial credit) no longer decide
    c = cell([error, stderr, bare, display(rep("a", np.ones(2)))])
    assert apply_verdict(c, expected) == []
    assert [o.output_type for o in c.outputs] == ["stream", "display_data"] and c.outputs[0].name == "stdout"
    # wrong values: the grader's message, after the kernel's first error
    c = cell([display(rep("a", np.zeros(2)))])
    apply_verdict(c, expected)
    assert c.outputs[-1].output_type == "error" and c.outputs[-1].ename == "WrongAnswer"
    # a kernel that forges a passing-looking output but reports nothing fails
    c = cell([nbformat.v4.new_output("stream", name="stdout", text="all tests passed\n")])
    apply_verdict(c, expected)
    assert c.outputs[-1].ename == "WrongAnswer"


def test_split_test_runs_the_hidden_part_on_its_own():
    assert split_test("check()\n### BEGIN HIDDEN TESTS\nreport(1)\n### END HIDDEN TESTS") == \
        ["check()\n", "### BEGIN HIDDEN TESTS\nreport(1)\n### END HIDDEN TESTS"]
    assert split_test("### BEGIN HIDDEN TESTS\nx") is None and split_test("check()") is None


def test_property_checks_and_grader_diagnoses():
    from grader import diagnoses
    rng = np.random.default_rng(0)
    glorot = diagnoses.get("a5_glorot_uniform")
    limit = np.sqrt(6 / 700)
    assert glorot("W", rng.uniform(-limit, limit, (400, 300)), fan_in=400, fan_out=300) is None
    two_points = rng.choice([-1.0, 1.0], size=(400, 300)) * limit * 0.995  # right bound, variance 3x too large
    assert "variance" in glorot("W", two_points, fan_in=400, fan_out=300)
    assert "beyond the bound" in glorot("W", rng.normal(0, np.sqrt(2 / 700), (400, 300)), fan_in=400, fan_out=300)
    assert "shape" in glorot("W", np.zeros((300, 400)), fan_in=400, fan_out=300)
    no_warnings = diagnoses.get("a1_no_numerical_warnings")
    assert no_warnings("the warnings softmax raised", []) is None
    assert no_warnings("the warnings softmax raised", ["UserWarning: my debug note"]) is None
    assert "numerical" in no_warnings("the warnings softmax raised", ["RuntimeWarning: overflow encountered in exp"])


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_hidden_tests_report_and_compute_no_expected_values(assignment):
    """Every test cell's hidden part reports values, and none of the old in-kernel verdict helpers
    or reference formulas (np.exp of an answer, finite differences of a loss) is left in it."""
    for path in (ROOT / "source" / assignment).glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        tests = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")
                 and not c.metadata["nbgrader"].get("solution")]
        assert tests
        for cell in tests:
            hidden = cell.source[cell.source.index("### BEGIN HIDDEN TESTS"):]
            assert "report(" in hidden, cell.metadata["nbgrader"]["grade_id"]
            for banned in ("check_array(", "check_gradient(", "check_symbolic(", "check_equal(", "assert ",
                           "numerical_gradient(", "np.exp(", "np.outer(", "np.mean((", "1 / (1 + np.exp"):
                assert banned not in hidden, (cell.metadata["nbgrader"]["grade_id"], banned)
            assert reports_in(cell), cell.metadata["nbgrader"]["grade_id"]  # the stored run reported


def test_a_given_name_means_one_value():
    from grader.verdicts import ReferenceFailed, givens_of
    one = {"given": True, "context": True}
    assert givens_of({"t1": [rep("cache", np.ones(2), **one)], "t2": [rep("cache", np.ones(2), **one)]})
    with pytest.raises(ReferenceFailed, match="give them different names"):
        givens_of({"t1": [rep("cache", np.ones(2), **one)], "t2": [rep("cache", np.zeros(2), **one)]})


def test_a_given_value_that_a_test_still_to_come_grades_is_refused():
    """(issue 26) given values reach the kernel while their cell runs: none may be an answer not yet graded."""
    from pathlib import Path
    from grader.verdicts import ReferenceFailed, check_givens_leak, givens_by_cell
    one = {"given": True, "context": True}
    dz = np.array([0.25, -0.5, 1.75])
    ok = {"test_dz": [rep("dz", dz)], "test_dW": [rep("upstream dz", dz, **one), rep("dW", np.outer(dz, dz + 0.5))]}
    check_givens_leak(["test_dz", "test_dW"], ok, Path("nb.ipynb"))   # graded before it is given: fine
    with pytest.raises(ReferenceFailed, match="is what the test 'test_dz' grades"):
        check_givens_leak(["test_dW", "test_dz"], ok, Path("nb.ipynb"))
    # a value a test takes and never uses is refused from its code (its data cannot tell it from an input)
    from grader.verdicts import unused_givens
    assert unused_givens("_c = given('cache', f)\n_dz = given('dz', g)\nreport('dz', h(_c))") == ["_dz"]
    assert unused_givens("_c = given('cache', f)\nreport('dz', h(_c))") == []
    # a test's own input may be its answer (db = dz): handing it to an earlier test gives nothing away
    db = {"test_a": [rep("upstream dz", dz, **one), rep("a", dz + 1.5)], "test_db": [rep("upstream dz", dz, **one),
                                                                                     rep("db", dz)]}
    check_givens_leak(["test_a", "test_db"], db, Path("nb.ipynb"))
    assert givens_by_cell(ok) == {"test_dW": {"upstream dz": ok["test_dW"][0]["value"]}}


def test_unreadable_reports_are_judged_not_raised():
    """(issue 26) nested past the parser, a key that is no string, a value that is no array: a wrong
    answer and evidence, never an exception in the grader."""
    from grader.verdicts import _readable, judge
    expected = [rep("dW", np.ones(3))]
    for bad in (_readable("[" * 100_000 + "]" * 100_000), _readable({"key": ["x"], "value": 1}),
                {"key": "dW", "value": {"t": "ndarray", "dtype": "<f8", "shape": [10 ** 9, 10 ** 9], "b64": ""}},
                {"key": "dW", "value": {"t": "list", "items": [{"t": "float", "b64": "@@"}]}},
                {"key": "dW", "value": {"t": "ndarray", "dtype": "O", "shape": [3], "b64": "AAAA"}}):
        message, evidence = judge(expected, [bad])
        assert message, bad


def test_a_composition_is_judged_as_a_composition():
    """(issue 26) backward built from the student's steps: right when it equals the reference, or the
    student's own steps chained by the test (a step's mistake is charged in the step's test); a chain
    of zeros earns nothing."""
    from grader.verdicts import judge
    right, steps_wrong = np.array([1.0, -2.0]), np.array([0.5, -1.0])
    expected = [rep("dW", right), {**rep("dW chained", right), "context": True, "composed_as": "dW"}]

    def chained(value):
        return {**rep("dW chained", value), "context": True, "composed_as": "dW"}
    assert judge(expected, [rep("dW", right), chained(steps_wrong)]) == (None, [])
    assert judge(expected, [rep("dW", steps_wrong), chained(steps_wrong)]) == (None, [])
    assert judge(expected, [rep("dW", steps_wrong), chained(right)])[0]           # the composition is wrong
    assert judge(expected, [rep("dW", np.zeros(2)), chained(np.zeros(2))])[0]   # zeros everywhere: nothing
    assert judge(expected, [rep("dW", steps_wrong)])[0]                         # no chain: the reference decides
