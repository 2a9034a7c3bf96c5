"""Money in the audit (internal): dollar rounding and the yearly therapy-threshold ledger that flags the claim
lines past the KX threshold per patient.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..fees import FeeSchedule
from .outputs import COLUMNS


_PRIMARY = {"supported", "unsupported", "units_over", "units_under", "invalid_code"}
def _money(x: float | None) -> float | None:
    return None if x is None else round(x + 0.0, 2)
class _KxLedger:
    """Calendar-year running PT totals per patient (SQLite, constant memory) -> lines past the KX threshold."""

    def __init__(self, fees: FeeSchedule, db_path: Path | None) -> None:
        self.fees = fees
        if db_path is not None and db_path.exists():
            db_path.unlink()
        self.db = sqlite3.connect(str(db_path) if db_path else ":memory:")
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("CREATE TABLE lines (patient TEXT, year INTEGER, dos TEXT, row INTEGER, code TEXT, "
                        "chunk INTEGER, amount REAL, kx INTEGER)")
        self.db.execute("CREATE TABLE flags (chunk INTEGER, row INTEGER, code TEXT, year INTEGER, total REAL, "
                        "threshold REAL)")

    def add(self, chunk: int, rows: list[dict]) -> None:
        batch = []
        for r in rows:
            if (r["source"] == "notes" and r["status"] in _PRIMARY and r.get("billed_units") and r.get("fee_usd")
                    and r.get("patient_id") and r.get("date_of_service") and self.fees.kx_applies(r.get("payer"))):
                mods = (r.get("billed_modifiers") or "").split()
                batch.append((r["patient_id"], int(r["date_of_service"][:4]), r["date_of_service"], r["row"], r["code"],
                              chunk, r["billed_units"] * r["fee_usd"], int("KX" in mods)))
        self.db.executemany("INSERT INTO lines VALUES (?,?,?,?,?,?,?,?)", batch)

    def compute(self) -> None:
        self.db.execute("CREATE INDEX lines_order ON lines(patient, year, dos, row, code)")
        cur = self.db.execute("SELECT patient, year, row, code, chunk, amount, kx FROM lines "
                              "ORDER BY patient, year, dos, row, code")
        key, total, threshold, flags = None, 0.0, None, []
        for patient, year, row, code, chunk, amount, kx in cur:
            if (patient, year) != key:
                key, total, threshold = (patient, year), 0.0, self.fees.kx_threshold(year)
            total += amount
            if threshold is not None and total > threshold + 1e-9 and not kx:
                flags.append((chunk, row, code, year, round(total, 2), threshold))
                if len(flags) >= 5000:
                    self._flush(flags)
        self._flush(flags)
        self.db.execute("CREATE INDEX flags_chunk ON flags(chunk)")

    def _flush(self, flags: list) -> None:
        self.db.executemany("INSERT INTO flags VALUES (?,?,?,?,?,?)", flags)
        flags.clear()

    def flags(self, chunk: int) -> dict[tuple[int, str], tuple]:
        return {(row, code): (year, total, thr) for row, code, year, total, thr in
                self.db.execute("SELECT row, code, year, total, threshold FROM flags WHERE chunk = ?", (chunk,))}

    def close(self) -> None:
        self.db.close()
def _kx_row(primary: dict, year: int, total: float, threshold: float, finding: str) -> dict:
    amount = (primary["billed_units"] or 0) * (primary["fee_usd"] or 0.0)
    r = {k: primary.get(k) for k in COLUMNS}
    r.update(status="modifier", finding_ids=finding, impact_usd=_money(-amount), documented_units=None,
             confidence=None, minutes=None, evidence=None, suggested_modifiers="KX",
             reason=f"Modifier KX missing: this patient's {year} Medicare PT total reaches ${total:,.2f} with this line, "
                    f"past the ${threshold:,.0f} KX threshold ({finding}); without KX the line is denied.")
    return r
