"""Human-readable terminal output (Rich). No logic: formats results produced elsewhere."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

_console = Console()


def print_result(result, *, show_all: bool = False, document=None) -> None:
    """``document`` (a NoteDocument) adds its source, date and pages, and the page of each span."""
    rows = [s for s in result.suggestions if s.recommended or show_all]

    def where(start: int, end: int) -> str:
        page = document.page_of(start) if document is not None else None
        return f"chars {start}-{end}" + (f", page {page}" if page else "")

    if document is not None:
        pages = f", {len(document.pages)} page(s)" if document.pages else ""
        day = f", date of service {document.date_of_service}" if document.date_of_service else ""
        _console.print(f"[bold]{document.source}[/] (note {document.note_id}, {document.kind}{pages}{day})")
        for p in document.ocr_pages:
            _console.print(f"  page {p.page} read by OCR, confidence {p.ocr_confidence:.0f}/100")
        for w in document.warnings:
            _console.print(f"  [yellow]{w}[/]")
    if result.non_visit:
        _console.print(f"[yellow]Not a treatment visit ({result.non_visit.replace('_', ' ')}): no code recommended.[/]")
    table = Table(title="Suggested codes" if rows else "No billable service found", show_lines=False)
    for col in ("code", "label", "confidence", "recommended", "minutes", "units", "modifiers"):
        table.add_column(col)
    for s in rows:
        table.add_row(s.code, s.label, f"{s.confidence:.2f}", "yes" if s.recommended else "no",
                      "-" if s.minutes is None else str(s.minutes), "-" if s.units is None else str(s.units),
                      " ".join(s.modifiers))
    _console.print(table)
    t = result.totals
    if t:
        _console.print(f"Timed minutes {t.get('timed_minutes')} -> {t.get('timed_units')} timed units "
                       f"({t.get('unit_method')} method); total units {t.get('total_units')}.")
    for s in rows:
        _console.print(f"[bold]{s.code}[/] {s.explanation}")
        for m in s.minutes_evidence:
            value = f"{m.minutes} min" if m.minutes is not None else f"{m.units} unit(s)"
            _console.print(f"    minutes from {where(m.start, m.end)}: {value} (rule: {m.rule})")
        if document is not None and document.pages:
            _console.print("    evidence on " + ", ".join(sorted({f"page {document.page_of(e.start)}"
                                                                   for e in s.evidence if document.page_of(e.start)})))
    if result.not_counted:
        _console.print("[bold]Mentioned but not counted:[/]")
        for n in result.not_counted:
            _console.print(f"  {n.code}: {n.reason.replace('_', ' ')} ({n.section} section, {where(n.start, n.end)})")
    if result.findings:
        _console.print("[bold]Findings:[/]")
        for f in result.findings:
            colour = {"error": "red", "warning": "yellow"}.get(f.severity, "cyan")
            _console.print(f"  [{colour}]{f.id} {f.severity}[/] {f.message}")


def print_checklist(report, *, title: str | None = None) -> None:
    """The documentation checklist: one line per check, failures with their fix."""
    mark = {"pass": "[green]pass[/]", "fail": "[red]FAIL[/]", "n/a": "[dim]n/a [/]"}
    head = f"Documentation checklist{' for ' + title if title else ''}"
    score = report.score
    _console.print(f"[bold]{head}[/]: {len(report.applicable) - len(report.failed)} of {len(report.applicable)} "
                   f"checks pass" + (f" ({score:.0%})" if score is not None else ""))
    for c in report.checks:
        where = f" (chars {c.start}-{c.end})" if c.status != "n/a" and c.start is not None else ""
        _console.print(f"  {mark[c.status]} {c.id} {c.message}{where}")


def print_codes(catalogue) -> None:
    table = Table(title=f"Code catalogue {catalogue.version} ({len(catalogue)} codes)")
    for col in ("code", "label", "category", "timed", "status"):
        table.add_column(col)
    for c in catalogue.values():
        table.add_row(c.code, c.label, c.category, "yes" if c.timed else "no",
                      c.status if c.status == "active" else f"deleted {c.effective_to}")
    _console.print(table)


def print_code(entry, catalogue) -> None:
    _console.print(f"[bold]{entry.code} {entry.label}[/] ({entry.category}, {'timed' if entry.timed else 'untimed'}, "
                   f"unit rule {entry.unit_rule}, {entry.status})")
    _console.print(entry.summary)
    if entry.effective_from or entry.effective_to:
        _console.print(f"Effective: {entry.effective_from or '-'} to {entry.effective_to or '-'}")
    if entry.replaced_by:
        _console.print("Replaced by: " + ", ".join(entry.replaced_by))
    for title, items in (("Typical documented activities", entry.examples), ("Phrases", entry.synonyms),
                         ("Abbreviations", entry.abbreviations), ("Documentation tips", entry.documentation_tips)):
        if items:
            _console.print(f"[bold]{title}:[/] " + "; ".join(items))
    for other, rule in entry.confused_with:
        _console.print(f"[bold]vs {other}[/] ({catalogue[other].label}): {rule}")
    _console.print(f"[bold]Medicare:[/] {entry.medicare_coverage}"
                   f"{' - ' + entry.medicare_note if entry.medicare_note else ''}"
                   f"{' (use ' + entry.medicare_use_instead + ')' if entry.medicare_use_instead else ''}")
    for src in entry.sources:
        _console.print(f"Source: {src}")


def print_evaluation(report: dict, *, show_errors: bool = False) -> None:
    _console.print(f"notes {report['n_notes']}  micro P/R/F1 {report['micro_precision']:.3f}/"
                   f"{report['micro_recall']:.3f}/{report['micro_f1']:.3f}  macro P/R/F1 {report['macro_precision']:.3f}/"
                   f"{report['macro_recall']:.3f}/{report['macro_f1']:.3f}  exact-set {report['exact_set_accuracy']:.3f}")
    _console.print(f"top-{report['top_k']} recall {report['top_k_recall']:.3f}; no-code notes clean "
                   f"{report['no_code_notes_clean']}/{report['no_code_notes']}; units exact "
                   f"{report['units_exact']}/{report['units_checked']}")
    table = Table(title="Per code")
    for col in ("code", "support", "tp", "fp", "fn", "precision", "recall", "f1"):
        table.add_column(col)
    for code, v in report["per_code"].items():
        table.add_row(code, *(str(v[k]) for k in ("support", "tp", "fp", "fn", "precision", "recall", "f1")))
    _console.print(table)
    if show_errors:
        for e in report["errors"]:
            _console.print(f"[bold]{e['id']}[/] {e['type']} {e['code']} conf={e['confidence']}")
            for ev in e["evidence"]:
                _console.print(f"    evidence [{ev['start']}:{ev['end']}] ({ev['section']}, {ev['score']}): {ev['text'][:160]}")
            for nc in e.get("not_counted", []):
                _console.print(f"    not counted ({nc['reason']}): {nc['text'][:160]}")
        for u in report["unit_mismatches"]:
            _console.print(f"units {u['id']} {u['code']}: gold {u['gold_units']} ({u['gold_minutes']} min) vs "
                           f"predicted {u['pred_units']} ({u['pred_minutes']} min)")
