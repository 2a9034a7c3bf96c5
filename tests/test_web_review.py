"""Review mode of the web page in a real headless Chromium (Debian's chromium, driven by Playwright for Python).

`suggester serve --db URL` (SQLite, then PostgreSQL) runs in a subprocess on a free loopback port, with a
review store made here (an admin "ana", a reviewer "bo", one audit run with a few findings). In the browser the reviewer signs
in, suggests codes for a synthetic note, saves it for review and decides its codes with the keyboard only
(accept, reject with a reason, change units, add a code); the decisions are then read back through the API.
The test also resolves audit findings from the sortable worklist table, provokes a stale-version conflict,
draws the report's SVG bar charts, opens saved notes by id (without their text, then with it once an admin turns
text storage on), lists, sorts, filters and opens the suggestions worklist, downloads the decisions export, and
checks that the page fetched nothing but this server, logged no script error or CSP violation, and that the server
log holds neither the note text nor a token. The screenshot is saved to tests/artifacts/web_review.png (gitignored).

Without a browser the test is skipped, unless SUGGESTER_REQUIRE_BROWSER=1 (set by CI), where it fails.
"""

import csv
import io
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from browser import CHROMIUM_FLAGS, serve

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SECRET = "Zebracorn-7731"  # stands in for patient data: must never reach the server log
NOTE = "\n".join([
    "PT DAILY NOTE (synthetic) - L shoulder impingement, visit 6.",
    f"S: Pt ({SECRET}) reports shoulder pain 4/10 after reaching overhead at work.",
    "O:",
    "Therapeutic exercise 24 min: UBE 6 min, scapular retraction with red TB 3x12, wall slides 2x10, "
    "ER/IR with yellow TB 2x15.",
    "Manual therapy 12 min: GH posterior glides gr III, STM to upper trap and pec minor.",
    "Neuromuscular re-education 10 min: rhythmic stabilization in supine and side-lying, scapular clock with "
    "cues for posture.",
    "Hot pack to L shoulder x10 min before exercise.",
    "A: AROM flexion 150 deg, improved scapular control.",
    "P: Continue POC 2x/wk; progress to overhead strengthening.",
    "Total timed minutes: 46. Total treatment time: 56 min.",
    "Signed: physical therapist, PT",
])
NOTE_ID = "PT-2026-0042"
SECRET2 = "Quokkafern-4410"
NOTE2 = "\n".join([  # a second visit, saved once the store keeps note text
    "PT DAILY NOTE (synthetic) - R knee OA, visit 3.",
    f"S: Pt ({SECRET2}) reports knee stiffness 3/10 in the morning.",
    "O:",
    "Therapeutic exercise 25 min: recumbent bike 8 min, quad sets 2x15, SLR 3x10, mini squats 2x12.",
    "Gait training 13 min: 150 ft x3 without device, cues for heel strike and step length; stairs x2 flights.",
    "Cold pack to R knee x10 min after exercise.",
    "A: Gait more symmetric; knee flexion 118 deg.",
    "Total timed minutes: 38. Total treatment time: 48 min.",
    "Signed: physical therapist, PT",
])
NOTE2_ID = "PT/2026/0043#b"   # '/' and '#' in the id: the page encodes it in the path
FINDINGS = [  # a synthetic audit run: four findings and one supported row (not a finding)
    {"note_id": "N-100", "payer": "medicare", "provider": "PT Kim", "date_of_service": "2026-10-03", "code": "97116",
     "status": "missed", "documented_units": 2, "billed_units": 0, "impact_usd": 57.58, "row": 1},
    {"note_id": "N-101", "payer": "medicare", "provider": "PT Lee", "date_of_service": "2026-10-05", "code": "97110",
     "status": "unsupported", "documented_units": 0, "billed_units": 2, "impact_usd": -58.12, "row": 2},
    {"note_id": "N-102", "payer": "medicare", "provider": "PT Kim", "date_of_service": "2026-11-02", "code": "97140",
     "status": "units_over", "documented_units": 1, "billed_units": 2, "impact_usd": -27.72, "row": 3},
    {"note_id": "N-103", "payer": "medicare", "provider": "PT Lee", "date_of_service": "2026-11-09", "code": "97530",
     "status": "missed", "documented_units": 1, "billed_units": 0, "impact_usd": 39.10, "row": 4},
    {"note_id": "N-104", "payer": "medicare", "provider": "PT Lee", "date_of_service": "2026-11-09", "code": "97112",
     "status": "supported", "documented_units": 1, "billed_units": 1, "impact_usd": 0.0, "row": 5},
]


@pytest.fixture(scope="module")
def review_server(chromium, tmp_path_factory, review_url_module):
    """A review store (SQLite, then PostgreSQL) with two users and one audit run, served by `suggester serve --db`."""
    from suggester.review import open_store

    tmp = tmp_path_factory.mktemp("review")
    url = review_url_module
    store = open_store(url)
    try:
        _, admin_tok = store.add_user("ana", "admin")
        _, rev_tok = store.add_user("bo", "reviewer", token=admin_tok)
        run = store.record_audit(admin_tok, iter([dict(r) for r in FINDINGS]), {}, source="x.csv")
        assert run["findings"] == 4
        from suggester.review.registry import register_model

        gate = {"passed": False, "reasons": ["project hold-out micro-F1 falls"],
                "figures": {"current": {"holdout_micro_f1": 0.933, "clinic": {"micro_f1": 0.61}},
                            "candidate": {"holdout_micro_f1": 0.9, "clinic": {"micro_f1": 0.7}}}}
        register_model(store, admin_tok, version="clinic-model@0123456789ab", path=tmp, card={}, gate=gate)
    finally:
        store.close()
    log_path = tmp / "server.log"
    with serve(log_path, "--db", url) as (base, health):
        assert health["review"] is True
        yield {"base": base, "log": log_path, "admin": admin_tok, "bo": rev_tok}


def _call(base: str, path: str, body=None, token: str | None = None) -> tuple[int, dict]:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    req = urllib.request.Request(f"{base}{path}", data=data, headers=headers, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def _bytes(base: str, path: str, token: str) -> bytes:
    req = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read()


def _worklist(base: str, token: str, query: str) -> list[list[str]]:
    status, data = _call(base, f"/v1/review/worklist?kind=suggestion&{query}", token=token)
    assert status == 200, data
    return [[i["note_id"], i["code"]] for i in data["items"]]


def _items(base: str, token: str) -> dict:
    status, view = _call(base, f"/v1/review/notes/{NOTE_ID}", token=token)
    assert status == 200, view
    return {i["code"]: i for i in view["items"]}


# Chromium reports every 4xx answer as a console error; these are the ones the test provokes on purpose.
EXPECTED_HTTP_ERRORS = re.compile(r"^Failed to load resource: the server responded with a status of (401|404|409|422) ")


def test_review_mode_in_headless_chromium(chromium, review_server):
    from playwright.sync_api import expect, sync_playwright

    base, bo, admin = review_server["base"], review_server["bo"], review_server["admin"]
    status, expected = _call(base, "/v1/suggest", {"text": NOTE, "payer": "medicare"})
    assert status == 200
    recommended = [s for s in expected["suggestions"] if s["recommended"]]
    codes = [s["code"] for s in recommended]
    assert len(codes) >= 3 and "97530" not in codes
    status, expected2 = _call(base, "/v1/suggest", {"text": NOTE2, "payer": "medicare"})
    assert status == 200
    recommended2 = [s for s in expected2["suggestions"] if s["recommended"]]
    codes2 = [s["code"] for s in recommended2]
    assert len(codes2) >= 2 and recommended2[0]["evidence"]

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            requests, problems = [], []
            page.on("request", lambda req: requests.append(req.url))
            page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            page.goto(f"{base}/")
            expect(page.locator("#review")).to_be_visible()
            expect(page.locator("#review-body")).to_be_hidden()
            expect(page.locator("#review-token")).to_have_attribute("type", "password")
            expect(page.locator("#payer option[value='commercial']")).to_have_count(1)
            page.select_option("#payer", "medicare")

            # A wrong token: the API's message in #status, nothing kept.
            page.locator("#review-token").fill("sgr_not-a-token")
            page.locator("#review-token").press("Enter")
            expect(page.locator("#status")).to_contain_text("The token is not valid")
            expect(page.locator("#status")).to_have_class(re.compile(r"\berror\b"))
            assert page.evaluate("() => sessionStorage.length") == 0

            # Sign in (the token is kept in sessionStorage only).
            page.locator("#review-token").fill(bo)
            page.locator("#review-token").press("Enter")
            expect(page.locator("#whoami")).to_have_text(re.compile(r"^Signed in as bo \(reviewer\)\."))
            expect(page.locator("#review-body")).to_be_visible()
            assert page.evaluate("() => [sessionStorage.getItem('suggester.review.token'), localStorage.length]") \
                == [bo, 0]
            expect(page.locator("#save-form")).to_be_hidden()      # nothing suggested yet

            # Paste the note, suggest with the keyboard, save it for review.
            page.locator("#note").focus()
            page.keyboard.insert_text(NOTE)
            page.keyboard.press("Control+Enter")
            expect(page.locator("#recommended .code-btn")).to_have_count(len(codes))
            expect(page.locator("#save-form")).to_be_visible()
            page.locator("#review-note-id").fill(NOTE_ID)
            page.locator("#review-provider").fill("PT Kim")
            page.locator("#review-dos").fill("2026-11-04")
            page.locator("#review-note-id").press("Enter")
            rows = page.locator("#review-items .review-item")
            expect(rows).to_have_count(len(codes))
            expect(page.locator("#status")).to_contain_text(f"Note {NOTE_ID} saved for review: {len(codes)} codes")
            expect(page.locator("#review-note-model")).to_contain_text("suggester-segment-codes@")   # the version that suggested them
            assert rows.locator(".ri-code").all_inner_texts() == codes
            for s in recommended:   # labels from the result, pending, version 1
                row = page.locator(f"#review-items .review-item[data-code='{s['code']}']")
                expect(row).to_contain_text(s["label"])
                expect(row).to_have_attribute("data-status", "pending")
                expect(row).to_have_attribute("data-version", "1")
            # Focus is on the first code; its evidence is quoted beside the list and highlighted in the note.
            assert page.evaluate("() => document.activeElement.dataset.code") == codes[0]
            expect(page.locator("#review-evidence")).to_contain_text(f"Evidence for {codes[0]}")
            selected = "".join(page.locator("#note-view mark.ev.selected").all_inner_texts())
            assert selected == "".join(ev["text"] for ev in recommended[0]["evidence"])

            # Keyboard only: accept the first code ...
            page.keyboard.press("a")
            expect(rows.nth(0)).to_have_attribute("data-status", "accepted")
            expect(rows.nth(0)).to_have_attribute("data-version", "2")
            expect(page.locator("#status")).to_contain_text(f"{codes[0]} accepted; now version 2.")
            # ... reject the second with a reason (an inline form, Enter submits) ...
            page.keyboard.press("ArrowDown")
            assert page.evaluate("() => document.activeElement.dataset.code") == codes[1]
            expect(page.locator("#review-evidence")).to_contain_text(f"Evidence for {codes[1]}")
            selected = "".join(page.locator("#note-view mark.ev.selected").all_inner_texts())
            assert selected == "".join(ev["text"] for ev in recommended[1]["evidence"])
            page.keyboard.press("r")
            expect(page.locator("#review-reason")).to_be_focused()
            page.keyboard.type("not performed as a separate service")
            page.keyboard.press("Enter")
            expect(rows.nth(1)).to_have_attribute("data-status", "rejected")
            expect(rows.nth(1)).to_contain_text("Reason: not performed as a separate service")
            assert page.evaluate("() => document.activeElement.dataset.code") == codes[1]
            # ... change the units of the third (j moves down too) ...
            page.keyboard.press("j")
            page.keyboard.press("u")
            expect(page.locator("#review-units")).to_be_focused()
            page.keyboard.press("Control+A")
            page.keyboard.type("2")
            page.keyboard.press("Enter")
            expect(rows.nth(2)).to_have_attribute("data-status", "changed")
            expect(rows.nth(2)).to_contain_text("2 units")
            # ... and add a code the engine did not recommend (an unknown one first: the API's message, form kept).
            page.keyboard.press("n")
            expect(page.locator("#add-code-input")).to_be_focused()
            page.keyboard.type("99999")
            page.keyboard.press("Enter")
            expect(page.locator("#status")).to_contain_text("unknown code '99999'")
            expect(page.locator("#add-code-input")).to_be_focused()
            page.keyboard.press("Control+A")
            page.keyboard.type("97530")
            page.keyboard.press("Tab")
            page.keyboard.press("Control+A")
            page.keyboard.type("1")
            page.keyboard.press("Enter")
            expect(rows).to_have_count(len(codes) + 1)
            added = page.locator("#review-items .review-item[data-code='97530']")
            expect(added).to_have_attribute("data-status", "added")
            expect(added).to_contain_text("1 unit")
            expect(added).to_be_focused()
            expect(page.locator("#add-form")).to_be_hidden()

            # The decisions, read back through the API: made by bo.
            items = _items(base, bo)
            assert items[codes[0]]["status"] == "accepted" and items[codes[0]]["updated_by"] == "bo"
            assert items[codes[1]]["status"] == "rejected" and items[codes[1]]["reason"].startswith("not performed")
            assert items[codes[2]]["status"] == "changed" and items[codes[2]]["units"] == 2
            assert items["97530"]["status"] == "added" and items["97530"]["units"] == 1
            assert items["97530"]["source"] == "reviewer"
            assert {i["updated_by"] for c, i in items.items() if c in codes[:3] + ["97530"]} == {"bo"}

            # A conflict: ana changes the first code meanwhile; bo's accept (version 2) is refused.
            status, changed = _call(base, f"/v1/review/decisions/{NOTE_ID}",
                                    {"code": codes[0], "action": "change", "units": 3, "version": 2}, token=admin)
            assert status == 200 and changed["version"] == 3
            page.keyboard.press("Home")
            assert page.evaluate("() => document.activeElement.dataset.code") == codes[0]
            page.keyboard.press("a")
            expect(page.locator("#status")).to_contain_text("was changed by someone else (you saw version 2, it is now 3)")
            expect(page.locator("#status")).to_have_class(re.compile(r"\berror\b"))
            expect(rows.nth(0)).to_have_attribute("data-version", "3")   # refreshed from the 409's `current`
            expect(rows.nth(0)).to_have_attribute("data-status", "changed")
            expect(rows.nth(0)).to_contain_text("3 units")
            expect(rows.nth(0)).to_contain_text("ana")
            page.keyboard.press("a")   # now deciding on what is there
            expect(rows.nth(0)).to_have_attribute("data-version", "4")
            expect(rows.nth(0)).to_have_attribute("data-status", "accepted")
            assert _items(base, bo)[codes[0]]["updated_by"] == "bo"
            # The same actions for a mouse: the row's buttons.
            last = page.locator(f"#review-items .review-item[data-code='{codes[-1]}']")
            last.get_by_role("button", name=f"Change units of {codes[-1]}").click()
            expect(page.locator("#review-units")).to_be_focused()
            page.locator("#review-units").fill("1")
            last.get_by_role("button", name="Save units").click()
            expect(last).to_have_attribute("data-status", "changed")
            last.get_by_role("button", name=f"Accept {codes[-1]}").click()
            expect(last).to_have_attribute("data-status", "accepted")

            # Findings worklist: by impact (largest first), sortable by clicking a header.
            page.click("#load-findings")
            frows = page.locator("#findings-rows tr[data-id]")
            expect(frows).to_have_count(4)
            impact_th = page.locator("#findings-table th[data-sort='impact']")
            expect(impact_th).to_have_attribute("aria-sort", "descending")
            by_impact = frows.locator("td.code-cell").all_inner_texts()
            assert by_impact == ["97110", "97116", "97530", "97140"]
            code_th = page.locator("#findings-table th[data-sort='code']")
            code_th.locator("button").click()
            expect(code_th).to_have_attribute("aria-sort", "ascending")
            expect(frows.first.locator("td.code-cell")).to_have_text("97110")
            expect(frows.last.locator("td.code-cell")).to_have_text("97530")
            assert frows.locator("td.code-cell").all_inner_texts() == ["97110", "97116", "97140", "97530"]
            assert impact_th.get_attribute("aria-sort") is None
            code_th.locator("button").click()
            expect(code_th).to_have_attribute("aria-sort", "descending")
            expect(frows.first.locator("td.code-cell")).to_have_text("97530")
            assert frows.locator("td.code-cell").all_inner_texts() == ["97530", "97140", "97116", "97110"]
            expect(page.locator("#findings-caption")).to_contain_text("of 4, by code (descending)")

            # Resolve the missed 97116 as corrected on the claim; dismiss 97140 with a note.
            row = page.locator("#findings-rows tr[data-id]", has=page.locator("td.code-cell", has_text="97116"))
            row.get_by_role("button", name=re.compile(r"^Corrected finding")).click()
            expect(row).to_have_attribute("data-resolution", "corrected")
            expect(row).to_contain_text("corrected by bo")
            expect(page.locator("#status")).to_contain_text("marked corrected")
            row = page.locator("#findings-rows tr[data-id]", has=page.locator("td.code-cell", has_text="97140"))
            row.get_by_role("button", name=re.compile(r"^Dismiss finding")).click()
            expect(page.locator("#dismiss-note")).to_be_focused()
            page.keyboard.type("billed units match the flowsheet")
            page.keyboard.press("Enter")
            expect(row).to_have_attribute("data-resolution", "dismissed")
            status, done = _call(base, "/v1/review/worklist?kind=finding&status=corrected", token=bo)
            assert status == 200 and done["total"] == 1
            assert done["items"][0]["code"] == "97116" and done["items"][0]["resolved_by"] == "bo"
            status, dismissed = _call(base, "/v1/review/worklist?kind=finding&status=dismissed", token=bo)
            assert dismissed["items"][0]["resolution_note"] == "billed units match the flowsheet"
            # The status filter.
            page.select_option("#finding-status", "open")
            expect(frows).to_have_count(2)
            expect(page.locator("#findings-caption")).to_contain_text("of 2")
            # The "Finding" header sorts by the audit status (missed before unsupported), not by the resolution.
            page.locator("#findings-table th[data-sort='finding'] button").click()
            expect(page.locator("#findings-caption")).to_contain_text("by finding (ascending), open only.")
            status, by_finding = _call(base, "/v1/review/worklist?kind=finding&status=open&sort=finding&order=asc",
                                       token=bo)
            assert [i["status"] for i in by_finding["items"]] == ["missed", "unsupported"]
            assert frows.locator("td.code-cell").all_inner_texts() == [i["code"] for i in by_finding["items"]]

            # The report: SVG bars per code, missed dollars found vs recovered per month.
            page.click("#load-report")
            expect(page.locator("#chart-codes")).to_be_visible()
            status, report = _call(base, "/v1/review/report", token=bo)
            assert status == 200
            bar_keys = page.locator("#chart-codes rect.bar.rate").evaluate_all("rs => rs.map(r => r.dataset.key)")
            assert bar_keys == [g["code"] for g in report["by_code"]]
            assert set(codes + ["97530"]) <= set(bar_keys)
            texts = page.locator("#chart-codes text").all_text_contents()
            for g in report["by_code"]:
                assert g["code"] in texts
                if g["acceptance_rate"] is not None:
                    assert any(t.startswith(f"{round(g['acceptance_rate'] * 100)}% accepted") for t in texts)
            accepted_w = float(page.locator(f"#chart-codes rect.bar.rate[data-key='{codes[0]}']").get_attribute("width"))
            rejected_w = float(page.locator(f"#chart-codes rect.bar.rate[data-key='{codes[1]}']").get_attribute("width"))
            assert accepted_w > 0 and rejected_w == 0
            months = [m["month"] for m in report["missed_charges"]]
            assert months == ["2026-10", "2026-11"]
            found = page.locator("#chart-missed rect.bar.found")
            recovered = page.locator("#chart-missed rect.bar.recovered")
            expect(found).to_have_count(2)
            expect(recovered).to_have_count(2)
            assert float(recovered.first.get_attribute("width")) == float(found.first.get_attribute("width")) > 0
            assert float(recovered.last.get_attribute("width")) == 0
            expect(page.locator("#chart-missed")).to_contain_text("$57.58 recovered")
            expect(page.locator("#report")).to_contain_text("Most corrected codes")
            # Each model version with its gate figures.
            row = page.locator(".models-table tbody tr")
            expect(row).to_have_count(1)
            expect(row).to_contain_text("clinic-model@0123456789ab")
            expect(row).to_contain_text("refused")
            expect(row).to_contain_text("0.933 → 0.900")
            expect(row).to_contain_text("0.610 → 0.700")

            # Open a saved note by id (an unknown one first: the API's message). Its codes come as they are now on the
            # server (ana accepts one meanwhile); the text is not stored (the default), so no quote, only offsets.
            page.locator("#open-note-id").fill("no-such-note")
            page.locator("#open-note-id").press("Enter")
            expect(page.locator("#status")).to_contain_text("No note 'no-such-note' in the review store")
            expect(page.locator("#status")).to_have_class(re.compile(r"\berror\b"))
            expect(page.locator("#open-note-id")).to_be_focused()
            before = _items(base, bo)
            accept = {"code": codes[1], "action": "accept", "version": before[codes[1]]["version"]}
            status, _ = _call(base, f"/v1/review/decisions/{NOTE_ID}", accept, token=admin)
            assert status == 200
            status, stored = _call(base, f"/v1/review/notes/{NOTE_ID}?include_text=true", token=bo)
            assert status == 200 and stored["text"] is None and stored["text_stored"] is False
            page.get_by_label("Saved note id").fill(NOTE_ID)
            page.get_by_role("button", name="Open", exact=True).click()
            expect(page.locator("#status")).to_contain_text(f"Note {NOTE_ID} opened: {len(stored['items'])} codes")
            expect(page.locator("#review-text-hint")).to_be_visible()
            expect(page.locator("#review-text-hint")).to_contain_text("not stored")
            expect(rows).to_have_count(len(stored["items"]))
            assert rows.locator(".ri-code").all_inner_texts() == [i["code"] for i in stored["items"]]
            for it in stored["items"]:
                row = page.locator(f"#review-items .review-item[data-code='{it['code']}']")
                expect(row).to_have_attribute("data-status", it["status"])
                expect(row).to_have_attribute("data-version", str(it["version"]))
            expect(rows.nth(1)).to_contain_text("ana")
            assert page.evaluate("() => document.activeElement.dataset.code") == codes[0]
            ev0 = recommended[0]["evidence"][0]
            offsets = page.locator("#review-evidence .offsets")
            expect(offsets.first).to_have_text(f"characters {ev0['start']}–{ev0['end']}")
            expect(page.locator("#review-evidence mark")).to_have_count(0)
            assert page.locator("#note").input_value() == NOTE   # the page's note is left as it was

            # An admin turns text storage on; a second note saved from the page then opens with its text.
            status, settings = _call(base, "/v1/review/settings", {"store_text": "on"}, token=admin)
            assert status == 200 and settings["store_text"] == "on"
            page.click("#clear")
            page.locator("#note").focus()
            page.keyboard.insert_text(NOTE2)
            page.keyboard.press("Control+Enter")
            expect(page.locator("#recommended .code-btn")).to_have_count(len(codes2))
            page.locator("#review-note-id").fill(NOTE2_ID)
            page.locator("#review-provider").fill("PT Lee")
            page.locator("#review-dos").fill("2026-11-05")
            page.locator("#review-note-id").press("Enter")
            expect(page.locator("#status")).to_contain_text(f"Note {NOTE2_ID} saved for review: {len(codes2)} codes")
            page.click("#clear")
            expect(page.locator("#result")).to_be_hidden()
            page.locator("#open-note-id").fill(NOTE2_ID)
            page.locator("#open-note-id").press("Enter")
            expect(page.locator("#status")).to_contain_text(f"Note {NOTE2_ID} opened: {len(codes2)} codes, "
                                                            f"{len(codes2)} pending.")
            assert page.locator("#note").input_value() == NOTE2
            expect(page.locator("#review-text-hint")).to_be_hidden()
            # The saved result is shown as after suggesting, the evidence highlighted in the note.
            expect(page.locator("#recommended .code-btn")).to_have_count(len(codes2))
            expect(rows).to_have_count(len(codes2))
            assert page.evaluate("() => document.activeElement.dataset.code") == codes2[0]
            selected = "".join(page.locator("#note-view mark.ev.selected").all_inner_texts())
            assert selected == "".join(ev["text"] for ev in recommended2[0]["evidence"])
            expect(page.locator("#review-evidence mark.ev").first).to_have_text(recommended2[0]["evidence"][0]["text"])
            page.keyboard.press("a")   # decided with the keyboard as a freshly saved note
            expect(rows.nth(0)).to_have_attribute("data-status", "accepted")
            status, view2 = _call(base, f"/v1/review/notes/{urllib.parse.quote(NOTE2_ID, safe='')}?include_text=true",
                                  token=bo)
            assert status == 200 and view2["text"] == NOTE2 and view2["items"][0]["status"] == "accepted"

            # The suggestions worklist: pending codes by value (as the API lists them), sortable, filtered, openable.
            page.click("#load-suggestions")
            srows = page.locator("#suggestions-rows tr[data-id]")
            caption = page.locator("#suggestions-caption")
            pending = _worklist(base, bo, "status=pending")
            assert pending and NOTE2_ID in {n for n, _ in pending}
            expect(caption).to_contain_text(f"of {len(pending)}, by value (descending), pending only.")
            listed = "rs => rs.map(r => [r.dataset.note, r.querySelector('td.code-cell').textContent])"
            assert srows.evaluate_all(listed) == pending
            value_th = page.locator("#suggestions-table th[data-sort='impact']")
            expect(value_th).to_have_attribute("aria-sort", "descending")
            code_th = page.locator("#suggestions-table th[data-sort='code']")
            code_th.locator("button").click()
            expect(code_th).to_have_attribute("aria-sort", "ascending")
            expect(caption).to_contain_text("by code (ascending)")
            assert value_th.get_attribute("aria-sort") is None
            by_code = _worklist(base, bo, "status=pending&sort=code&order=asc")
            assert srows.evaluate_all(listed) == by_code and by_code != pending
            code_th.locator("button").click()
            expect(caption).to_contain_text("by code (descending)")
            assert srows.evaluate_all(listed) == _worklist(base, bo, "status=pending&sort=code&order=desc")
            page.select_option("#suggestion-status", "")
            everything = _worklist(base, bo, "sort=code&order=desc")
            expect(srows).to_have_count(len(everything))
            assert srows.evaluate_all(listed) == everything
            page.locator("#suggestion-min").fill("-5")
            page.locator("#suggestion-min").press("Enter")
            expect(page.locator("#status")).to_contain_text("The minimum value is a dollar amount of 0 or more")
            page.locator("#suggestion-code").fill(codes[0].lower())
            page.locator("#suggestion-min").fill("1")
            page.locator("#suggestion-min").press("Enter")
            expect(caption).to_contain_text(f", code {codes[0]}, $1.00 or more.")
            filtered = _worklist(base, bo, f"code={codes[0]}&min_impact=1&sort=code&order=desc")
            assert srows.evaluate_all(listed) == filtered and [NOTE_ID, codes[0]] in filtered
            srows.get_by_role("button", name=f"Open note {NOTE_ID} ({codes[0]})").click()
            expect(page.locator("#review-note-label")).to_have_text(NOTE_ID)
            expect(page.locator("#review-text-hint")).to_be_visible()
            expect(rows).to_have_count(len(stored["items"]))
            expect(page.locator("#open-note-id")).to_have_value(NOTE_ID)
            assert page.locator("#note").input_value() == NOTE2

            # Export: the file is fetched with the token and saved through a Blob URL.
            decisions = list(csv.DictReader(io.StringIO(_bytes(base, "/v1/review/export?format=csv", bo).decode())))
            with page.expect_download() as info:
                page.click("#export-csv")
            download = info.value
            assert download.suggested_filename == "decisions.csv"
            got = list(csv.DictReader(io.StringIO(Path(download.path()).read_text("utf-8"))))
            assert len(got) == len(decisions) >= 8 and got == decisions
            assert {"bo", "ana"} <= {r["user"] for r in got}
            expect(page.locator("#status")).to_contain_text("decisions.csv downloaded")
            with page.expect_download() as info:
                page.click("#export-parquet")
            download = info.value
            assert download.suggested_filename == "decisions.parquet"
            assert Path(download.path()).read_bytes()[:4] == b"PAR1"
            page.locator("#load-report").focus()   # a tidy screenshot: no focus ring on the export button

            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / "web_review.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()

    unexpected = [m for m in problems if not EXPECTED_HTTP_ERRORS.match(m)]
    assert unexpected == []   # no script errors, no Content-Security-Policy violations
    # The wrong token (401), the unknown code (422), the conflict (409), the unknown note (404).
    assert len(problems) - len(unexpected) == 4
    assert requests and all(u.startswith(f"{base}/") or u.startswith("data:") for u in requests), requests

    # Without a token nothing is written.
    before = _items(base, bo)
    status, err = _call(base, f"/v1/review/decisions/{NOTE_ID}", {"code": codes[1], "action": "accept",
                                                                  "version": before[codes[1]]["version"]})
    assert status == 401 and err["error"] == "unauthorized"
    assert _items(base, bo) == before
    status, _ = _call(base, "/v1/review/findings/1/resolve", {"resolution": "confirmed", "version": 1})
    assert status == 401

    time.sleep(0.3)  # let the server flush its log
    log = review_server["log"].read_text()
    assert "path=/v1/review/decisions" in log and "status=409" in log
    assert SECRET not in log and "scapular" not in log and "Therapeutic exercise 24" not in log
    assert SECRET2 not in log and "mini squats" not in log
    assert bo not in log and admin not in log


def test_review_area_stays_hidden_without_a_store(chromium, review_server):
    """When /healthz says "review": false the page is the plain page (here /healthz's answer is altered)."""
    from playwright.sync_api import expect, sync_playwright

    base = review_server["base"]

    def no_review(route):
        response = route.fetch()
        health = response.json()
        health["review"] = False
        route.fulfill(response=response, json=health)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            problems = []
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            page.route(f"{base}/healthz", no_review)
            page.goto(f"{base}/")
            expect(page.locator("#versions")).to_contain_text("catalogue")
            expect(page.locator("#review")).to_be_hidden()
            page.locator("#note").fill(NOTE)
            page.click("#submit")
            expect(page.locator("#recommended .code-btn").first).to_be_visible()
            expect(page.locator("#review")).to_be_hidden()
        finally:
            browser.close()
    assert problems == []
