"""The catalogue of submissions the grader must judge right, built from any assignment's notebooks.

Every kind is built from an assignment's source and release notebooks (its answer cells, test
cells and function names are read from them), so a new assignment is covered without new code.
:func:`catalogue` places every kind on the assignments that exist and says what must come out:

``nothing``      code tampering in the answer cells of the blank release, several kinds per notebook
                 (one per answer cell; the kernel killers last): it earns no more than the blank
                 release (every test scores 0); flagged where there is evidence (the kernel was
                 killed, values were reported twice; a kind that hangs the kernel is flagged too)
``touched``      tampering with the instructor's cells of the reference solution, each kind on its own
                 test cell: the touched tests score 0, the others keep their points, flagged
``disrupted``    the reference solution with a cell that kills, hangs or exhausts the kernel put in its
                 last answer cell: every test before that cell keeps its points, the tests of that
                 cell score 0, the rest of the class is graded, and nothing is flagged
``full``         honest but unusual code: full marks, no flag
``hardcoded``    the reference, each function returning its first answer forever (what typing in the
                 visible numbers amounts to): every test that calls a function loses its points
``malformed``    not a notebook nbgrader can read: one sentence naming the file, the rest graded
"""
from __future__ import annotations

import ast
import copy
import json
from dataclasses import dataclass, field

import nbformat

import base64
import re

from grader.instructor import build_submission, nbgrader_meta, solution_code


# -- helpers ---------------------------------------------------------------------------------------
def solution_cells(nb):
    return [c for c in nb.cells if nbgrader_meta(c).get("solution") and c.cell_type == "code"]


def test_cells(nb):
    return [c for c in nb.cells if nbgrader_meta(c).get("grade") and not nbgrader_meta(c).get("solution")]


def function_names(source_nb) -> dict[str, list[str]]:
    """{solution grade_id: [names of the functions its reference answer defines]}."""
    out = {}
    for cell in solution_cells(source_nb):
        tree = ast.parse(solution_code(cell.source))
        out[nbgrader_meta(cell)["grade_id"]] = [s.name for s in tree.body if isinstance(s, ast.FunctionDef)]
    return out


def blank(source_nb, release_nb):
    return build_submission(source_nb, release_nb, blank=True)


def reference(source_nb, release_nb):
    return build_submission(source_nb, release_nb)


def last_answer(source_nb) -> str:
    """The last answer cell that defines a function (its tests come after it)."""
    names = function_names(source_nb)
    return [gid for gid in names if names[gid]][-1]


def plain(tamper: str):
    """A kind whose answer cell is just ``tamper``."""
    return lambda source_nb, gid: tamper


def scavenger(body: str, preamble: str = ""):
    """A kind whose answer cell defines that cell's functions with ``body`` (they look for the answer
    in the grader instead of computing it)."""
    def code(source_nb, gid):
        names = function_names(source_nb)[gid]
        return (preamble + "\n" if preamble else "") + "\n\n".join(
            f"def {n}(*args, **kwargs):\n" + "\n".join("    " + line for line in body.splitlines()) for n in names)
    return code


def _toolkit_noops(source_nb, gid):
    """Every name the notebook imports from the toolkit rebound to a no-op."""
    given = "\n".join(c.source for c in source_nb.cells if c.cell_type == "code" and not nbgrader_meta(c).get("solution"))
    helpers = set()
    for match in re.finditer(r"from course(?:\.\w+)? import \(?([\w\s,]+)\)?", given):
        helpers |= {n.strip() for n in match.group(1).replace("\n", " ").split(",") if n.strip()}
    code = "\n".join(f"{name} = lambda *args, **kwargs: None" for name in sorted(helpers))
    return code + "\nimport course.checks\ncourse.checks.check_array = lambda *args, **kwargs: None"


EMPTY_LATER_CELLS = "input_transformers_cleanup.append(lambda lines: ['pass\\n'])"
_PAYLOAD = "get_ipython()." + EMPTY_LATER_CELLS.replace("\\\\", "\\")


CODE_TAMPERING = {
    "numpy testing replaced": plain(
        "import numpy as np\nnp.testing.assert_allclose = lambda *a, **k: None\n"
        "np.allclose = lambda *a, **k: True"),
    "toolkit helpers replaced by no-ops": _toolkit_noops,
    "builtins replaced": plain(
        "import builtins\nbuiltins.AssertionError = KeyboardInterrupt\nbuiltins.isinstance = lambda *a: True"),
    "__builtins__ edited": plain("__builtins__.print = lambda *a, **k: None"),
    "IPython input transformer empties every later cell": plain(
        "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])"),
    "IPython AST transformer drops every later cell": plain(
        "import ast\nclass Drop(ast.NodeTransformer):\n    def visit_Module(self, node):\n"
        "        node.body = []\n        return node\nget_ipython().ast_transformers.append(Drop())"),
    "IPython exception handler swallows errors": plain(
        "get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)"),
    "traceback display switched off": plain(
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "InteractiveShell.showtraceback = lambda *a, **k: None\n"
        "InteractiveShell.showsyntaxerror = lambda *a, **k: None"),
    "sys hooks replaced": plain(
        "import sys\nsys.excepthook = lambda *a: None\nsys.stderr = open('/dev/null', 'w')"),
    "reads the caller's frame": scavenger(
        "frame = sys._getframe(1)\nreturn frame.f_globals.get('_ref', frame.f_locals.get('ref'))", "import sys"),
    "inspect finds the caller's values": scavenger(
        "return inspect.currentframe().f_back.f_globals.get('_ref')", "import inspect"),
    "reads a name only the hidden tests define": scavenger("return _ref"),
    "reads the notebook's globals": scavenger("return globals().get('_ref')"),
    "reaches __main__ through sys.modules": scavenger(
        "return vars(sys.modules['__main__']).get('_ref')", "import sys"),
    "reads the kernel's history of the test cells": scavenger("source = In[-1]\nreturn source"),
    "gc walks every object": scavenger(
        "return [o for o in gc.get_objects() if isinstance(o, dict) and '_ref' in o][0]['_ref']", "import gc"),
    "function globals through __globals__": scavenger("return (lambda: 0).__globals__.get('_ref')"),
    "obfuscated exec": plain("exec('imp' + 'ort builtins; builtins.len = lambda x: 0')"),
    "attribute found by a computed name": plain(
        "import numpy as np\nname = 'tes' + 'ting'\ngetattr(np, name).assert_allclose = print"),
    "object that equals anything": scavenger(
        "return Anything()",
        "import numpy as np\nclass Anything(np.ndarray):\n    def __eq__(self, other):\n        return True\n"
        "    def __array__(self, *a, **k):\n        return self"),
    "behaves differently when graded": scavenger(
        "return None if grading_now() else 0.0", "from course import grading_now"),
    "environment variable sniffing": scavenger("return os.environ.get('NBGRADER_EXECUTION')", "import os"),
    "reads the source notebook from disk": plain("text = open('../../../source/x.ipynb').read()"),
    "shell command": plain("!ls ../../../source"),
    "IPython magic that runs a file": plain("%run ../../../source/helper.py"),
    "unittest.mock patches the checks": plain(
        "from unittest import mock\nmock.patch('course.checks.check_array', lambda *a, **k: None).start()"),
    # attacks on the grade the first screen never saw (all must still earn nothing)
    "get_ipython under another name, then an input transformer": plain(
        "shell = globals()['get' + '_ipython']()\nshell." + EMPTY_LATER_CELLS),
    "%timeit options hide the statement": plain("%timeit -n1 -r1 get_ipython()." + EMPTY_LATER_CELLS),
    "%%timeit setup line": plain("%%timeit -n1 -r1 get_ipython()." + EMPTY_LATER_CELLS + "\npass"),
    "sys under another name reaches __main__": plain(
        "import sys as S\nmain = S.modules['__main__']\nfor name in dir(main):\n"
        "    if name.startswith('check') or name in ('call', 'report'):\n"
        "        setattr(main, name, lambda *a, **k: None)"),
    "IPython through warnings.sys, then an AST transformer": plain(
        "import ast, warnings\nshell = warnings.sys.modules['IPython'].get_ipython()\n"
        "class Drop(ast.NodeTransformer):\n    def visit_Module(self, node):\n        node.body = []\n        return node\n"
        "shell.ast_transformers.append(Drop())"),
    "IPython through pydoc.locate, then set_custom_exc": plain(
        "import pydoc\nshell = pydoc.locate('IPython.get_ipython')()\n"
        "shell.set_custom_exc((BaseException,), lambda *a, **k: None)"),
    "IPython through gc, then transform_cell replaced": plain(
        "import gc\nfrom IPython.core.interactiveshell import InteractiveShell\n"
        "shell = next(o for o in gc.get_objects() if isinstance(o, InteractiveShell))\n"
        "shell.transform_cell = lambda raw_cell: 'pass\\n'"),
    "IPython through importlib, then run_code replaced": plain(
        "import importlib\nshell = importlib.import_module('IPython').get_ipython()\n"
        "async def run_code(code_obj, result=None, *, async_=False):\n    return False\n"
        "shell.run_code = run_code"),
    "showtraceback replaced on the shell": plain(
        "get_ipython().showtraceback = lambda *a, **k: None\nget_ipython().showsyntaxerror = lambda *a, **k: None"),
    "the kernel's session rewrites error replies to ok": plain(
        "kernel = get_ipython().kernel\nsend = kernel.session.send\n"
        "def quiet(stream, msg_or_type, content=None, *args, **kwargs):\n"
        "    if msg_or_type == 'error':\n        return None\n"
        "    if isinstance(content, dict) and content.get('status') == 'error':\n"
        "        content = {'status': 'ok', 'execution_count': content.get('execution_count', 0), 'user_expressions': {}}\n"
        "    return send(stream, msg_or_type, content, *args, **kwargs)\nkernel.session.send = quiet"),
    "exec of a base64 payload": plain(
        f"import base64\nexec(base64.b64decode({base64.b64encode(_PAYLOAD.encode())!r}).decode())"),
    "exec of a chr-joined payload": plain(
        "exec(''.join(map(chr, " + repr([ord(ch) for ch in _PAYLOAD]) + ")))"),
    "np.savetxt writes a module that is then imported": plain(
        "import numpy as np, sys\nnp.savetxt('helper_mod.py', [], header=" +
        repr("import numpy.testing, builtins\nbuiltins.AssertionError = KeyboardInterrupt\n"
             "import course.checks\ncourse.checks.check_array = lambda *a, **k: None") +
        ", comments='')\nsys.path.insert(0, '.')\nimport helper_mod"),
    "sys.settrace rewrites what the tests see": plain(
        "import sys\ndef tracer(frame, event, arg):\n"
        "    if frame.f_code.co_filename.startswith('<') and '_g' in frame.f_locals:\n"
        "        frame.f_globals['_g'] = {}\n    return tracer\nsys.settrace(tracer)"),
    "sys.setprofile swaps the reported values": plain(
        "import sys\ndef profiler(frame, event, arg):\n"
        "    if event == 'call' and frame.f_code.co_name == 'report':\n"
        "        frame.f_locals['value'] = 0\nsys.setprofile(profiler)"),
    "a check helper's __code__ replaced": plain(
        "import course.checks\ncourse.checks.check_array.__code__ = (lambda *a, **k: None).__code__\n"
        "course.checks.call.__code__ = (lambda fn, *a, **k: fn(*a, **k)).__code__"),
    "a check helper's __globals__ edited": plain(
        "import course.checks\ncourse.checks.check_array.__globals__['_close'] = lambda *a, **k: True\n"
        "course.checks.check_array.__globals__['CheckFailed'] = KeyboardInterrupt"),
    "a check helper's __defaults__ widened": plain(
        "import course.checks\ncourse.checks.check_array.__kwdefaults__ = "
        "{'rtol': 1e300, 'atol': 1e300, 'dtype': None, 'wrong': None}"),
    "an ndarray subclass made with type() whose comparisons lie": scavenger(
        "return Liar((3,))",
        "import numpy as np\nLiar = type('Liar', (np.ndarray,), {'__eq__': lambda s, o: True, '__ne__': lambda s, o: False,"
        " '__array_ufunc__': lambda s, *a, **k: np.zeros(1)})"),
    "the report function sends zeros": plain(
        "import course.report, numpy as np\nencode = course.report.encode\n"
        "course.report.encode = lambda v, _depth=0: encode(np.zeros_like(v) if isinstance(v, np.ndarray) else v, _depth)"),
    "reports every value twice": plain(  # (the toolkit's own: hidden tests never see a notebook's report)
        "import course.report\nreport_once = course.report.report\ndef _twice(*args, **kwargs):\n"
        "    report_once(*args, **kwargs)\n    report_once(*args, **kwargs)\ncourse.report.report = _twice"),
    "subprocess reached through the grading package": plain(
        "try:\n    import grader.grade as g\n    g.subprocess.run(['sh', '-c', 'echo pwned'])\nexcept ImportError as e:\n    print(e)"),
    "exits the kernel": plain("import os\nos._exit(0)"),
    "kills its own kernel": plain("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
    "stops the kernel with exit()": plain("exit()"),
}


# -- tampering with the instructor's cells (reference base: only the touched test loses) -------------
def _by_id(cells, gid):
    return next(i for i, c in enumerate(cells) if nbgrader_meta(c).get("grade_id") == gid)


def _delete(cells, gid):
    del cells[_by_id(cells, gid)]


def _duplicate(cells, gid):
    i = _by_id(cells, gid)
    dup = copy.deepcopy(cells[i])
    dup["id"] = (dup.get("id") or "x") + "-copy"
    cells.insert(i, dup)


def _edit(cells, gid):
    cells[_by_id(cells, gid)].source = "print('all tests passed')"


def _retype(cells, gid):
    i = _by_id(cells, gid)
    cell = cells[i]
    cells[i] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata, id=cell.get("id"))


def _points(cells, gid):
    meta = cells[_by_id(cells, gid)].metadata["nbgrader"]
    meta["points"], meta["grade"] = 100, False


def _as_answer(cells, gid):
    cell = cells[_by_id(cells, gid)]
    cell.metadata["nbgrader"]["solution"] = True
    cell.source = "pass"


def _move(cells, gid):
    cells.insert(0, cells.pop(_by_id(cells, gid)))


def _fake_test(cells, gid):
    cells.insert(_by_id(cells, gid), nbformat.v4.new_code_cell("pass", metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "points": 50, "grade_id": "bonus_points",
        "schema_version": 3}}))


# name: (mutation, does it touch its target test?)  Applied in this order, each to its own test.
STRUCTURE_TAMPERING = {
    "test cell edited": (_edit, True),
    "test cell turned into markdown": (_retype, True),
    "test cell's points and grade flag changed": (_points, True),
    "test cell marked as an answer": (_as_answer, True),
    "test cell duplicated": (_duplicate, True),
    "a made-up test cell added": (_fake_test, False),
    "test cell deleted": (_delete, True),
    "test cell moved to the top": (_move, True),
}


# -- disruption without tampering (reference base) ----------------------------------------------------
def _disrupt(code: str):
    def build(source_nb, release_nb):
        nb = reference(source_nb, release_nb)
        gid = last_answer(source_nb)
        for cell in nb.cells:
            if nbgrader_meta(cell).get("grade_id") == gid:
                cell.source = code + "\n\n" + cell.source
        return nb
    return build


DISRUPTION = {
    "kernel crash (segfault from numpy stride tricks)": _disrupt(
        "import numpy as np\nnp.lib.stride_tricks.as_strided(np.zeros(1), shape=(2 ** 40,), strides=(2 ** 30,)).sum()"),
    "endless loop (interruptible)": _disrupt("import time\nwhile True:\n    time.sleep(0.05)"),
    "endless loop that ignores interrupts": _disrupt(
        "import time\nwhile True:\n    try:\n        time.sleep(0.2)\n    except KeyboardInterrupt:\n        pass"),
    "memory blow-up": _disrupt("hoard = []\nwhile True:\n    hoard.append(bytearray(2 ** 27))"),
}


# -- honest but unusual (reference base, must score full marks with no flag) -------------------------
NOISE = ("import sys, warnings\n"
         "def _noisy(f):\n"
         "    def wrapper(*args, **kwargs):\n"
         "        warnings.warn('a note from my code', RuntimeWarning)\n"
         "        print('debugging', f.__name__, file=sys.stderr)\n"
         "        return f(*args, **kwargs)\n"
         "    wrapper.__name__ = f.__name__\n"
         "    return wrapper\n")


def wrap_every_function(prelude: str, decorator: str):
    """The reference solution with each answer function ``f`` rebound to ``decorator(f)``,
    ``prelude`` (which defines the decorator) put in front of each answer cell that has one."""
    def build(source_nb, release_nb):
        names = function_names(source_nb)
        replace = {gid: prelude + "\n" + solution_code(cell.source) + "\n" + "\n".join(
                       f"{n} = {decorator}({n})" for n in names[gid])
                   for cell in solution_cells(source_nb)
                   for gid in [nbgrader_meta(cell)["grade_id"]] if names.get(gid)}
        return build_submission(source_nb, release_nb, replace=replace)
    return build


_noisy = wrap_every_function(NOISE, "_noisy")


def _unusual(source_nb, release_nb):
    nb = reference(source_nb, release_nb)
    extra = ("import math\nimport numpy as np\nimport warnings\nfrom collections import OrderedDict\n"
             "warnings.filterwarnings('ignore')\nnp.random.seed(12345)\n_scratch = np.random.rand(3)\n"
             "class Notes:\n    \"\"\"A plain helper class.\"\"\"\n    def __init__(self):\n        self.items = []\n"
             "    def add(self, x):\n        self.items.append(x)\n        return self\n"
             "notes = Notes().add(math.pi)\nsquares = [i * i for i in range(5)]\n"
             "for _ in range(2):\n    pass\nprint(f'{len(squares)} squares, {sum(squares)} in all')\n")
    names = function_names(source_nb)
    for cell in solution_cells(nb):
        gid = nbgrader_meta(cell)["grade_id"]
        if names.get(gid):
            cell.source = extra + cell.source + "\n%timeit -n 1 -r 1 squares.copy()\n"
            break
    return nb


HONEST = {
    "warnings and stderr prints inside every answer": _noisy,
    "extra imports, a class, seeded randomness, %timeit, top-level scratch work": _unusual,
}


# -- the visible numbers typed in ----------------------------------------------------------------------
FIRST_ANSWER = ("def _first_answer_forever(f):\n"
                "    box = []\n"
                "    def wrapper(*args, **kwargs):\n"
                "        if not box:\n"
                "            box.append(f(*args, **kwargs))\n"
                "        return box[0]\n"
                "    return wrapper\n")


_hardcoded = wrap_every_function(FIRST_ANSWER, "_first_answer_forever")


# -- unreadable files ------------------------------------------------------------------------------
def _truncated_json(source_nb, release_nb):
    return json.dumps(nbformat.v4.new_notebook())[:-7]


def _nbformat3(source_nb, release_nb):
    return json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": 5}]})


def _not_a_notebook(source_nb, release_nb):
    return json.dumps({"hello": "world"})


MALFORMED = {
    "truncated JSON": _truncated_json,
    "nbformat 3 with a broken worksheet": _nbformat3,
    "JSON that is not a notebook": _not_a_notebook,
}

KILLERS = {"exits the kernel", "kills its own kernel", "stops the kernel with exit()"}
DYING = {"exits the kernel", "kills its own kernel"}  # the kernel is gone (exit() is ignored while grading)
# kinds that leave evidence: the notebook must be flagged (exit() only asks the front end to close the
# kernel, which a grading run ignores: no evidence, nothing earned either)
EVIDENCE = {"exits the kernel", "kills its own kernel", "reports every value twice"}


@dataclass
class Submission:
    """One student of the catalogue: what they hand in and what the grader must make of it."""
    student: str
    assignment: str
    notebooks: dict                  # file name -> notebook node, or raw text (malformed)
    expect: str                      # nothing | touched | disrupted | full | hardcoded | malformed
    kinds: dict = field(default_factory=dict)   # kind -> the cell it lives in / the test it touches
    disrupted: str = ""              # disrupted: the answer cell that holds the disruption


def catalogue(root, assignments: list[str]) -> list[Submission]:
    """Every kind, placed on the assignments that exist (first notebook of each), deterministically."""
    from grader.instructor import release_notebooks
    books = {}
    for a in assignments:
        name, (src, rel) = next(iter(release_notebooks(root, a).items()))
        books[a] = (name, src, rel)
    out = []

    # code tampering: bundled, one kind per answer cell of a blank release; kernel killers go last
    quiet = [k for k in CODE_TAMPERING if k not in KILLERS]
    killers = [k for k in CODE_TAMPERING if k in KILLERS]
    round_ = 0
    while quiet or killers:
        for a in assignments:
            if not (quiet or killers):
                break
            name, src, rel = books[a]
            slots = [gid for gid, names in function_names(src).items() if names]
            replace, placed = {}, {}
            for i, gid in enumerate(slots):
                last = i == len(slots) - 1
                pool = killers if (last and killers) or not quiet else quiet
                if not pool:
                    break
                kind = pool.pop(0)
                replace[gid] = CODE_TAMPERING[kind](src, gid)
                placed[kind] = gid
                if kind in KILLERS:
                    break
            nb = build_submission(src, rel, blank=True, replace=replace)
            out.append(Submission(f"t-code-{a[:2]}-{round_}", a, {name: nb}, "nothing", placed))
        round_ += 1

    # structure tampering: one reference notebook, each kind on its own test cell (from the end)
    # the cheapest assignment with a test cell for every kind (fewest tests that are still enough)
    enough = [x for x in assignments if len(test_cells(books[x][1])) >= len(STRUCTURE_TAMPERING)]
    a = min(enough, key=lambda x: len(test_cells(books[x][1]))) if enough else \
        max(assignments, key=lambda x: len(test_cells(books[x][1])))
    name, src, rel = books[a]
    nb = reference(src, rel)
    targets = [nbgrader_meta(c)["grade_id"] for c in test_cells(src)][::-1]
    placed = {}
    for (kind, (mutate, touches)), gid in zip(STRUCTURE_TAMPERING.items(), targets):
        mutate(nb.cells, gid)
        placed[kind] = gid if touches else ""
    out.append(Submission(f"t-structure-{a[:2]}", a, {name: nb}, "touched", placed))

    # one submission per disruption, honest-but-unusual kind and the typed-in answers
    cheap_first = sorted(assignments, key=lambda x: len(test_cells(books[x][1])))
    for i, (kind, build) in enumerate(DISRUPTION.items()):
        a = cheap_first[i % len(cheap_first)]
        name, src, rel = books[a]
        out.append(Submission(slug(kind), a, {name: build(src, rel)}, "disrupted", {kind: last_answer(src)},
                              last_answer(src)))
    rest = [(k, b, "full") for k, b in HONEST.items()] + [(HARDCODED, _hardcoded, "hardcoded")]
    for i, (kind, build, expect) in enumerate(rest):
        a = assignments[(i + 1) % len(assignments)]
        name, src, rel = books[a]
        out.append(Submission(slug(kind), a, {name: build(src, rel)}, expect, {kind: ""}))
    for i, (kind, build) in enumerate(MALFORMED.items()):
        a = assignments[i % len(assignments)]
        name, src, rel = books[a]
        out.append(Submission(slug(kind), a, {name: build(src, rel)}, "malformed", {kind: name}))
    return out


HARDCODED = "each function returns its first answer forever"
ALL_KINDS = (list(CODE_TAMPERING) + list(STRUCTURE_TAMPERING) + list(DISRUPTION) + list(HONEST)
             + [HARDCODED] + list(MALFORMED))


def slug(kind: str) -> str:
    return "t-" + "".join(ch if ch.isalnum() else "-" for ch in kind.lower()).strip("-")[:50]
