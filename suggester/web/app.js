// suggester web page: sends the note to this server's /v1/suggest and shows Result.to_dict().
// No third-party code, no network access beyond this server. Note text is only ever put in the page with
// textContent (never innerHTML), and is not stored anywhere.
"use strict";

(function () {
  const EXAMPLE = [
    "PHYSICAL THERAPY DAILY NOTE - R TKA, 5 wks post-op (synthetic example)",
    "S: Pt reports knee pain 3/10, sleeping better. Walking at home with SPC.",
    "O:",
    "TherEx 23 min: recumbent bike 6 min for ROM, heel slides w/ strap 2x15, SLR 3x10, LAQ 3# 2x12, TKE green TB 2x15.",
    "Manual therapy 10 min: patellar mobs gr II-III all directions, tibiofemoral A-P glides gr III for flexion.",
    "Gait training 12 min: SPC 200 ft x2, 6-inch curb x3, cues for heel strike and knee extension in stance.",
    "Cold pack to R knee x10 min in elevation at end of session.",
    "Pt declined e-stim today.",
    "A: Flexion improving (6-108 deg); gait quality better with SPC.",
    "P: Continue POC 2x/wk. Begin stair training with reciprocal pattern next visit.",
    "HEP: prone hangs, heel slides, quad sets 2x10 daily.",
    "Total timed minutes: 45. Total treatment time: 55 min.",
    "Signed: physical therapist, PT",
  ].join("\n");

  const REASONS = {
    declined: "declined by the patient",
    refused: "refused by the patient",
    held: "held this session",
    deferred: "deferred",
    contraindicated: "contraindicated",
    not_tolerated: "not tolerated",
    unable: "patient unable",
    negated: "documented as not done",
    goal: "a goal, not a service performed",
    planned: "planned, not performed this session",
    historical: "history, not this session",
    home_program: "home program, not done in the clinic",
    other_discipline: "another discipline's work (OT, speech, nursing), not this therapist's",
    documented_elsewhere: "documented in another note, billed from there",
    reported: "reported by the patient, not performed",
    billing_summary: "billing summary line, not a service description",
    clinic_non_service: "a line this clinic's notes never bill from (learned from its corrections)",
    non_visit: "not a treatment visit",
  };
  const METHODS = { cms: "Medicare total-time method", ama: "CPT per-code rule" };

  const $ = (id) => document.getElementById(id);
  const state = { result: null, chars: [], selected: null, pages: [], documents: [], checks: null };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "className") node.className = v;
      else if (k === "dataset") Object.assign(node.dataset, v);
      else if (k === "style") Object.assign(node.style, v);   // CSSOM, allowed by the page's CSP
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const pct = (x) => `${Math.round(x * 100)}%`;
  const reasonText = (r) => REASONS[r] || String(r).replace(/_/g, " ");

  function setStatus(message, isError) {
    const s = $("status");
    s.textContent = message;
    s.classList.toggle("error", Boolean(isError));
  }

  async function api(path, body) {
    const headers = { Accept: "application/json" };
    const key = $("api-key").value;
    if (key) headers["X-API-Key"] = key;
    const init = { method: body === undefined ? "GET" : "POST", headers, cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) {
      const err = new Error((data && data.message) || `The server answered ${response.status}.`);
      err.status = response.status;
      err.field = data && data.field;
      throw err;
    }
    return data;
  }

  // A document's bytes go as they are; the server reads the type from the content, never from the name.
  async function apiFile(file) {
    const headers = { Accept: "application/json", "Content-Type": "application/octet-stream" };
    const key = $("api-key").value;
    if (key) headers["X-API-Key"] = key;
    const query = new URLSearchParams({ payer: $("payer").value, filename: file.name || "upload" });
    const response = await fetch(`v1/suggest/file?${query}`, { method: "POST", headers, body: file, cache: "no-store" });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) {
      const err = new Error((data && data.message) || `The server answered ${response.status}.`);
      err.status = response.status;
      throw err;
    }
    return data;
  }

  async function openFile(file) {
    if (!file) return;
    setStatus(`Reading ${file.name}…`);
    const t0 = performance.now();
    try {
      const data = await apiFile(file);
      state.documents = data.documents;
      const visit = $("visit");
      visit.replaceChildren(...data.documents.map((d, i) => el("option", { value: String(i) },
        `${d.document.note_id}${d.document.date_of_service ? " (" + d.document.date_of_service + ")" : ""}`)));
      visit.hidden = $("visit-label").hidden = data.documents.length < 2;
      await showDocument(0);
      const d = data.documents[0].document;
      const ocr = d.pages.filter((p) => p.ocr_confidence !== undefined && p.ocr_confidence !== null);
      setStatus(`${file.name}: ${d.kind.toUpperCase()}` +
        (d.pages.length ? `, ${d.pages.length} page${d.pages.length === 1 ? "" : "s"}` : "") +
        (ocr.length ? `, ${ocr.length} read by OCR` : "") +
        (data.documents.length > 1 ? `, ${data.documents.length} visits` : "") +
        `${d.warnings.length ? "; " + d.warnings.join("; ") : ""} (${Math.round(performance.now() - t0)} ms).`,
      d.warnings.length > 0);
    } catch (e) {
      if (e.status === 401) { showKeyField(); $("api-key").focus(); }
      setStatus(e.message, true);
    }
  }

  async function showDocument(i) {
    const entry = state.documents[i];
    $("note").value = entry.text;
    state.checks = null;
    try { state.checks = await api("v1/check", { text: entry.text, payer: $("payer").value }); } catch (e) { /* shown as unavailable */ }
    state.result = entry.result;
    state.chars = Array.from(entry.text);
    state.pages = entry.document.pages;
    forgetReviewNoteUnless(entry.text);
    const rec = entry.result.suggestions.filter((s) => s.recommended);
    state.selected = (rec[0] || entry.result.suggestions[0] || {}).code || null;
    render();
  }

  function showKeyField() {
    $("api-key-control").hidden = false;
  }

  // ------------------------------------------------------------------ start-up
  async function init() {
    $("suggest-form").addEventListener("submit", (e) => { e.preventDefault(); submit(); });
    $("note").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); submit(); }
    });
    $("load-example").addEventListener("click", () => { $("note").value = EXAMPLE; $("note").focus(); });
    $("file").addEventListener("change", (e) => openFile(e.target.files[0]));
    $("visit").addEventListener("change", (e) => showDocument(Number(e.target.value)));
    const note = $("note");
    note.addEventListener("dragover", (e) => { e.preventDefault(); note.classList.add("drop-target"); });
    note.addEventListener("dragleave", () => note.classList.remove("drop-target"));
    note.addEventListener("drop", (e) => {
      note.classList.remove("drop-target");
      if (e.dataTransfer && e.dataTransfer.files.length) { e.preventDefault(); openFile(e.dataTransfer.files[0]); }
    });
    $("clear").addEventListener("click", () => { $("note").value = ""; clearResult(); $("note").focus(); });
    for (const id of ["recommended", "candidates"]) $(id).addEventListener("keydown", arrowKeys);
    $("api-key").addEventListener("change", loadPayers);
    $("note-view").addEventListener("click", (e) => {
      const mark = e.target.closest("mark.ev");
      if (!mark) return;
      const codes = mark.dataset.codes.split(" ");
      const i = codes.indexOf(state.selected);
      select(codes[(i + 1) % codes.length]);
    });
    try {
      const health = await api("healthz");
      if (health.auth_required) showKeyField();
      if (health.review === true) initReview();
      const v = health.versions || {};
      $("versions").textContent = `suggester ${v.suggester || "?"} · catalogue ${health.catalogue.version} ` +
        `(${health.catalogue.codes} codes) · model ${(health.model.sha256 || "?").slice(0, 12)} · ` +
        "runs on this server, offline";
    } catch (e) {
      $("versions").textContent = "Server status unavailable.";
    }
    loadPayers();
  }

  async function loadPayers() {
    try {
      const data = await api("v1/payers");
      const select = $("payer");
      const current = select.value;
      select.replaceChildren(...data.payers.map((p) =>
        el("option", { value: p.id }, `${p.label} (${p.unit_method === "cms" ? "CMS" : "AMA"} units)`)));
      select.value = data.payers.some((p) => p.id === current) ? current : data.payers[0].id;
    } catch (e) {
      if (e.status === 401) showKeyField();   // keep the built-in choices
    }
  }

  // ------------------------------------------------------------------ submit
  async function submit() {
    const text = $("note").value;
    if (!text.trim()) {
      setStatus("Paste a note first.", true);
      $("note").focus();
      return;
    }
    const button = $("submit");
    button.disabled = true;
    setStatus("Analysing the note…");
    const t0 = performance.now();
    try {
      const [result, checks] = await Promise.all([api("v1/suggest", { text, payer: $("payer").value }),
        api("v1/check", { text, payer: $("payer").value }).catch(() => null)]);
      state.result = result;
      state.checks = checks;
      state.chars = Array.from(text);   // offsets are Unicode code points
      state.pages = [];
      forgetReviewNoteUnless(text);
      state.documents = [];
      $("visit").hidden = $("visit-label").hidden = true;
      const rec = result.suggestions.filter((s) => s.recommended);
      state.selected = (rec[0] || result.suggestions[0] || {}).code || null;
      render();
      const n = rec.length;
      setStatus(`${n} code${n === 1 ? "" : "s"} recommended, ${result.suggestions.length - n} other ` +
        `candidate${result.suggestions.length - n === 1 ? "" : "s"}; ${result.findings.length} ` +
        `finding${result.findings.length === 1 ? "" : "s"} (${Math.round(performance.now() - t0)} ms).`);
    } catch (e) {
      if (e.status === 401) { showKeyField(); $("api-key").focus(); }
      else if (e.field === "payer") $("payer").focus();
      setStatus(e.message, true);
    } finally {
      button.disabled = false;
    }
  }

  function clearResult() {
    state.result = null;
    state.selected = null;
    $("result").hidden = true;
    $("empty").hidden = false;
    $("evidence-section").hidden = true;
    setStatus("");
    reviewSaveAvailability();
  }

  // ------------------------------------------------------------------ rendering
  function render() {
    const r = state.result;
    $("empty").hidden = true;
    $("result").hidden = false;
    $("evidence-section").hidden = false;

    const nv = $("non-visit");
    nv.hidden = !r.non_visit;
    nv.textContent = r.non_visit
      ? `Not a treatment visit (${r.non_visit.replace(/_/g, " ")}): no code is recommended.` : "";

    const t = r.totals || {};
    const parts = [];
    if (t.unit_method) {
      parts.push(`Timed minutes ${t.timed_minutes} → ${t.timed_units} timed unit${t.timed_units === 1 ? "" : "s"}; ` +
        `total units ${t.total_units} (${METHODS[t.unit_method] || t.unit_method}, payer ${r.payer}).`);
    }
    if (t.documented_total_timed_minutes !== null && t.documented_total_timed_minutes !== undefined) {
      parts.push(`Documented total timed minutes: ${t.documented_total_timed_minutes}.`);
    }
    $("totals").textContent = parts.join(" ");

    const rec = r.suggestions.filter((s) => s.recommended);
    const cand = r.suggestions.filter((s) => !s.recommended);
    $("recommended").replaceChildren(...(rec.length ? rec.map(codeItem)
      : [el("li", { className: "muted" }, "No billable service found in this note.")]));
    $("candidates").replaceChildren(...cand.map(codeItem));
    $("candidate-count").textContent = String(cand.length);
    $("candidates-box").hidden = cand.length === 0;

    renderChecklist();
    $("findings").replaceChildren(...(r.findings.length ? r.findings.map(findingItem)
      : [el("li", { className: "muted" }, "None.")]));
    $("not-counted").replaceChildren(...(r.not_counted.length ? r.not_counted.map(notCountedItem)
      : [el("li", { className: "muted" }, "None.")]));
    renderSelection();
    reviewSaveAvailability();
  }

  // The documentation checklist (POST /v1/check): what a reviewer will ask for, before the note is signed.
  function renderChecklist() {
    const c = state.checks;
    if (!c) {
      $("checklist").replaceChildren(el("li", { className: "muted" }, "Checklist unavailable."));
      $("checklist-score").textContent = "";
      return;
    }
    $("checklist-score").textContent = c.applicable ? `(${c.passed} of ${c.applicable} pass)` : "";
    $("checklist").replaceChildren(...c.checks.map((k) => {
      const cls = k.status === "n/a" ? "na" : k.status;
      return el("li", { className: cls, dataset: { check: k.id } },
        el("span", { className: "status" }, k.status === "fail" ? "✗ fail" : k.status === "pass" ? "✓ pass" : "n/a"),
        ` ${k.title} `, el("span", { className: "muted" }, `(${k.id})`),
        k.status === "fail" ? el("div", { className: "hint" }, k.message) : null);
    }));
  }

  function codeItem(s) {
    const meta = [];
    if (s.units !== null && s.units !== undefined) meta.push(el("strong", {}, `${s.units} unit${s.units === 1 ? "" : "s"}`));
    if (s.minutes !== null && s.minutes !== undefined) meta.push(` · ${s.minutes} min`);
    meta.push(` · ${pct(s.confidence)}`);
    const mods = s.modifiers.length ? el("span", { className: "mods" }, s.modifiers.join(" ")) : null;
    return el("li", {},
      el("button", {
        type: "button", className: "code-btn", "aria-pressed": "false", dataset: { code: s.code },
        "aria-label": `${s.code} ${s.label}, confidence ${pct(s.confidence)}` +
          (s.units !== null && s.units !== undefined ? `, ${s.units} units` : "") +
          (s.recommended ? ", recommended" : ", candidate"),
        onclick: () => select(s.code),
      },
      el("span", { className: "code" }, s.code),
      el("span", { className: "label" }, s.label, mods),
      el("span", { className: "meta" }, meta),
      el("span", { className: "bar", "aria-hidden": "true" }, el("span", { style: { width: pct(s.confidence) } }))));
  }

  function findingItem(f) {
    return el("li", { className: f.severity },
      el("span", { className: `sev ${f.severity}` }, f.severity),
      el("span", { className: "fid" }, f.id),
      f.message,
      f.source ? [" ", el("a", { href: f.source, rel: "noopener noreferrer", target: "_blank" }, "source")] : null);
  }

  function notCountedItem(n, i) {
    return el("li", {},
      el("strong", {}, n.code), " ",
      el("span", { className: "reason" }, `not counted: ${reasonText(n.reason)}`),
      ` (${n.section.replace(/_/g, " ")} section) `,
      el("span", { className: "quote" }, n.text),
      el("button", { type: "button", className: "link-btn", onclick: () => showInNote(i) }, "Show in note"));
  }

  function arrowKeys(e) {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    const buttons = Array.from(document.querySelectorAll(".code-btn")).filter((b) => b.offsetParent !== null);
    const i = buttons.indexOf(document.activeElement);
    if (i < 0) return;
    e.preventDefault();
    const next = buttons[Math.max(0, Math.min(buttons.length - 1, i + (e.key === "ArrowDown" ? 1 : -1)))];
    next.focus();
  }

  function select(code) {
    state.selected = code;
    renderSelection();
  }

  function renderSelection() {
    for (const b of document.querySelectorAll(".code-btn")) {
      b.setAttribute("aria-pressed", String(b.dataset.code === state.selected));
    }
    const s = state.result.suggestions.find((x) => x.code === state.selected);
    if (s && !s.recommended) $("candidates-box").open = true;
    renderDetail(s);
    renderNote();
  }

  function renderDetail(s) {
    const body = $("detail-body");
    if (!s) { body.replaceChildren(el("p", { className: "muted" }, "No code selected.")); return; }
    const findings = state.result.findings.filter((f) => s.finding_ids.includes(f.id));
    const rows = [
      ["Status", s.recommended ? "Recommended" : "Candidate to review, not recommended"],
      ["Confidence", pct(s.confidence)],
      ["Units", s.units === null ? "–" : String(s.units)],
      ["Minutes", s.minutes === null ? "–" : String(s.minutes)],
      ["Modifiers", s.modifiers.length ? s.modifiers.join(", ") : "none"],
      ["Kind", `${s.category.replace(/_/g, " ")}, ${s.timed ? "timed" : "untimed"}`],
    ];
    body.replaceChildren(
      el("p", {}, el("strong", {}, `${s.code} ${s.label}`)),
      el("dl", {}, rows.map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
      el("p", { className: "explanation" }, s.explanation),
      el("h4", {}, `Evidence (${s.evidence.length})`),
      s.evidence.length
        ? el("ol", { className: "evidence-list" }, s.evidence.map((e) => el("li", {},
          el("span", { className: "quote" }, e.text),
          el("span", { className: "muted" }, ` ${e.section.replace(/_/g, " ")} section, score ${pct(e.score)}` +
            (e.phrases.length ? `, matched ${e.phrases.map((p) => `“${p}”`).join(", ")}` : "")))))
        : el("p", { className: "muted" }, "No span above the evidence threshold."),
      (s.minutes_evidence || []).length ? el("h4", {}, "Minutes from") : null,
      (s.minutes_evidence || []).length
        ? el("ul", { className: "minutes-list" }, s.minutes_evidence.map((m) => el("li", {},
          el("span", { className: "quote" }, state.chars.slice(m.start, m.end).join("")),
          el("span", { className: "muted" },
            ` ${m.minutes === null ? "units only" : `${m.minutes} min`}, ${m.rule.replace(/_/g, " ")} rule`))))
        : null,
      findings.length ? el("h4", {}, "Findings for this code") : null,
      findings.length ? el("ul", { className: "findings" }, findings.map(findingItem)) : null);
  }

  // The note with evidence spans: every recommended code's spans, the selected code's emphasised,
  // and the not-counted mentions. Offsets are code points into the submitted text.
  function renderNote() {
    const r = state.result;
    const chars = state.chars;
    const n = chars.length;
    const clamp = (x) => Math.max(0, Math.min(n, x));
    const spans = [];
    for (const s of r.suggestions) {
      if (!s.recommended && s.code !== state.selected) continue;
      for (const e of s.evidence) spans.push({ kind: "ev", start: clamp(e.start), end: clamp(e.end), code: s.code });
      for (const m of s.minutes_evidence || []) {
        spans.push({ kind: "min", start: clamp(m.start), end: clamp(m.end), code: s.code, rule: m.rule });
      }
    }
    r.not_counted.forEach((nc, i) =>
      spans.push({ kind: "nc", start: clamp(nc.start), end: clamp(nc.end), code: nc.code, reason: nc.reason, i }));
    const cuts = new Set([0, n]);
    for (const sp of spans) { if (sp.end > sp.start) { cuts.add(sp.start); cuts.add(sp.end); } }
    const pageAt = new Map(state.pages.length > 1 ? state.pages.map((p) => [clamp(p.start), p]) : []);
    for (const start of pageAt.keys()) cuts.add(start);
    const points = Array.from(cuts).sort((a, b) => a - b);
    const out = [];
    for (let k = 0; k + 1 < points.length; k++) {
      const a = points[k];
      const b = points[k + 1];
      const page = pageAt.get(a);
      if (page) {   // where each page of the document begins
        const ocr = page.ocr_confidence !== undefined && page.ocr_confidence !== null;
        out.push(el("span", { className: ocr && page.ocr_confidence < 70 ? "page-marker low-ocr" : "page-marker",
          "aria-label": `Page ${page.page}` },
        `Page ${page.page}${ocr ? ` (read by OCR, confidence ${Math.round(page.ocr_confidence)})` : ""}`));
        pageAt.delete(a);
      }
      const text = chars.slice(a, b).join("");
      const covering = spans.filter((sp) => sp.start <= a && sp.end >= b && sp.end > sp.start);
      // Where a code's minutes came from: underlined inside the evidence, with the linking rule on hover.
      const mins = covering.filter((sp) => sp.kind === "min");
      const piece = mins.length
        ? el("span", {
          className: mins.some((m) => m.code === state.selected) ? "minutes selected" : "minutes",
          title: mins.map((m) => `Minutes for ${m.code} (${m.rule.replace(/_/g, " ")})`).join("; "),
        }, text)
        : text;
      const ev = [...new Set(covering.filter((sp) => sp.kind === "ev").map((sp) => sp.code))];
      const nc = covering.filter((sp) => sp.kind === "nc");
      if (ev.length) {
        const sel = ev.includes(state.selected);
        out.push(el("mark", {
          className: sel ? "ev selected" : "ev", dataset: { codes: ev.join(" ") },
          title: `Evidence for ${ev.join(", ")}`,
        }, piece));
      } else if (nc.length) {
        out.push(el("mark", {
          className: "not-counted", dataset: { nc: String(nc[0].i), code: nc[0].code }, tabindex: "-1",
          title: nc.map((x) => `${x.code} not counted: ${reasonText(x.reason)}`).join("; "),
        }, piece));
      } else {
        out.push(typeof piece === "string" ? document.createTextNode(piece) : piece);
      }
      // Tags at the end of each span name its code(s) in the text itself.
      const ending = spans.filter((sp) => sp.end === b && sp.end > sp.start);
      const evCodes = [...new Set(ending.filter((sp) => sp.kind === "ev").map((sp) => sp.code))];
      for (const code of evCodes) {
        out.push(el("span", { className: code === state.selected ? "tag selected" : "tag" }, code));
      }
      for (const sp of ending.filter((x) => x.kind === "nc")) {
        out.push(el("span", { className: "tag nc" }, `${sp.code} not counted: ${reasonText(sp.reason)}`));
      }
    }
    $("note-view").replaceChildren(...out);
  }

  function showInNote(i) {
    const mark = document.querySelector(`#note-view mark[data-nc="${i}"]`);
    if (!mark) return;
    mark.scrollIntoView({ block: "center" });
    mark.classList.add("flash");
    mark.focus();
    setTimeout(() => mark.classList.remove("flash"), 1500);
  }

  // ------------------------------------------------------------------ review mode
  // Shown only when GET /healthz says "review": true (`suggester serve --db`). Every call carries the
  // reviewer's token (Authorization: Bearer), which is kept in sessionStorage (this tab) and nowhere else.
  const TOKEN_KEY = "suggester.review.token";
  const STATUS_WORD = { accept: "accepted", reject: "rejected", change: "changed", add: "added" };
  const RESOLUTION_WORD = { open: "reopened", confirmed: "confirmed", dismissed: "dismissed", corrected: "marked corrected" };
  const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
  const review = {
    user: null, settings: {}, note: null, text: null, chars: [], result: null, items: [], labels: {},
    current: null, form: null, busy: false, opening: false,
    suggestions: { sort: "impact", order: "desc", offset: 0, limit: 50, total: 0, items: [], filtered: "" },
    findings: { sort: "impact", order: "desc", offset: 0, limit: 50, total: 0, items: [], dismissing: null, busy: false,
      filtered: "" },
  };

  function reviewToken() {
    try { return sessionStorage.getItem(TOKEN_KEY) || ""; } catch (e) { return ""; }
  }

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    const b = window.crypto.getRandomValues(new Uint8Array(16));   // randomUUID needs a secure context
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // One request with the reviewer's token; a failed one throws the API's message, status, field and body (409: current).
  async function reviewFetch(path, init) {
    const headers = Object.assign({ Accept: "application/json" }, init.headers);
    const tok = reviewToken();
    if (tok) headers.Authorization = `Bearer ${tok}`;
    let response;
    try {
      response = await fetch(path, Object.assign({}, init, { headers, cache: "no-store" }));
    } catch (e) {
      throw new Error("The server cannot be reached: check that `suggester serve` is still running, then retry.");
    }
    if (!response.ok) {
      let data = null;
      try { data = await response.json(); } catch (e) { data = null; }
      const err = new Error((data && data.message) || `The server answered ${response.status}.`);
      err.status = response.status;
      err.field = data && data.field;
      err.data = data;
      if (response.status === 401) signedOut();
      throw err;
    }
    return response;
  }

  // One review call: JSON in and out.
  async function reviewApi(path, body) {
    const init = { method: body === undefined ? "GET" : "POST", headers: {} };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await reviewFetch(path, init);
    try { return await response.json(); } catch (e) { return null; }
  }

  // Messages go to the page's #status (role=status, read out) and, for sighted users, beside the review part.
  function reviewMessage(message, isError, where) {
    setStatus(message, isError);
    for (const node of document.querySelectorAll(".review-msg")) {
      node.textContent = node.dataset.part === where ? message : "";
      node.classList.toggle("error", Boolean(isError));
    }
  }

  function initReview() {
    $("review").hidden = false;
    const parts = { save: "save-section", open: "open-section", items: "review-items-section",
      suggestions: "suggestions-section", worklist: "worklist-section", report: "report-section", export: "export-section" };
    for (const [part, target] of Object.entries(parts)) {   // a visual copy of #status next to each part
      $(target).querySelector("h3").after(el("p", { className: "review-msg status", "aria-hidden": "true",
        dataset: { part } }));
    }
    $("signin-form").addEventListener("submit", signIn);
    $("signout").addEventListener("click", signOut);
    $("save-form").addEventListener("submit", saveForReview);
    $("review-items").addEventListener("keydown", reviewKeys);
    $("review-items").addEventListener("focusin", (e) => {
      const row = e.target.closest(".review-item");
      if (row) focusRow(row, false);
    });
    $("review-items").addEventListener("click", (e) => {
      const button = e.target.closest("button[data-action]");
      if (button) { rowAction(button.dataset.code, button.dataset.action); return; }
      const row = e.target.closest(".review-item");
      if (row && !e.target.closest("form")) row.focus();
    });
    $("add-code").addEventListener("click", openAdd);
    $("add-form").addEventListener("submit", (e) => { e.preventDefault(); submitAdd(); });
    $("add-form").addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); closeAdd(); } });
    $("add-form").querySelector(".cancel").addEventListener("click", closeAdd);
    $("open-form").addEventListener("submit", (e) => { e.preventDefault(); openNote($("open-note-id").value); });
    const suggestions = TABLES.suggestion;
    $("suggestions-form").addEventListener("submit", (e) => { e.preventDefault(); firstPage(suggestions); });
    $("suggestion-status").addEventListener("change", () => firstPage(suggestions));
    $("suggestions-rows").addEventListener("click", (e) => {
      const button = e.target.closest("button[data-note]");
      if (button) openNote(button.dataset.note);
    });
    const findings = TABLES.finding;
    $("load-findings").addEventListener("click", () => firstPage(findings));
    $("finding-status").addEventListener("change", () => firstPage(findings));
    $("findings-rows").addEventListener("click", findingClick);
    for (const t of [suggestions, findings]) {
      $(`${t.id}-table`).querySelector("thead").addEventListener("click", (e) => sortTable(t, e));
      $(`${t.id}-prev`).addEventListener("click", () => pageTable(t, -1));
      $(`${t.id}-next`).addEventListener("click", () => pageTable(t, 1));
    }
    $("load-report").addEventListener("click", loadReport);
    $("export-csv").addEventListener("click", () => exportDecisions("csv"));
    $("export-parquet").addEventListener("click", () => exportDecisions("parquet"));
    reviewSaveAvailability();
    if (reviewToken()) whoAmI();
  }

  async function signIn(e) {
    e.preventDefault();
    const value = $("review-token").value.trim();
    if (!value) {
      reviewMessage("Enter your reviewer token (an admin creates one with `suggester users add NAME`).", true);
      $("review-token").focus();
      return;
    }
    try { sessionStorage.setItem(TOKEN_KEY, value); } catch (err) { /* storage off: the sign-in below fails */ }
    $("review-token").value = "";
    await whoAmI();
  }

  async function whoAmI() {
    try {
      const me = await reviewApi("v1/review/me");
      review.user = me.user;
      review.settings = me.settings || {};
      $("whoami").textContent = `Signed in as ${me.user.name} (${me.user.role}).` +
        (review.settings.store_text === "on" ? " Note text is stored with saved notes."
          : " Saved notes keep only a fingerprint of the text; the evidence is shown from this page's copy.");
      $("signin-form").querySelector(".control").hidden = true;
      $("signin").hidden = true;
      $("signout").hidden = false;
      $("review-body").hidden = false;
      setStatus(`Signed in as ${me.user.name}.`);
    } catch (err) {
      reviewMessage(err.message, true);
      $("review-token").focus();
    }
  }

  function signedOut() {
    try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* nothing kept */ }
    review.user = null;
    $("whoami").textContent = "";
    $("signin-form").querySelector(".control").hidden = false;
    $("signin").hidden = false;
    $("signout").hidden = true;
    $("review-body").hidden = true;
  }

  function signOut() {
    signedOut();
    review.note = null;
    review.result = null;
    review.items = [];
    $("review-items-section").hidden = true;
    setStatus("Signed out; the token is forgotten.");
    $("review-token").focus();
  }

  function reviewSaveAvailability() {
    if ($("review").hidden) return;
    const ready = Boolean(state.result);
    $("save-form").hidden = !ready;
    $("save-hint").hidden = ready;
  }

  // A new note in the textarea ends the review of the previous one on this page (it stays on the server). A note
  // opened without its text was never the one in the textarea: its review stays.
  function forgetReviewNoteUnless(text) {
    if (!review.note || review.text === null || text === review.text) return;
    review.note = null;
    review.result = null;
    review.items = [];
    review.form = null;
    $("review-items-section").hidden = true;
  }

  // ------------------------------------------------------------------ save a note, show its codes
  async function saveForReview(e) {
    e.preventDefault();
    const noteId = $("review-note-id").value.trim();
    if (!noteId) {
      reviewMessage("Give the note its id (the clinic's own id for this note) to save it for review.", true, "save");
      $("review-note-id").focus();
      return;
    }
    const text = $("note").value;
    if (!text.trim()) {
      reviewMessage("Paste a note first.", true, "save");
      $("note").focus();
      return;
    }
    const body = { note_id: noteId, text, payer: $("payer").value };
    const provider = $("review-provider").value.trim();
    const dos = $("review-dos").value;
    if (provider) body.provider = provider;
    if (dos) body.date_of_service = dos;
    const button = $("save-review");
    button.disabled = true;
    reviewMessage("Saving the note for review…");
    try {
      const view = await reviewApi("v1/review/notes", body);
      showReviewNote(view, text);
      const n = view.items.length;
      reviewMessage(`Note ${view.note_id} saved for review: ${n} code${n === 1 ? "" : "s"} on its worklist.`,
        false, "items");
      const first = $("review-items").querySelector(".review-item");
      (first || $("add-code")).focus();
    } catch (err) {
      if (err.field === "payer") $("payer").focus();
      else if (err.status !== 401) $("review-note-id").focus();
      reviewMessage(err.message, true, "save");
    } finally {
      button.disabled = false;
    }
  }

  // ------------------------------------------------------------------ open a saved note
  // GET the note with its text when the store keeps it: then it fills the textarea and its stored result is shown as
  // after suggesting; without the text only its codes are shown (the evidence as character offsets).
  async function openNote(noteId) {
    const id = String(noteId || "").trim();
    if (!id) {
      reviewMessage("Enter the id of a saved note to open it.", true, "open");
      $("open-note-id").focus();
      return;
    }
    if (review.opening) return;
    review.opening = true;
    const button = $("open-note");
    button.disabled = true;
    reviewMessage(`Opening note ${id}…`);
    try {
      const view = await reviewApi(`v1/review/notes/${encodeURIComponent(id)}?include_text=true`);
      const text = typeof view.text === "string" ? view.text : null;
      $("open-note-id").value = view.note_id;
      if (text !== null) {   // the page now holds this note: its save form names it too
        $("note").value = text;
        $("review-note-id").value = view.note_id;
        $("review-provider").value = view.provider || "";
        $("review-dos").value = view.date_of_service || "";
        state.documents = [];
        $("visit").hidden = $("visit-label").hidden = true;
        if (Array.from($("payer").options).some((o) => o.value === view.payer)) $("payer").value = view.payer;
        state.checks = await api("v1/check", { text, payer: view.payer }).catch(() => null);
        const rec = ((view.result && view.result.suggestions) || []).filter((s) => s.recommended);
        state.selected = (rec[0] || {}).code || null;
      }
      closeAdd(true);
      showReviewNote(view, text);
      const n = view.items.length;
      const pending = view.items.filter((it) => it.status === "pending").length;
      reviewMessage(`Note ${view.note_id} opened: ${n} code${n === 1 ? "" : "s"}, ${pending} pending.` +
        (text === null ? " Its text is not stored, so the evidence is shown as character offsets." : ""), false, "items");
      const first = $("review-items").querySelector(".review-item");
      (first || $("add-code")).focus();
    } catch (err) {
      if (err.status !== 401) $("open-note-id").focus();
      reviewMessage(err.message, true, "open");
    } finally {
      review.opening = false;
      button.disabled = false;
    }
  }

  // The stored result quotes no text unless the store keeps it: fill the quotes from the page's own copy.
  function withLocalText(result, chars) {
    const data = JSON.parse(JSON.stringify(result));
    const quote = (x) => { if (x.text === null || x.text === undefined) x.text = chars.slice(x.start, x.end).join(""); };
    for (const s of data.suggestions || []) (s.evidence || []).forEach(quote);
    (data.not_counted || []).forEach(quote);
    return data;
  }

  // text: the note's text (this page's copy, or the store's), or null when neither has it: then the evidence is
  // shown as character offsets and the note above (another note, or none) is left as it is.
  function showReviewNote(view, text) {
    review.note = view;
    review.text = text;
    review.chars = text === null ? [] : Array.from(text);
    review.items = view.items.slice();
    review.form = null;
    review.labels = {};
    review.result = view.result && (text === null ? view.result : withLocalText(view.result, review.chars));
    if (review.result) {
      for (const s of review.result.suggestions || []) review.labels[s.code] = s.label;
      if (text !== null) {
        state.result = review.result;   // what the worklist was made from
        state.chars = review.chars;
        state.pages = [];
        render();
      }
    }
    review.current = review.items.length ? review.items[0].code : null;
    delete $("review-evidence").dataset.code;
    $("review-evidence").replaceChildren();
    $("review-note-label").textContent = view.note_id;
    $("review-note-model").textContent = view.model_version || "unknown";
    $("review-text-hint").hidden = text !== null;
    $("review-items-section").hidden = false;
    renderReviewItems();
    if (review.current) showEvidence(review.current);
  }

  function unitsText(u) {
    return u === null || u === undefined ? "no units" : `${u} unit${u === 1 ? "" : "s"}`;
  }

  function renderReviewItems(focusCode) {
    const list = $("review-items");
    if (!review.items.length) {
      list.replaceChildren(el("li", { className: "muted" }, "No code is on this note's worklist. Add one with the button."));
      return;
    }
    if (!review.items.some((it) => it.code === review.current)) review.current = review.items[0].code;
    list.replaceChildren(...review.items.map(reviewRow));
    if (focusCode) {
      const row = list.querySelector(`.review-item[data-code="${CSS.escape(focusCode)}"]`);
      if (row) row.focus();
    }
    const field = list.querySelector(".inline-form input");
    if (field) field.focus();
  }

  function reviewRow(it) {
    const label = review.labels[it.code] || "";
    const mods = it.modifiers.length ? it.modifiers.join(" ") : "none";
    const summary = `${it.code}${label ? " " + label : ""}: ${it.status}, ${unitsText(it.units)}, modifiers ${mods}, ` +
      `version ${it.version}${it.updated_by ? `, last by ${it.updated_by}` : ""}`;
    const current = it.code === review.current;
    const act = (action, text, name) => el("button", { type: "button", className: "small", "aria-label": `${name} ${it.code}`,
      dataset: { action, code: it.code } }, text);
    const form = review.form && review.form.code === it.code ? inlineForm(it, review.form.kind) : null;
    return el("li", {
      className: `review-item status-${it.status}${current ? " current" : ""}`, tabindex: current ? "0" : "-1",
      dataset: { code: it.code, status: it.status, version: String(it.version) }, "aria-label": summary,
    },
    el("span", { className: "ri-code" }, it.code),
    el("span", { className: "ri-label", title: label || null },
      label || (it.source === "reviewer" ? "added by a reviewer" : "")),
    el("span", { className: `ri-status badge ${it.status}` }, it.status),
    el("span", { className: "ri-units" }, unitsText(it.units)),
    el("span", { className: "ri-mods" }, it.modifiers.length ? `mod ${mods}` : "no modifiers"),
    el("span", { className: "ri-version muted" }, `v${it.version}${it.updated_by ? ` · ${it.updated_by}` : ""}`),
    el("span", { className: "ri-actions" },
      act("accept", "Accept", "Accept"), act("reject", "Reject…", "Reject"), act("units", "Units…", "Change units of")),
    it.reason ? el("span", { className: "ri-reason" }, `Reason: ${it.reason}`) : null,
    form);
  }

  function inlineForm(it, kind) {
    const reject = kind === "reject";
    const input = reject
      ? el("input", { id: "review-reason", type: "text", maxlength: "500", autocomplete: "off", required: true })
      : el("input", { id: "review-units", type: "number", min: "0", max: "99", step: "1", required: true,
        value: it.units === null || it.units === undefined ? "" : String(it.units) });
    const form = el("form", { className: "inline-form", novalidate: true },
      el("div", { className: "control" },
        el("label", { for: input.id }, reject ? `Reason for rejecting ${it.code}` : `New units for ${it.code}`), input),
      el("button", { type: "submit", className: "primary" }, reject ? `Reject ${it.code}` : "Save units"),
      el("button", { type: "button", onclick: () => closeForm(it.code) }, "Cancel"));
    form.addEventListener("submit", (e) => { e.preventDefault(); submitForm(it.code, kind, input); });
    form.addEventListener("keydown", (e) => {
      e.stopPropagation();   // letters typed here are text, not shortcuts
      if (e.key === "Escape") { e.preventDefault(); closeForm(it.code); }
    });
    return form;
  }

  function focusRow(row, scroll) {
    const code = row.dataset.code;
    if (review.current !== code) {
      review.current = code;
      for (const r of $("review-items").querySelectorAll(".review-item")) {
        const on = r === row;
        r.tabIndex = on ? 0 : -1;
        r.classList.toggle("current", on);
      }
    }
    if (scroll) row.focus();
    showEvidence(code);
  }

  // The selected code's evidence: highlighted in the note above (the page's own copy) and quoted here.
  function showEvidence(code) {
    const box = $("review-evidence");
    if (box.dataset.code === code) return;
    box.dataset.code = code;
    const s = review.result && (review.result.suggestions || []).find((x) => x.code === code);
    if (review.text !== null && state.result && state.selected !== code) select(code);   // the note above is this one
    if (!s) {
      box.replaceChildren(el("h4", {}, `Evidence for ${code}`),
        el("p", { className: "muted" }, "The engine found no evidence for this code in the note; a reviewer added it."));
      return;
    }
    const quote = (e) => (e.text !== null && e.text !== undefined ? e.text
      : review.text !== null ? review.chars.slice(e.start, e.end).join("") : null);
    box.replaceChildren(
      el("h4", {}, `Evidence for ${s.code} ${s.label}`),
      el("p", { className: "muted" }, `${s.recommended ? "Recommended" : "Candidate"}, confidence ${pct(s.confidence)}` +
        (s.minutes !== null && s.minutes !== undefined ? `, ${s.minutes} min` : "") + "."),
      s.evidence.length
        ? el("ol", { className: "evidence-list" }, s.evidence.map((e) => el("li", {},
          quote(e) !== null ? el("mark", { className: "ev selected" }, quote(e))
            : el("span", { className: "offsets" }, `characters ${e.start}–${e.end}`),
          el("span", { className: "muted" }, ` ${e.section.replace(/_/g, " ")} section`))))
        : el("p", { className: "muted" }, "No span above the evidence threshold."));
  }

  function rowAction(code, action) {
    const row = $("review-items").querySelector(`.review-item[data-code="${CSS.escape(code)}"]`);
    if (row) focusRow(row, false);
    if (action === "accept") decide(code, "accept");
    else openForm(code, action);
  }

  function reviewKeys(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const row = e.target.closest(".review-item");
    if (!row || e.target !== row) return;   // keys on a button or in a form are theirs
    const rows = Array.from($("review-items").querySelectorAll(".review-item"));
    const i = rows.indexOf(row);
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    const move = (j) => focusRow(rows[Math.max(0, Math.min(rows.length - 1, j))], true);
    if (key === "ArrowDown" || key === "j") move(i + 1);
    else if (key === "ArrowUp" || key === "k") move(i - 1);
    else if (key === "Home") move(0);
    else if (key === "End") move(rows.length - 1);
    else if (key === "a") decide(row.dataset.code, "accept");
    else if (key === "r") openForm(row.dataset.code, "reject");
    else if (key === "u") openForm(row.dataset.code, "units");
    else if (key === "n") openAdd();
    else return;
    e.preventDefault();
  }

  function openForm(code, kind) {
    review.current = code;
    review.form = { code, kind };
    closeAdd(true);
    renderReviewItems();
  }

  function closeForm(code) {
    review.form = null;
    renderReviewItems(code);
  }

  function submitForm(code, kind, input) {
    if (kind === "reject") {
      const reason = input.value.trim();
      if (!reason) {
        reviewMessage(`Say why ${code} is rejected (e.g. 'not performed', 'time not documented').`, true, "items");
        input.focus();
        return;
      }
      decide(code, "reject", { reason });
    } else {
      const units = Number(input.value);
      if (input.value === "" || !Number.isInteger(units) || units < 0 || units > 99) {
        reviewMessage(`Units for ${code} must be a whole number from 0 to 99.`, true, "items");
        input.focus();
        return;
      }
      decide(code, "change", { units });
    }
  }

  function openAdd() {
    review.form = null;
    renderReviewItems();
    $("add-form").hidden = false;
    $("add-code").setAttribute("aria-expanded", "true");
    $("add-code-input").value = "";
    $("add-units-input").value = "1";
    $("add-code-input").focus();
  }

  function closeAdd(quiet) {
    $("add-form").hidden = true;
    $("add-code").setAttribute("aria-expanded", "false");
    if (quiet === true) return;
    const row = $("review-items").querySelector(".review-item.current");
    (row || $("add-code")).focus();
  }

  function submitAdd() {
    const code = $("add-code-input").value.trim().toUpperCase();
    const raw = $("add-units-input").value;
    const units = Number(raw);
    if (!code) {
      reviewMessage("Enter the code to add (e.g. 97530).", true, "items");
      $("add-code-input").focus();
      return;
    }
    if (raw === "" || !Number.isInteger(units) || units < 0 || units > 99) {
      reviewMessage("Units must be a whole number from 0 to 99 (1 for an untimed code).", true, "items");
      $("add-units-input").focus();
      return;
    }
    decide(code, "add", { units });
  }

  function upsertItem(item) {
    const i = review.items.findIndex((x) => x.code === item.code);
    const clean = Object.assign({}, item);
    delete clean.replayed;
    if (i < 0) review.items.push(clean); else review.items[i] = clean;
  }

  // One decision, with the version the reviewer saw; a 409 shows the API's message and the item as it is now.
  async function decide(code, action, extra) {
    if (review.busy || !review.note) return;
    const body = Object.assign({ code, action, idempotency_key: uuid() }, extra || {});
    if (action !== "add") {
      const it = review.items.find((x) => x.code === code);
      if (!it) return;
      body.version = it.version;
    }
    const note = review.note;
    review.busy = true;
    try {
      const item = await reviewApi(`v1/review/decisions/${encodeURIComponent(note.note_id)}`, body);
      if (review.note !== note) {   // another note was opened meanwhile: its list stays as it is
        reviewMessage(`${item.code} on note ${note.note_id} ${STATUS_WORD[action]}; now version ${item.version}.`);
        return;
      }
      upsertItem(item);
      review.form = null;
      review.current = item.code;
      if (action === "add") closeAdd(true);
      renderReviewItems(item.code);
      showEvidence(item.code);
      const what = action === "reject" ? `rejected (${item.reason})`
        : action === "change" || action === "add" ? `${STATUS_WORD[action]}: ${unitsText(item.units)}`
          : STATUS_WORD[action];
      reviewMessage(`${item.code} ${what}; now version ${item.version}.`, false, "items");
      if (!$("suggestions-box").hidden) loadTable(TABLES.suggestion, undefined, true);   // the worklist as it is now
    } catch (err) {
      const current = review.note === note && err.status === 409 && err.data && err.data.current;
      if (current) {
        upsertItem(current);
        review.form = null;
        if (action === "add") closeAdd(true);
        review.current = current.code;
        renderReviewItems(current.code);
      }
      reviewMessage(current ? `${err.message} Shown as it is now (version ${current.version}${current.updated_by
        ? `, by ${current.updated_by}` : ""}).` : err.message, true, "items");
      if (!current && action === "add") $("add-code-input").focus();
    } finally {
      review.busy = false;
    }
  }

  // ------------------------------------------------------------------ worklist tables: suggestions, audit findings
  // Each is a sortable, paged table of GET /v1/review/worklist; its elements are named `${id}-table`, `${id}-rows`,
  // `${id}-caption`, `${id}-box`, `${id}-prev`, `${id}-next`. A header's button names its sort key in the caption.
  const TABLES = {
    suggestion: {
      kind: "suggestion", id: "suggestions", part: "suggestions", state: review.suggestions, noun: "Suggestions",
      columns: 9, empty: "No suggestion matches.", row: suggestionRow, load: "load-suggestions",
      filters: suggestionFilters,
    },
    finding: {
      kind: "finding", id: "findings", part: "worklist", state: review.findings, noun: "Findings",
      columns: 9, empty: "No finding matches.", row: findingRow, load: "load-findings",
      filters: () => {
        const status = $("finding-status").value;
        return { query: status ? { status } : {}, text: status ? `, ${status} only` : "" };
      },
      reset: () => { review.findings.dismissing = null; },
      extra: (x) => (review.findings.dismissing === x.id ? dismissRow(x) : null),
      focus: () => {
        if (review.findings.dismissing === null) return false;
        const input = $("dismiss-note");
        if (input) input.focus();
        return true;
      },
    },
  };

  // The suggestions filters as query parameters and words for the caption, or the error and the field to fix.
  function suggestionFilters() {
    const status = $("suggestion-status").value;
    const code = $("suggestion-code").value.trim().toUpperCase();
    const min = $("suggestion-min");
    const query = {};
    const words = [];
    if (status) { query.status = status; words.push(`${status} only`); }
    if (code) { query.code = code; words.push(`code ${code}`); }
    if (min.validity.badInput || (min.value !== "" && !(Number(min.value) >= 0))) {
      return { error: "The minimum value is a dollar amount of 0 or more (e.g. 25 or 25.50).", field: min };
    }
    if (min.value !== "") {
      query.min_impact = String(Number(min.value));
      words.push(`${usd.format(Number(min.value))} or more`);
    }
    return { query, text: words.length ? `, ${words.join(", ")}` : "" };
  }

  function firstPage(t) {
    t.state.offset = 0;
    loadTable(t);
  }

  // quiet: a refresh nobody asked for (after a decision), which shows no error.
  async function loadTable(t, focusId, quiet) {
    const f = t.state;
    const filters = t.filters();
    if (filters.error) {
      if (!quiet) { reviewMessage(filters.error, true, t.part); filters.field.focus(); }
      return;
    }
    const q = new URLSearchParams(Object.assign({ kind: t.kind, sort: f.sort, order: f.order, limit: String(f.limit),
      offset: String(f.offset) }, filters.query));
    try {
      const data = await reviewApi(`v1/review/worklist?${q}`);
      if (!data.items.length && f.offset > 0 && data.total > 0) {   // the last page emptied meanwhile: show the new last one
        f.offset = Math.floor((data.total - 1) / f.limit) * f.limit;
        await loadTable(t, focusId, quiet);
        return;
      }
      f.items = data.items;
      f.total = data.total;
      f.filtered = filters.text;
      if (t.reset) t.reset();
      $(`${t.id}-box`).hidden = false;
      $(t.load).textContent = `Refresh ${t.id}`;
      renderTable(t, focusId);
    } catch (err) {
      if (!quiet) reviewMessage(err.message, true, t.part);
    }
  }

  function sortTable(t, e) {
    const button = e.target.closest("button.sort");
    if (!button) return;
    const key = button.closest("th").dataset.sort;
    const f = t.state;
    if (f.sort === key) f.order = f.order === "asc" ? "desc" : "asc";
    else { f.sort = key; f.order = key === "impact" ? "desc" : "asc"; }
    firstPage(t);
  }

  function pageTable(t, step) {
    const f = t.state;
    f.offset = Math.max(0, f.offset + step * f.limit);
    loadTable(t);
  }

  function renderTable(t, focusId) {
    const f = t.state;
    let sortName = f.sort;
    for (const th of $(`${t.id}-table`).querySelectorAll("th[data-sort]")) {
      if (th.dataset.sort === f.sort) {
        th.setAttribute("aria-sort", f.order === "asc" ? "ascending" : "descending");
        sortName = th.textContent.trim().toLowerCase();
      } else th.removeAttribute("aria-sort");
    }
    const from = f.items.length ? f.offset + 1 : 0;
    $(`${t.id}-caption`).textContent = `${t.noun} ${from}–${f.offset + f.items.length} of ${f.total}, by ` +
      `${sortName} (${f.order === "asc" ? "ascending" : "descending"})${f.filtered}.`;
    $(`${t.id}-prev`).disabled = f.offset === 0;
    $(`${t.id}-next`).disabled = f.offset + f.items.length >= f.total;
    const rows = [];
    for (const x of f.items) {
      rows.push(t.row(x));
      const extra = t.extra && t.extra(x);
      if (extra) rows.push(extra);
    }
    $(`${t.id}-rows`).replaceChildren(...(rows.length ? rows
      : [el("tr", {}, el("td", { colspan: String(t.columns), className: "muted" }, t.empty))]));
    if (t.focus && t.focus()) return;
    if (focusId !== undefined) {
      const b = $(`${t.id}-rows`).querySelector(`tr[data-id="${focusId}"] button`);
      if (b) b.focus();
    }
  }

  const renderFindings = (focusId) => renderTable(TABLES.finding, focusId);

  function suggestionRow(x) {
    const units = x.suggested_units === x.units ? `${x.units ?? "–"}`
      : `${x.suggested_units ?? "–"} → ${x.units ?? "–"}`;
    return el("tr", { dataset: { id: String(x.id), note: x.note_id, status: x.status } },
      el("td", {}, x.note_id),
      el("td", { className: "code-cell" }, x.code),
      el("td", {}, el("span", { className: `badge ${x.status}` }, x.status),
        x.reason ? el("div", { className: "hint" }, x.reason) : null),
      el("td", { className: "num" }, x.impact_usd === null ? "–" : usd.format(x.impact_usd)),
      el("td", { className: "num" }, units),
      el("td", {}, x.provider || "–"),
      el("td", {}, x.date_of_service || "–"),
      el("td", {}, x.updated_by || "–"),
      el("td", { className: "row-actions" }, el("button", { type: "button", className: "small",
        dataset: { note: x.note_id }, "aria-label": `Open note ${x.note_id} (${x.code})` }, "Open")));
  }

  function findingRow(x) {
    const name = `finding ${x.id} (${x.code || "no code"} on ${x.note_id || "no note"})`;
    const act = (resolution, text) => el("button", { type: "button", className: "small",
      dataset: { id: String(x.id), resolution }, "aria-label": `${text.replace("…", "")} ${name}` }, text);
    const actions = x.resolution === "open"
      ? [act("confirmed", "Confirm"), act("dismissed", "Dismiss…"), act("corrected", "Corrected")]
      : [act("open", "Reopen")];
    const units = `${x.documented_units ?? "–"} / ${x.billed_units ?? "–"}`;
    return el("tr", { dataset: { id: String(x.id), version: String(x.version), resolution: x.resolution } },
      el("td", {}, x.note_id || "–"),
      el("td", { className: "code-cell" }, x.code || "–"),
      el("td", {}, (x.status || "").replace(/_/g, " ")),
      el("td", { className: "num" }, x.impact_usd === null ? "–" : usd.format(x.impact_usd)),
      el("td", {}, x.provider || "–"),
      el("td", {}, x.date_of_service || "–"),
      el("td", { className: "num" }, units),
      el("td", {}, el("span", { className: `badge ${x.resolution}` }, x.resolution),
        x.resolved_by ? ` by ${x.resolved_by}` : "", x.resolution_note ? el("div", { className: "hint" }, x.resolution_note) : null),
      el("td", { className: "row-actions" }, actions));
  }

  function dismissRow(x) {
    const input = el("input", { id: "dismiss-note", type: "text", maxlength: "500", autocomplete: "off", required: true });
    const form = el("form", { className: "inline-form", novalidate: true },
      el("div", { className: "control" }, el("label", { for: "dismiss-note" }, `Why dismiss finding ${x.id} (${x.code || ""})?`), input),
      el("button", { type: "submit", className: "primary" }, "Dismiss finding"),
      el("button", { type: "button", onclick: () => { review.findings.dismissing = null; renderFindings(x.id); } }, "Cancel"));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const note = input.value.trim();
      if (!note) { reviewMessage("Say why the finding is dismissed.", true, "worklist"); input.focus(); return; }
      resolveFinding(x.id, "dismissed", note);
    });
    form.addEventListener("keydown", (e) => {
      if (e.key === "Escape") { e.preventDefault(); review.findings.dismissing = null; renderFindings(x.id); }
    });
    return el("tr", { className: "dismiss-row" }, el("td", { colspan: "9" }, form));
  }

  function findingClick(e) {
    const button = e.target.closest("button[data-resolution]");
    if (!button) return;
    const id = Number(button.dataset.id);
    if (button.dataset.resolution === "dismissed") {
      review.findings.dismissing = id;
      renderFindings();
      return;
    }
    resolveFinding(id, button.dataset.resolution);
  }

  async function resolveFinding(id, resolution, note) {
    const f = review.findings;
    const x = f.items.find((y) => y.id === id);
    if (!x || f.busy) return;
    const body = { resolution, version: x.version, idempotency_key: uuid() };
    if (note) body.note = note;
    f.busy = true;
    try {
      const done = await reviewApi(`v1/review/findings/${id}/resolve`, body);
      delete done.replayed;
      f.items[f.items.indexOf(x)] = done;
      f.dismissing = null;
      renderFindings(id);
      reviewMessage(`Finding ${id} (${done.code || "no code"} on ${done.note_id || "no note"}) ${RESOLUTION_WORD[resolution]}.`,
        false, "worklist");
    } catch (err) {
      const current = err.status === 409 && err.data && err.data.current;
      if (current) { f.items[f.items.indexOf(x)] = current; f.dismissing = null; renderFindings(id); }
      reviewMessage(err.message, true, "worklist");
    } finally {
      f.busy = false;
    }
  }

  // ------------------------------------------------------------------ report: SVG bar charts, no library
  // The SVG namespace comes from an empty <svg> the HTML parser made (index.html), so the script names no URL.
  function svg(tag, attrs, text) {
    const node = document.createElementNS($("svg-ns").namespaceURI, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined) node.setAttribute(k, String(v));
    }
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  // Horizontal bars: rows of {key, label, bars: [{value, cls, text}]}, each value drawn against max.
  function barChart(id, title, rows, max, legend) {
    const labelW = Math.max(110, 14 + 8.5 * Math.max(0, ...rows.map((r) => String(r.label).length)));
    const barW = 300, textW = 220, barH = 14, gap = 3, rowGap = 10;
    const per = Math.max(1, ...rows.map((r) => r.bars.length));
    const rowH = per * barH + (per - 1) * gap + rowGap;
    const top = legend ? 22 : 4;
    const width = labelW + barW + textW;
    const height = top + rows.length * rowH + 4;
    const desc = rows.map((r) => `${r.label}: ${r.bars.map((b) => b.text).join(", ")}`).join("; ");
    const root = svg("svg", { id, class: "chart", viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
      "aria-labelledby": `${id}-title ${id}-desc` });
    root.append(svg("title", { id: `${id}-title` }, title), svg("desc", { id: `${id}-desc` }, desc));
    if (legend) {
      let x = labelW;
      for (const [cls, text] of legend) {
        root.append(svg("rect", { class: `legend-key ${cls}`, x, y: 4, width: 12, height: 12 }),
          svg("text", { class: "legend-text", x: x + 16, y: 14 }, text));
        x += 24 + text.length * 7;
      }
    }
    rows.forEach((r, i) => {
      const g = svg("g", { class: "bar-row", "data-key": r.key, transform: `translate(0 ${top + i * rowH})` });
      g.append(svg("text", { class: "bar-label", x: 0, y: (per * barH + (per - 1) * gap) / 2 + 4 }, r.label));
      r.bars.forEach((b, j) => {
        const y = j * (barH + gap);
        const w = max > 0 && b.value ? Math.max(1, Math.round((b.value / max) * barW)) : 0;
        g.append(svg("rect", { class: "bar-track", x: labelW, y, width: barW, height: barH }));
        const bar = svg("rect", { class: `bar ${b.cls}`, x: labelW, y, width: w, height: barH,
          "data-key": r.key, "data-value": b.value === null || b.value === undefined ? "" : b.value });
        bar.append(svg("title", {}, `${r.label}: ${b.text}`));
        g.append(bar, svg("text", { class: "bar-value", x: labelW + barW + 6, y: y + barH - 3 }, b.text));
      });
      root.append(g);
    });
    return root;
  }

  function rateRows(groups, dim) {
    return groups.map((g) => ({
      key: g[dim], label: g[dim],
      bars: [{ value: g.acceptance_rate, cls: "rate",
        text: g.acceptance_rate === null
          ? `not decided yet${g.added ? `; ${g.added} added` : ""}`
          : `${pct(g.acceptance_rate)} accepted (${g.accepted + g.changed} of ${g.decided})${g.added ? `; ${g.added} added` : ""}` }],
    }));
  }

  async function loadReport() {
    const button = $("load-report");
    button.disabled = true;
    try {
      const r = await reviewApi("v1/review/report");
      renderReport(r);
      button.textContent = "Refresh report";
      reviewMessage(`Report: ${r.decisions} decision${r.decisions === 1 ? "" : "s"}, ${r.by_code.length} ` +
        `code${r.by_code.length === 1 ? "" : "s"}, ${r.missed_charges.length} month${r.missed_charges.length === 1 ? "" : "s"} of missed charges.`,
      false, "report");
    } catch (err) {
      reviewMessage(err.message, true, "report");
    } finally {
      button.disabled = false;
    }
  }

  function modelTable(models) {
    if (!models.length) {
      return el("p", { className: "muted" }, "The shipped model is in use; no clinic model trained yet (`suggester train --corrections`).");
    }
    const f1 = (v) => (v === null || v === undefined ? "n/a" : v.toFixed(3));
    const head = el("tr", {}, ["Version", "Status", "Gate", "Project hold-out F1 (current → candidate)",
      "Clinic held-back F1 (current → candidate)"].map((h) => el("th", { scope: "col" }, h)));
    const rows = models.map((m) => el("tr", { className: `model-row ${m.status}` },
      el("td", {}, el("code", {}, m.version)), el("td", {}, m.status),
      el("td", { title: (m.reasons || []).join("; ") }, m.gate_passed ? "passed" : "refused"),
      el("td", {}, `${f1(m.holdout_micro_f1.current)} → ${f1(m.holdout_micro_f1.candidate)}`),
      el("td", {}, `${f1(m.clinic_micro_f1.current)} → ${f1(m.clinic_micro_f1.candidate)}`)));
    return el("table", { className: "models-table" }, el("caption", {}, "Each clinic model version with the figures the gate compared"),
      el("thead", {}, head), el("tbody", {}, ...rows));
  }

  function renderReport(r) {
    const box = $("report");
    box.hidden = false;
    const months = r.missed_charges;
    const maxUsd = Math.max(0, ...months.map((m) => m.missed_found_usd));
    const parts = [
      el("p", { className: "report-summary" },
        `${r.decisions} decision${r.decisions === 1 ? "" : "s"} on ${r.suggested} suggested code${r.suggested === 1 ? "" : "s"}; ` +
        `acceptance ${r.acceptance_rate === null ? "not measured yet" : pct(r.acceptance_rate)}. Missed charges found ` +
        `${usd.format(r.missed_found_usd)}, recovered ${usd.format(r.missed_recovered_usd)}.`),
      el("h4", {}, "Acceptance rate per code"),
      r.by_code.length ? barChart("chart-codes", "Acceptance rate per code", rateRows(r.by_code, "code"), 1)
        : el("p", { className: "muted" }, "No code on the worklist yet."),
      el("h4", {}, "Acceptance rate per provider"),
      r.by_provider.length ? barChart("chart-providers", "Acceptance rate per provider", rateRows(r.by_provider, "provider"), 1)
        : el("p", { className: "muted" }, "No provider yet."),
      el("h4", {}, "Acceptance rate per model version"),
      (r.by_model_version || []).length
        ? barChart("chart-models", "Acceptance rate per model version", rateRows(r.by_model_version, "model_version"), 1)
        : el("p", { className: "muted" }, "No model version yet."),
      el("h4", {}, "Missed charges per month"),
      months.length
        ? barChart("chart-missed", "Missed charges found and recovered per month", months.map((m) => ({
          key: m.month, label: m.month,
          bars: [{ value: m.missed_found_usd, cls: "found", text: `${usd.format(m.missed_found_usd)} found (${m.findings})` },
            { value: m.missed_recovered_usd, cls: "recovered", text: `${usd.format(m.missed_recovered_usd)} recovered` }],
        })), maxUsd, [["found", "found"], ["recovered", "recovered"]])
        : el("p", { className: "muted" }, "No missed-charge finding yet (`suggester audit --db`)."),
      el("h4", {}, "Most corrected codes"),
      r.most_corrected.length
        ? el("ol", { className: "most-corrected" }, r.most_corrected.map((c) => el("li", {},
          el("strong", {}, c.code), ` ${c.corrections} correction${c.corrections === 1 ? "" : "s"} ` +
          `(${c.rejected} rejected, ${c.changed} changed, ${c.added} added)`)))
        : el("p", { className: "muted" }, "No correction yet."),
      el("h4", {}, "Model versions and their gate"),
      modelTable(r.model_versions || []),
    ];
    box.replaceChildren(...parts);
  }

  // ------------------------------------------------------------------ export: every decision as a file
  // The file is fetched with the token (a plain link could not send it), then saved through a Blob object URL.
  async function exportDecisions(fmt) {
    const name = `decisions.${fmt}`;
    const button = $(`export-${fmt}`);
    button.disabled = true;
    reviewMessage(`Exporting the decisions as ${fmt === "csv" ? "CSV" : "Parquet"}…`);
    try {
      const type = fmt === "csv" ? "text/csv" : "application/vnd.apache.parquet";
      const response = await reviewFetch(`v1/review/export?format=${fmt}`, { method: "GET",
        headers: { Accept: `${type}, application/json` } });
      const blob = await response.blob();
      const url = URL.createObjectURL(blob);
      const link = el("a", { href: url, download: name, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);   // once the download has started
      const kb = blob.size / 1024;
      reviewMessage(`${name} downloaded (${kb < 1 ? `${blob.size} bytes` : `${kb.toFixed(1)} KB`}).`, false, "export");
    } catch (err) {
      reviewMessage(err.message, true, "export");
    } finally {
      button.disabled = false;
    }
  }

  document.addEventListener("DOMContentLoaded", init);
})();
