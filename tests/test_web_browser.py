"""The web page in a real headless Chromium (Debian's chromium, driven by Playwright for Python).

`suggester serve` runs in a subprocess on a free loopback port; the test pastes a note, submits it with the
keyboard, and checks the ranked codes, the highlighted evidence (the selected code's spans emphasised), the
not-counted mentions, that the page fetched nothing from anywhere but this server, and that the server log
has no note text. The screenshot is saved to tests/artifacts/web_page.png (gitignored).

Without a browser the test is skipped, unless SUGGESTER_REQUIRE_BROWSER=1 (set by CI), where it fails.
"""

import json
import math
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browser import CHROMIUM_FLAGS, serve

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
NOTE = (ROOT / "examples" / "daily_note.txt").read_text()
SECRET = "Zebracorn-7731"  # stands in for patient data: must never reach the server log


@pytest.fixture(scope="module")
def server(chromium, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with serve(log_path) as (base, _):
        yield base, log_path


def _api_suggest(base: str, text: str, payer: str) -> dict:
    req = urllib.request.Request(f"{base}/v1/suggest", data=json.dumps({"text": text, "payer": payer}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def _api_check(base: str, text: str, payer: str) -> dict:
    req = urllib.request.Request(f"{base}/v1/check", data=json.dumps({"text": text, "payer": payer}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def test_web_page_in_headless_chromium(chromium, server):
    from playwright.sync_api import expect, sync_playwright

    base, log_path = server
    note = NOTE.replace("sleeping better", f"sleeping better ({SECRET})")
    expected = _api_suggest(base, note, "medicare")
    recommended = [s for s in expected["suggestions"] if s["recommended"]]
    assert len(recommended) >= 3

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            requests, problems = [], []
            page.on("request", lambda req: requests.append(req.url))
            page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            page.goto(f"{base}/")
            expect(page.locator("#payer option[value='commercial']")).to_have_count(1)
            page.select_option("#payer", "medicare")

            # Paste the note and submit from the keyboard.
            page.locator("#note").focus()
            page.keyboard.insert_text(note)
            page.keyboard.press("Control+Enter")
            expect(page.locator("#recommended .code-btn").first).to_be_visible()

            # Ranked codes, as the API ranks them, with units and confidence.
            codes = page.locator("#recommended .code-btn .code").all_inner_texts()
            assert codes == [s["code"] for s in recommended]
            first = page.locator("#recommended .code-btn").first
            assert f"{math.floor(recommended[0]['confidence'] * 100 + 0.5)}%" in first.inner_text()  # JS Math.round
            if recommended[0]["units"] is not None:
                assert f"{recommended[0]['units']} unit" in first.inner_text()
            expect(first).to_have_attribute("aria-pressed", "true")
            expect(page.locator("#detail-body")).to_contain_text(recommended[0]["explanation"][:60])
            expect(page.locator("#totals")).to_contain_text(f"total units {expected['totals']['total_units']}")
            for f in expected["findings"]:
                expect(page.locator("#findings")).to_contain_text(f["id"])
            # The documentation checklist beside the codes, as POST /v1/check answers it.
            checks = _api_check(base, note, "medicare")
            expect(page.locator("#checklist li")).to_have_count(len(checks["checks"]))
            expect(page.locator("#checklist-score")).to_contain_text(f"{checks['passed']} of {checks['applicable']} pass")
            for k in checks["checks"]:
                expect(page.locator(f"#checklist li[data-check='{k['id']}']")).to_have_class(
                    {"pass": "pass", "fail": "fail", "n/a": "na"}[k["status"]])
            assert "DOC207" in checks["missing"]   # the example note has no date of service
            expect(page.locator("#checklist li.fail")).to_contain_text("Add the date of the visit")

            # Evidence highlighted in the note; the selected code's spans emphasised.
            marks = "".join(page.locator("#note-view mark.ev").all_inner_texts())  # minute spans split marks
            for s in recommended:
                for ev in s["evidence"]:
                    assert ev["text"] in marks
            selected = "".join(page.locator("#note-view mark.ev.selected").all_inner_texts())
            assert selected == "".join(ev["text"] for ev in recommended[0]["evidence"])
            # Where the selected code's minutes came from: underlined in the note and listed with the rule.
            timed = [m for m in recommended[0]["minutes_evidence"]]
            if timed:
                underlined = "".join(page.locator("#note-view .minutes.selected").all_inner_texts())
                assert underlined == "".join(note[m["start"]:m["end"]] for m in timed)
                expect(page.locator("#detail-body .minutes-list")).to_contain_text(timed[0]["rule"].replace("_", " "))

            # Keyboard: move to the second code with the arrow key and select it.
            first.focus()
            page.keyboard.press("ArrowDown")
            page.keyboard.press("Enter")
            second = recommended[1]
            expect(page.locator(f".code-btn[data-code='{second['code']}']")).to_have_attribute("aria-pressed", "true")
            selected = "".join(page.locator("#note-view mark.ev.selected").all_inner_texts())
            assert selected == "".join(ev["text"] for ev in second["evidence"])

            # Not-counted mentions, with their reason, in the list and in the note.
            declined = next(n for n in expected["not_counted"] if n["reason"] == "declined")
            expect(page.locator("#not-counted")).to_contain_text(f"{declined['code']} not counted: declined")
            assert declined["text"] in page.locator("#note-view mark.not-counted").all_inner_texts()

            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / "web_page.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000

            # An error is shown, not thrown: an empty note.
            page.click("#clear")
            page.click("#submit")
            expect(page.locator("#status")).to_contain_text("Paste a note first")
        finally:
            browser.close()

    assert problems == []  # no script errors, no Content-Security-Policy violations
    assert requests and all(u.startswith(f"{base}/") or u.startswith("data:") for u in requests), requests
    time.sleep(0.3)  # let the server flush its log
    log = log_path.read_text()
    assert "request_id=" in log and "path=/v1/suggest status=200" in log
    assert SECRET not in log and "TherEx" not in log


def test_web_page_opens_a_pdf_with_page_markers(chromium, server, tmp_path):
    """A dropped or chosen document is read by the server; its text is shown with the evidence highlighted
    and a marker where each page begins."""
    from playwright.sync_api import expect, sync_playwright

    sys.path.insert(0, str(Path(__file__).parent))
    from render_docs import to_pdf

    base, log_path = server
    lines = NOTE.split("\n")
    pdf = tmp_path / "visit.pdf"
    pdf.write_bytes(to_pdf("\n".join(lines + [""] * 70 + [f"Addendum ({SECRET}): gait training 8 min with SPC on "
                                                          "stairs, cues for step-to pattern."])))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            problems = []
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            page.goto(f"{base}/")
            expect(page.locator("#payer option[value='commercial']")).to_have_count(1)
            page.set_input_files("#file", str(pdf))
            expect(page.locator("#status")).to_contain_text("visit.pdf: PDF, 2 pages")
            expect(page.locator("#recommended .code-btn").first).to_be_visible()
            markers = page.locator("#note-view .page-marker").all_inner_texts()
            assert markers == ["Page 1", "Page 2"]
            assert "TherEx" in page.locator("#note").input_value()   # the extracted text, editable and resubmittable
            assert page.locator("#note-view mark.ev").count() > 0
            codes = page.locator("#recommended .code-btn .code").all_inner_texts()
            assert "97116" in codes and "97110" in codes
        finally:
            browser.close()
    assert problems == []
    time.sleep(0.3)
    log = log_path.read_text()
    assert "path=/v1/suggest/file status=200" in log and SECRET not in log


def test_audit_report_shows_the_documentation_provider_table(chromium, tmp_path):
    """The audit's HTML report, opened in the browser: the provider table of documentation scores."""
    from playwright.sync_api import expect, sync_playwright

    report = tmp_path / "report.html"
    out = subprocess.run([sys.executable, "-m", "suggester", "audit", str(ROOT / "tests" / "data" / "audit_notes.csv"),
                          "--out", str(tmp_path / "findings.csv"), "--html", str(report)], capture_output=True, text=True,
                         cwd=ROOT)
    assert report.exists(), out.stderr[-2000:]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.goto(report.as_uri())
            table = page.locator("#documentation table")
            expect(table).to_be_visible()
            expect(table.locator("th")).to_contain_text(["provider", "notes", "documentation score"])
            providers = table.locator("tbody tr td:first-child").all_inner_texts()
            assert set(providers) == {"Lee", "Diaz"}
            assert all("%" in s for s in table.locator("tbody tr td:nth-child(3)").all_inner_texts())
            expect(page.locator("h3", has_text="Failed checks")).to_be_visible()
        finally:
            browser.close()
