"""Helpers for tests/test_browser.py: JupyterLab on a course copy, driven in Debian's headless Chromium.

The server is the student's ``make lab`` (JupyterLab 4 with nbgrader's lab and server extensions, as
installed in .venv), started in the course root of a throw-away copy so that the formgrader finds
``nbgrader_config.py`` too.  Its user-level Jupyter folders (config, data, runtime, lab settings and
workspaces, IPython) live in a temp folder, so nothing on the machine changes what the test sees.
Three lab settings are set there for determinism only: no "Jupyter news" toast over the screenshots,
no autosave racing the test's writes through the contents API, and every cell in the DOM (no
windowing) so that the page can be read cell by cell.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
MISSING_BROWSER = (f"Debian's chromium is not installed ({CHROMIUM} is missing): install it with "
                   f"`apt-get update && apt-get install -y chromium`, as .ci/run does.")

LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                          "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


# --------------------------------------------------------------------------- the server
class Lab:
    """A JupyterLab server on 127.0.0.1 (a free port, a token) serving the course folder ``root``."""

    def __init__(self, root: Path, home: Path, token: str = "browser-test-token"):
        self.root, self.home, self.token = Path(root), Path(home), token
        self.proc: subprocess.Popen | None = None
        self.base = ""
        self.log = self.home / "jupyterlab.log"

    def start(self, timeout: float = 90) -> "Lab":
        self.launch()
        return self.wait_ready(timeout)

    def launch(self) -> None:
        """Start the server process (wait_ready waits for it: the browser can start meanwhile)."""
        env = {k: v for k, v in os.environ.items() if k not in ("COURSE_DB_URL", "NBGRADER_EXECUTION")}
        dirs = {name: self.home / name for name in ("config", "data", "runtime", "settings", "workspaces", "ipython")}
        for d in dirs.values():
            d.mkdir(parents=True, exist_ok=True)
        for rel, value in LAB_SETTINGS.items():
            path = dirs["settings"] / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))
        env.update(JUPYTER_CONFIG_DIR=str(dirs["config"]), JUPYTER_DATA_DIR=str(dirs["data"]),
                   JUPYTER_RUNTIME_DIR=str(dirs["runtime"]), JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
                   JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]), IPYTHONDIR=str(dirs["ipython"]))
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", "--port=0",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
               "--LabApp.extension_manager=readonly"]
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(cmd, cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 90) -> "Lab":
        info = self.home / "runtime" / f"jpserver-{self.proc.pid}.json"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with code {self.proc.returncode} on start:\n{self.log_tail()}")
            if info.is_file():
                try:
                    self.base = json.loads(info.read_text())["url"].rstrip("/")
                    if self.api("GET", "/api/status") is not None:
                        return self
                except (ValueError, KeyError, OSError):
                    pass
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"JupyterLab did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:]) if self.log.is_file() else ""

    def url(self, path: str, **query: str) -> str:
        q = "&".join(f"{k}={v}" if v else k for k, v in query.items())
        return f"{self.base}{path}" + (f"?{q}" if q else "")

    def api(self, method: str, path: str, body=None):
        """A Jupyter REST call with the token; the decoded JSON answer (None for an empty one)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Authorization": f"token {self.token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
        return json.loads(raw) if raw.strip() else None

    def put_notebook(self, path: str, nb) -> None:
        """Write a notebook through the contents API, as the editor's Save does."""
        self.api("PUT", f"/api/contents/{path}", {"type": "notebook", "format": "json", "content": nb})

    def kernel_state(self, path: str) -> str | None:
        """The execution state of the kernel of the session that has ``path`` open (None: no session)."""
        for session in self.api("GET", "/api/sessions") or []:
            if session.get("path") == path and session.get("kernel"):
                return session["kernel"].get("execution_state")
        return None

    def stop(self) -> None:
        """Shut down (kernels included); terminate, then kill, only this server's own process."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.api("POST", "/api/shutdown")
            self.proc.wait(timeout=15)
        except Exception:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


# --------------------------------------------------------------------------- the browser
def launch_chromium():
    """(playwright, browser): Debian's Chromium, headless; pytest.fail in one sentence when it is missing."""
    if not CHROMIUM.is_file():
        pytest.fail(MISSING_BROWSER, pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("The playwright package is not installed: run `make test`, which installs requirements.txt.",
                    pytrace=False)
    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    except Exception as err:
        pw.stop()
        pytest.fail(f"Debian's chromium at {CHROMIUM} did not start under Playwright: {str(err).splitlines()[0]}",
                    pytrace=False)
    return pw, browser


@contextmanager
def chromium():
    """Debian's Chromium alone (no JupyterLab), closed afterwards whatever happened."""
    pw, browser = launch_chromium()
    try:
        yield browser
    finally:
        try:
            browser.close()
        finally:
            pw.stop()


def new_page(browser):
    """A page in a fresh context; ``page.errors`` collects console errors and uncaught exceptions."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(
        f"console error: {m.text} (at {m.location.get('url', '?')}:{m.location.get('lineNumber', '?')})"))
    page.on("pageerror", lambda e: page.errors.append(f"uncaught exception: {e}"))
    return page


class Shots:
    """Screenshots into one folder, numbered in the order taken."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.n = 0
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()

    def __call__(self, page, name: str) -> Path:
        self.n += 1
        path = self.folder / f"{self.n:02d}-{name}.png"
        page.screenshot(path=str(path))
        return path


# --------------------------------------------------------------------------- JupyterLab in the page
NB = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook in the current tab


# Playwright polls a wait_for_function condition on every animation frame unless told otherwise: with
# STATE_JS (innerText of every prompt, which forces a layout) that kept the renderer busy through
# every run of a notebook. Every wait here polls a few times a second instead.
POLL_MS = 200


def wait_for(page, expression: str, arg=None, timeout: float | None = None):
    """``page.wait_for_function(expression, arg)``, polled every POLL_MS milliseconds."""
    return page.wait_for_function(expression, arg=arg, timeout=timeout, polling=POLL_MS)

# Cells of the current notebook as the page shows them: the active one, each code cell's prompt
# ("[ ]:", "[*]:", "[7]:"; None for markdown), whether it shows an error, and the kernel status.
STATE_JS = """() => {
  const cells = [...document.querySelectorAll('%s .jp-Cell')];
  const bar = document.querySelector('#jp-main-statusbar');
  return {
    active: cells.findIndex(c => c.classList.contains('jp-mod-active')),
    prompts: cells.map(c => c.classList.contains('jp-CodeCell') ? c.querySelector('.jp-InputPrompt').innerText.trim() : null),
    errors: cells.map(c => [...c.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
                           .some(o => o.innerText.trim() !== '')),
    idle: !!bar && bar.innerText.includes('| Idle'),
  };
}""" % NB


def state(page) -> dict:
    return page.evaluate(STATE_JS)


def menu(page, top: str, item: str) -> None:
    """Click a main-menu entry, e.g. menu(page, "Run", "Run All Cells")."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(top)}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def wait_kernel_idle(lab: Lab, page, path: str, timeout: float = 60) -> None:
    """Wait until the status bar shows this notebook with an idle kernel, and the server agrees."""
    name = path.rsplit("/", 1)[-1]
    try:
        wait_for(page,
            """(name) => { const bar = document.querySelector('#jp-main-statusbar');
                            return !!bar && bar.innerText.includes(name) && bar.innerText.includes('| Idle'); }""",
            arg=name, timeout=timeout * 1000)
    except Exception:
        bar = page.locator("#jp-main-statusbar").inner_text() if page.locator("#jp-main-statusbar").count() else ""
        pytest.fail(f"{path} did not show an idle kernel within {timeout:.0f} s: the status bar says "
                    f"{' '.join(bar.split())!r}, the server says {lab.kernel_state(path)!r}, "
                    f"dialogs: {error_dialogs(page)!r}, page errors: {page.errors!r}")
    deadline = time.monotonic() + timeout
    while lab.kernel_state(path) != "idle":
        assert time.monotonic() < deadline, f"the kernel of {path} did not reach idle (server: {lab.kernel_state(path)})"
        time.sleep(0.2)


def wait_run_finished(page, timeout: float = 180) -> dict:
    """After Run All: wait until nothing is queued and the kernel is idle, and either every code cell ran
    or one shows an error (JupyterLab's Run All stops at the first error)."""
    wait_for(page,
        """() => { const s = (%s)(); const code = s.prompts.filter(p => p !== null);
                   return s.idle && !code.some(p => p.includes('*'))
                          && (code.every(p => /\\d/.test(p)) || s.errors.some(e => e)); }""" % STATE_JS,
        timeout=timeout * 1000)
    return state(page)


def run_from(page, start: int, timeout: float = 120) -> None:
    """Run every cell from index ``start`` to the end one at a time (Shift+Enter; Ctrl+Enter on the
    last, which would otherwise add a cell), waiting for each: an error does not stop the next cell."""
    cells = page.locator(f"{NB} .jp-Cell")
    cells.nth(start).locator(".jp-InputPrompt").click()
    n = cells.count()
    for i in range(start, n):
        active, code = page.evaluate(CELL_JS, i)
        assert active == i, f"cell {i} should be selected, but cell {active} is"
        page.keyboard.press("Control+Enter" if i == n - 1 else "Shift+Enter")
        if code:
            page.wait_for_function(CELL_DONE_JS, arg=i, timeout=timeout * 1000, polling=CELL_POLL_MS)


# run_from's reads, lighter than STATE_JS (no text of every cell): which cell is active and whether
# cell i is a code cell; then whether cell i has run (a number in its prompt) and the kernel is idle,
# polled often (most cells take a few milliseconds; at POLL_MS each would wait 200 ms).
CELL_JS = """(i) => {
  const cells = [...document.querySelectorAll('%s .jp-Cell')];
  return [cells.findIndex(c => c.classList.contains('jp-mod-active')), cells[i].classList.contains('jp-CodeCell')];
}""" % NB
CELL_DONE_JS = """(i) => {
  const prompt = document.querySelectorAll('%s .jp-Cell')[i].querySelector('.jp-InputPrompt');
  const bar = document.querySelector('#jp-main-statusbar');
  return !!bar && bar.textContent.includes('| Idle') && /\\d/.test(prompt.textContent);
}""" % NB
CELL_POLL_MS = 25


def cell_texts(page) -> list[dict]:
    """Each cell's output text, split into stdout and stderr/error, and whether it shows an image."""
    return page.locator(f"{NB} .jp-Cell").evaluate_all("""cells => cells.map(c => {
        const text = sel => [...c.querySelectorAll('.jp-OutputArea-output' + sel)].map(o => o.innerText).join('\\n');
        return {
          out: text('[data-mime-type="application/vnd.jupyter.stdout"]'),
          err: text('[data-mime-type="application/vnd.jupyter.stderr"]'),
          imgs: [...c.querySelectorAll('.jp-OutputArea-output img')].filter(i => i.complete && i.naturalWidth > 0).length,
        };
    })""")


def settled_texts(page, ok, timeout: float = 15) -> list[dict]:
    """cell_texts once ``ok(texts)`` holds (outputs render a moment after the kernel has sent them),
    or the last reading after ``timeout`` seconds, for the caller's assertions to explain."""
    deadline = time.monotonic() + timeout
    while True:
        texts = cell_texts(page)
        if ok(texts) or time.monotonic() > deadline:
            return texts
        page.wait_for_timeout(200)


def open_problems(lab: Lab, page, path: str, n_cells: int) -> list[str]:
    """Wait until the notebook at ``path`` (the current tab) is rendered whole, its LaTeX typeset and
    its kernel idle; return what went wrong in the front end: error dialogs, MathJax errors, console
    errors and uncaught exceptions (which are then cleared from ``page.errors``)."""
    wait_kernel_idle(lab, page, path)
    wait_for(page, "n => document.querySelectorAll('%s .jp-Cell').length === n" % NB, arg=n_cells)
    page.locator(f"{NB} .jp-MarkdownOutput mjx-container").first.wait_for()
    name = path.split("/")[-2] if "/" in path else path
    problems = [f"{name}: an error dialog: {text!r}" for text in error_dialogs(page)]
    merror = page.locator(f"{NB} mjx-merror")
    if merror.count():
        problems.append(f"{name}: MathJax could not typeset: {merror.all_inner_texts()}")
    problems += [f"{name}: {e}" for e in page.errors]
    page.errors.clear()
    return problems


def wait_current_tab(page, filename: str) -> None:
    """Wait until the main area's current tab is the document ``filename``."""
    wait_for(page,
        "name => document.querySelector('#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current')?.innerText.includes(name)",
        arg=filename)


def open_path(page, path: str) -> None:
    """Open ``path`` (relative to the server's root) in the page's JupyterLab with File > Open from
    Path, as a student would (no reload of JupyterLab), and make it the current tab: a document that
    was still loading when this one opened may have taken the focus after it."""
    menu(page, "File", "Open from Path")
    page.locator(".jp-Dialog input").fill(path)
    page.locator(".jp-Dialog .jp-mod-accept").click()
    page.locator(".jp-Dialog").wait_for(state="detached")
    filename = path.rsplit("/", 1)[-1]
    page.locator("#jp-main-dock-panel .lm-TabBar-tab", has_text=filename).wait_for()
    activate_tab(page, filename)


def activate_tab(page, filename: str) -> None:
    page.locator("#jp-main-dock-panel .lm-TabBar-tab", has_text=filename).click()
    wait_current_tab(page, filename)


def scroll_to_cell(page, index: int) -> None:
    page.locator(f"{NB} .jp-Cell").nth(index).evaluate("c => c.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(150)  # let the notebook repaint before a screenshot


def error_dialogs(page) -> list[str]:
    return page.locator(".jp-Dialog").all_inner_texts()


def validate(page, timeout: float = 180) -> tuple[str, str]:
    """Press nbgrader's Validate button in the notebook toolbar; return the verdict dialog's
    (class list, text) with the dialog still open."""
    page.locator(f"{NB} .validate-button").locator("button, jp-button").first.click()
    message = page.locator(".jp-Dialog #validation-message")
    message.wait_for(timeout=timeout * 1000)
    return message.get_attribute("class") or "", message.inner_text()


def close_dialog(page) -> None:
    page.locator(".jp-Dialog .jp-mod-accept").click()
    page.locator(".jp-Dialog").wait_for(state="detached")
