"""Fee schedules and KX thresholds for the batch audit's dollar estimates.

The packaged schedule (``resources/fees.json``) holds approximate Medicare national non-facility
amounts per unit, with the year and source of each. A clinic's own contracted rates per payer
(``suggester audit --fees FILE``) take precedence over it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._resources import packaged_json, require_keys
from .errors import InputError, ResourceError

__all__ = ["FeeSchedule", "load_fees"]

_CODE_RE = re.compile(r"^(?:\d{5}|[A-Z]\d{4})$")
ANY_PAYER = "*"


@dataclass(frozen=True)
class FeeSchedule:
    """Unit fees by (payer, code) and calendar-year KX thresholds.

    Use :func:`load_fees` to build one. Picklable (sent to audit workers).

    Attributes
    ----------
    packaged : dict
        code -> (amount, year) from the packaged Medicare schedule.
    clinic : dict
        (payer, code) -> amount from a clinic's rates file; payer ``"*"`` applies to every payer.
    cq_factor : float
        Share of the fee paid for lines with the CQ modifier (0.85).
    kx_thresholds : dict
        year -> threshold in dollars.
    kx_payers : tuple of str
        Payers whose lines count toward, and are checked against, the KX threshold.
    label : str
        Where the rates come from (for reports).
    """

    packaged: dict = field(repr=False)
    clinic: dict = field(default_factory=dict, repr=False)
    cq_factor: float = 0.85
    kx_thresholds: dict = field(default_factory=dict)
    kx_payers: tuple = ("medicare",)
    kx_finding: str = "PT190"
    label: str = "packaged"
    info: dict = field(default_factory=dict, repr=False)

    def unit_fee(self, code: str, payer: str, *, cq: bool = False) -> tuple[float | None, str]:
        """Return ``(dollars per unit, source)`` for ``code`` billed to ``payer``.

        The clinic's payer-specific rate wins, then its any-payer rate, then the packaged
        Medicare amount. ``(None, "none")`` when no amount is known. ``cq`` applies the CQ factor.
        """
        factor = self.cq_factor if cq else 1.0
        key = (payer or "").strip().lower()
        for k, src in (((key, code), "clinic"), ((ANY_PAYER, code), "clinic")):
            if k in self.clinic:
                return round(self.clinic[k] * factor, 4), src
        if code in self.packaged:
            amount, year = self.packaged[code]
            return round(amount * factor, 4), f"medicare-{year}"
        return None, "none"

    def kx_threshold(self, year: int) -> float | None:
        """The KX threshold for a calendar year, or None when the year is not in the data."""
        return self.kx_thresholds.get(int(year))

    def kx_applies(self, payer: str) -> bool:
        return (payer or "").strip().lower() in self.kx_payers

    def fingerprint(self) -> str:
        """A hash of every rate and threshold (an interrupted audit resumes only with the same fees)."""
        blob = json.dumps([sorted((k, v) for k, v in self.packaged.items()),
                           sorted((list(k), v) for k, v in self.clinic.items()),
                           self.cq_factor, sorted(self.kx_thresholds.items()), list(self.kx_payers)])
        return hashlib.sha256(blob.encode()).hexdigest()

    def describe(self) -> dict:
        """What the report says about the rates used."""
        return {"label": self.label, "schedule": self.info.get("schedule"), "year": self.info.get("year"),
                "source": self.info.get("source"), "clinic_rates": len(self.clinic), "cq_factor": self.cq_factor,
                "kx_thresholds": {str(k): v for k, v in sorted(self.kx_thresholds.items())},
                "kx_payers": list(self.kx_payers)}


def _packaged() -> FeeSchedule:
    data = packaged_json("fees.json")
    where = "packaged resource 'fees.json'"
    require_keys(data, {"version": str, "description": str, "schedule": str, "year": int, "source": str,
                        "cq_factor": (int, float), "fees": list, "kx": dict}, where,
                 optional={"conversion_factor": dict, "cq_source": str})
    packaged: dict[str, tuple[float, int]] = {}
    for i, rec in enumerate(data["fees"]):
        w = f"{where} fee #{i}"
        require_keys(rec, {"code": str, "amount": (int, float), "year": int, "source": str}, w,
                     optional={"rvu": (int, float, type(None)), "note": str})
        if not _CODE_RE.match(rec["code"]) or rec["amount"] < 0 or rec["code"] in packaged:
            raise ResourceError(f"{w}: needs a unique 5-character code and an amount >= 0. Restore it from git.")
        packaged[rec["code"]] = (float(rec["amount"]), rec["year"])
    kx = data["kx"]
    require_keys(kx, {"payers": list, "thresholds": list, "finding_id": str, "source": str}, f"{where} field 'kx'",
                 optional={"review_threshold": (int, float)})
    thresholds = {}
    for i, t in enumerate(kx["thresholds"]):
        require_keys(t, {"year": int, "amount": (int, float)}, f"{where} kx threshold #{i}")
        thresholds[t["year"]] = float(t["amount"])
    info = {"schedule": data["schedule"], "year": data["year"], "source": data["source"], "version": data["version"]}
    return FeeSchedule(packaged=packaged, cq_factor=float(data["cq_factor"]), kx_thresholds=thresholds,
                       kx_payers=tuple(p.lower() for p in kx["payers"]), kx_finding=kx["finding_id"],
                       label="packaged", info=info)


def load_fees(source: Any = None) -> FeeSchedule:
    """Load the fee schedule for an audit.

    Parameters
    ----------
    source : None, str, Path, DataFrame or FeeSchedule
        None for the packaged approximate Medicare schedule. A file (CSV, TSV, JSON Lines, Parquet)
        or DataFrame of a clinic's contracted rates with columns ``code`` and ``amount`` (dollars per
        unit) and optionally ``payer`` (empty or ``*`` = every payer); its rates take precedence over
        the packaged ones, which still fill codes the file does not list.

    Returns
    -------
    FeeSchedule

    Raises
    ------
    InputError
        The file is missing or a row is malformed; the message names the row and column.

    Examples
    --------
    >>> load_fees().unit_fee("97110", "medicare")
    (29.06, 'medicare-2026')
    """
    if isinstance(source, FeeSchedule):
        return source
    base = _packaged()
    if source is None:
        return base
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        frame, name = source, "fees table"
    else:
        path = Path(source)
        if not path.is_file():
            raise InputError(f"No such fees file: {path}. Pass a CSV with columns code, amount and optional payer.")
        frame, name = _read_fee_file(path), path.name
    cols = {str(c).strip().lower(): c for c in frame.columns}
    missing = [c for c in ("code", "amount") if c not in cols]
    if missing:
        raise InputError(f"{name} is missing required column(s) {', '.join(repr(m) for m in missing)} "
                         f"(found: {', '.join(map(str, frame.columns)) or 'none'}). Columns: code, amount, optional payer.")
    clinic: dict[tuple[str, str], float] = {}
    payer_col = cols.get("payer")
    for i, rec in enumerate(frame.to_dict("records"), 1):
        code = str(rec[cols["code"]] if rec[cols["code"]] is not None else "").strip().upper()
        if code.endswith(".0") and code[:-2].isdigit():  # a numeric column read as float
            code = code[:-2]
        if not _CODE_RE.match(code):
            raise InputError(f"{name} row {i}: 'code' must be 5 digits or a letter and 4 digits.")
        try:
            amount = float(str(rec[cols["amount"]]).replace("$", "").replace(",", "").strip())
        except ValueError:
            raise InputError(f"{name} row {i}: 'amount' must be a number of dollars per unit.") from None
        if not amount >= 0:  # also rejects NaN
            raise InputError(f"{name} row {i}: 'amount' must be a number >= 0.")
        payer = rec.get(payer_col) if payer_col is not None else None
        payer = ANY_PAYER if payer is None or str(payer).strip() in ("", "nan", ANY_PAYER) else str(payer).strip().lower()
        if (payer, code) in clinic:
            raise InputError(f"{name} row {i}: a second rate for payer {payer!r} and code {code}. Keep one.")
        clinic[(payer, code)] = amount
    return FeeSchedule(packaged=base.packaged, clinic=clinic, cq_factor=base.cq_factor,
                       kx_thresholds=base.kx_thresholds, kx_payers=base.kx_payers, kx_finding=base.kx_finding,
                       label=f"clinic rates from {name} (packaged Medicare amounts for other codes)", info=base.info)


def _read_fee_file(path: Path):
    import pandas as pd

    suffix = "".join(path.suffixes[-2:]).lower()
    try:
        if suffix.endswith((".csv", ".csv.gz")):
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        if suffix.endswith((".tsv", ".tsv.gz", ".tab")):
            return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, encoding="utf-8-sig")
        if suffix.endswith((".jsonl", ".ndjson", ".json")):
            return pd.read_json(path, lines=True, dtype=False)
        if suffix.endswith((".parquet", ".pq")):
            return pd.read_parquet(path)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read fees file {path.name}: {type(exc).__name__}. Save it as UTF-8 CSV "
                         "with columns code, amount and optional payer.") from None
    except ImportError:
        raise InputError("Reading Parquet needs pyarrow: `pip install pyarrow`.") from None
    raise InputError(f"Fees file {path.name}: unknown format; use .csv, .tsv, .jsonl or .parquet.")
