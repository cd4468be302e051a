"""The grading system of the course: everything the grader runs, out of the student kernel's reach.

The sandboxed kernel can neither import nor read this package (``grader.sandbox`` hides it).
"""


def _ask_alembic_once() -> None:
    """nbgrader 0.9.6 runs `alembic heads` in a subprocess (~0.4-0.9 s) every time a Gradebook is
    opened, and a grading run opens several per notebook. The answer is a constant of the installed
    nbgrader, so every grading process asks once."""
    import functools

    try:
        from nbgrader import api
    except ImportError:
        return
    if not hasattr(api.get_alembic_version, "cache_info"):
        api.get_alembic_version = functools.lru_cache(maxsize=None)(api.get_alembic_version)


_ask_alembic_once()
