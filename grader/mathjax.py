"""Math in feedback pages without a network: MathJax 3 inlined into every page.

nbgrader's feedback template loads MathJax 2.7.7 from a CDN, so on a hub without internet a student
reads raw ``$$ \\frac{...} $$``.  ``nbgrader_config.py`` puts ``grader/templates`` before nbgrader's
templates; its ``base/mathjax.html.j2`` replaces nbconvert's macro with :func:`offline_mathjax`,
which writes MathJax's single-file TeX-to-SVG build (``tex-svg.js`` of the npm package ``mathjax``,
pinned in ``package.json``, installed by ``scripts/node-packages.sh`` into ``node_modules/``) into
the page: SVG output needs no font files, so nothing is fetched when the page is opened.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

__all__ = ["MATHJAX_ENV", "TEMPLATES", "mathjax_file", "offline_mathjax"]

MATHJAX_ENV = "COURSE_MATHJAX"         # another tex-svg.js, if the course's node_modules/ is elsewhere
TEMPLATES = Path(__file__).with_name("templates")
DEFAULT = Path(__file__).resolve().parents[1] / "node_modules" / "mathjax" / "es5" / "tex-svg.js"

# the delimiters nbconvert's MathJax 2 configuration used, in MathJax 3's form
CONFIG = """window.MathJax = {
  tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']],
        processEscapes: true, processEnvironments: true, tags: 'ams'},
  svg: {fontCache: 'global'},
  options: {enableMenu: false}
};"""


class MathJaxMissing(RuntimeError):
    pass


def mathjax_file() -> Path:
    path = Path(os.environ.get(MATHJAX_ENV) or DEFAULT)
    if not path.is_file():
        raise MathJaxMissing(f"MathJax for the feedback pages is missing ({path}): run `bash scripts/node-packages.sh` "
                             f"in the course folder (it installs the npm packages of package.json), or set "
                             f"{MATHJAX_ENV} to a copy of MathJax 3's es5/tex-svg.js.")
    return path


@lru_cache(maxsize=2)
def _script(path: str) -> str:
    code = Path(path).read_text(encoding="utf-8")
    # a literal "</script" inside the code would end the inline script early
    return code.replace("</script", "<\\/script")


def offline_mathjax(_url: str = "") -> str:
    """The ``<script>`` tags that configure and load MathJax from inside the page (the CDN URL nbconvert
    would use is ignored)."""
    return (f'<script type="text/javascript">\n{CONFIG}\n</script>\n'
            f'<script type="text/javascript" id="MathJax-script">\n{_script(str(mathjax_file()))}\n</script>')
