"""Read a submission's code before it runs: does it reach for the grader instead of the answer?

The student's cells run in the same kernel as the tests, so anything they define can inspect or
replace what the tests rely on.  Before a submission is executed, :func:`screen_notebook` parses
every code cell the student wrote (IPython syntax first turned into Python) and reports each place
that

* imports a module that reaches the interpreter, the kernel, frames, files or processes
  (``inspect``, ``gc``, ``ctypes``, ``builtins``, ``IPython``, ``os``, ``signal``, ...);
* calls a built-in that runs or finds code by name (``eval``, ``exec``, ``globals``, ``vars``,
  ``getattr`` with a computed name, ``open``, ``exit``, ``get_ipython``, ...);
* touches a double-underscore attribute (``__globals__``, ``__code__``, ``__builtins__``) or a
  frame/traceback attribute (``f_back``, ``f_locals``, ``tb_frame``);
* uses a dangerous part of ``sys`` (``sys._getframe``, ``sys.modules``, ``sys.settrace``,
  ``sys.excepthook``, ``sys.exit``, ...);
* assigns or deletes an attribute of a module or of anything the instructor's code defined
  (``np.testing.assert_allclose = ...``, ``check_array.x = ...``, ``sys.stderr = ...``);
* rebinds, at the top level, a name the tests call that the student is not asked to define
  (``check_array``, ``call``, ``np``, a built-in such as ``abs`` or ``AssertionError``);
* reads a name that only the hidden tests define (``_ref``) or that the kernel keeps for its
  history (``In``, ``_ih``, ``_i3``, ``Out``);
* defines a comparison or array-protocol method (``__eq__``, ``__array__``, ...) on a class, or
  subclasses ``numpy.ndarray``, so that a result could pass a comparison without being right;
* asks whether it is being graded (``grading_now``), or runs a shell command or a magic other than
  timing and plotting ones.

A finding names the cell, the line and what it does, in one sentence.  Nothing here executes the
submission.  Code that does none of these things -- loops, helper functions, classes, einsum,
printing, warnings, plots, ``%timeit`` -- is not flagged (tests/test_screen.py proves it on every
reference solution and on the honest-but-unusual code of the catalogue).
"""
from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass, field

# Modules whose import alone is reported: they reach the interpreter, the kernel, frames,
# the file system, processes or the network -- nothing a gradient needs.
FORBIDDEN_MODULES = {
    "builtins", "__builtin__", "__main__", "importlib", "imp", "inspect", "gc", "ctypes", "cffi",
    "traceback", "signal", "subprocess", "multiprocessing", "threading", "_thread", "concurrent",
    "faulthandler", "atexit", "resource", "os", "posix", "nt", "pathlib", "shutil", "glob",
    "tempfile", "pickle", "dill", "cloudpickle", "marshal", "shelve", "socket", "ssl", "http",
    "urllib", "requests", "IPython", "ipykernel", "jupyter_client", "zmq", "nbformat", "nbgrader",
    "nbclient", "nbconvert", "unittest", "pytest", "code", "codeop", "runpy", "pdb", "bdb",
    "trace", "sysconfig", "site", "tracemalloc", "io", "fcntl", "mmap", "pty", "sched",
}
FORBIDDEN_CALLS = {
    "eval": "evaluates a string as code",
    "exec": "executes a string as code",
    "compile": "compiles a string into code",
    "__import__": "imports a module by name",
    "globals": "reads the notebook's global namespace, where the tests keep their values",
    "locals": "reads a namespace by name",
    "vars": "reads a namespace by name",
    "open": "opens a file",
    "exit": "stops the kernel",
    "quit": "stops the kernel",
    "breakpoint": "starts a debugger",
    "input": "waits for keyboard input, which never comes during grading",
    "get_ipython": "reaches the IPython shell that runs the tests",
    "setattr": "sets an attribute by name",
    "delattr": "deletes an attribute by name",
    "grading_now": "asks whether it is being graded, to behave differently then",
}
DANGEROUS_SYS = {
    "_getframe", "_current_frames", "modules", "settrace", "setprofile", "gettrace", "getprofile",
    "excepthook", "displayhook", "breakpointhook", "unraisablehook", "exit", "meta_path",
    "path_hooks", "path_importer_cache", "addaudithook", "audit", "monitoring", "exc_info",
    "exception", "last_traceback", "last_value", "last_type", "last_exc", "stdin", "call_tracing",
    "setswitchinterval", "remote_exec", "_current_exceptions",
}
FRAME_ATTRIBUTES = {"f_back", "f_locals", "f_globals", "f_builtins", "f_code", "f_trace",
                    "tb_frame", "tb_next", "gi_frame", "cr_frame", "ag_frame", "gi_code", "co_code"}
ALLOWED_DUNDER_ATTRIBUTES = {"__name__", "__doc__", "__init__", "__qualname__"}
PROTOCOL_METHODS = {
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__", "__array__",
    "__array_ufunc__", "__array_function__", "__array_wrap__", "__array_finalize__",
    "__array_priority__", "__array_interface__", "__array_struct__", "__float__", "__int__",
    "__index__", "__complex__", "__getattr__", "__getattribute__", "__instancecheck__",
    "__subclasscheck__", "__del__", "__class_getitem__", "__init_subclass__", "__set_name__",
}
# Names IPython puts in the user namespace for its history: reading them finds the test code.
HISTORY_NAME = re.compile(r"^(In|Out|_ih|_oh|_dh|_i|_ii|_iii|_i\d+|_\d+|_|__|___|exit|quit)$")
HARMLESS_MAGICS = {"time", "timeit", "matplotlib", "precision", "capture", "who", "whos", "pprint"}
BUILTIN_NAMES = set(dir(builtins))


@dataclass(frozen=True)
class Finding:
    """One thing a submission's code does that it must not: where, and what."""
    cell: str
    line: int
    what: str
    index: int = field(default=-1, compare=False)  # the cell's position in the notebook

    def __str__(self) -> str:
        return f"cell {self.cell!r}, line {self.line}: {self.what}"


@dataclass
class Context:
    """What the instructor's notebook tells the screen (see :func:`context_from_source`).

    protected:   names the tests use that the student is not asked to define and that are
                 helpers, modules or built-ins: rebinding one at the top level is reported.
    instructor:  names the instructor's cells bind (imports, functions, data); assigning an
                 attribute of one is reported.
    hidden_only: names only the hidden tests bind; reading one is reported.
    """
    protected: set = field(default_factory=set)
    instructor: set = field(default_factory=set)
    hidden_only: set = field(default_factory=set)
    imports: dict = field(default_factory=dict)


def python_source(code: str) -> str:
    """A cell's IPython source as Python (magics and ``!`` become ``get_ipython()`` calls)."""
    from IPython.core.inputtransformer2 import TransformerManager
    return TransformerManager().transform_cell(code)


def _parse(code: str):
    try:
        return ast.parse(code)  # plain Python (IPython syntax never parses as Python)
    except (SyntaxError, ValueError):
        pass
    try:
        return ast.parse(python_source(code))
    except (SyntaxError, ValueError):
        return None  # it does not run either; the cell's own test will say so


def _root_name(node):
    """`a` for a.b.c, a[0].b, a().b; None when the chain starts elsewhere."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _qualified(node, alias) -> str:
    if isinstance(node, ast.Import):
        return alias.name if alias.asname else alias.name.split(".")[0]
    return f"{'.' * node.level}{node.module or ''}.{alias.name}"


def import_map(tree) -> dict:
    """{name: what it is bound to} for the imports at a module's top level."""
    out = {}
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                out[(alias.asname or alias.name).split(".")[0]] = _qualified(stmt, alias)
    return out


def _bound_in(node, names: set, same_imports: dict | None = None) -> None:
    """Add the names ``node`` binds in its own scope; stop at function, lambda and class bodies.
    An import that binds a name to what ``same_imports`` already binds it to is not counted."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        names.add(node.name)
        return
    if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        return
    if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
        names.add(node.id)
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            name = (alias.asname or alias.name).split(".")[0]
            if same_imports is None or same_imports.get(name) != _qualified(node, alias):
                names.add(name)
    elif isinstance(node, ast.ExceptHandler) and node.name:
        names.add(node.name)
    elif isinstance(node, ast.NamedExpr):
        names.add(node.target.id)
    for child in ast.iter_child_nodes(node):
        _bound_in(child, names, same_imports)


def top_level_bindings(tree, same_imports: dict | None = None) -> set:
    """Names a module binds at its top level, including through ``global`` inside functions."""
    names: set = set()
    for stmt in tree.body:
        _bound_in(stmt, names, same_imports)
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            declared = {n for s in ast.walk(fn) if isinstance(s, ast.Global) for n in s.names}
            names |= {s.id for s in ast.walk(fn) if isinstance(s, ast.Name) and s.id in declared
                      and isinstance(s.ctx, (ast.Store, ast.Del))}
    return names


def _function_locals(fn) -> set:
    """Names bound inside a function (parameters and assignments), minus its ``global`` names."""
    glob = {n for s in ast.walk(fn) if isinstance(s, ast.Global) for n in s.names}
    names = set()
    args = fn.args
    for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
        if a is not None:
            names.add(a.arg)
    for sub in ast.walk(fn):
        if sub is fn:
            continue
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            names.add(sub.id)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(sub.name)
            if not isinstance(sub, ast.ClassDef):
                a2 = sub.args
                for a in a2.posonlyargs + a2.args + a2.kwonlyargs + [a2.vararg, a2.kwarg]:
                    if a is not None:
                        names.add(a.arg)
        elif isinstance(sub, ast.Lambda):
            a2 = sub.args
            for a in a2.posonlyargs + a2.args + a2.kwonlyargs + [a2.vararg, a2.kwarg]:
                if a is not None:
                    names.add(a.arg)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            for alias in sub.names:
                names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(sub, ast.ExceptHandler) and sub.name:
            names.add(sub.name)
        elif isinstance(sub, ast.comprehension):
            for t in ast.walk(sub.target):
                if isinstance(t, ast.Name):
                    names.add(t.id)
    return names - glob


def imported_names(tree) -> set:
    names = set()
    for sub in ast.walk(tree):
        if isinstance(sub, (ast.Import, ast.ImportFrom)):
            for alias in sub.names:
                names.add((alias.asname or alias.name).split(".")[0])
    return names


class _CellScreen(ast.NodeVisitor):
    def __init__(self, cell: str, context: Context, student_names: set, module_aliases: set, index: int = -1):
        self.cell, self.context, self.index = cell, context, index
        self.student_names = student_names      # names the student's own cells bind at top level
        self.module_aliases = module_aliases    # names bound by any import, anywhere
        self.findings: list[Finding] = []
        self.scopes: list[set] = []             # local names of the enclosing functions

    def flag(self, node, what: str) -> None:
        self.findings.append(Finding(self.cell, getattr(node, "lineno", 0), what, self.index))

    def is_local(self, name: str) -> bool:
        return any(name in scope for scope in self.scopes)

    # -- imports -------------------------------------------------------------------------------
    def visit_Import(self, node):
        for alias in node.names:
            if alias.name.split(".")[0] in FORBIDDEN_MODULES:
                self.flag(node, f"imports {alias.name}, which reaches the interpreter, the kernel or the "
                                f"files rather than the mathematics")
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        module = (node.module or "").split(".")[0]
        if node.level == 0 and module in FORBIDDEN_MODULES:
            self.flag(node, f"imports from {node.module}, which reaches the interpreter, the kernel or "
                            f"the files rather than the mathematics")
        if node.level == 0 and node.module == "sys":
            for alias in node.names:
                if alias.name in DANGEROUS_SYS or alias.name in {"stderr", "stdout", "__stderr__", "__stdout__"}:
                    self.flag(node, f"imports sys.{alias.name}")
        if any(alias.name == "*" for alias in node.names) and module not in {"numpy", "math", "sympy"}:
            self.flag(node, f"imports everything from {node.module}, which can replace names the tests use")
        self.generic_visit(node)

    # -- names and calls -----------------------------------------------------------------------
    def visit_Name(self, node):
        name = node.id
        if isinstance(node.ctx, ast.Load) and not self.is_local(name) and name not in self.student_names:
            if name in self.context.hidden_only:
                self.flag(node, f"reads {name}, a value only the hidden tests define")
            elif HISTORY_NAME.match(name) and name not in self.context.instructor:
                self.flag(node, f"reads {name}, the kernel's record of the cells it ran (the tests included)")
        if name.startswith("__") and name.endswith("__") and name not in {"__name__", "__doc__"}:
            self.flag(node, f"uses {name}, the interpreter's own machinery")
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Name) and not self.is_local(func.id) and func.id not in self.student_names:
            name = func.id
            if name in ("getattr", "hasattr"):
                attr = node.args[1] if len(node.args) > 1 else None
                if not (isinstance(attr, ast.Constant) and isinstance(attr.value, str)):
                    self.flag(node, f"calls {name} with a computed attribute name, which can reach anything")
                elif attr.value.startswith("__") or attr.value in FRAME_ATTRIBUTES:
                    self.flag(node, f"reads the attribute {attr.value} by name")
            elif name in ("setattr", "delattr"):
                self.flag(node, f"calls {name}, which {FORBIDDEN_CALLS[name]}")
            elif name in FORBIDDEN_CALLS:
                self.flag(node, f"calls {name}(), which {FORBIDDEN_CALLS[name]}")
        # magics arrive as get_ipython().run_line_magic('name', 'args') / .system('cmd')
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call) \
                and isinstance(func.value.func, ast.Name) and func.value.func.id == "get_ipython":
            if func.attr in ("run_line_magic", "run_cell_magic") and node.args \
                    and isinstance(node.args[0], ast.Constant) and node.args[0].value in HARMLESS_MAGICS:
                self.findings_from_magic(node)
                return  # a timing or plotting magic is fine; its code was screened above
            if func.attr in ("system", "getoutput"):
                self.flag(node, "runs a shell command")
            else:
                self.flag(node, f"runs the IPython magic or shell method {func.attr}")
            return
        self.generic_visit(node)

    def findings_from_magic(self, node):
        for arg in node.args[1:]:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                tree = _parse(arg.value)
                if tree is not None:
                    for stmt in tree.body:
                        self.visit(stmt)

    # -- attributes ----------------------------------------------------------------------------
    def visit_Attribute(self, node):
        attr = node.attr
        if attr.startswith("__") and attr.endswith("__") and attr not in ALLOWED_DUNDER_ATTRIBUTES:
            self.flag(node, f"uses the attribute {attr}, the interpreter's own machinery")
        elif attr in FRAME_ATTRIBUTES:
            self.flag(node, f"uses the frame attribute {attr}, which reaches the caller's variables")
        root = _root_name(node)
        if root == "sys" and "sys" in self.module_aliases and isinstance(node.value, ast.Name) \
                and attr in DANGEROUS_SYS:
            self.flag(node, f"uses sys.{attr}")
        if isinstance(node.ctx, (ast.Store, ast.Del)) and root is not None and not self.is_local(root):
            if root in self.module_aliases or root in self.context.instructor or root in BUILTIN_NAMES \
                    or root not in self.student_names:
                verb = "replaces" if isinstance(node.ctx, ast.Store) else "deletes"
                self.flag(node, f"{verb} {_dotted(node) or attr}, which the tests or the kernel rely on")
        self.generic_visit(node)

    # -- classes and functions -----------------------------------------------------------------
    def visit_ClassDef(self, node):
        for base in node.bases:
            dotted = _dotted(base)
            if dotted.split(".")[-1] in {"ndarray", "matrix", "MaskedArray", "type"}:
                self.flag(node, f"class {node.name} subclasses {dotted}, so its objects can pass for results")
        for kw in node.keywords:
            if kw.arg == "metaclass":
                self.flag(node, f"class {node.name} sets a metaclass")
        for stmt in node.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name in PROTOCOL_METHODS:
                self.flag(stmt, f"class {node.name} defines {stmt.name}, which changes how its objects "
                                f"compare or convert to arrays")
            if isinstance(stmt, ast.Assign):
                for t in stmt.targets:
                    if isinstance(t, ast.Name) and t.id in PROTOCOL_METHODS:
                        self.flag(stmt, f"class {node.name} sets {t.id}")
        self.generic_visit(node)

    def _visit_function(self, node):
        for deco in node.decorator_list:
            self.visit(deco)
        for default in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
            self.visit(default)
        self.scopes.append(_function_locals(node))
        for stmt in node.body:
            self.visit(stmt)
        self.scopes.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _visit_function

    def visit_Lambda(self, node):
        a = node.args
        self.scopes.append({x.arg for x in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg] if x})
        self.visit(node.body)
        self.scopes.pop()

    def _visit_comprehension(self, node):
        targets = {t.id for gen in node.generators for t in ast.walk(gen.target) if isinstance(t, ast.Name)}
        self.scopes.append(targets)
        self.generic_visit(node)
        self.scopes.pop()

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comprehension


def screen_cells(cells: list[tuple], context: Context) -> list[Finding]:
    """Findings for the student's code cells, given as (cell name, source[, index]) in notebook order."""
    trees = [(c[0], _parse(c[1]), c[2] if len(c) > 2 else -1) for c in cells]
    student_names = set()
    for _, tree, _ in trees:
        if tree is not None:
            student_names |= top_level_bindings(tree)
    module_aliases = set()
    for _, tree, _ in trees:
        if tree is not None:
            module_aliases |= imported_names(tree)
    module_aliases |= context.instructor & {"np", "numpy", "sp", "sympy", "plt", "matplotlib", "math",
                                            "course", "sys", "warnings", "time"}
    findings: list[Finding] = []
    own = student_names - context.protected - module_aliases
    for name, tree, index in trees:
        if tree is None:
            continue
        screen = _CellScreen(name, context, own, module_aliases, index)
        screen.visit(tree)
        findings += screen.findings
        for rebound in sorted(top_level_bindings(tree, context.imports) & context.protected):
            findings.append(Finding(name, _binding_line(tree, rebound),
                                    f"rebinds {rebound}, which the tests use and the exercise does not ask for",
                                    index))
    return _unique(findings)


def _binding_line(tree, name: str) -> int:
    for sub in ast.walk(tree):
        if isinstance(sub, ast.Name) and sub.id == name and isinstance(sub.ctx, (ast.Store, ast.Del)):
            return sub.lineno
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and sub.name == name:
            return sub.lineno
        if isinstance(sub, (ast.Import, ast.ImportFrom)):
            for alias in sub.names:
                if (alias.asname or alias.name).split(".")[0] == name:
                    return sub.lineno
    return 0


def _unique(findings):
    seen, out = set(), []
    for f in findings:
        if (f.cell, f.line, f.what) not in seen:
            seen.add((f.cell, f.line, f.what))
            out.append(f)
    return out


# -- what the instructor's notebook says -------------------------------------------------------------
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"


def _split_hidden(source: str) -> tuple[str, str]:
    visible, hidden, inside = [], [], False
    for line in source.splitlines():
        if BEGIN_HIDDEN in line:
            inside = True
        elif END_HIDDEN in line:
            inside = False
        else:
            (hidden if inside else visible).append(line)
    return "\n".join(visible), "\n".join(hidden)


def _names_used(tree) -> set:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | \
           {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def context_from_source(source_nb) -> Context:
    """The screen's context from an nbgrader source notebook (solutions and hidden tests in it)."""
    key = tuple((c.cell_type, bool(c.get("metadata", {}).get("nbgrader", {}).get("solution")),
                 bool(c.get("metadata", {}).get("nbgrader", {}).get("grade")), c.source) for c in source_nb.cells)
    if key not in _CONTEXTS:
        _CONTEXTS[key] = _context(source_nb)
    return _CONTEXTS[key]


_CONTEXTS: dict = {}


def _context(source_nb) -> Context:
    solution_bound, instructor_bound, test_used, hidden_bound, visible_bound = set(), set(), set(), set(), set()
    imports: dict = {}
    definitions: set = set()
    for cell in source_nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            tree = _parse(cell.source)
            if tree is not None:
                solution_bound |= top_level_bindings(tree)
            continue
        visible, hidden = _split_hidden(cell.source)
        vtree, htree = _parse(visible), _parse(hidden)
        if vtree is not None:
            imports.update(import_map(vtree))
            definitions |= {s.name for s in vtree.body
                            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
            bound = top_level_bindings(vtree)
            instructor_bound |= bound
            visible_bound |= bound
        if htree is not None:
            hidden_bound |= top_level_bindings(htree)
        if meta.get("grade"):
            for tree in (vtree, htree):
                if tree is not None:
                    test_used |= _names_used(tree)
    # Rebinding the instructor's data (x, params, ...) only misleads the student's own visible
    # check, and those cells run again after the solution cells; helpers, modules and built-ins
    # are what a rebinding could use to pass a test.
    protected = (test_used & (set(imports) | definitions | BUILTIN_NAMES)) - solution_bound
    hidden_only = hidden_bound - visible_bound - solution_bound
    return Context(protected=protected, instructor=instructor_bound, hidden_only=hidden_only, imports=imports)


def release_text(source: str) -> str:
    """An instructor cell as students receive it: the hidden-test region removed."""
    return _split_hidden(source)[0]


def student_cells(submitted_nb, source_nb) -> list[tuple[str, str, int]]:
    """The code cells of a submission that are the student's: everything not identical to a cell of
    the instructor's (given code and test cells are restored by nbgrader or unchanged)."""
    instructor_sources = set()
    for cell in source_nb.cells:
        if cell.cell_type == "code" and not cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            instructor_sources.add(cell.source.strip())
            instructor_sources.add(release_text(cell.source).strip())  # as generate_assignment hands it out
    out = []
    for index, cell in enumerate(submitted_nb.cells):
        if cell.get("cell_type") != "code":
            continue
        if cell.source.strip() in instructor_sources:
            continue
        name = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or cell.get("id") or f"#{index + 1}"
        out.append((str(name), cell.source, index))
    return out


def screen_notebook(submitted_nb, source_nb) -> list[Finding]:
    """Every finding in a submission, judged against its source notebook."""
    return screen_cells(student_cells(submitted_nb, source_nb), context_from_source(source_nb))
