"""Grade many known-wrong variants of one assignment in one kernel, the way nbgrader would.

``nbgrader autograde`` starts a kernel per notebook and spends ~2-4 s on each; the 148 known-wrong
variants of the catalogue only need to show that the hidden tests catch each mistake.  Here one
kernel per assignment runs the notebook autograde would run (the source notebook's given and test
cells, hidden tests included, with the student's answer cells): the blank release in full, after
``%reset -f``; the reference in stretches (``advance``, scoring its tests as they run); each variant
-- the reference with one answer cell replaced -- from the state the reference's earlier cells leave
(run once for all variants, in order), its own
cells in a fork of the kernel's process (tests/fastgrade_fork.py: ``grade_forked``), so no variant
runs what it shares with the others again or leaves anything behind.  Each test cell is judged as
autograde judges it (``grader.verdicts.apply_verdict`` against the reference's reports, for tests
that report values; the stderr rule of ``grader.integrity.ApplyFlags`` for the others) and scored
with nbgrader's own ``determine_grade``.  test_roundtrip.py proves this agrees with real ``nbgrader
autograde`` on the reference, the blank release and one variant per assignment (forked, run to its
end).  Tampering never runs here (it could change the shared kernel); it goes through real autograde.
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

from course.report import GIVEN_ENV, MIME
from grader.integrity import HIDDEN, KEEP, RUN, _is_test, cell_plan, hidden_outputs, protected_names
from grader.verdicts import apply_verdict, givens_of, is_judged, reference_reports

# ``%reset -f`` (the namespace cleared as a fresh kernel has it) without the two full garbage
# collections it runs each time (0.2 s a notebook, a quarter of a light variant's time); the
# interpreter's own collector still runs as usual.
RESET = """def _reset_fast(ip=get_ipython()):
    import gc
    collect, gc.collect = gc.collect, (lambda *args, **kwargs: 0)
    try:
        ip.run_line_magic("reset", "-f")
    finally:
        gc.collect = collect
_reset_fast()
import matplotlib.pyplot as _plt
_plt.close('all')
del _plt"""


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
        # one BLAS thread, as in the grader's sandbox (and a process that forks has no thread pool to lose)
        env = dict(os.environ, NBGRADER_EXECUTION="autograde", MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1",
                   OMP_NUM_THREADS="1", **{GIVEN_ENV: self._given.name})
        self.km, self.kc = start_new_kernel(kernel_name="python3", cwd=cwd, env=env,
                                            extra_arguments=["--HistoryManager.hist_file=:memory:"])
        self.timeout = timeout
        # the kernel's half of forked grading, as module fastgrade_fork (tests/ stays off its sys.path)
        # tracebacks as one line (what is scored and named is the error's type and message; a verbose
        # traceback costs tens of milliseconds each, and a blank release raises in every test cell)
        self.run("%xmode Minimal")
        self.run("import importlib.util, sys\n"
                 f"_spec = importlib.util.spec_from_file_location('fastgrade_fork', {str(Path(__file__).with_name('fastgrade_fork.py'))!r})\n"
                 "sys.modules['fastgrade_fork'] = _module = importlib.util.module_from_spec(_spec)\n"
                 "_spec.loader.exec_module(_module)\ndel _spec, _module")
        self._scratch = Path(tempfile.mkdtemp(prefix="fastgrade-"))
        self.position = None  # code cells of the shared prefix run so far (advance())

    def close(self):
        import shutil

        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)
        os.unlink(self._given.name)
        shutil.rmtree(self._scratch, ignore_errors=True)

    def run(self, code: str, timeout: int | None = None) -> list:
        outputs = []

        def hook(msg):
            kind = msg["header"]["msg_type"]
            if kind == "clear_output":  # (reports stay, as in GuardedExecute)
                outputs[:] = [o for o in outputs if MIME in (o.get("data") or {})]
            elif kind in ("stream", "display_data", "execute_result", "error"):
                outputs.append(nbformat.v4.output_from_msg(msg))

        try:
            reply = self.kc.execute_interactive(code, timeout=timeout or self.timeout, output_hook=hook,
                                                allow_stdin=False)
        except (TimeoutError, Empty):
            self.km.interrupt_kernel()
            outputs.append(nbformat.v4.new_output("error", ename="CellTimeoutError", evalue="", traceback=[]))
            return outputs
        if reply["content"]["status"] == "error" and not any(o.output_type == "error" for o in outputs):
            c = reply["content"]
            outputs.append(nbformat.v4.new_output("error", ename=c["ename"], evalue=c["evalue"], traceback=[]))
        return outputs

    @staticmethod
    def code_cells(nb) -> list:
        return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]

    _protect: set = set()

    def _parts(self, cell) -> list[str]:
        """What the kernel runs for a cell, as GuardedExecute runs it (grader.integrity.cell_plan): a
        test cell's visible part and its hidden part on their own, the hidden part through
        course.report.run_hidden, an instructor's cell followed by its keep()."""
        return [code for _, code in cell_plan(cell, self._protect)]

    def _kept(self, cell, outputs: list[list]) -> list[list]:
        """Each part's outputs as GuardedExecute keeps them (a hidden part's reports and errors only;
        nothing of a keep())."""
        kinds = [kind for kind, _ in cell_plan(cell, self._protect)]
        return [hidden_outputs(out) if kind == HIDDEN else [] if kind == KEEP else out
                for kind, out in zip(kinds, outputs)]

    def _score(self, cell, outputs: list[list], messages: dict | None = None) -> tuple | None:
        """(grade_id, (score, max)) of a test cell whose parts gave ``outputs``, judged as autograde
        judges it; None for other cells. Records the cell's messages in ``messages`` (by default
        ``self.messages``)."""
        kinds = [kind for kind, _ in cell_plan(cell, self._protect)]
        outputs = self._kept(cell, outputs)
        cell.outputs = [o for part in outputs for o in part]
        if not _is_test(cell):
            return None
        visible = outputs[0] if kinds and kinds[0] == RUN and len(kinds) > 1 else []
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        expected = self.reference.get(grade_id)
        if is_judged(expected):
            apply_verdict(cell, expected)
        (self.messages if messages is None else messages)[grade_id] = {
            "visible": "\n".join(f"{o.ename}: {o.evalue}" for o in visible if o.output_type == "error"),
            "verdict": "\n".join(o.evalue for o in cell.outputs
                                 if o.output_type == "error" and o.ename == "WrongAnswer")}
        for output in cell.outputs:
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                output["name"] = "stdout"
        return grade_id, determine_grade(cell)

    def grade(self, nb, stop_after: set | None = None) -> dict:
        """{grade_id: (score, max score)} of the test cells, after running every code cell in order
        (or only until every test in ``stop_after`` has been scored).  ``self.messages`` then holds,
        per test cell, the visible check's error text and the grader's verdict message."""
        self.run(RESET)
        self._protect = protected_names(nb)
        self.position = None
        scores = {}
        self.messages = {}
        left = set(stop_after) if stop_after else None
        for cell in self.code_cells(nb):
            scored = self._score(cell, [self.run(part) for part in self._parts(cell)])
            if scored:
                scores[scored[0]] = scored[1]
                if left is not None:
                    left.discard(scored[0])
                    if not left:
                        break
        return scores

    # -- forked grading: many variants of one notebook from one shared prefix -------------------------
    def advance(self, nb, upto: int) -> None:
        """Make the kernel's state that of ``nb``'s first ``upto`` code cells run in order (from a reset
        kernel the first time, then onwards; ``upto`` never goes back).  The test cells on the way are
        scored as grade() scores them: ``self.prefix_scores`` and ``self.prefix_messages`` hold those of
        every test cell run so far (advanced to the end, they are ``nb``'s grade())."""
        if self.position is None:
            self.run(RESET)
            self._protect = protected_names(nb)
            self.position = 0
            self.prefix_scores, self.prefix_messages = {}, {}
        assert upto >= self.position, "advance() only goes forward"
        for cell in self.code_cells(nb)[self.position:upto]:
            scored = self._score(cell, [self.run(part) for part in self._parts(cell)], self.prefix_messages)
            if scored:
                self.prefix_scores[scored[0]] = scored[1]
        self.position = upto

    def grade_forked(self, nb, start: int, stop_after: set | None = None, timeout: int = 600) -> dict:
        """The scores of ``nb``'s test cells from code cell ``start`` on (until every test in
        ``stop_after`` is scored), run in a fork of the kernel -- whose state must be that of the cells
        before ``start`` (advance()). The kernel itself is left as it was."""
        cells = self.code_cells(nb)
        end = len(cells)
        if stop_after:
            ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in cells]
            end = max([i + 1 for i, g in enumerate(ids) if g in stop_after] + [start + 1])
        run = cells[start:end]
        cells_path, out_path = self._scratch / "cells.json", self._scratch / "outputs.json"
        cells_path.write_text(json.dumps([self._parts(c) for c in run]))
        out_path.unlink(missing_ok=True)
        outputs = self.run(f"import fastgrade_fork as _ff\n_ff.fork_and_run({str(cells_path)!r}, {str(out_path)!r})"
                           f"\ndel _ff", timeout=timeout)
        if any(o.output_type == "error" for o in outputs) or not out_path.exists():
            raise RuntimeError(f"forked grading failed: {outputs}")
        self.messages = {}
        scores = {}
        for cell, parts in zip(run, json.loads(out_path.read_text())):
            scored = self._score(cell, [[nbformat.from_dict(o) for o in part] for part in parts])
            if scored:
                scores[scored[0]] = scored[1]
        return scores
