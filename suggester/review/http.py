"""The review worklist's HTTP endpoints (mounted by :func:`suggester.api.create_app` when a store is given).

Every endpoint needs a user token (``Authorization: Bearer TOKEN``) — reads too, since they can return note
data; admin-only ones answer 403 to reviewers. Store errors answer with the service's one error shape:
401 no/invalid token, 403 not an admin, 404 unknown note/finding, 409 stale version or duplicate (with the
item's current state in ``current``), 422 a bad field, 503 the database is unavailable.
"""

from __future__ import annotations

from typing import Literal, Optional

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from .store import ACTIONS, RESOLUTIONS, ReviewStore

__all__ = ["mount"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoteIn(_Strict):
    note_id: str = Field(min_length=1, max_length=200, description="The clinic's own id for the note.")
    text: str = Field(description="The whole note. Stored only when the clinic's store_text setting is on.")
    payer: str = "medicare"
    date_of_service: Optional[str] = Field(None, description="YYYY-MM-DD")
    provider: Optional[str] = Field(None, max_length=200)


class DecisionIn(_Strict):
    code: str = Field(min_length=1, max_length=10)
    action: Literal[ACTIONS] = Field(description="accept, reject (needs a reason), change (units and/or modifiers) "
                                                 "or add (a code the engine did not recommend; needs units).")
    version: Optional[int] = Field(None, description="The item's version the reviewer saw (all actions but add).")
    units: Optional[int] = Field(None, ge=0, le=99)
    modifiers: Optional[list[str]] = None
    reason: Optional[str] = Field(None, max_length=500)
    idempotency_key: Optional[str] = Field(None, max_length=100, description="Send the same key when retrying: "
                                                                             "the decision is recorded once.")


class ResolveIn(_Strict):
    resolution: Literal[RESOLUTIONS]
    version: int
    note: Optional[str] = Field(None, max_length=500, description="Why (required to dismiss).")
    idempotency_key: Optional[str] = Field(None, max_length=100)


class UserIn(_Strict):
    name: str = Field(min_length=1, max_length=100)
    role: Literal["reviewer", "admin"] = "reviewer"


class SettingIn(_Strict):
    store_text: Literal["on", "off"]


def mount(app: FastAPI, store: ReviewStore, get_engine) -> None:
    """Add the ``/v1/review/*`` and ``/v1/users`` endpoints to ``app``."""
    bearer = HTTPBearer(auto_error=False, description="A user token from `suggester users add NAME`.")

    def token(creds: Optional[HTTPAuthorizationCredentials] = Depends(bearer)) -> Optional[str]:
        return creds.credentials if creds else None

    router = APIRouter(tags=["review"])

    @router.get("/v1/review/me")
    def me(tok=Depends(token)) -> dict:
        """The user the token belongs to and the store's settings."""
        return {"user": store.authenticate(tok).to_dict(), "settings": store.settings()}

    @router.post("/v1/review/notes")
    def submit(body: NoteIn, tok=Depends(token), eng=Depends(get_engine)) -> JSONResponse:
        """Run the engine on a note and put its recommended codes on the worklist (pending)."""
        view = store.submit_note(tok, eng, note_id=body.note_id, text=body.text, payer=body.payer,
                                 date_of_service=body.date_of_service, provider=body.provider)
        return JSONResponse(view)

    @router.get("/v1/review/notes/{note_id:path}")
    def note(note_id: str, include_text: bool = False, tok=Depends(token)) -> JSONResponse:
        """A note's codes with their review state, the stored engine result, and its text when stored and asked for."""
        return JSONResponse(store.get_note(tok, note_id, include_text=include_text))

    @router.post("/v1/review/decisions/{note_id:path}")
    def decide(note_id: str, body: DecisionIn, tok=Depends(token), eng=Depends(get_engine)) -> JSONResponse:
        """Record one decision on a note's code; 409 with the current item when someone else changed it first."""
        item = store.decide(tok, note_id, body.code, body.action, version=body.version, units=body.units,
                            modifiers=body.modifiers, reason=body.reason, idempotency_key=body.idempotency_key,
                            catalogue=eng.catalogue)
        return JSONResponse(item)

    @router.get("/v1/review/worklist")
    def worklist(kind: Literal["suggestion", "finding"] = "suggestion", status: Optional[str] = None,
                 code: Optional[str] = None, provider: Optional[str] = None, date_from: Optional[str] = None,
                 date_to: Optional[str] = None, min_impact: Optional[float] = Query(None, ge=0),
                 run_id: Optional[int] = None,
                 sort: Literal["impact", "date", "code", "provider", "note", "status", "finding", "id"] = "impact",
                 order: Literal["asc", "desc"] = "desc", limit: int = Query(100, ge=1, le=1000),
                 offset: int = Query(0, ge=0), tok=Depends(token)) -> JSONResponse:
        """Suggestions or audit findings to review, filtered and sorted (dollar impact by default)."""
        return JSONResponse(store.worklist(tok, kind=kind, status=status, code=code, provider=provider,
                                           date_from=date_from, date_to=date_to, min_impact=min_impact, run_id=run_id,
                                           sort=sort, descending=order == "desc", limit=limit, offset=offset))

    @router.post("/v1/review/findings/{finding_id}/resolve")
    def resolve(finding_id: int, body: ResolveIn, tok=Depends(token)) -> JSONResponse:
        """Resolve an audit finding: confirmed, dismissed (with a note), corrected on the claim, or open again."""
        return JSONResponse(store.resolve(tok, finding_id, body.resolution, version=body.version, note=body.note,
                                          idempotency_key=body.idempotency_key))

    @router.get("/v1/review/runs")
    def runs(tok=Depends(token)) -> JSONResponse:
        """Audit runs stored with `suggester audit --db`, newest first."""
        return JSONResponse({"runs": store.runs(tok)})

    @router.get("/v1/review/export")
    def export(format: Literal["csv", "parquet"] = "csv", tok=Depends(token)) -> Response:
        """Every decision (who, when, note, code, action, units, modifiers, reason, model version)."""
        data = store.export(tok, fmt=format)
        media = "text/csv; charset=utf-8" if format == "csv" else "application/vnd.apache.parquet"
        return Response(data, media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="decisions.{format}"'})

    @router.get("/v1/review/report")
    def report(tok=Depends(token)) -> JSONResponse:
        """Acceptance per code, provider and model version; most corrected codes; missed dollars over time."""
        return JSONResponse(store.report(tok))

    @router.post("/v1/review/settings")
    def settings(body: SettingIn, tok=Depends(token)) -> JSONResponse:
        """Admin: turn note text storage on or off."""
        return JSONResponse(store.set_setting("store_text", body.store_text, token=tok))

    @router.get("/v1/users")
    def users(tok=Depends(token)) -> JSONResponse:
        """Admin: the users (never their tokens)."""
        return JSONResponse({"users": store.list_users(tok)})

    @router.post("/v1/users")
    def add_user(body: UserIn, tok=Depends(token)) -> JSONResponse:
        """Admin: add a user; the answer holds its token, shown this once."""
        user, new_token = store.add_user(body.name, body.role, token=tok)
        return JSONResponse({"user": user.to_dict(), "token": new_token}, status_code=201)

    app.include_router(router)


def error_body(exc, request: Request) -> JSONResponse:
    """A store error in the service's error shape (``current`` added for conflicts)."""
    rid = request.scope.get("state", {}).get("request_id")
    body = {"error": exc.kind, "message": str(exc), "field": None, "errors": [], "request_id": rid}
    if getattr(exc, "current", None) is not None:
        body["current"] = exc.current
    if exc.status == 422:
        body["errors"] = [{"field": None, "type": exc.kind, "message": str(exc)}]
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return JSONResponse(body, status_code=exc.status, headers=headers)
