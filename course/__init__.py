"""Toolkit for the course "Backpropagation by hand".

* :mod:`course.checks`     -- ``check_array``, ``call``: array checks whose messages teach
* :mod:`course.gradcheck`  -- finite differences, ``rel_error``, per-tensor tables
* :mod:`course.symbolic`   -- ``check_symbolic`` for sympy answers
* :mod:`course.nn`         -- ungraded building blocks (``sigmoid``, ``grading_now``)
* :mod:`course.tolerances` -- the tolerance policy, written once
* :mod:`course.report`     -- ``report``, ``given``: how hidden tests hand values to the grader
* :mod:`course.notation`   -- the course's one notation table (``notation.md``), shown in every notebook
* :mod:`course.graphs`     -- computational-graph pictures: forward values on nodes, gradients on edges
* :mod:`course.loops`      -- ``loops_only``: arrays that only index-loop code can read
* :mod:`course.mistakes`   -- wrong values of known mistakes, for the visible checks' diagnoses

The grading system (nbgrader preprocessors, sandbox, verdicts, class grading, instructor commands)
is the package ``grader`` beside this one; a graded kernel can neither import nor read it.
"""
from .checks import (CheckFailed, call, call_recording_warnings, check_array, check_equal,
                     check_no_warnings)
from .gradcheck import (KinkWarning, check_gradient, gradient_table, numerical_gradient,
                        numerical_vjp, rel_error)
from .nn import grading_now, sigmoid
from . import tolerances

__all__ = ["CheckFailed", "call", "call_recording_warnings", "check_array", "check_equal", "check_no_warnings",
           "KinkWarning", "check_gradient", "gradient_table", "numerical_gradient",
           "numerical_vjp", "rel_error", "check_symbolic", "grading_now", "sigmoid", "tolerances"]


def __getattr__(name):
    # sympy takes ~0.35 s to import; only notebooks that check symbolic answers pay for it.
    if name == "check_symbolic":
        from .symbolic import check_symbolic
        return check_symbolic
    raise AttributeError(f"module 'course' has no attribute {name!r}")
