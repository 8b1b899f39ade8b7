"""Feedback and the formgrader are safe to open (issue 13, "Feedback").

Not collected on its own: tests/test_integrity.py imports these tests, so
that they share its one autograde run (every cheat and attack of
tests/cheats/ and tests/attacks/) in the same pytest worker. Then `nbgrader generate_feedback`
for every attack with the repository's nbgrader_config.py, and checks:

(a) in real Chromium (Playwright, /usr/bin/chromium), that no script of a
    submission runs when its feedback page is opened: the payloads of
    tests/attacks/html_script_output.py and markdown_onerror.py would set
    document.title to "PWNED" or add an element with id "bbh-pwned"; the
    page carries a Content Security Policy with `script-src 'none'`. A
    control page (the same payload with no defence) proves the check sees a
    script that runs;
(b) integrity.json and other TA-only files never land in feedback/;
(c) the autograded notebooks, which the formgrader renders, hold no script,
    event handler or javascript: URL in markdown, rich outputs or
    attachments; rendered with nbconvert's plain HTML exporter (no CSP to
    fall back on) and opened in Chromium, no script runs either.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

import nbgrading as ng
from test_integrity import ASSIGNMENT, NOTEBOOK

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
XSS_STUDENTS = ("attack_html_script_output", "attack_markdown_onerror")
PWN = ("document.title='PWNED';var e=document.createElement('div');e.id='bbh-pwned';"
       "document.body.appendChild(e)")
# What must not survive in anything a browser renders as HTML.
UNSAFE = re.compile(r"<\s*script|\bon[a-z]+\s*=|javascript:|<\s*iframe|<\s*object|<\s*embed|"
                    r"http-equiv|srcdoc|<\s*svg|<\s*style|<\s*link|<\s*meta", re.I)
TA_ONLY = ("integrity.json", "timestamp.txt", "gradebook.db", "nbgrader_config.py")

@pytest.fixture(scope="module")
def feedback(graded) -> Path:
    """generate_feedback for every attack (and the solution): the feedback/ folder."""
    for pattern in ("attack_*", "solution"):
        ng.nbgrader(graded.course, "generate_feedback", ASSIGNMENT, "--student", pattern)
    return graded.course / "feedback"


def feedback_page(feedback: Path, student: str) -> Path:
    (page,) = (feedback / student / ASSIGNMENT).glob("*.html")
    return page


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("install Chromium: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def scripts_ran(browser, page_path: Path) -> dict:
    """Open `page_path` in Chromium, offline; report what the payloads would have changed."""
    context = browser.new_context(java_script_enabled=True)
    page = context.new_page()
    remote = []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(("file:", "data:", "about:")):
            request_route.continue_()
        else:
            remote.append(url)
            request_route.abort()

    page.route("**/*", route)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(page_path.as_uri(), wait_until="load", timeout=60_000)
    page.wait_for_timeout(1500)  # onerror, onload, ontoggle and timers fire by now
    # The probe runs in Playwright's isolated world, so it works under the page's CSP too.
    found = {
        "title": page.title(),
        "pwned_elements": page.locator("#bbh-pwned").count(),
        "dialogs": dialogs,
        "csp": page.locator('meta[http-equiv="Content-Security-Policy"]').evaluate_all(
            "els => els.map(e => e.content)"),
        "remote": remote,
        "frames": [f.url for f in page.frames[1:]],
    }
    context.close()
    return found


def assert_no_script(found: dict) -> None:
    assert "PWNED" not in found["title"], found
    assert found["pwned_elements"] == 0, found
    assert found["dialogs"] == [], found


# ---------------------------------------------------------------- (a) feedback in Chromium
def test_control_page_shows_that_the_probe_sees_scripts(browser, tmp_path):
    page = tmp_path / "control.html"
    page.write_text(f"<html><head><title>ok</title></head><body><img src=x onerror=\"{PWN}\"></body></html>")
    found = scripts_ran(browser, page)
    assert found["title"] == "PWNED" and found["pwned_elements"] == 1


@pytest.mark.parametrize("student", XSS_STUDENTS)
def test_no_script_runs_in_feedback(browser, feedback, student):
    page = feedback_page(feedback, student)
    found = scripts_ran(browser, page)
    assert_no_script(found)
    assert found["csp"] and all("script-src 'none'" in c for c in found["csp"]), found["csp"]
    assert found["remote"] == [], f"the page tried to load remote resources: {found['remote']}"


def active_content(html: str) -> dict:
    """What in a page could run or load: script elements, event handlers, script URLs, frames."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    found = {"scripts": [str(t)[:200] for t in soup.find_all("script")],
             "handlers": [], "script_urls": [],
             "frames": [t.name for t in soup.find_all(["iframe", "frame", "object", "embed", "applet"])]}
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            value = " ".join(value) if isinstance(value, list) else str(value)
            if name.lower().startswith("on"):
                found["handlers"].append(f"<{tag.name} {name}>")
            if name.lower() in ("href", "src", "action", "formaction", "data", "xlink:href") and \
                    re.match(r"\s*(javascript|vbscript|data:text/html)", value, re.I):
                found["script_urls"].append(f"<{tag.name} {name}={value[:60]}>")
    return found


@pytest.mark.parametrize("student", XSS_STUDENTS)
def test_feedback_html_holds_no_active_content(feedback, student):
    """Parsed, the page holds no handler, script URL or frame, and no script but the template's own."""
    html = feedback_page(feedback, student).read_text()
    assert "script-src 'none'" in html.split("<body", 1)[0]
    found = active_content(html)
    baseline = active_content(feedback_page(feedback, "solution").read_text())
    assert found["handlers"] == [] and found["script_urls"] == [] and found["frames"] == [], found
    assert found["scripts"] == baseline["scripts"], "scripts beyond the template's own"


def test_solution_feedback_still_shows_the_work(feedback):
    html = feedback_page(feedback, "solution").read_text()
    assert "def grad(w, x, y)" in html.replace("<span", " <span") or "grad" in html
    assert "Hidden tests passed." in html


# ---------------------------------------------------------------- (b) TA-only files
def test_integrity_report_never_lands_in_feedback(graded, feedback):
    students_with_reports = [s for s in graded.reports]
    assert students_with_reports
    leaked = [str(p.relative_to(feedback)) for p in feedback.rglob("*") if p.name in TA_ONLY]
    assert leaked == []
    assert not any(p.is_symlink() for p in feedback.rglob("*"))
    for page in feedback.rglob("*.html"):
        text = page.read_text()
        assert '"kernel_died"' not in text and '"flags"' not in text, page


# ---------------------------------------------------------------- (c) what the formgrader renders
def unsafe_content(nb: nbformat.NotebookNode) -> list[str]:
    """Markdown, rich outputs and attachments that a browser would render as active HTML."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and UNSAFE.search(cell.source):
            found.append(f"cell {i} markdown: {UNSAFE.search(cell.source).group(0)}")
        for name, bundle in cell.get("attachments", {}).items():
            for mime, data in bundle.items():
                if mime not in ("image/png", "image/jpeg") or not re.fullmatch(r"[A-Za-z0-9+/=\s]*", str(data)):
                    found.append(f"cell {i} attachment {name} {mime}")
        for output in cell.get("outputs", []):
            for mime, data in output.get("data", {}).items():
                if mime in ("text/plain",):
                    continue
                if mime in ("image/png", "image/jpeg"):
                    if not re.fullmatch(r"[A-Za-z0-9+/=\s]*", str(data)):
                        found.append(f"cell {i} output {mime} is not base64")
                    continue
                found.append(f"cell {i} output of type {mime}")
    return found


def test_autograded_notebooks_hold_no_active_content(graded):
    bad = {}
    for student in graded.students:
        path = graded.course / "autograded" / student / ASSIGNMENT / ng.notebook_name(ASSIGNMENT)
        if path.is_file() and not path.is_symlink():
            found = unsafe_content(ng.read(path))
            if found:
                bad[student] = found
    assert bad == {}


@pytest.mark.parametrize("student", XSS_STUDENTS)
def test_no_script_runs_in_autograded_notebook_without_csp(browser, graded, student, tmp_path):
    """The autograded notebook through nbconvert's classic template (the formgrader's base), no CSP: sanitizing
    alone must hold."""
    from nbconvert import HTMLExporter

    path = graded.course / "autograded" / student / ASSIGNMENT / ng.notebook_name(ASSIGNMENT)
    html, _ = HTMLExporter(template_name="classic").from_notebook_node(ng.read(path))
    page = tmp_path / f"{student}.html"
    page.write_text(html)
    assert_no_script(scripts_ran(browser, page))


def test_attack_payloads_reached_the_notebook(graded):
    """The XSS attacks ran (their markdown cell and outputs exist): the checks above are not vacuous."""
    text = json.dumps(ng.read(graded.course / "autograded" / XSS_STUDENTS[1] / ASSIGNMENT /
                              ng.notebook_name(ASSIGNMENT)))
    assert "My notes" in text
    nb = ng.read(graded.course / "autograded" / XSS_STUDENTS[0] / ASSIGNMENT / ng.notebook_name(ASSIGNMENT))
    loss_cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "loss")
    assert len(loss_cell.outputs) >= 5, loss_cell.outputs
    assert NOTEBOOK
