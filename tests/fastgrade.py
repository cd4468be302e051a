"""Grade many known-wrong variants of one assignment in one kernel, the way nbgrader would.

``nbgrader autograde`` starts a kernel per notebook and spends ~2-4 s on each; the 74 known-wrong
variants of the catalogue only need to show that the hidden tests catch each mistake.  Here one
kernel per assignment runs, for each variant, the notebook autograde would run (the source
notebook's given and test cells, hidden tests included, with the student's answer cells), after
``%reset -f``; each test cell is judged as autograde judges it (``grader.verdicts.apply_verdict``
against the reference's reports, for tests that report values; the stderr rule of
``grader.integrity.ApplyFlags`` for the others) and scored with nbgrader's own ``determine_grade``.  test_roundtrip.py proves this agrees with
real ``nbgrader autograde`` on the reference, the blank release and one variant per assignment.
Tampering never runs here (it could change the shared kernel); it goes through real autograde.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from queue import Empty

import nbformat
from jupyter_client.manager import start_new_kernel
from nbgrader.utils import determine_grade
from traitlets.config import Config

from course.report import GIVEN_ENV
from grader.integrity import split_test
from grader.verdicts import apply_verdict, givens_of, is_judged, reference_reports

RESET = "%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt"


def as_autograded(submission, source_nb):
    """The notebook autograde executes: the submission with every instructor cell (given code
    and tests, hidden tests included) taken from the source notebook, matched by grade_id."""
    instructor = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source_nb.cells
                  if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                  and not c.metadata["nbgrader"].get("solution")}
    nb = nbformat.from_dict(submission)
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in instructor:
            cell.source = instructor[gid]
    return nb


class SharedKernel:
    """One IPython kernel that grades notebook after notebook."""

    def __init__(self, cwd: str, timeout: int = 60, source: Path | None = None, root: Path | None = None):
        """``source``: the source notebook whose reference run judges the tests that report values
        (in the course ``root``)."""
        self.reference = reference_reports(source, Config(), root) if source else {}
        self._given = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        json.dump(givens_of(self.reference), self._given)
        self._given.close()
        env = dict(os.environ, NBGRADER_EXECUTION="autograde", MPLBACKEND="Agg", **{GIVEN_ENV: self._given.name})
        self.km, self.kc = start_new_kernel(kernel_name="python3", cwd=cwd, env=env,
                                            extra_arguments=["--HistoryManager.hist_file=:memory:"])
        self.timeout = timeout

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)
        os.unlink(self._given.name)

    def run(self, code: str) -> list:
        outputs = []

        def hook(msg):
            kind = msg["header"]["msg_type"]
            if kind == "clear_output":
                outputs.clear()
            elif kind in ("stream", "display_data", "execute_result", "error"):
                outputs.append(nbformat.v4.output_from_msg(msg))

        try:
            reply = self.kc.execute_interactive(code, timeout=self.timeout, output_hook=hook, allow_stdin=False)
        except (TimeoutError, Empty):
            self.km.interrupt_kernel()
            outputs.append(nbformat.v4.new_output("error", ename="CellTimeoutError", evalue="", traceback=[]))
            return outputs
        if reply["content"]["status"] == "error" and not any(o.output_type == "error" for o in outputs):
            c = reply["content"]
            outputs.append(nbformat.v4.new_output("error", ename=c["ename"], evalue=c["evalue"], traceback=[]))
        return outputs

    def grade(self, nb, stop_after: set | None = None) -> dict:
        """{grade_id: (score, max score)} of the test cells, after running every code cell in order
        (or only until every test in ``stop_after`` has been scored).  ``self.messages`` then holds,
        per test cell, the visible check's error text and the grader's verdict message."""
        self.run(RESET)
        scores = {}
        self.messages = {}
        left = set(stop_after) if stop_after else None
        for cell in nb.cells:
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            meta = cell.metadata.get("nbgrader", {})
            parts = split_test(cell.source) if meta.get("grade") and not meta.get("solution") else None
            visible = self.run(parts[0]) if parts else []
            cell.outputs = visible + [o for part in parts[1:] for o in self.run(part)] if parts else self.run(cell.source)
            if meta.get("grade") and not meta.get("solution"):
                expected = self.reference.get(meta["grade_id"])
                if is_judged(expected):
                    apply_verdict(cell, expected)
                self.messages[meta["grade_id"]] = {
                    "visible": "\n".join(f"{o.ename}: {o.evalue}" for o in visible if o.output_type == "error"),
                    "verdict": "\n".join(o.evalue for o in cell.outputs
                                         if o.output_type == "error" and o.ename == "WrongAnswer")}
                for output in cell.outputs:
                    if output.get("output_type") == "stream" and output.get("name") == "stderr":
                        output["name"] = "stdout"
                scores[meta["grade_id"]] = determine_grade(cell)
                if left is not None:
                    left.discard(meta["grade_id"])
                    if not left:
                        break
        return scores
