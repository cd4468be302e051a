"""A student's feedback page in Debian's headless Chromium (Playwright), with the network off.

nbgrader's feedback template loads MathJax from a CDN; the course's template puts MathJax inside the page
(grader/mathjax.py), so a student reading feedback offline still sees the formulas. The page is one of
the suite's graded course (conftest.graded_course), so this test runs in the grading lane; it needs
only Chromium, not JupyterLab (tests/test_browser.py).
"""
import re

import pytest

from browser_lab import Shots, chromium, wait_for
from conftest import ASSIGNMENTS, ROOT


@pytest.fixture(scope="module")
def shots():
    return Shots(ROOT / "test-artifacts" / "feedback-offline")  # not test_browser.py's: each clears its own


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def test_feedback_math_renders_with_the_network_off(browser, graded_course, shots):
    """A student's feedback page, opened where there is no network at all (the browser context is
    offline and every http(s) request is refused and recorded): MathJax comes from inside the page
    (grader/mathjax.py), so the notebook's LaTeX is typeset as SVG and no raw TeX is left."""
    assignment = ASSIGNMENTS[0]
    pages = sorted((graded_course.root_of("honest-reference", assignment) / "feedback" / "honest-reference"
                    / assignment).glob("*.html"))
    assert pages, "no feedback page was generated"
    context = browser.new_context(viewport={"width": 1200, "height": 900}, offline=True)
    requested = []
    context.route(re.compile(r"^https?://"), lambda route: (requested.append(route.request.url), route.abort()))
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(pages[0].as_uri())
        wait_for(page, "() => document.querySelectorAll('mjx-container svg').length > 0", timeout=60_000)
        page.wait_for_timeout(500)  # MathJax typesets the page in one pass; let it finish
        shots(page, "feedback-offline-math")
        typeset = page.locator("mjx-container svg").count()
        raw = page.evaluate("""() => [...document.querySelectorAll('.text_cell_render, .jp-RenderedMarkdown')]
                                      .map(e => e.innerText).filter(t => /\\$\\$|\\\\frac|\\\\partial/.test(t))""")
    finally:
        context.close()
    assert typeset >= 5, f"only {typeset} formulas were typeset"
    assert not raw, f"raw TeX is left on the page: {raw[0][:200]!r}"
    assert not requested, f"the feedback page tried to fetch {requested}"
    assert not errors, errors
