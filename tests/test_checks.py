"""course.checks: every check passes on right answers and fails, with the right message, on wrong ones."""
import numpy as np
import pytest

from course import CheckFailed, call, call_recording_warnings, check_array, check_equal, check_no_warnings

A = np.arange(1.0, 7.0).reshape(2, 3)
SQ = np.array([[1.0, 2.0], [3.0, 4.0]])


def fails(fn, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as err:
        fn(*args, **kwargs)
    return str(err.value)


def test_passes_on_equal_and_within_tolerance():
    assert check_array("A", A.copy(), A) is None
    check_array("A", A * (1 + 1e-12), A)
    check_array("s", 1.5, 1.5)
    check_array("s", np.float32(1.6195583), np.float32(1.6195585), rtol=1e-6, dtype=np.float32)


def test_shape_before_values_and_no_broadcasting():
    msg = fails(check_array, "dW1", np.ones((1, 3)), np.ones(3))
    assert "wrong shape" in msg and "(3,)" in msg and "(1, 3)" in msg and "dimensions of size 1" in msg
    assert "looks transposed" in fails(check_array, "dW1", A.T, A)
    assert "wrong layout" in fails(check_array, "dW1", np.ones(6), A)


def test_type_and_dtype():
    assert "is a list" in fails(check_array, "dz", [1.0, 2.0], np.array([1.0, 2.0]))
    assert "dtype float64, expected float32" in fails(check_array, "L", np.float64(1.0), np.float32(1.0), dtype=np.float32)
    assert "floating-point" in fails(check_array, "dz", np.array([1, 2]), np.array([1.0, 2.0]))


def test_nan_and_inf_are_reported_with_location():
    got = A.copy()
    got[1, 2] = np.nan
    msg = fails(check_array, "y_hat", got, A)
    assert "NaN or infinite" in msg and "(1, 2)" in msg


def test_value_message_names_largest_error_location_and_tolerance():
    got = A.copy()
    got[0, 1] += 0.5
    msg = fails(check_array, "dW2", got, A)
    assert msg.startswith("dW2 is wrong: 1 of 6 entries")
    assert "index (0, 1)" in msg and "got 2.5, expected 2" in msg and "rtol=1e-09" in msg
    assert "diagnosis" not in msg


@pytest.mark.parametrize("got, words", [
    (-A, "sign flipped"),
    (A * 3, "factor of 3"),
    (A / 4, "factor of 1/4"),
    (A * 2 / 3, "factor of 2/3"),
])
def test_builtin_diagnoses(got, words):
    assert words in fails(check_array, "dW", got, A)


def test_transposed_square_matrix_diagnosed_but_not_for_symmetric():
    assert "transposed" in fails(check_array, "dV", SQ.T, SQ)
    sym = SQ + SQ.T
    msg = fails(check_array, "dV", sym + 1, sym)
    assert "transposed" not in msg


def test_catalogue_of_known_mistakes_wins():
    wrong = {"sigma' of the activation": A + 1}
    assert "known mistake: sigma' of the activation" in fails(check_array, "dz1", A + 1, A, wrong=wrong)


def test_check_equal():
    check_equal("names", {"a"}, {"a"})
    assert "not right yet" in fails(check_equal, "names", {"b"}, {"a"})


def test_call_copies_inputs_records_warnings_and_silences_stderr(capsys):
    def noisy(z):
        import sys
        z[0] = 99.0
        print("noise", file=sys.stderr)
        return np.exp(z)
    z = np.array([1.0, 1000.0])
    result, caught = call_recording_warnings(noisy, z)
    assert z[0] == 1.0 and result[0] == np.exp(99.0)
    assert caught and "overflow" in caught[0]
    assert capsys.readouterr().err == ""
    assert "warning" in fails(check_no_warnings, "softmax", caught)
    check_no_warnings("softmax", [])


def test_call_turns_the_release_stub_into_a_plain_message():
    def softmax(z):
        raise NotImplementedError()
    assert "softmax is not implemented yet" in fails(call, softmax, 1.0)


def test_catalogue_is_consulted_when_the_shape_is_wrong_too():
    dz = np.arange(6.0).reshape(2, 3)
    msg = fails(check_array, "db", dz.mean(axis=1), dz.sum(axis=0), wrong={"the mean over the wrong axis": dz.mean(axis=1)})
    assert "wrong shape" in msg and "known mistake: the mean over the wrong axis" in msg
