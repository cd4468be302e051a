"""The course on a real JupyterHub, end to end in a browser (hub/course_hub.py; needs root).

``python3 hub/course_hub.py up`` brings up the hub with its Unix accounts; then, each as themselves
through the hub's log-in page, in Debian's Chromium:

1. the instructor sees Formgrader and the course list (no Assignments tab), and generates and
   releases an assignment in formgrader (the one that grades fastest: the hub is under test here,
   the notebooks have tests of their own);
2. two students see only the Assignments tab and Validate; both fetch the assignment; ``bp-bob``
   submits it blank, on time;
3. the instructor sets the due date in formgrader (to the moment between the two submissions);
4. ``bp-ada`` fills in the reference answers, presses Validate (success), and submits, after the
   due date;
5. the instructor collects, autogrades each submission (in the course's sandbox) and generates and
   releases feedback in formgrader;
6. each student fetches their feedback and reads their own score: ada full marks less the late
   penalty, bob 0;
7. from inside ada's session (a notebook she runs), the other student's files, the instructor's
   ``source/`` and gradebook, the developer's checkout and the grading package are out of reach.

The gradebook is read from outside (as root) for the scores and the penalty. Screenshots of each step
go to test-artifacts/hub/. ``down --keep-environment`` removes everything afterwards except the users'
Python environment and npm packages, which the next run reuses while their pinned lists are unchanged
(the first run on a machine builds them: about a minute more). The course's grace period is
set to 0 for this test (``c.PerDayCapped.grace_minutes``), so that seconds late is late.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest

import browser_lab
from browser_lab import NB, Shots, close_dialog, menu, validate, wait_for
from conftest import ASSIGNMENTS, ROOT, grading_seconds
from grader.instructor import build_submission

HUB_SCRIPT = ROOT / "hub" / "course_hub.py"
PORT = 8765
URL = f"http://127.0.0.1:{PORT}"
ASSIGNMENT = min(ASSIGNMENTS, key=grading_seconds)
INSTRUCTOR, ADA, BOB = "bp-instructor", "bp-ada", "bp-bob"
COURSE = Path("/home") / INSTRUCTOR / "backprop"


def cannot_run_a_hub() -> str | None:
    if sys.platform != "linux":
        return "the course hub needs Linux"
    if os.geteuid() != 0:
        return "the course hub creates Unix accounts, which needs root (run the tests as root, as CI does)"
    for tool in ("useradd", "userdel", "chpasswd", "bwrap", "npm"):
        if not shutil.which(tool):
            return f"`{tool}` is missing on this machine"
    return None


@pytest.fixture(scope="module")
def hub():
    reason = cannot_run_a_hub()
    if reason:
        pytest.skip(f"JupyterHub end-to-end test not run: {reason}")
    down = [sys.executable, str(HUB_SCRIPT), "down"]
    subprocess.run(down + ["--keep-environment"], capture_output=True)  # whatever an interrupted run left behind
    try:
        up = subprocess.run([sys.executable, str(HUB_SCRIPT), "up"], capture_output=True, text=True, timeout=900,
                            env=dict(os.environ, HUB_PORT=str(PORT)))
        assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]
        with open(COURSE / "nbgrader_config.py", "a") as config:  # before the instructor's server starts
            config.write("\n# tests/test_hub.py: seconds late is late\nc.PerDayCapped.grace_minutes = 0\n")
        yield json.loads(Path("/opt/backprop-hub/state/passwords.json").read_text())
    finally:
        # the users' environment and npm packages stay for the next run (rebuilt when their pinned lists
        # change); everything else goes
        result = subprocess.run(down + ["--keep-environment"], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        for user in (INSTRUCTOR, ADA, BOB):
            assert subprocess.run(["id", "-u", user], capture_output=True).returncode != 0, f"{user} is left"
        left = sorted(p.name for p in Path("/opt/backprop-hub").iterdir()) if Path("/opt/backprop-hub").is_dir() else []
        assert set(left) <= {"env", "node_modules"}, left
        assert not Path("/srv/nbgrader/exchange").exists()


@pytest.fixture(scope="module")
def chromium():
    with browser_lab.chromium() as browser:
        yield browser


def log_in(browser, passwords, user):
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    context.set_default_timeout(180_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(f"uncaught exception: {e}"))
    page.goto(f"{URL}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", passwords[user])
    page.click("#login_submit")
    page.wait_for_selector(".jp-LabShell")
    page.wait_for_selector(".lm-MenuBar-itemLabel >> text=Nbgrader")
    return page


def nbgrader_menu(page) -> list[str]:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    # each user is a browser window of its own: the one in front gets the keyboard (JupyterLab's menu
    # closes on Escape only when its window has the focus)
    page.bring_to_front()
    title = page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Nbgrader$"))
    title.click()
    items = page.locator(".lm-Menu .lm-Menu-itemLabel").all_inner_texts()
    for close in [lambda: page.keyboard.press("Escape")] * 3 + [title.click]:  # clicking the title again toggles it
        close()
        try:
            page.locator(".lm-Menu").wait_for(state="detached", timeout=5_000)
            break
        except PlaywrightTimeout:
            continue
    else:
        raise AssertionError("the Nbgrader menu closed neither on Escape nor on its title")
    return [i.strip() for i in items if i.strip()]


def formgrader_action(page, column: str) -> str:
    """Click the button of ASSIGNMENT's row in formgrader's column ``column``; the log it shows."""
    page.locator(f"#main-table tr:has(td.name[data-order='{ASSIGNMENT}']) td.{column} a").click()
    page.wait_for_selector("#success-modal.in, #error-modal.in")
    text = page.inner_text(".modal.in")
    ok = page.locator("#success-modal.in").count() == 1
    page.locator(".modal.in .modal-footer button").first.click()
    page.wait_for_selector(".modal.in", state="detached")
    assert ok, f"formgrader's {column} failed:\n{text[-3000:]}"
    return text


def open_formgrader(page, path: str = "") -> None:
    page.goto(f"{URL}/user/{INSTRUCTOR}/formgrader{path}")


def put_notebook(page, user: str, path: str, nb) -> None:
    """Save a notebook as the user's JupyterLab does: the contents API of their own server, with their
    session's cookies and XSRF token."""
    status = page.evaluate("""async ([url, nb]) => {
        const xsrf = document.cookie.split('; ').find(c => c.startsWith('_xsrf='));
        const r = await fetch(url, {method: 'PUT', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json', 'X-XSRFToken': decodeURIComponent(xsrf.split('=')[1])},
            body: JSON.stringify({type: 'notebook', format: 'json', content: nb})});
        return r.status; }""", [f"{URL}/user/{user}/api/contents/{path}", nb])
    assert status in (200, 201), f"saving {path} as {user} gave HTTP {status}"


def assignments_tab(page):
    menu(page, "Nbgrader", "Assignment List")
    page.locator("#released_assignments_list, #fetched_assignments_list").first.wait_for()
    return page


def run_notebook_text(page, user: str, path: str, code: str) -> str:
    """Write a one-cell notebook into the user's home, run it in their own kernel (JupyterLab's Run All),
    return its output."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}})
    put_notebook(page, user, path, nb)
    browser_lab.open_path(page, path)  # in the JupyterLab the user has open: the current tab
    wait_for(page, "(nb) => document.querySelectorAll(nb + ' .jp-Cell').length === 1", arg=NB)
    # Run All runs the current notebook: wait until its kernel is idle
    wait_for(page, """(name) => { const bar = document.querySelector('#jp-main-statusbar');
                                  return !!bar && bar.innerText.includes(name) && bar.innerText.includes('| Idle'); }""",
             arg=path, timeout=120_000)
    menu(page, "Run", "Run All Cells")
    wait_for(page, "(nb) => /DONE/.test(document.querySelector(nb + ' .jp-OutputArea-output')?.innerText || '')",
             arg=NB, timeout=120_000)
    return page.locator(f"{NB} .jp-OutputArea-output").first.inner_text()


SANDBOX_PROBE = (f"import os\nfor p in ({str(COURSE / 'source')!r}, {str(COURSE / 'gradebook.db')!r}):\n"
                 f"    print(p, 'visible' if os.path.exists(p) else 'absent')")

PROBE = r'''
import json, os
def attempt(fn):
    try:
        fn()
        return "READ"
    except PermissionError:
        return "denied"
    except Exception as err:
        return type(err).__name__
def read(path):
    with open(path, "rb") as fh:
        fh.read(1)
out = {
  "other student's notebook": attempt(lambda: read(OTHER)),
  "other student's home": attempt(lambda: os.listdir("/home/bp-bob")),
  "instructor's home": attempt(lambda: os.listdir("/home/bp-instructor")),
  "instructor's source notebook": attempt(lambda: read(SOURCE)),
  "instructor's gradebook": attempt(lambda: read("/home/bp-instructor/backprop/gradebook.db")),
  "developer's checkout source/": attempt(lambda: os.listdir(CHECKOUT_SOURCE)),
  "exchange inbound": attempt(lambda: os.listdir("/srv/nbgrader/exchange/backprop/inbound")),
}
try:
    import grader
    out["grading package"] = "IMPORTED"
except ImportError:
    out["grading package"] = "denied"
print(json.dumps(out, sort_keys=True))
print("DONE")
'''


def test_course_on_jupyterhub_end_to_end(hub, chromium):
    shots = Shots(ROOT / "test-artifacts" / "hub")
    try:
        walk_through_the_course(hub, chromium, shots)
    except BaseException:
        for context in chromium.contexts:  # what every open page showed when it failed
            for i, page in enumerate(context.pages):
                shots(page, f"FAILED-{i}")
        raise


def walk_through_the_course(hub, chromium, shots):
    source = nbformat.read(str(next((ROOT / "source" / ASSIGNMENT).glob("*.ipynb"))), as_version=4)
    name = next((ROOT / "source" / ASSIGNMENT).glob("*.ipynb")).name

    # 1. The instructor: Formgrader and the course list, no Assignments tab; generate and release.
    teacher = log_in(chromium, hub, INSTRUCTOR)
    shots(teacher, "instructor-lab")
    items = nbgrader_menu(teacher)
    assert "Formgrader" in items and "Course List" in items and "Assignment List" not in items, items
    open_formgrader(teacher)
    teacher.wait_for_selector(f"#main-table td.name[data-order='{ASSIGNMENT}']")
    shots(teacher, "formgrader-assignments")
    due_dates = json.loads((ROOT / "due_dates.json").read_text())
    for name_, due_ in due_dates.items():  # the course's due dates are in the gradebook from the start
        shown = teacher.inner_text(f"#main-table tr:has(td.name[data-order='{name_}']) td.duedate")
        assert due_[:10] in shown, (name_, shown)
    formgrader_action(teacher, "assign")
    teacher.wait_for_selector(f"#main-table tr:has(td.name[data-order='{ASSIGNMENT}']) td.release a")
    formgrader_action(teacher, "release")
    shots(teacher, "formgrader-released")

    # 2. Two students, each in their own account: only the Assignments tab; fetch; bob submits blank.
    ada, bob = log_in(chromium, hub, ADA), log_in(chromium, hub, BOB)
    for student, page in ((ADA, ada), (BOB, bob)):
        assert nbgrader_menu(page) == ["Assignment List"], student
        assert page.request.get(f"{URL}/user/{student}/formgrader").status == 404, "a student has formgrader"
        assignments_tab(page)
        page.locator("#released_assignments_list button", has_text="Fetch").click()
        page.locator("#fetched_assignments_list .list_item", has_text=ASSIGNMENT).first.wait_for()
        shots(page, f"{student}-fetched")
        assert (Path("/home") / student / ASSIGNMENT / name).is_file()
    bob.locator("#fetched_assignments_list button", has_text="Submit").click()
    bob.locator("#submitted_assignments_list .list_item", has_text=ASSIGNMENT).first.wait_for()
    shots(bob, "bp-bob-submitted-blank")

    # 3. The due date: now, between bob's submission and ada's.
    time.sleep(1.5)
    due = datetime.now(timezone.utc).replace(microsecond=0)
    open_formgrader(teacher)
    teacher.locator(f"#main-table tr:has(td.name[data-order='{ASSIGNMENT}']) td.edit a").click()
    teacher.locator("#edit-assignment-modal input.modal-duedate").fill(due.strftime("%Y-%m-%dT%H:%M:%S"))
    teacher.locator("#edit-assignment-modal input.modal-timezone").fill("UTC")
    teacher.locator("#edit-assignment-modal button.save").click()
    teacher.wait_for_selector("#edit-assignment-modal", state="detached")
    wait_for(teacher, "([a, t]) => document.querySelector(`#main-table tr:has(td.name[data-order='${a}']) "
                      "td.duedate`).innerText.includes(t)", arg=[ASSIGNMENT, due.strftime("%H:%M")])
    shots(teacher, "formgrader-due-date")
    time.sleep(1.5)

    # 4. ada: the reference answers (saved through her own server), Validate, then submit (late).
    fetched = nbformat.read(str(Path("/home") / ADA / ASSIGNMENT / name), as_version=4)
    answers = build_submission(source, fetched)
    # a cell of her own that looks for the instructor's files: when the instructor autogrades, this runs
    # as the instructor's user, so only the sandbox keeps them out of reach
    answers.cells.append(nbformat.v4.new_code_cell(SANDBOX_PROBE))
    put_notebook(ada, ADA, f"{ASSIGNMENT}/{name}", answers)
    browser_lab.open_path(ada, f"{ASSIGNMENT}/{name}")  # in the JupyterLab she has open
    ada.locator(f"{NB} .jp-Cell").first.wait_for()
    classes, text = validate(ada, timeout=300)
    shots(ada, "bp-ada-validate")
    close_dialog(ada)
    assert "validation-success" in classes, text[:2000]
    assignments_tab(ada)
    ada.locator("#fetched_assignments_list button", has_text="Submit").click()
    ada.locator("#submitted_assignments_list .list_item", has_text=ASSIGNMENT).first.wait_for()
    shots(ada, "bp-ada-submitted-late")

    # 5. The instructor: collect, autograde both, generate and release feedback.
    open_formgrader(teacher)
    teacher.wait_for_selector(f"#main-table td.name[data-order='{ASSIGNMENT}']")
    formgrader_action(teacher, "collect")
    open_formgrader(teacher, f"/manage_submissions/{ASSIGNMENT}")
    for student in (ADA, BOB):
        row = teacher.locator(f"tr:has(td:text-is('{student}'))")
        row.locator("td.autograde a").click()
        teacher.wait_for_selector("#success-modal.in, #error-modal.in", timeout=600_000)
        log = teacher.inner_text(".modal.in")
        assert teacher.locator("#success-modal.in").count() == 1, log[-3000:]
        teacher.locator(".modal.in .modal-footer button").first.click()
        teacher.wait_for_selector(".modal.in", state="detached")
    shots(teacher, "formgrader-autograded")
    open_formgrader(teacher)
    teacher.wait_for_selector(f"#main-table tr:has(td.name[data-order='{ASSIGNMENT}']) td.generate-feedback a")
    formgrader_action(teacher, "generate-feedback")
    teacher.wait_for_selector(f"#main-table tr:has(td.name[data-order='{ASSIGNMENT}']) td.release-feedback a")
    formgrader_action(teacher, "release-feedback")
    shots(teacher, "formgrader-feedback-released")

    # ada's own cell ran, while being graded, without the instructor's files in sight (the sandbox).
    graded = nbformat.read(str(COURSE / "autograded" / ADA / ASSIGNMENT / name), as_version=4)
    seen = "".join(o.get("text", "") for c in graded.cells if c.source == SANDBOX_PROBE for o in c.get("outputs", []))
    assert seen.count("absent") == 2 and "visible" not in seen, seen

    # The gradebook, read from outside: bob on time with 0, ada late with the penalty.
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{COURSE / 'gradebook.db'}") as gb:
        max_score = gb.find_assignment(ASSIGNMENT).max_score
        subs = {s.student_id: (s.score, s.late_submission_penalty, s.total_seconds_late)
                for s in gb.assignment_submissions(ASSIGNMENT)}
    assert max_score > 0
    assert subs[BOB][0] == 0 and subs[BOB][2] == 0, subs
    assert subs[ADA][2] > 0, f"ada's submission is not late: {subs}"
    assert subs[ADA][0] == pytest.approx(max_score), subs  # the points earned ...
    assert subs[ADA][1] == pytest.approx(0.1 * max_score), subs  # ... less 10 % for the first started day

    # 6. Each student fetches feedback and reads their own score.
    for student, page, expected in ((ADA, ada, 0.9 * max_score), (BOB, bob, 0.0)):  # after the penalty
        assignments_tab(page)
        page.locator("#submitted_assignments_list button", has_text="Fetch Feedback").click()
        link = page.locator("#submitted_assignments_list a", has_text="view feedback").first
        link.wait_for()
        shots(page, f"{student}-feedback-fetched")
        pages = sorted((Path("/home") / student / ASSIGNMENT / "feedback").glob("*/*.html"))
        assert pages, f"no feedback in {student}'s home"
        feedback = page.context.new_page()
        feedback.goto(f"{URL}/user/{student}/files/{pages[-1].relative_to(Path('/home') / student)}")
        heading = feedback.locator("h4").first.inner_text()
        shots(feedback, f"{student}-feedback")
        assert f"(Score: {round(expected, 2)} / {round(max_score, 2)})" in heading, heading
        if student == ADA:
            assert f"Late submission penalty (Score: -{round(0.1 * max_score, 2)})" in feedback.inner_text("body")
        feedback.close()

    # 7. From inside ada's session: nothing of anyone else's is readable.
    code = PROBE.replace("CHECKOUT_SOURCE", repr(str(ROOT / "source"))) \
                .replace("OTHER", repr(f"/home/{BOB}/{ASSIGNMENT}/{name}")) \
                .replace("SOURCE", repr(str(COURSE / "source" / ASSIGNMENT / name)))
    for path in (Path(f"/home/{BOB}/{ASSIGNMENT}/{name}"), COURSE / "source" / ASSIGNMENT / name,
                 COURSE / "gradebook.db", ROOT / "source"):
        assert path.exists(), path  # it is there: a "denied" below means something
    out = json.loads(run_notebook_text(ada, ADA, "probe.ipynb", code).split("\n")[0])
    shots(ada, "bp-ada-isolation-probe")
    assert set(out.values()) == {"denied"}, out
    for page in (teacher, ada, bob):
        assert not page.errors, page.errors
