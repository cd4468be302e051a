"""The grading system of the course: everything the grader runs, out of the student kernel's reach.

The sandboxed kernel can neither import nor read this package (``grader.sandbox`` hides it).
"""
