"""Batch audit of past notes: compare what each note documents with what was billed.

For every note the engine's recommended codes and units (:class:`~suggester.Suggester`) are compared
with the billed claim lines, from a ``billed`` column (``97110x2;97530-59;97140``) or a separate charges
table joined on the note id. The result is a tidy findings table, one row per note and code (plus a row
per modifier problem), with a status:

==============  ====================================================================================
supported       billed and documented (or documented and correctly not billed, e.g. Medicare 97010)
missed          documented as performed (the engine recommends it) but not billed
unsupported     billed but not documented as performed
units_over      billed more units than the documented minutes support
units_under     billed fewer units than the documented minutes support
modifier        a modifier is missing (59/X for an NCCI pair, CQ, KX past the threshold) or unjustified
invalid_code    billed code unknown, deleted, not yet valid, or not recognised by the payer
error           the input row could not be read or audited; ``reason`` says why
==============  ====================================================================================

Every input row appears in the output. Dollar impact uses the packaged approximate Medicare schedule or
a clinic's own rates (:func:`suggester.fees.load_fees`): positive = money documented but not claimed,
negative = billed without support or at risk of denial.

The same per-chunk function (:func:`process_chunk`) runs in-process, in joblib worker processes or on a
Dask cluster; findings stream to per-chunk part files, the output file appears atomically when all are
done, and an interrupted run resumes from its part files. Note text is never logged, never stored in part
files, and appears in the output only with ``include_text``.

The package is split by role: :mod:`.inputs` (reading tables, billed entries, the charges index),
:mod:`.matching` (billed against documented, per note), :mod:`.money` (dollars and the KX threshold ledger),
:mod:`.outputs` (part files and atomic writers), :mod:`.report` (summary, HTML and text reports) and
:mod:`.run` (the entry points and the workers).
"""

from __future__ import annotations

import sys
import types

from .matching import STATUSES
from .outputs import COLUMNS
from .inputs import AuditColumns
from .report import summarize
from .run import AuditRun, audit, process_chunk, run_audit

__all__ = ["AuditColumns", "AuditRun", "COLUMNS", "STATUSES", "audit", "process_chunk", "run_audit", "summarize"]


# `suggester.audit` is both this package and, through the package's lazy exports, the audit() function.
# Importing the subpackage rebinds the parent's attribute to the package, so the package itself is callable.
class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):
        return audit(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
