"""Grading integrity: nbgrader preprocessors that run in the grader's process, out of the student's reach.

The grade is decided outside the student's kernel (:mod:`grader.verdicts`) and the kernel runs in
an operating-system sandbox (:mod:`grader.sandbox`); nothing here reads the student's code to decide
what it may do. nbgrader_config.py puts these into ``autograde``:

``NormalizeMetadata``, ``RestoreCells`` (first pass)
    put the gradebook's metadata back on the instructor's cells and deleted test cells back where
    they belong, so nbgrader 0.9.6 grades a submission whose cells were edited instead of dropping it.
``CheckStructure`` (before execution)
    compares the submitted file with the source notebook: a test or read-only cell deleted,
    duplicated, moved, retyped, edited or given other metadata, or a made-up test cell. These are
    flags (evidence of tampering with the instructor's cells).
``GuardedExecute`` (nbgrader's Execute in the sandbox)
    limits, a whole-notebook time limit, kernel death survived, output capped in bytes; a test
    cell's hidden part runs even when its visible check failed; the kernel is killed after the last
    cell (no code of the student's runs after it). A kernel that died or hung, and
    output over the limit, are flags (what happened, not what the code looked like).
``ApplyFlags`` (after the verdicts, before ``SaveAutoGrades``)
    puts an ``IntegrityFlag`` error first in the outputs of every test a flag touches (a tampered
    test cell, a test that received values it did not ask for), so nbgrader scores it 0 and the
    feedback says why; and moves ``stderr`` of the tests that decide by their own asserts to ``stdout``.
``RecordFlags`` (after ``SaveAutoGrades``)
    marks the submitted notebook ``flagged`` in the gradebook (formgrader shows it) with the reasons
    in the auto-comment of its first answer cell, or clears both when a regrade finds no evidence
    left; notes a grading run without the sandbox there too. The export plugin
    (:mod:`grader.export`) adds them to ``grades.csv``.
"""
from __future__ import annotations

import ast
import builtins
import json
import os
from pathlib import Path
from time import monotonic

import nbformat
from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
import zmq
import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import Any, Bool, Enum, Integer, Unicode, default

from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute, NbGraderPreprocessor, OverwriteCells

from course.report import GIVEN_ENV, MIME
from grader.sandbox import GIVEN_DIR, Limits, Sandbox


FLAG_PREFIX = "INTEGRITY FLAG:"
GIVENS_KEY = "course_givens"   # resources[GIVENS_KEY]: {key: encoded value} from the reference
UNSANDBOXED = "Graded WITHOUT the sandbox (GuardedExecute.sandbox = False)."
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


def release_text(source: str) -> str:
    """An instructor cell as students receive it: the hidden-test region removed."""
    visible, inside = [], False
    for line in source.splitlines():
        if BEGIN_HIDDEN in line:
            inside = True
        elif END_HIDDEN in line:
            inside = False
        elif not inside:
            visible.append(line)
    return "\n".join(visible)
META_KEY = "course_integrity"


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _is_test(cell) -> bool:
    meta = _nbgrader(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


# -- structure ---------------------------------------------------------------------------------
WATCHED_META = ("grade", "solution", "locked", "points", "task")


def structure_findings(submitted: dict, source) -> list[dict]:
    """Tampering with the instructor's cells, from the raw submitted notebook (a dict or node).

    Each finding is {"cell": grade_id, "what": sentence, "touches": [grade ids of tests]}.
    """
    src_cells = [c for c in source.cells if _nbgrader(c).get("grade_id")]
    src_by_id = {_nbgrader(c)["grade_id"]: c for c in src_cells}
    tests = [gid for gid, c in src_by_id.items() if _is_test(c)]
    guarded = [gid for gid, c in src_by_id.items() if _is_test(c) or _nbgrader(c).get("locked")]
    sub_cells = submitted.get("cells", []) if isinstance(submitted, dict) else submitted.cells
    seen: dict[str, list] = {}
    order = []
    out = []
    for cell in sub_cells:
        meta = (cell.get("metadata", {}) or {}).get("nbgrader", {}) or {}
        gid = meta.get("grade_id")
        if not gid:
            continue
        seen.setdefault(gid, []).append(cell)
        order.append(gid)
        if gid not in src_by_id and meta.get("grade") and not meta.get("solution"):
            out.append({"cell": gid, "what": f"a cell claims to be the test {gid!r}, which the assignment "
                                              f"does not have", "touches": []})
    for gid in guarded:
        src = src_by_id[gid]
        kind = "test cell" if _is_test(src) else "read-only cell"
        touches = [gid] if gid in tests else []
        cells = seen.get(gid, [])
        if not cells:
            out.append({"cell": gid, "what": f"the {kind} {gid!r} was deleted", "touches": touches})
            continue
        if len(cells) > 1:
            out.append({"cell": gid, "what": f"the {kind} {gid!r} appears {len(cells)} times", "touches": touches})
        cell = cells[0]
        if cell.get("cell_type") != src.cell_type:
            out.append({"cell": gid, "what": f"the {kind} {gid!r} was changed from {src.cell_type} to "
                                              f"{cell.get('cell_type')}", "touches": touches})
        meta = (cell.get("metadata", {}) or {}).get("nbgrader", {}) or {}
        src_meta = _nbgrader(src)
        changed = [k for k in WATCHED_META if meta.get(k) != src_meta.get(k)
                   and not (k == "points" and not src_meta.get("grade"))]
        if changed:
            out.append({"cell": gid, "what": f"the nbgrader metadata of the {kind} {gid!r} was changed "
                                              f"({', '.join(changed)})", "touches": touches})
        source_text = cell.get("source", "")
        source_text = "".join(source_text) if isinstance(source_text, list) else source_text
        if _is_test(src):
            if source_text.strip() not in (src.source.strip(), release_text(src.source).strip()):
                out.append({"cell": gid, "what": f"the test cell {gid!r} was edited", "touches": touches})
        elif source_text.strip() != src.source.strip():
            out.append({"cell": gid, "what": f"the read-only cell {gid!r} was edited", "touches": []})
    present = list(dict.fromkeys(gid for gid in order if gid in src_by_id))
    moved = _out_of_order(present, list(src_by_id))
    if moved:
        out.append({"cell": moved[0], "what": f"cells were reordered ({', '.join(repr(g) for g in moved)} moved)",
                    "touches": [g for g in moved if g in tests]})
    return out


def _out_of_order(present: list, source_order: list) -> list:
    """The fewest cells whose moving explains ``present``'s order (those outside a longest
    subsequence that is in source order)."""
    rank = {gid: i for i, gid in enumerate(source_order)}
    seq = [rank[g] for g in present]
    best = [1] * len(seq)
    prev = [-1] * len(seq)
    for i in range(len(seq)):
        for j in range(i):
            if seq[j] < seq[i] and best[j] + 1 > best[i]:
                best[i], prev[i] = best[j] + 1, j
    keep, i = set(), (max(range(len(seq)), key=best.__getitem__) if seq else -1)
    while i >= 0:
        keep.add(i)
        i = prev[i]
    return [g for k, g in enumerate(present) if k not in keep]


# -- the preprocessors ---------------------------------------------------------------------------
class _CoursePaths:
    def paths(self, resources) -> tuple[Path, Path]:
        info = resources["nbgrader"]
        coursedir = CourseDirectory(config=self.config)
        name = f"{info['notebook']}.ipynb"
        source = Path(coursedir.format_path(coursedir.source_directory, ".", info["assignment"])) / name
        submitted = Path(coursedir.format_path(coursedir.submitted_directory, info["student"], info["assignment"])) / name
        return source, submitted


class NormalizeMetadata(NbGraderPreprocessor):
    """Give every cell the nbgrader metadata the assignment says it has, before OverwriteCells runs.

    A student who edits a cell's nbgrader metadata (marks a test as an answer, changes its points or
    type, duplicates it, or invents a test) makes nbgrader 0.9.6 stop with ``Inconsistent checksums``
    or ``KeyError`` and drop the whole submission.  Here a cell whose grade_id the assignment knows
    gets the gradebook's metadata back (its first copy only), and any other cell loses its nbgrader
    metadata and is an ordinary cell of the student's.  ScreenSubmission reports what was changed,
    from the file as submitted.
    """

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            sources = {c.name: c for c in notebook.source_cells}
            grades = {c.name: c for c in notebook.grade_cells}
            solutions = {c.name for c in notebook.solution_cells}
            tasks = {c.name for c in notebook.task_cells}
            seen = set()
            for cell in nb.cells:
                meta = cell.get("metadata", {}).get("nbgrader")
                if not isinstance(meta, dict):
                    if "nbgrader" in cell.get("metadata", {}):
                        del cell.metadata["nbgrader"]
                    continue
                gid = meta.get("grade_id")
                if gid not in sources or gid in seen:
                    del cell.metadata["nbgrader"]
                    continue
                seen.add(gid)
                source = sources[gid]
                new = {"grade_id": gid, "grade": gid in grades, "solution": gid in solutions,
                       "locked": bool(source.locked), "task": gid in tasks, "schema_version": 3,
                       "checksum": source.checksum, "cell_type": source.cell_type}
                if gid in grades:
                    new["points"] = grades[gid].max_score
                cell.metadata["nbgrader"] = new
                if cell.cell_type != source.cell_type:
                    if source.cell_type == "code":
                        cell.cell_type, cell.outputs, cell.execution_count = "code", [], None
                    else:
                        cell.cell_type = source.cell_type
                        cell.pop("outputs", None)
                        cell.pop("execution_count", None)
        return nb, resources


class RestoreCells(OverwriteCells):
    """nbgrader's OverwriteCells, with deleted test cells put back wherever the student deleted them.

    nbgrader 0.9.6 re-inserts a deleted test cell after the cell that precedes it in the source,
    but looks that cell up among answer and test cells only: when a read-only cell precedes it
    (as in most of this course's notebooks) it raises KeyError and the student's whole submission
    fails to grade.  Here the nearest preceding source cell that is present is used.
    """

    def add_missing_grade_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_ids = [cell.name for cell in source_nb.source_cells]
        grade_cells = {cell.name: cell for cell in source_nb.grade_cells}
        solution_ids = {cell.name for cell in source_nb.solution_cells}
        for gid in source_ids:
            if gid not in grade_cells:
                continue
            present = {_nbgrader(c).get("grade_id"): i for i, c in enumerate(nb.cells) if _nbgrader(c).get("grade_id")}
            if gid in present:
                continue
            self.log.warning("Missing grade cell %s encountered, adding to notebook", gid)
            source_cell = source_nb.source_cells[source_ids.index(gid)]
            cell = self.missing_cell_transform(source_cell, grade_cells[gid].max_score, is_solution=gid in solution_ids)
            before = [present[p] for p in reversed(source_ids[:source_ids.index(gid)]) if p in present]
            nb.cells.insert(before[0] + 1 if before else 0, cell)
        return nb, resources


class CheckStructure(_CoursePaths, NbGraderPreprocessor):
    """Flag tampering with the instructor's cells, from the file as submitted (module docstring)."""

    def preprocess(self, nb, resources):
        source_path, submitted_path = self.paths(resources)
        source = nbformat.read(source_path, as_version=4)
        flags = []
        try:
            raw = json.loads(submitted_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raw = None
        if isinstance(raw, dict):
            for f in structure_findings(raw, source):
                flags.append({"cell": f["cell"], "index": None, "what": f["what"], "touches": f["touches"]})
        from .stage import STAGED  # files set aside before nbgrader copied the submission (grader.stage)
        for what in STAGED.get(os.path.abspath(submitted_path.parent), []):
            flags.append({"cell": None, "index": None, "what": what, "touches": []})
        nb.metadata[META_KEY] = {"flags": flags}
        if flags:
            self.log.warning("Integrity: %d finding(s) in %s: %s", len(flags), submitted_path,
                             "; ".join(f["what"] for f in flags[:5]))
        return nb, resources


def split_test(source: str) -> list[str] | None:
    """A test cell's visible check and its hidden tests, to be run one after the other, or None when
    the cell has no hidden part (or nothing before it)."""
    at = source.find(BEGIN_HIDDEN)
    if at <= 0 or not source[:at].strip():
        return None
    return [source[:at], source[at:]]


# -- how a cell is run ----------------------------------------------------------------------------
RUN, HIDDEN, KEEP = "run", "hidden", "keep"


def _loaded_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _bound_names(source: str) -> set[str]:
    """Names a cell binds at its top level (imports, definitions, assignments)."""
    try:
        tree = ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))))
    except SyntaxError:
        return set()
    out = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"}
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.With)):
            targets = node.targets if isinstance(node, ast.Assign) else \
                [item.optional_vars for item in node.items if item.optional_vars] if isinstance(node, ast.With) else [node.target]
            out |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return out


def hidden_source(source: str) -> str:
    """What runs for a test cell's hidden part: its code, in a namespace of its own where the
    toolkit's report/given and the instructor's names cannot be rebound by a student's cell
    (:func:`course.report.run_hidden`)."""
    return f"__import__('course.report', fromlist=['run_hidden']).run_hidden({source!r})"


def protected_names(nb) -> set[str]:
    """The names hidden tests take from the instructor's read-only cells."""
    used = set()
    for cell in nb.cells:
        if cell.cell_type == "code" and _is_test(cell) and BEGIN_HIDDEN in cell.source:
            used |= _loaded_names(cell.source[cell.source.find(BEGIN_HIDDEN):])
    return used


def cell_plan(cell, protect: set[str]) -> list[tuple[str, str]]:
    """[(kind, code)] that running ``cell`` sends to the kernel, in order: RUN (shown as the cell's
    output), HIDDEN (a test's hidden part, run on its own so that it runs even when the visible check
    failed, through :func:`hidden_source`; only its reports and the grader's notes are kept), KEEP
    (after an instructor's read-only cell: keep the values it gave the names hidden tests use)."""
    source = cell.source
    if cell.cell_type != "code" or not source.strip():
        return []
    if _is_test(cell) and BEGIN_HIDDEN in source:
        parts = split_test(source)
        if parts:
            return [(RUN, parts[0]), (HIDDEN, hidden_source(parts[1]))]
        return [(HIDDEN, hidden_source(source))]
    plan = [(RUN, source)]
    meta = _nbgrader(cell)
    if meta.get("locked") and not meta.get("solution") and not _is_test(cell):
        names = sorted(_bound_names(source) & protect)
        if names:
            plan.append((KEEP, f"__import__('course.report', fromlist=['keep']).keep({names!r})"))
    return plan


_EXCEPTIONS = {name for name, value in vars(builtins).items()
               if isinstance(value, type) and issubclass(value, BaseException)} | {"LinAlgError", "AxisError"}


def _is_report(output) -> bool:
    return output.get("output_type") in ("display_data", "execute_result") and MIME in (output.get("data") or {})


def hidden_outputs(outputs: list, made: set[int] = frozenset()) -> list:
    """What is kept of a hidden part's outputs: the reports (judged, then removed, by
    grader.verdicts), the grader's own notes, and each error the kernel raised as its type alone
    (a builtin's name, else "Exception") -- no text the kernel produced while a hidden test ran.
    ``made``: ids of the grader's own notes (GuardedExecute._note)."""
    kept = []
    for output in outputs:
        kind = output.get("output_type")
        if _is_report(output):
            kept.append(output)
        elif kind == "error" and id(output) in made:
            kept.append(output)
        elif kind == "error" and output.get("ename") == "CellTimeoutError":
            kept.append(error_output("CellTimeoutError", "the hidden tests ran past the time limit"))
        elif kind == "error":
            ename = output.get("ename") if output.get("ename") in _EXCEPTIONS else "Exception"
            kept.append(error_output(ename, "raised in your code while the hidden tests called it (on inputs of "
                                            "their own; the visible check above runs it on its inputs)"))
    return kept


MAX_MESSAGE_MB = 4    # the largest message the grader takes from a kernel (the course's largest report: 1.3 MB)
RECEIVE_QUEUE = 100   # messages ZeroMQ holds for the grader (a logger flushes every line: bursts of small ones)


def limited_context() -> zmq.asyncio.Context:
    """A ZeroMQ context whose sockets bound what a kernel can make the grader hold: a message larger
    than MAX_MESSAGE_MB drops the connection (ZeroMQ reconnects by itself) instead of being read,
    and at most RECEIVE_QUEUE messages wait to be read (the kernel's side waits, or drops, the rest):
    the grader's memory stays within about MAX_MESSAGE_MB x RECEIVE_QUEUE whatever the kernel prints."""
    context = zmq.asyncio.Context()
    context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_MB * 2 ** 20)
    context.setsockopt(zmq.RCVHWM, RECEIVE_QUEUE)
    return context


def _safe_unpack(data):
    """jupyter_client's JSON decoding, for a kernel's messages: a message nested too deeply for
    Python's parser (or not JSON at all) becomes an unreadable marker instead of an exception
    that would stop the grading of the whole notebook."""
    try:
        return json.loads(data.decode("utf8", "replace") if isinstance(data, bytes) else data)
    except (RecursionError, ValueError, TypeError, MemoryError):
        return {UNREADABLE: True}


UNREADABLE = "course_unreadable_message"


class LimitedKernelClient(AsyncKernelClient):
    """nbclient's kernel client, with its sockets in a :func:`limited_context`."""

    @default("context")
    def _context_default(self):
        self._created_context = True
        return limited_context()


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel runs inside :class:`grader.sandbox.Sandbox` (or, opted out,
    only under its resource limits), talks over ``ipc`` sockets, and is interrupted by message."""

    sandbox = Any(None, allow_none=True)
    home = Any(None, allow_none=True)
    workdir_name = Unicode("work")
    use_namespaces = Bool(True)
    extra_env = Any({})

    @default("client_factory")
    def _client_factory_default(self):
        return LimitedKernelClient

    @default("context")
    def _context_default(self):
        self._created_context = True
        return limited_context()

    @default("session")
    def _session_default(self):
        from jupyter_client.session import Session
        return Session(parent=self, unpacker="grader.integrity._safe_unpack")

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        if self.use_namespaces:
            return self.sandbox.command(cmd, self.home, self.workdir_name, self.extra_env)
        return self.sandbox.limits_only(cmd)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        self.sandbox.give(Path(self.connection_file))
        kw.pop("preexec_fn", None)
        return await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_interrupt_kernel(self):
        # A signal would reach bubblewrap, not the kernel in its own session: ask the kernel instead
        # (ipykernel interrupts its own process group).
        if not self.has_kernel:
            return await super()._async_interrupt_kernel()
        msg = self.session.msg("interrupt_request", content={})
        self._connect_control_socket()
        self.session.send(self._control_socket, msg)

    interrupt_kernel = run_sync(_async_interrupt_kernel)


class GuardedExecute(Execute):
    """nbgrader's Execute in the sandbox: limits, a whole-notebook time limit, kernel death survived,
    output capped in bytes, the kernel killed after the last cell."""

    memory_limit_mb = Integer(4096, help="Address-space limit of each kernel process (MiB).").tag(config=True)
    file_limit_mb = Integer(64, help="Largest file a kernel may write (MiB).").tag(config=True)
    process_limit = Integer(64, help="Processes and threads a kernel may run.").tag(config=True)
    cpu_limit = Integer(900, help="CPU seconds of each kernel process.").tag(config=True)
    output_limit_cell = Integer(1_000_000, help="Bytes of output kept per cell; the rest is dropped.").tag(config=True)
    output_limit_notebook = Integer(5_000_000, help="Bytes of output kept per notebook.").tag(config=True)
    sandbox = Bool(True, help="Run each kernel in the bubblewrap sandbox (grader.sandbox). False grades "
                              "with the resource limits only: for a machine and students you trust; "
                              "every run says so and the gradebook records it.").tag(config=True)
    notebook_timeout = Integer(600, help="Seconds the whole notebook may run; later cells are not run.").tag(config=True)
    kill_grace = Integer(5, help="Seconds a kernel has to stop after a timeout interrupt before it is shut down.").tag(config=True)
    reference_run = Bool(False, help="This run computes the reference's values (grader.verdicts).")
    shutdown_kernel = Enum(["graceful", "immediate"], "immediate", help=(
        "How the kernel stops after the last cell. 'immediate' (the default here; nbclient's is 'graceful'): "
        "it is killed, so no code of the student's (an atexit hook) runs after the last cell and nothing "
        "waits for a kernel that will not stop (0.25 s a notebook)")).tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = SandboxedKernelManager
        super().__init__(*args, **kwargs)

    def _make_sandbox(self) -> Sandbox:
        import course
        toolkit = Path(course.__file__).resolve().parent
        grading = Path(__file__).resolve().parent
        return Sandbox(limits=Limits(memory_mb=self.memory_limit_mb, file_mb=self.file_limit_mb,
                                     processes=self.process_limit, cpu_seconds=self.cpu_limit),
                       readable=[toolkit], hidden=[grading] if grading != toolkit else [])

    def preprocess(self, nb, resources=None, km=None):
        self._stopped = None
        self._events: list[dict] = []   # what happened: kernel death, timeouts, output over the limit
        self._deadline = monotonic() + self.notebook_timeout
        self._out_bytes, self._cut_cells = {}, set()
        self._made: set[int] = set()
        self._protect = protected_names(nb)
        self._box = self._make_sandbox()
        if self.sandbox:
            Sandbox.check_available()
        else:
            self.log.warning("GRADING WITHOUT THE SANDBOX (GuardedExecute.sandbox = False): the kernel runs "
                             "as the grader's user, with the course's files and the network in reach.")
        path = (resources or {}).get("metadata", {}).get("path")
        info = (resources or {}).get("nbgrader", {})
        self._home = self._box.make_home(Path(path) if path else None, info.get("assignment") or "work")
        self._env = {}
        if self.reference_run:  # the reference runs as nbgrader runs a submission, wherever it is called
            # from (preflight, grader.grade): cells that only show something skip (course.grading_now)
            self._env["NBGRADER_EXECUTION"] = os.environ.get("NBGRADER_EXECUTION") or "autograde"
        self._givens_by_cell = self._givens(resources)
        self._given_file = Sandbox.given_dir(self._home) / "values.json"
        self._deliver({})
        self._env[GIVEN_ENV] = f"{GIVEN_DIR}/values.json" if self.sandbox else str(self._given_file)
        try:
            nb, resources = super().preprocess(nb, resources, km)
        finally:
            Sandbox.remove_home(self._home)
        if not self.reference_run:
            record = nb.metadata.setdefault(META_KEY, {})
            record.setdefault("flags", []).extend(self._events)
            if not self.sandbox:
                record["unsandboxed"] = True
        return nb, resources

    def _event(self, cell, what: str) -> None:
        gid = _nbgrader(cell).get("grade_id") or "a cell of the student's"
        if not any(e["cell"] == gid and e["what"].endswith(what) for e in self._events):
            self._events.append({"cell": gid, "index": None, "what": f"in cell {gid!r}, {what}", "touches": []})

    def _givens(self, resources: dict) -> dict:
        """{cell key: {key: value}}: what each cell's tests take from the reference instead of the
        student's other functions: put into ``resources`` by :class:`grader.verdicts.ProvideGivens`,
        which runs before this (nothing in a reference run)."""
        return {} if self.reference_run else dict((resources or {}).get(GIVENS_KEY) or {})

    def _deliver(self, values: dict) -> None:
        """Make ``values`` the only ones the kernel can read from the reference (in GIVEN_DIR, which
        is the grader's and read-only inside): a cell's givens while its hidden part runs, none
        otherwise. The reference's check_givens_leak proves none of them is an answer still to grade."""
        tmp = self._given_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(values), encoding="utf-8")
        os.replace(tmp, self._given_file)

    async def async_start_new_kernel(self, **kwargs):
        km = self.km
        km.sandbox, km.home, km.use_namespaces = self._box, self._home, bool(self.sandbox)
        km.extra_env = dict(self._env)
        if self._env and not self.sandbox:
            kwargs["env"] = {**os.environ, **self._env}
        km.workdir_name = (self.resources.get("nbgrader", {}) or {}).get("assignment") or "work"
        ipc = Sandbox.ipc_dir(self._home)
        km.transport, km.ip = "ipc", str(ipc / "kernel")
        km.connection_file = str(ipc / "kernel.json")
        if not self.sandbox:  # the kernel works in a copy of the submission's files
            kwargs["cwd"] = str(Sandbox.workdir(self._home, km.workdir_name))
        # (sandboxed, bubblewrap starts in the notebook's folder and the kernel in its private copy)
        return await super().async_start_new_kernel(**kwargs)

    start_new_kernel = run_sync(async_start_new_kernel)

    def output(self, outs, msg, display_id, cell_index):
        if (msg.get("content") or {}).get(UNREADABLE):
            self._event(self.nb.cells[cell_index], "the kernel sent a message the grader could not read")
            return None
        """Keep a cell's output up to ``output_limit_cell`` bytes (the notebook's up to
        ``output_limit_notebook``); values reported to the grader have budgets of their own, 8 and
        32 times larger (a test may report large arrays), and count against nothing else."""
        content = msg.get("content", {})
        data = content.get("data") or {}
        size = len(content.get("text", "") or "") + sum(len(str(v)) for v in data.values()) \
            + sum(len(t) for t in content.get("traceback", []) or [])
        kind = "report" if MIME in data else "output"
        cell_limit, nb_limit = self.output_limit_cell, self.output_limit_notebook
        if kind == "report":
            cell_limit, nb_limit = 8 * cell_limit, 32 * nb_limit // 5
        used = self._out_bytes.get((kind, cell_index), 0)
        total = sum(v for (k, _), v in self._out_bytes.items() if k == kind)
        if used + size > cell_limit or total + size > nb_limit:
            if (kind, cell_index) not in self._cut_cells:
                self._cut_cells.add((kind, cell_index))
                self._event(self.nb.cells[cell_index], "the output went over the limit and was cut")
                limit = cell_limit if used + size > cell_limit else nb_limit
                where = "this cell" if limit == cell_limit else "the notebook"
                what = "reported" if kind == "report" else "printed"
                outs.append(NotebookNode(output_type="stream", name="stdout",
                                         text=f"\n[output cut: {where} {what} more than {limit:,} bytes; "
                                              f"the rest was dropped]\n"))
            return None
        self._out_bytes[(kind, cell_index)] = used + size
        if self.clear_before_next_output:  # (a delayed clear_output: reports stay)
            outs[:] = [o for o in outs if _is_report(o)]
            self.clear_display_id_mapping(cell_index)
            self.clear_before_next_output = False
        return super().output(outs, msg, display_id, cell_index)

    def _get_timeout(self, cell):
        timeout = super()._get_timeout(cell)
        remaining = max(1, int(self._deadline - monotonic()))
        return remaining if timeout is None else min(timeout, remaining)

    def _not_run(self, cell) -> None:
        if cell.cell_type == "code":
            cell.outputs = [self._note("NotRun", self._stopped)]

    def preprocess_cell(self, cell, resources, index):
        """Run a cell as :func:`cell_plan` says: a test cell's hidden part on its own (so that a visible
        check that depends on another exercise cannot cost the points of the one the hidden test
        grades), with the values it takes from the reference readable only while it runs, and only
        its reports and the grader's notes kept."""
        plan = cell_plan(cell, self._protect)
        if not plan:
            return cell, resources
        gid = _nbgrader(cell).get("grade_id")
        givens = self._givens_by_cell.get(gid if _is_test(cell) else f"(cell {gid})", {}) if gid else {}
        original, outputs = cell.source, []
        try:
            for kind, code in plan:
                cell.source = code
                delivered = bool(givens) and (kind == HIDDEN or (kind == RUN and not _is_test(cell)))
                if delivered:
                    self._deliver(givens)
                try:
                    cell, resources = self._run_cell(cell, resources, index)
                finally:
                    if delivered:
                        self._deliver({})
                if kind == RUN:
                    outputs += cell.outputs
                elif kind == HIDDEN:  # (the reference's are the instructor's: kept whole, to say why it fails)
                    outputs += cell.outputs if self.reference_run else hidden_outputs(cell.outputs, self._made)
                elif any(o.get("output_type") == "error" for o in cell.outputs if id(o) in self._made):
                    outputs += cell.outputs   # (a keep that could not run: the kernel had stopped)
        finally:
            cell.source = original
        cell.outputs = outputs
        return cell, resources

    def _note(self, ename: str, evalue: str) -> NotebookNode:
        """An error output of the grader's own (hidden_outputs keeps these, and only these, as they are)."""
        note = error_output(ename, evalue)
        self._made.add(id(note))
        return note

    def clear_output(self, outs, msg, cell_index):
        """``clear_output`` from the kernel (a live plot) clears what it showed, never a report: reports
        are kept as they arrive."""
        if (msg.get("content") or {}).get("wait"):
            self.clear_before_next_output = True
        else:
            outs[:] = [o for o in outs if _is_report(o)]
            self.clear_display_id_mapping(cell_index)

    def _run_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.source.strip():
            return cell, resources
        if self._stopped:
            self._not_run(cell)
            return cell, resources
        if monotonic() >= self._deadline:
            self._stopped = (f"not run: the notebook used up its {self.notebook_timeout} s before this cell "
                             f"(an endless loop, or far too slow code, earlier on)")
            self._event(cell, f"the notebook had used up its {self.notebook_timeout} s")
            self._not_run(cell)
            return cell, resources
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._kernel_died(cell, "The kernel died while this cell ran (it exited, crashed, or went over "
                                    f"the {self.memory_limit_mb} MiB memory limit); the cells after it were not run.")
            return cell, resources
        except CellTimeoutError as error:
            if "IOPub" in str(error):  # its messages stopped arriving (one over MAX_MESSAGE_MB, or a flood)
                self._kernel_died(cell, f"The kernel's output stopped arriving (a message over {MAX_MESSAGE_MB} MiB, "
                                        f"or far more output at once than the grader queues); it was shut down and "
                                        f"the cells after it were not run.")
            else:
                self._kernel_died(cell, "This cell did not finish in time and the kernel did not stop when "
                                        "interrupted; it was shut down and the cells after it were not run.")
            return cell, resources
        timed_out = any(o.get("output_type") == "error" and o.get("ename") == "CellTimeoutError" for o in cell.outputs)
        if timed_out:
            self._event(cell, f"the code ran past the {self.timeout} s time limit")
        if timed_out and not self._responsive():
            self._kernel_died(cell, "This cell did not finish in time and the kernel did not stop when "
                                    "interrupted; it was shut down and the cells after it were not run.")
        return cell, resources

    def _responsive(self) -> bool:
        async def ask():
            msg_id = await ensure_async(self.kc.kernel_info())
            deadline = monotonic() + self.kill_grace
            while monotonic() < deadline:
                reply = await ensure_async(self.kc.get_shell_msg(timeout=max(0.1, deadline - monotonic())))
                if reply["parent_header"].get("msg_id") == msg_id:
                    return True
            return False
        try:
            return run_sync(ask)()
        except Exception:
            return False

    def _kernel_died(self, cell, message: str) -> None:
        self.log.error("Kernel stopped in cell %s: %s", _nbgrader(cell).get("grade_id", "?"), message)
        self._event(cell, "the kernel died or hung and was shut down")
        cell.outputs.append(self._note("KernelDied", message))
        self._stopped = "not run: the kernel had stopped in an earlier cell (see the first cell marked KernelDied)."
        try:
            run_sync(lambda: ensure_async(self.km.shutdown_kernel(now=True)))()
        except Exception:  # already gone
            pass


class ApplyFlags(NbGraderPreprocessor):
    """Zero the tests a flag touches, and keep stderr noise from zeroing a correct answer."""

    def preprocess(self, nb, resources):
        flags = nb.metadata.get(META_KEY, {}).get("flags", [])
        for cell in nb.cells:
            if cell.cell_type != "code" or not _is_test(cell):
                continue
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream" and output.get("name") == "stderr":
                    output["name"] = "stdout"
            gid = _nbgrader(cell).get("grade_id")
            reasons = [f["what"] for f in flags if isinstance(f.get("touches"), list) and gid in f["touches"]]
            if reasons:
                text = "this test was not counted because " + "; ".join(reasons[:3]) + \
                       (f"; and {len(reasons) - 3} more" if len(reasons) > 3 else "") + \
                       ". A test scores only what it checked itself, on the cells the assignment gave."
                cell.outputs.insert(0, error_output("IntegrityFlag", text))
        return nb, resources


class RecordFlags(NbGraderPreprocessor):
    """Write the findings into the gradebook: the notebook's ``flagged`` and an auto-comment; a regrade
    without evidence clears both."""

    def preprocess(self, nb, resources):
        record = nb.metadata.get(META_KEY, {})
        flags = record.get("flags", [])
        notes = [f"{FLAG_PREFIX} " + " | ".join(f["what"] for f in flags)] if flags else []
        if record.get("unsandboxed"):
            notes.append(UNSANDBOXED)
        from nbgrader.api import Gradebook
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            notebook.flagged = bool(flags)
            comments = sorted(notebook.comments, key=lambda c: c.name)
            answer_ids = [_nbgrader(c).get("grade_id") for c in nb.cells if _nbgrader(c).get("solution")]
            target = next((c for gid in answer_ids for c in comments if c.name == gid), comments[0] if comments else None)
            if target is not None and (notes or (target.auto_comment or "").startswith((FLAG_PREFIX, UNSANDBOXED))):
                target.auto_comment = "\n".join(notes) or None
            gb.db.commit()
        return nb, resources


def flags_of(nb) -> list[str]:
    """The integrity findings recorded in an autograded notebook."""
    return [f["what"] for f in nb.metadata.get(META_KEY, {}).get("flags", [])]


__all__ = ["CheckStructure", "GuardedExecute", "ApplyFlags", "RecordFlags", "structure_findings",
           "flags_of", "FLAG_PREFIX", "split_test", "release_text"]
