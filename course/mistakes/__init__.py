"""Known mistakes, as the wrong values they produce, for the notebooks' *visible* checks.

A visible check that says "your dW1 is the expected one transposed" needs nothing from here (the
checks in :mod:`course.checks` try sign, transpose and constant factors themselves). A mistake that
changes a formula -- sigma' evaluated at the wrong argument, z used where a belongs -- is recomputed
here, one module per assignment (``a1.py`` ...), from the same finite-difference or forward values
the visible check already has, and passed as ``wrong={description: value}``.

These functions compute *wrong* answers, one local step each; none of them is the backward pass
an exercise asks for. The grader's own diagnoses (``grader.diagnoses``, out of a kernel's reach)
decide the hidden tests.
"""
