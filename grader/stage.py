"""Staging a submission: only its own regular files go on to be graded.

A symbolic link, hard link, FIFO, socket or device file reaches ``submitted/`` when an instructor
unpacks an LMS archive, a zip or a tar, or copies folders in. nbgrader follows links when it copies a
submission into ``autograded/`` (and from there into the sandbox and ``feedback/``), so a link to
``source/`` or to the gradebook would hand a kernel the hidden tests and solutions. Here nothing of
the kind is followed:

* :func:`irregular` finds them (without following any link);
* ``nbgrader autograde`` runs :func:`pre_convert` (``Autograde.pre_convert_hook`` in
  nbgrader_config.py) before it copies anything: each such file is moved out of the submission into
  ``submitted/<student>/.not-graded-<assignment>/`` (kept, not graded), a notebook among them is not
  graded (a missing notebook scores 0), one sentence names each, and the submission is flagged
  (``grader.integrity.CheckStructure`` adds the finding to the notebook's flags; when no notebook is
  left to grade, the gradebook's notebooks are flagged here);
* the course's commands (``grader.instructor grade``, ``grader.grade``) say the same sentences in
  their preflight, before nbgrader starts.
"""
from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

NOT_GRADED = ".not-graded-{assignment}"
STAGED: dict[str, list[str]] = {}   # submission folder -> findings, for CheckStructure (same process)


def _kind(path: Path, st: os.stat_result, protected: set) -> str | None:
    if stat.S_ISLNK(st.st_mode):
        return f"a symbolic link (to {os.readlink(path)})"
    if stat.S_ISFIFO(st.st_mode):
        return "a FIFO"
    if stat.S_ISSOCK(st.st_mode):
        return "a socket"
    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        return "a device file"
    if stat.S_ISREG(st.st_mode) and st.st_nlink > 1 and (st.st_dev, st.st_ino) in protected:
        return "a hard link to a file of the course"
    return None


def protected_files(root: Path) -> set:
    """(device, inode) of the files a hard link must not reach: the sources, the gradebook, the
    configuration, the reference cache."""
    out = set()
    for top in [root / "source", root / ".grader-cache"] + list(root.glob("gradebook.db*")) + [root / "nbgrader_config.py"]:
        paths = [top] if top.is_file() else (p for p in top.rglob("*") if p.is_file()) if top.is_dir() else []
        for p in paths:
            try:
                st = p.lstat()
                out.add((st.st_dev, st.st_ino))
            except OSError:
                pass
    return out


def irregular(folder: Path, root: Path | None = None) -> list[tuple[Path, str]]:
    """[(path, what it is)] of the entries under ``folder`` that are not the submission's own regular
    files or folders; links are never followed."""
    protected = protected_files(root) if root else set()
    for outer in (folder.parent, folder):  # the student's folder, the assignment's folder
        if outer.is_symlink():
            return [(outer, f"a symbolic link (to {os.readlink(outer)})")]
    found = []
    for top, dirs, files in os.walk(folder, followlinks=False):
        for name in sorted(dirs + files):
            path = Path(top) / name
            try:
                kind = _kind(path, path.lstat(), protected)
            except OSError:
                continue
            if kind:
                found.append((path, kind))
        dirs[:] = [d for d in dirs if not (Path(top) / d).is_symlink()]
    return found


def sentence(path: Path, kind: str, student: str, where: Path) -> str:
    return (f"{path} is {kind}, not a file of {student}'s own: it was not graded "
            f"and was moved to {where}.")


def set_aside(folder: Path, found: list[tuple[Path, str]]) -> Path:
    """Move each found entry to ``<student>/.not-graded-<assignment>/`` (same relative path)."""
    aside = folder.parent / NOT_GRADED.format(assignment=folder.name)
    for path, _ in found:
        if path in (folder, folder.parent):  # a linked folder: the link itself is set aside
            target = path.parent / NOT_GRADED.format(assignment=path.name)
            if not target.exists():
                os.replace(path, target)
            return target
        target = aside / path.relative_to(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists() or target.is_symlink():
            target.unlink() if not target.is_dir() or target.is_symlink() else shutil.rmtree(target)
        os.replace(path, target)
    return aside


def make_pre_convert(db_url: str, root: Path):
    """``Autograde.pre_convert_hook``: stage the submission nbgrader is about to copy (module docstring)."""
    def pre_convert(assignment=None, student=None, notebooks=None, **_):
        if not notebooks:
            return
        folder = Path(os.path.abspath(Path(notebooks[0]).parent))
        found = irregular(folder, root)
        if not found:
            STAGED.pop(str(folder), None)
            return
        student_id = folder.parent.name
        aside = set_aside(folder, found)
        findings = [sentence(p.relative_to(root) if p.is_relative_to(root) else p, kind, student_id,
                             aside.relative_to(root) if aside.is_relative_to(root) else aside)
                    for p, kind in found]
        for text in findings:
            print(f"PROBLEM: {text}", flush=True)
        refused = {str(p) for p, _ in found}
        linked_folder = any(p in (folder, folder.parent) for p, _ in found)
        notebooks[:] = [] if linked_folder else [nb for nb in notebooks if os.path.abspath(nb) not in refused]
        STAGED[str(folder)] = findings
        if not notebooks:
            _flag_in_gradebook(db_url, folder.name, student_id, findings)
    return pre_convert


def _flag_in_gradebook(db_url: str, assignment: str, student: str, findings: list[str]) -> None:
    """No notebook is left to grade: record the submission, scored 0 and flagged, with the reason."""
    from nbgrader.api import Gradebook

    from .integrity import FLAG_PREFIX
    with Gradebook(db_url) as gb:
        gb.update_or_create_student(student)
        submission = gb.update_or_create_submission(assignment, student)
        for notebook in submission.notebooks:
            notebook.flagged = True
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
            comments = sorted(notebook.comments, key=lambda c: c.name)
            if comments:
                comments[0].auto_comment = f"{FLAG_PREFIX} " + " | ".join(findings)
        gb.db.commit()


__all__ = ["irregular", "set_aside", "make_pre_convert", "STAGED", "sentence"]
