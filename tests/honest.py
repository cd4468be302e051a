"""Honest, correct submissions in the styles students really write: each must score full marks, unflagged.

Every habit below is something students do in public course repositories (CS231n headers,
autoreload, self-tests with unittest or assert, saving weights, dispatch by name, their own
sigmoid, timing magics, debug output, helper modules written to disk, ...). Each habit is put into
the reference solution of every assignment: up to ``PER_CELL`` habits in one answer cell (a cell
magic alone, first), each habit in an answer cell that defines a function, as few submissions as
that takes. ``{fn}`` in a habit is the name of a function the cell defines.
"""
from __future__ import annotations

from dataclasses import dataclass

from grader.instructor import build_submission, nbgrader_meta, solution_code

# name: (code before the answer, code after the answer)
HABITS = {
    "autoreload extension": ("%load_ext autoreload\n%autoreload 2", ""),
    "CS231n header: from builtins import range": ("from builtins import range\nfrom builtins import object", ""),
    "sys.path.append(os.pardir)": ("import sys, os\nsys.path.append(os.pardir)\nsys.path.insert(0, os.path.abspath('.'))", ""),
    "a unittest.TestCase self-check": ("", "import unittest\nclass TestMine(unittest.TestCase):\n"
                                           "    def test_defined(self):\n        self.assertTrue(callable({fn}))\n"
                                           "unittest.main(argv=['ignored'], exit=False, verbosity=0)"),
    "IPython.display of notes": ("from IPython.display import display, Markdown\n"
                                 "display(Markdown('**Note:** derived on paper first.'))", ""),
    "weights saved with pickle and open": ("", "import pickle\nwith open('my_notes.pkl', 'wb') as fh:\n"
                                               "    pickle.dump({'function': '{fn}'}, fh)\n"
                                               "with open('my_notes.pkl', 'rb') as fh:\n    my_notes = pickle.load(fh)"),
    "getattr dispatch on a class": ("class Activations:\n    @staticmethod\n    def relu(z):\n        return np.maximum(z, 0)\n"
                                    "    @staticmethod\n    def tanh(z):\n        return np.tanh(z)\n"
                                    "act = getattr(Activations, 'relu')\n_demo = act(np.array([-1.0, 2.0]))", ""),
    "their own def sigmoid": ("def sigmoid(z):\n    return 1 / (1 + np.exp(-z))", ""),
    "their own sigmoid = lambda": ("sigmoid = lambda z: 1.0 / (1.0 + np.exp(-z))", ""),
    "np.random.seed at the top": ("np.random.seed(42)\n_noise = np.random.randn(3)", ""),
    "%%time on the whole cell": ("%%time", ""),
    "%timeit of their own function": ("", "%timeit -n 1 -r 1 callable({fn})"),
    "a plot in the answer cell": ("%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.figure(figsize=(2, 2))\n"
                                  "plt.plot([0, 1], [0, 1])\nplt.show()", ""),
    "warnings.filterwarnings('ignore')": ("import warnings\nwarnings.filterwarnings('ignore')", ""),
    "assert self-check": ("", "assert callable({fn}), 'my function should exist'"),
    "debug print to stderr": ("", "import sys\nprint('debug: defined {fn}', file=sys.stderr)"),
    "a warning of their own": ("", "import warnings\nwarnings.warn('remember to vectorise {fn}', UserWarning)"),
    "a dataclass for shapes": ("from dataclasses import dataclass\n@dataclass\nclass Shapes:\n    d_in: int = 2\n"
                               "    d_out: int = 3\n_shapes = Shapes()", ""),
    "logging at DEBUG level": ("import logging\nlogging.basicConfig(level=logging.DEBUG)\n"
                               "log = logging.getLogger('student')\nlog.debug('starting this exercise')", ""),
    "np.set_printoptions": ("np.set_printoptions(precision=3, suppress=True)", ""),
    "%precision magic": ("%precision 4", ""),
    "a helper module written to disk and imported": (
        "with open('my_helpers.py', 'w') as fh:\n    fh.write('def double(x):\\n    return 2 * x\\n')\n"
        "import importlib, sys\nsys.path.insert(0, '.')\nimport my_helpers\nimportlib.reload(my_helpers)\n"
        "_four = my_helpers.double(2)", ""),
    "globals() to set names": ("for _name in ('alpha', 'beta'):\n    globals()[_name] = 0.0", ""),
    "eval of a small expression": ("_two = eval('1 + 1')", ""),
    "inspect.signature of their function": ("", "import inspect\nprint(inspect.signature({fn}))"),
    "os.environ and os.getcwd": ("import os\n_home = os.environ.get('HOME', '')\n_cwd = os.getcwd()", ""),
    "%who_ls": ("_names = %who_ls", ""),
    "a shell command": ("!ls > /dev/null", ""),
    "timing with time.time": ("import time\n_t0 = time.time()", "print(f'took {time.time() - _t0:.3f} s')"),
    "functools.lru_cache helper": ("from functools import lru_cache\n@lru_cache(maxsize=None)\ndef fib(n):\n"
                                   "    return n if n < 2 else fib(n - 1) + fib(n - 2)\n_fib20 = fib(20)", ""),
    "copy.deepcopy of the globals' params": ("import copy\n_backup = copy.deepcopy(globals().get('params', {}))", ""),
    "type hints and aliases": ("from typing import Dict, Tuple\nArray = np.ndarray\nParams = Dict[str, Array]", ""),
    "if __name__ == '__main__' block": ("", "if __name__ == '__main__':\n    print('{fn} is defined')"),
    "optional import of torch": ("try:\n    import torch\nexcept ImportError:\n    torch = None", ""),
    "%config for retina figures": ("%config InlineBackend.figure_format = 'retina'", ""),
    "np.seterr(all='ignore')": ("_old_err = np.seterr(all='ignore')", ""),
    "their function wrapped with functools.wraps": (
        "", "import functools\ndef traced(f):\n    @functools.wraps(f)\n    def inner(*a, **k):\n"
            "        return f(*a, **k)\n    return inner\n{fn} = traced({fn})"),
    # (issue 26) names a hidden test must never pick up from the notebook, and a live plot that clears
    "a helper of their own named report": ("def report(label, value):\n    print(f'{label}: {value}')",
                                           "report('{fn}', 'defined')"),
    "a live display that clears itself as it goes": (
        "", "import functools, time\nfrom IPython.display import clear_output\n_plain_{fn} = {fn}\n_shown_{fn} = [0.0]\n"
            "@functools.wraps(_plain_{fn})\ndef {fn}(*args, **kwargs):\n"
            "    if time.monotonic() - _shown_{fn}[0] > 0.05:\n        _shown_{fn}[0] = time.monotonic()\n"
            "        clear_output(wait=True)\n        print('working...')\n    return _plain_{fn}(*args, **kwargs)"),
}
CELL_MAGICS = {name for name, (before, _) in HABITS.items() if before.startswith("%%")}
PER_CELL = 3


@dataclass
class Honest:
    student: str
    assignment: str
    notebooks: dict
    habits: dict       # habit -> the answer cell it is in


def _slots(source_nb) -> list[tuple[str, list[str]]]:
    import ast
    out = []
    for cell in source_nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "code" and meta.get("solution"):
            names = [s.name for s in ast.parse(solution_code(cell.source)).body if isinstance(s, ast.FunctionDef)]
            if names:
                out.append((meta["grade_id"], names))
    return out


def _cell_code(source_cell_code: str, habits: list[str], fn: str) -> str:
    before = [HABITS[h][0].replace("{fn}", fn) for h in habits if HABITS[h][0]]
    after = [HABITS[h][1].replace("{fn}", fn) for h in habits if HABITS[h][1]]
    magics = [b for b in before if b.startswith("%%")]
    before = [b for b in before if not b.startswith("%%")]
    return "\n".join(magics + before + [source_cell_code] + after)


def corpus(assignments_books: dict) -> list[Honest]:
    """{assignment: (notebook name, source nb, release nb)} -> the honest submissions."""
    out = []
    for assignment, (name, src, rel) in assignments_books.items():
        slots = _slots(src)
        cells = {nbgrader_meta(c).get("grade_id"): c for c in src.cells}
        pending = list(HABITS)
        round_ = 0
        while pending:
            replace, placed = {}, {}
            for gid, names in slots:
                if not pending:
                    break
                group = []
                while pending and len(group) < PER_CELL:
                    habit = pending[0]
                    if habit in CELL_MAGICS and any(g in CELL_MAGICS for g in group):
                        break
                    group.append(pending.pop(0))
                replace[gid] = _cell_code(solution_code(cells[gid].source), group, names[0])
                placed.update({h: gid for h in group})
            nb = build_submission(src, rel, replace=replace)
            out.append(Honest(f"h-{assignment[:2]}-{round_}", assignment, {name: nb}, placed))
            round_ += 1
    return out
