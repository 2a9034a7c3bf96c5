"""HTTP service: the JSON API (FastAPI, with its OpenAPI schema at ``/openapi.json``) and the offline web page.

Build the app with :func:`create_app` and serve it with ``suggester serve`` (loopback by default)::

    POST /v1/suggest        one note -> exactly ``Result.to_dict()``
    POST /v1/audit          a bounded batch of notes with billed codes -> audit rows and summary
    GET  /v1/codes          the code catalogue
    GET  /v1/codes/{code}   one code in full (404 when unknown)
    GET  /v1/payers         the payers the engine knows (for the page's payer choice)
    GET  /healthz           status, model and catalogue versions
    /v1/review/*, /v1/users  the review worklist, when a review store is given (see suggester.review.http)
    GET  /                  the web page (assets shipped in ``suggester/web``; no CDN, works offline)

Guard rails: request bodies over ``max_body_bytes`` get 413; malformed JSON, wrong types and unknown
payers get 422 with a JSON error naming the field; an unknown code gets 404; when the environment variable
named by ``api_key_env`` is set, ``/v1/*`` needs it in the ``X-API-Key`` header (401 without it); CORS is
off unless origins are given. Notes are patient data: the log has one line per request with its id,
method, path, status, byte sizes and duration, never a request or response body, and FastAPI's
OpenTelemetry export is switched off.
"""

import hmac
import logging
import math
import os
import re
import time
import traceback
import uuid
from contextlib import asynccontextmanager
from http import HTTPStatus
from importlib import resources
from typing import Any, Literal, Optional, Sequence

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from ._version import __version__
from .errors import InputError, ResourceError

__all__ = ["DEFAULT_MAX_BATCH_NOTES", "DEFAULT_MAX_BODY_BYTES", "create_app"]

LOG = logging.getLogger("suggester.api")

DEFAULT_MAX_BODY_BYTES = 262_144
DEFAULT_MAX_UPLOAD_BYTES = 10_000_000   # a note document (PDF, Word, HTML, FHIR) sent to /v1/suggest/file
UPLOAD_PATHS = frozenset({"/v1/suggest/file"})
DEFAULT_MAX_BATCH_NOTES = 100
API_KEY_HEADER = "X-API-Key"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_WEB_PACKAGE = "suggester.web"
_ASSETS = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}
_PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
             "form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
_API_CSP = "default-src 'none'; frame-ancestors 'none'"
_EXAMPLE = ("TherEx 23 min: SLR 3x10, bridges 2x15, clamshells.\n"
            "Manual therapy 10 min: STM, jt mobs gr III.\nPt declined e-stim today.")


# ---------------------------------------------------------------------------------------------------
# Schemas. Responses of /v1/suggest are built by Result.to_dict(); the models below document that shape
# in the OpenAPI schema (tests check that every response validates against them, with no extra fields).
# ---------------------------------------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorItem(_Strict):
    field: Optional[str] = Field(description="The field at fault, e.g. `text`, `payer`, `notes[2].billed`; "
                                             "`body` for the request body as a whole.")
    message: str
    type: str = Field(description="Machine-readable error type, e.g. `string_type`, `missing`, `json_invalid`.")


class ErrorBody(_Strict):
    """Every error answer (401, 404, 413, 422, 500 ...) has this shape."""

    error: str = Field(description="Short error kind: `invalid_request`, `not_found`, `unauthorized`, "
                                   "`payload_too_large`, `internal_error` ...")
    message: str = Field(description="What was wrong and how to fix it. Never contains note text.")
    field: Optional[str] = Field(None, description="The first field at fault, when there is one.")
    errors: list[ErrorItem] = Field(default_factory=list, description="Every field error (422 only).")
    request_id: Optional[str] = Field(None, description="Also in the `X-Request-ID` response header and the log.")


class SuggestRequest(_Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"text": _EXAMPLE, "payer": "medicare"}]})

    text: str = Field(description="The whole treatment note (plain text). Never logged.")
    payer: str = Field("medicare", description="`medicare`, `commercial` or another payer from `GET /v1/payers` "
                                               "(case-insensitive). Decides the unit method and code set.")


class EvidenceOut(_Strict):
    start: int = Field(description="Offset of the span in the note, in Unicode code points: `text[start:end]`.")
    end: int
    text: str
    section: str
    score: float
    phrases: list[str]


class MinutesEvidenceOut(_Strict):
    start: int
    end: int
    minutes: Optional[int]
    rule: str = Field(description="table_column, block_header, of_service, after_service, before_service, extra_episode, "
                                  "following_sentence, service_total, total_breakdown, time_log, stated_code, single_timed_total, "
                                  "session_total or session_remainder")
    confidence: float


class SuggestionOut(_Strict):
    code: str
    label: str
    confidence: float = Field(ge=0, le=1)
    recommended: bool
    units: Optional[int]
    minutes: Optional[int]
    evidence: list[EvidenceOut]
    explanation: str
    category: str
    timed: bool
    modifiers: list[str]
    finding_ids: list[str]
    minutes_evidence: list[MinutesEvidenceOut] = Field(
        description="Where the code's minutes came from: the time spans used and the rule that linked each.")


class FindingOut(_Strict):
    id: str
    severity: str
    message: str
    codes: list[str]
    source: Optional[str]
    effective_from: Optional[str]
    effective_to: Optional[str]


class NotCountedOut(_Strict):
    code: str
    reason: str = Field(description="Why the mention was not counted: declined, held, planned, goal, historical, "
                                    "home_program, reported, non_visit ...")
    start: int
    end: int
    text: str
    section: str
    confidence: float


class SpanOut(_Strict):
    start: int
    end: int
    text: str


class ComponentOut(_Strict):
    name: str = Field(description="history, examination, presentation or decision_making")
    level: str = Field(description="low, moderate or high")
    count: Optional[int]
    reason: str
    evidence: list[SpanOut]
    to_reach_higher: Optional[str] = Field(description="What extra documentation would support a higher level.")


class ReportOut(_Strict):
    kind: str = Field(description="initial_evaluation, re_evaluation, discharge, progress or treatment")
    code: Optional[str] = Field(description="The evaluation code the report supports, if any.")
    confidence: float
    elements: list[str] = Field(description="Structural elements found (history, exam, goals, plan_of_care ...).")
    stated_level: Optional[str]
    components: list[ComponentOut] = Field(description="For an initial evaluation, the four components of its level.")


class SuggestResponse(_Strict):
    """Exactly ``Result.to_dict()``."""

    suggestions: list[SuggestionOut]
    findings: list[FindingOut]
    not_counted: list[NotCountedOut]
    totals: dict[str, Any]
    payer: str
    non_visit: Optional[str]
    versions: dict[str, Any]
    report: Optional[ReportOut] = Field(description="What kind of report the note is; for evaluations, the level reasoning.")


class ConfusedWithOut(_Strict):
    code: str
    rule: str


class MedicareOut(_Strict):
    coverage: str
    note: Optional[str]
    use_instead: Optional[str]


class CodeOut(_Strict):
    """Exactly ``Code.to_dict()``."""

    code: str
    label: str
    summary: str
    category: str
    timed: bool
    unit_rule: str
    status: str
    effective_from: Optional[str]
    effective_to: Optional[str]
    replaced_by: list[str]
    suggestible: bool
    examples: list[str]
    synonyms: list[str]
    abbreviations: list[str]
    documentation_tips: list[str]
    confused_with: list[ConfusedWithOut]
    medicare: MedicareOut
    sources: list[str]


class CodeList(_Strict):
    version: str
    count: int
    codes: list[CodeOut]


class PayerOut(_Strict):
    id: str
    label: str
    unit_method: str
    code_set: str


class PayerList(_Strict):
    payers: list[PayerOut]


class ModelInfo(_Strict):
    name: Optional[str]
    created: Optional[str]
    sha256: Optional[str]


class CatalogueInfo(_Strict):
    version: str
    sha256: str
    codes: int


class CheckOut(_Strict):
    id: str = Field(description="Stable id: DOC201 ... DOC208 (resources/documentation_rules.json).")
    name: str
    status: str = Field(description="pass, fail or n/a (does not apply to this note)")
    severity: str
    title: str
    message: str = Field(description="What was found, or what is missing and how to fix it.")
    source: str
    start: Optional[int] = Field(description="The span found, or where the missing element belongs.")
    end: Optional[int]


class CheckResponse(_Strict):
    score: Optional[float] = Field(description="Checks passed / checks that apply (null when none applies).")
    passed: int
    applicable: int
    missing: list[str] = Field(description="Ids of the failed checks.")
    checks: list[CheckOut]
    codes: list[str] = Field(description="The codes recommended for the note (the checks follow from them).")


class PageOut(_Strict):
    page: int
    start: int
    end: int
    ocr_confidence: Optional[float] = None


class DocumentOut(_Strict):
    source: str
    note_id: str
    kind: str = Field(description="text, pdf, docx, html or fhir (read from the content)")
    date_of_service: Optional[str]
    pages: list[PageOut]
    warnings: list[str]
    patient_id: Optional[str]


class DocumentEntry(_Strict):
    document: DocumentOut
    text: str = Field(description="The note text read from the document; evidence offsets point into it.")
    result: SuggestResponse


class DocumentSuggestResponse(_Strict):
    documents: list[DocumentEntry]


class Health(_Strict):
    status: Literal["ok"]
    versions: dict[str, Any] = Field(description="The same `versions` object every suggest result carries.")
    model: ModelInfo
    catalogue: CatalogueInfo
    auth_required: bool
    max_body_bytes: int
    max_batch_notes: int
    review: bool = Field(description="Whether the review worklist (`/v1/review/*`) is on (`suggester serve --db`).")


class AuditNote(_Strict):
    note_id: str = Field(min_length=1, max_length=200, description="Your id for the note; echoed in the rows.")
    text: str = Field(description="The whole treatment note. Never logged.")
    payer: Optional[str] = Field(None, description="This note's payer; the request's `payer` when omitted.")
    billed: str = Field("", description="The codes billed for the note, e.g. `97110x2;97530-59`.")


class AuditResponse(BaseModel):
    rows: list[dict[str, Any]] = Field(description="One row per note and code from `suggester.audit.audit` "
                                                   "(the note text is not echoed).")
    summary: dict[str, Any] = Field(description="`suggester.audit.summarize(rows)`.")


# ---------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------
class ApiError(Exception):
    """An error answered with :class:`ErrorBody`."""

    def __init__(self, status: int, error: str, message: str, field: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.field, self.headers = status, error, message, field, headers


_ID_IN_PATH = re.compile(r"^(/v1/review/(?:notes|decisions)/).+$")


def _log_path(path: str) -> str:
    """The path for the log: a note id in a review path may identify a patient, so it is left out."""
    return _ID_IN_PATH.sub(r"\1{note_id}", ascii(path)[1:-1][:200])


def _request_id(request_or_scope) -> str | None:
    scope = request_or_scope.scope if isinstance(request_or_scope, Request) else request_or_scope
    return scope.get("state", {}).get("request_id")


def _error_json(status: int, error: str, message: str, field: str | None = None, *, errors: list | None = None,
                request_id: str | None = None, headers: dict | None = None) -> JSONResponse:
    body = {"error": error, "message": message, "field": field, "errors": errors or [], "request_id": request_id}
    return JSONResponse(body, status_code=status, headers=headers)


def _field_name(loc: Sequence) -> str:
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        where, parts = parts[0], parts[1:]
        if not parts:
            return where
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _validation_items(exc: RequestValidationError) -> list[dict]:
    items = []
    for err in exc.errors():
        loc = err.get("loc", ())
        kind = err.get("type", "value_error")
        if kind == "json_invalid":
            pos = loc[1] if len(loc) > 1 else None
            detail = (err.get("ctx") or {}).get("error", "invalid JSON")
            where = f" at character {pos}" if isinstance(pos, int) else ""
            items.append({"field": "body", "type": kind,
                          "message": f"The request body is not valid JSON ({detail}{where}). Send a JSON object "
                                     'such as {"text": "...", "payer": "medicare"} with Content-Type: application/json.'})
            continue
        field = _field_name(loc)
        msg = str(err.get("msg", "invalid value"))
        if field == "body" and kind in ("missing", "model_attributes_type", "dict_type"):
            msg = ("The request body must be a JSON object sent with Content-Type: application/json, "
                   'e.g. {"text": "...", "payer": "medicare"}.')
        elif kind == "extra_forbidden":
            msg = f"Unknown field {field!r}; see /openapi.json for the fields this endpoint accepts."
        elif kind == "missing":
            msg = f"Field {field!r} is required."
        else:
            msg = f"Field {field!r}: {msg}."
        items.append({"field": field, "type": kind, "message": msg})  # pydantic's `input` is dropped: it may be note text
    return items


async def _on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    items = _validation_items(exc)
    first = items[0] if items else {"field": None, "message": "Invalid request."}
    message = first["message"] if len(items) == 1 else f"{len(items)} problems: " + " ".join(i["message"] for i in items)
    return _error_json(422, "invalid_request", message, first["field"], errors=items, request_id=_request_id(request))


async def _on_api_error(request: Request, exc: ApiError) -> JSONResponse:
    errors = [{"field": exc.field, "type": exc.error, "message": exc.message}] if exc.status == 422 else None
    return _error_json(exc.status, exc.error, exc.message, exc.field, errors=errors,
                       request_id=_request_id(request), headers=exc.headers)


async def _on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == 400 and request.method == "POST":  # FastAPI could not decode the body (e.g. not UTF-8)
        message = ("The request body could not be decoded as JSON (send UTF-8 JSON with Content-Type: "
                   'application/json, e.g. {"text": "...", "payer": "medicare"}).')
        return _error_json(422, "invalid_request", message, "body",
                           errors=[{"field": "body", "type": "json_invalid", "message": message}],
                           request_id=_request_id(request))
    phrase = HTTPStatus(exc.status_code).phrase if exc.status_code in HTTPStatus._value2member_map_ else "Error"
    if exc.status_code == 404:
        message = f"No such endpoint {request.url.path!r}. The API is described at /openapi.json."
    elif exc.status_code == 405:
        message = f"Method {request.method} is not allowed on {request.url.path!r}; see /openapi.json."
    else:
        message = str(exc.detail) if exc.detail else phrase
    return _error_json(exc.status_code, phrase.lower().replace(" ", "_").replace("-", "_"), message,
                       request_id=_request_id(request), headers=getattr(exc, "headers", None))


# ---------------------------------------------------------------------------------------------------
# Middleware: request id, body limit, security headers, safe logging, last-resort 500
# ---------------------------------------------------------------------------------------------------
class _GuardMiddleware:
    """Outermost application middleware (pure ASGI).

    Gives every request an id (``X-Request-ID``), reads the body up to ``max_body_bytes`` (413 beyond),
    adds security headers, answers unhandled exceptions with a JSON 500 without re-raising them (so no
    server logs an exception message, which could quote input), and logs one line per request with
    sizes and timings only.
    """

    def __init__(self, app, *, max_body_bytes: int, max_upload_bytes: int | None = None) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes or max_body_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        headers = Headers(scope=scope)
        given = headers.get("x-request-id", "")
        rid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        state = {"status": 500, "bytes_out": 0, "started": False}
        page = scope["path"] == "/" or scope["path"].startswith("/static/")

        async def send_wrapped(message) -> None:
            if message["type"] == "http.response.start":
                state["started"], state["status"] = True, message["status"]
                h = MutableHeaders(scope=message)
                h["X-Request-ID"] = rid
                h["X-Content-Type-Options"] = "nosniff"
                h["Referrer-Policy"] = "no-referrer"
                h["Content-Security-Policy"] = _PAGE_CSP if page else _API_CSP
                if "cache-control" not in h:
                    h["Cache-Control"] = "no-store"
            elif message["type"] == "http.response.body":
                state["bytes_out"] += len(message.get("body", b""))
            await send(message)

        bytes_in = 0
        limit = self.max_upload_bytes if scope["path"] in UPLOAD_PATHS else self.max_body_bytes
        try:
            declared = headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                bytes_in = int(declared)
                await self._too_large(scope, receive, send_wrapped, bytes_in, limit)
                return
            chunks, more = [], True
            while more:
                message = await receive()
                if message["type"] != "http.request":  # client went away before sending the body
                    state["status"] = 499
                    return
                chunk = message.get("body", b"")
                bytes_in += len(chunk)
                if bytes_in > limit:
                    await self._too_large(scope, receive, send_wrapped, None, limit)
                    return
                chunks.append(chunk)
                more = message.get("more_body", False)
            body = b"".join(chunks)
            replayed = False

            async def replay():
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            await self.app(scope, replay, send_wrapped)
        except Exception as exc:  # last resort: never re-raised, so no server prints the message
            frames = " < ".join(f"{os.path.basename(f.filename)}:{f.lineno} {f.name}"
                                for f in reversed(traceback.extract_tb(exc.__traceback__)[-6:]))
            LOG.error("request_id=%s unhandled %s at %s", rid, type(exc).__name__, frames)
            if not state["started"]:
                response = _error_json(500, "internal_error",
                                       f"Internal error. Report request id {rid}; the server log has the details.",
                                       request_id=rid)
                await response(scope, receive, send_wrapped)
        finally:
            LOG.info("request_id=%s method=%s path=%s status=%s bytes_in=%d bytes_out=%d ms=%.1f", rid,
                     scope.get("method"), _log_path(scope.get("path", "")), state["status"], bytes_in,
                     state["bytes_out"], (time.perf_counter() - t0) * 1000)

    async def _too_large(self, scope, receive, send, declared: int | None, limit: int) -> None:
        size = f"is {declared} bytes" if declared is not None else "is larger than that"
        hint = ("Send a smaller file, or start the server with a larger --max-upload-bytes."
                if scope["path"] in UPLOAD_PATHS else
                "Send fewer or shorter notes per request, or start the server with a larger --max-body-bytes.")
        response = _error_json(413, "payload_too_large",
                               f"The request body limit is {limit} bytes and this body {size}. {hint}",
                               request_id=scope["state"]["request_id"], headers={"Connection": "close"})
        await response(scope, receive, send)


# ---------------------------------------------------------------------------------------------------
# The app
# ---------------------------------------------------------------------------------------------------
def _web_asset(name: str) -> bytes:
    try:
        return resources.files(_WEB_PACKAGE).joinpath(name).read_bytes()
    except FileNotFoundError as exc:
        raise ResourceError(f"Web asset {name!r} is missing from {_WEB_PACKAGE}. Reinstall suggester "
                            "(`make install`) or restore the file from git.") from exc


def _jsonable(value):
    """Plain JSON values from pandas/numpy output: numpy scalars -> Python, NaN/NaT -> None, tuples -> lists."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):  # numpy scalars and arrays
        return _jsonable(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    try:
        import pandas as pd

        if value is pd.NaT or value is pd.NA:
            return None
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


_ERRORS = {401: {"model": ErrorBody, "description": "The API key is set on the server and the request lacks it."},
           413: {"model": ErrorBody, "description": "The request body is larger than the limit."},
           422: {"model": ErrorBody, "description": "Malformed JSON, a wrong type, or an unknown payer; "
                                                    "`field` names the field."}}


def create_app(engine=None, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, api_key_env: str = "SUGGESTER_API_KEY",
               max_batch_notes: int = DEFAULT_MAX_BATCH_NOTES, cors_origins: Sequence[str] = (),
               max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES, store=None) -> FastAPI:
    """Build the HTTP app.

    Parameters
    ----------
    engine : Suggester, optional
        The engine every request shares (its reads are thread-safe). When omitted, the packaged engine is
        built once at start-up (in the app's lifespan), never per request and never from a client's path.
    max_body_bytes : int
        Largest request body accepted; larger bodies are answered 413.
    api_key_env : str
        Name of the environment variable holding the API key, read once here. When it is set and not empty,
        every ``/v1/*`` request needs the key in the ``X-API-Key`` header (401 otherwise). The page, its
        assets, ``/healthz`` and ``/openapi.json`` stay open.
    max_batch_notes : int
        Most notes accepted by one ``POST /v1/audit``.
    max_upload_bytes : int
        Largest document accepted by ``POST /v1/suggest/file`` (413 beyond).
    cors_origins : sequence of str
        Origins allowed to call the API from a browser. Empty (the default): CORS is off.
    store : suggester.review.ReviewStore, optional
        A review store: adds the worklist endpoints (``/v1/review/*``, ``/v1/users``), which need a user token
        (``Authorization: Bearer``), whatever the API key setting.

    Returns
    -------
    FastAPI

    Raises
    ------
    InputError
        A limit is not a positive integer.
    ResourceError
        A web asset is missing from the installed package.
    """
    for name, value in (("max_body_bytes", max_body_bytes), ("max_batch_notes", max_batch_notes),
                        ("max_upload_bytes", max_upload_bytes)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InputError(f"{name} must be a positive integer, got {value!r}.")
    api_key = os.environ.get(api_key_env, "")
    assets = {"index.html": _web_asset("index.html"), **{n: _web_asset(n) for n in _ASSETS}}

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if getattr(app.state, "engine", None) is None:
            from .engine import Suggester

            t0 = time.perf_counter()
            app.state.engine = Suggester()
            LOG.info("engine loaded in %.1f s", time.perf_counter() - t0)
        yield

    app = FastAPI(
        title="suggester",
        version=__version__,
        summary="Suggests the US physical-therapy CPT/HCPCS codes a treatment note supports.",
        description="Decision support for coding, not a certified coder. Runs offline; note text is never logged. "
                    "Errors have one shape (`ErrorBody`) with a `field` naming what to fix.",
        docs_url=None, redoc_url=None,  # their pages load scripts from a CDN; the schema is at /openapi.json
        lifespan=lifespan,
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False,
                   "auto_configure": False},
    )
    app.state.engine = engine
    app.state.max_body_bytes = max_body_bytes
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    if cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type", API_KEY_HEADER, "X-Request-ID"],
                           expose_headers=["X-Request-ID"])
    app.add_middleware(_GuardMiddleware, max_body_bytes=max_body_bytes,  # added last = outermost
                       max_upload_bytes=max_upload_bytes)

    key_header = APIKeyHeader(name=API_KEY_HEADER, auto_error=False,
                              description=f"Needed only when the server's {api_key_env} is set.")

    async def require_key(given: Optional[str] = Depends(key_header)) -> None:
        if api_key and not (given and hmac.compare_digest(given.encode(), api_key.encode())):
            raise ApiError(401, "unauthorized",
                           f"This server needs an API key: send it in the {API_KEY_HEADER} header "
                           f"(the server reads it from ${api_key_env}).", field=API_KEY_HEADER,
                           headers={"WWW-Authenticate": API_KEY_HEADER})

    async def get_engine(request: Request):
        eng = request.app.state.engine
        if eng is None:
            raise ApiError(503, "not_ready", "The engine is not loaded yet; retry in a few seconds.")
        return eng

    v1 = {"dependencies": [Depends(require_key)]}

    def check_payer(eng, payer: str, field: str) -> str:
        try:
            eng.payer_config(payer)
        except InputError as exc:
            raise ApiError(422, "invalid_request", f"Field {field!r}: {exc}", field=field) from None
        return payer

    # ------------------------------------------------------------------ API
    @app.post("/v1/suggest", response_model=None, tags=["suggest"], **v1,
              responses={200: {"model": SuggestResponse, "description": "Exactly `Result.to_dict()`."}, **_ERRORS})
    def suggest(body: SuggestRequest, eng=Depends(get_engine)) -> JSONResponse:
        """Suggest codes for one note: ranked codes with confidence, units, evidence spans, explanation,
        compliance findings and the mentions that were not counted, exactly as ``Result.to_dict()``."""
        check_payer(eng, body.payer, "payer")
        try:
            result = eng.suggest(body.text, body.payer)
        except InputError as exc:
            raise ApiError(422, "invalid_request", f"Field 'text': {exc}", field="text") from None
        return JSONResponse(result.to_dict())

    @app.post("/v1/check", response_model=None, tags=["suggest"], **v1,
              responses={200: {"model": CheckResponse}, **_ERRORS})
    def check(body: SuggestRequest, eng=Depends(get_engine)) -> JSONResponse:
        """The documentation checklist for one note, before it is signed: total timed minutes, total treatment
        time, minutes that add up, signature and credentials, a PTA's supervising PT, skilled care, date of
        service, progress toward goals; each pass, fail or n/a with its span or where the missing element goes."""
        check_payer(eng, body.payer, "payer")
        try:
            report, result = eng.check(body.text, body.payer)
        except InputError as exc:
            raise ApiError(422, "invalid_request", f"Field 'text': {exc}", field="text") from None
        return JSONResponse(dict(report.to_dict(), codes=result.codes))

    @app.post("/v1/suggest/file", response_model=None, tags=["suggest"], **v1,
              openapi_extra={"requestBody": {"required": True, "description": "The document's bytes: text, PDF "
                                             "(scanned pages by OCR when the server has Tesseract), Word (.docx), "
                                             "HTML or FHIR DocumentReference JSON; the type is read from the content.",
                                             "content": {"application/octet-stream": {"schema": {
                                                 "type": "string", "format": "binary"}}}}},
              responses={200: {"model": DocumentSuggestResponse}, **_ERRORS})
    async def suggest_file(request: Request, payer: str = "medicare", filename: str = "upload",
                           eng=Depends(get_engine)) -> JSONResponse:
        """Suggest codes for a note document: one entry per visit it holds, each with the extracted text (what
        the evidence offsets point into), its pages and date of service, and exactly ``Result.to_dict()``."""
        from starlette.concurrency import run_in_threadpool

        from .documents import DocumentError, read_document

        check_payer(eng, payer, "payer")
        data = await request.body()
        if not data:
            raise ApiError(422, "invalid_request", "The request body is empty: send the file's bytes.", field="body")
        name = os.path.basename(filename)[:200] or "upload"

        def work():
            docs = read_document(data, name=name)
            return [(d, eng.suggest(d.text, payer, date_of_service=d.date_of_service)) for d in docs]
        try:
            pairs = await run_in_threadpool(work)
        except DocumentError as exc:
            raise ApiError(422, "unreadable_document", str(exc), field="body") from None
        except InputError as exc:
            raise ApiError(422, "invalid_request", str(exc), field="body") from None
        return JSONResponse({"documents": [{"document": d.to_dict(), "text": d.text, "result": r.to_dict()}
                                           for d, r in pairs]})

    class AuditRequest(_Strict):
        payer: str = Field("medicare", description="Payer for notes that name none.")
        notes: list[AuditNote] = Field(min_length=1, max_length=max_batch_notes,
                                       description=f"At most {max_batch_notes} notes per request.")

    @app.post("/v1/audit", response_model=None, tags=["audit"], **v1,
              responses={200: {"model": AuditResponse}, **_ERRORS})
    def audit(body: AuditRequest, eng=Depends(get_engine)) -> JSONResponse:
        """Compare the codes billed for each note with what the note supports (a bounded batch)."""
        try:
            from .audit import audit as run_audit, summarize
        except ImportError:  # pragma: no cover - the audit module ships with the package
            raise ApiError(501, "not_implemented", "This installation has no suggester.audit module.") from None
        import pandas as pd

        check_payer(eng, body.payer, "payer")
        records = []
        for i, note in enumerate(body.notes):
            payer = note.payer if note.payer is not None else body.payer
            check_payer(eng, payer, f"notes[{i}].payer")
            records.append({"note_id": note.note_id, "text": note.text, "payer": payer, "billed": note.billed})
        try:
            df = run_audit(pd.DataFrame(records), engine=eng)
            summary = summarize(df)
        except InputError as exc:
            raise ApiError(422, "invalid_request", f"Field 'notes': {exc}", field="notes") from None
        rows = df.drop(columns=[c for c in ("text",) if c in df.columns]).to_dict(orient="records")
        return JSONResponse({"rows": _jsonable(rows), "summary": _jsonable(summary)})

    @app.get("/v1/codes", response_model=CodeList, tags=["catalogue"], **v1,
             responses={401: _ERRORS[401]})
    async def codes(eng=Depends(get_engine)) -> dict:
        """The code catalogue: every code with its own-words summary, unit rule, status and Medicare notes."""
        cat = eng.catalogue
        return {"version": cat.version, "count": len(cat), "codes": [c.to_dict() for c in cat.values()]}

    @app.get("/v1/codes/{code}", response_model=CodeOut, tags=["catalogue"], **v1,
             responses={401: _ERRORS[401], 404: {"model": ErrorBody, "description": "Unknown code."}})
    async def code(code: str, eng=Depends(get_engine)) -> dict:
        """One code in full (case-insensitive, e.g. ``g0283``)."""
        cat = eng.catalogue
        try:
            return cat.get_code(code).to_dict()
        except KeyError:
            shown = code if re.fullmatch(r"[A-Za-z0-9]{1,12}", code) else "(not a code)"
            raise ApiError(404, "not_found", f"Unknown code {shown!r}; GET /v1/codes lists the {len(cat)} known "
                                             "codes.", field="code") from None

    @app.get("/v1/payers", response_model=PayerList, tags=["catalogue"], **v1, responses={401: _ERRORS[401]})
    async def payers(eng=Depends(get_engine)) -> dict:
        """The payers the engine knows, with their unit method (``cms`` or ``ama``) and code set."""
        return {"payers": [{"id": k, "label": v.get("label", k), "unit_method": v["unit_method"],
                            "code_set": v.get("code_set", "cpt")} for k, v in eng.payers.items()]}

    @app.get("/healthz", response_model=Health, tags=["service"])
    async def healthz(eng=Depends(get_engine)) -> dict:
        """Liveness and versions: the model and catalogue this server answers with. No API key needed."""
        card = eng.model_card
        return {"status": "ok", "versions": eng.versions,
                "model": {"name": card.get("name"), "created": card.get("created"), "sha256": card.get("sha256")},
                "catalogue": {"version": eng.catalogue.version, "sha256": eng.catalogue.sha256,
                              "codes": len(eng.catalogue)},
                "auth_required": bool(api_key), "max_body_bytes": max_body_bytes, "max_batch_notes": max_batch_notes,
                "review": store is not None}

    if store is not None:
        from .review.http import error_body, mount
        from .review.store import ReviewError

        async def on_review_error(request: Request, exc: ReviewError) -> JSONResponse:
            return error_body(exc, request)
        app.add_exception_handler(ReviewError, on_review_error)
        mount(app, store, get_engine)
    app.state.review = store is not None

    # ------------------------------------------------------------------ web page
    @app.get("/", include_in_schema=False)
    async def page() -> Response:
        return Response(assets["index.html"], media_type="text/html; charset=utf-8")

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        if name not in _ASSETS:
            raise ApiError(404, "not_found", f"No such asset {name!r}.")
        return Response(assets[name], media_type=_ASSETS[name])

    return app


def log_config(level: str = "info") -> dict:
    """A logging config for uvicorn that also prints the ``suggester`` request log (no bodies, ever)."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    cfg = copy.deepcopy(LOGGING_CONFIG)
    cfg["formatters"]["suggester"] = {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    cfg["handlers"]["suggester"] = {"class": "logging.StreamHandler", "formatter": "suggester",
                                    "stream": "ext://sys.stderr"}
    cfg["loggers"]["suggester"] = {"handlers": ["suggester"], "level": level.upper(), "propagate": False}
    return cfg
