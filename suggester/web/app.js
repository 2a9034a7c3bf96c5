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
    reported: "reported by the patient, not performed",
    billing_summary: "billing summary line, not a service description",
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

  document.addEventListener("DOMContentLoaded", init);
})();
