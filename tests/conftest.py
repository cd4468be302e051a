"""Shared fixtures: the repository root and a throw-away copy of the course for nbgrader runs."""
import os
import shutil
from pathlib import Path

import pytest

from course.instructor import assignments, release, use_this_python_for_tools

ROOT = Path(__file__).resolve().parents[1]
use_this_python_for_tools()  # nbgrader runs the `alembic` executable by name


def copy_course(dest: Path) -> Path:
    """Copy what an instructor's course folder holds (source, release, config, catalogue) to dest."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("source", "release"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    shutil.copy(ROOT / "nbgrader_config.py", dest / "nbgrader_config.py")
    shutil.copytree(ROOT / "tests" / "catalogue", dest / "tests" / "catalogue",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return dest


@pytest.fixture
def course_copy(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_DB_URL", raising=False)
    return copy_course(tmp_path / "course")


ASSIGNMENTS = assignments(ROOT)


@pytest.fixture(scope="session")
def generated_course(tmp_path_factory):
    """A course copy in which `nbgrader generate_assignment` has run for every assignment.

    Its release/ is what source/ generates now, and its gradebook knows every assignment,
    so graded copies can start from it without generating again.
    """
    os.environ.pop("COURSE_DB_URL", None)
    root = copy_course(tmp_path_factory.mktemp("generated") / "course")
    release(root)
    return root
