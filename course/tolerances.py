"""The course's tolerance policy, written once.

Every check in the course takes its ``rtol``/``atol`` from here, and every
failure message prints the bound it used next to the error it measured.

==================  ===========================================  =============================
name                compares                                     bound
==================  ===========================================  =============================
``ANALYTIC``        an analytic float64 answer with an analytic  ``rtol=1e-9, atol=1e-12``
                    float64 reference (same maths, other order
                    of operations: only round-off may differ)
``FINITE_DIFF``     an analytic gradient with central finite     relative error ``<= 1e-6``
                    differences (``h = 1e-5``) in float64        (floor ``1e-8``), see
                                                                 :func:`course.gradcheck.rel_error`
``FLOAT32``         a float32 computation with a float32 value   ``rtol=1e-6, atol=1e-7``
                    the seed printed to 8 significant digits
``PRINTED``         any answer with a number printed in          ``rtol=1e-4, atol=1e-8``
                    SEEDS.md to 5-6 significant digits           (half a unit in the 5th digit)
==================  ===========================================  =============================

Why these numbers
-----------------
* float64 carries ~16 digits; two correct formulas for the same gradient
  agree to ~1e-13 on the course's small networks, so 1e-9 leaves four orders
  of magnitude of margin and still catches any real mistake (the smallest
  wrong answer the course tests, a missing factor 1/N with N <= 10^5, is
  off by 1e-5 relative).
* Central differences have truncation error O(h^2) ~ 1e-10 and round-off
  ~ eps/h ~ 1e-11 at h = 1e-5, so a correct gradient lands near 1e-9
  relative error; 1e-6 is the pass bound (CS231n uses the same order).
* float32 carries ~7 digits; summing in another order moves the 8th digit
  (the seed's L = 1.6195585 comes out as 1.6195583 in float64), so float32
  seed values are compared at rtol 1e-6.
* SEEDS.md prints most values to 5 or 6 significant digits; rounding to 5
  digits moves a value by at most 5e-5 relative, so 1e-4 accepts every
  correct answer and rejects every wrong one the course knows of.
"""

ANALYTIC = {"rtol": 1e-9, "atol": 1e-12}
FINITE_DIFF = {"max_rel_error": 1e-6, "h": 1e-5, "floor": 1e-8}
FLOAT32 = {"rtol": 1e-6, "atol": 1e-7}
PRINTED = {"rtol": 1e-4, "atol": 1e-8}

__all__ = ["ANALYTIC", "FINITE_DIFF", "FLOAT32", "PRINTED"]
