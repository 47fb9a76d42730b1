"""The JSON API. Each route checks the caller's role, parses its input, makes one engine call and
returns the library's documented JSON; library errors become statuses in ``app.py``."""

from __future__ import annotations

import re
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from clearance.decisions import ApiKey, Counterparty, Role
from clearance.errors import StoreError, UserInputError
from clearance.server.auth import engine_of, require
from clearance.server.schemas import MAX_BATCH, Before, CounterpartyIn, DecisionIn, KeyIn, Offset, QueryIn, RecordId

router = APIRouter()
Viewer = Annotated[ApiKey, Depends(require(Role.VIEWER))]
Analyst = Annotated[ApiKey, Depends(require(Role.ANALYST))]
Admin = Annotated[ApiKey, Depends(require(Role.ADMIN))]
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


# -- health ---------------------------------------------------------------------------------
@router.get("/healthz", tags=["health"], summary="The process is up (no authentication).")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", tags=["health"], summary="Ready to screen: 503 until the screening index is warm.",
            responses={503: {"description": "Still warming, or warming failed (the body says why)."}})
def readyz(request: Request) -> Response:
    state = request.app.state.clearance
    if state.ready.is_set():
        try:
            state.engine.lists()  # the database answers (it may have gone away since start-up)
        except StoreError as exc:
            return JSONResponse({"status": "unavailable", "detail": str(exc)}, status_code=503)
        return JSONResponse({"status": "ready"})
    body = {"status": "failed" if state.warm_error else "warming", "detail": state.warm_error}
    return JSONResponse(body, status_code=503)


# -- screening and checks -----------------------------------------------------------------------
@router.post("/screen", tags=["screening"], summary="Screen one query, or a list of up to 1000; each is stored.")
def screen(request: Request, key: Analyst,
           body: Annotated[QueryIn | list[QueryIn], Body(openapi_examples={
               "one": {"value": {"name": "Aleksandr Lukashenko", "type": "person", "country": "BY"}},
               "many": {"value": [{"name": "Belavia"}, {"name": "Mahan Air"}]},
           })]) -> Any:
    queries = body if isinstance(body, list) else [body]
    if len(queries) > MAX_BATCH:
        raise UserInputError(f"body: {len(queries)} queries; at most {MAX_BATCH} per request")
    if not queries:
        raise UserInputError("body: the list of queries is empty")
    parsed = [q.to_query(where=f"body[{n}]" if isinstance(body, list) else "body") for n, q in enumerate(queries)]
    stored = engine_of(request).screen_and_record(
        parsed, actor=key.actor, origin="api", limit=queries[0].limit, threshold=queries[0].threshold,
    )
    results = [s.to_dict() for s in stored]
    # Plain JSON already: answered as is, without FastAPI's generic (and slow) re-encoding.
    return JSONResponse(results if isinstance(body, list) else results[0])


@router.post("/check", tags=["policy"], summary="Check a transaction under US OFAC, US BIS, EU and UK; stored.")
def check(request: Request, key: Analyst,
          transaction: Annotated[dict[str, Any], Body(openapi_examples={"flight": {"value": {
              "kind": "flight", "date": "2025-10-01",
              "parties": [{"role": "operator", "name": "Belavia"}],
              "aircraft": {"registration": "EW-455PA"}, "route": {"from": "MSQ", "to": "SVO"}}}})],
          at: Annotated[date | None, Query(description="Judge at this date instead of the transaction's.")] = None,
          ) -> dict[str, Any]:
    stored = engine_of(request).check_and_record(transaction, at=at, actor=key.actor, origin="api")
    return stored.to_dict()


@router.get("/screenings/{screening_id}", tags=["screening"], summary="A stored screening.")
def get_screening(request: Request, key: Viewer, screening_id: RecordId) -> dict[str, Any]:
    return engine_of(request).records.screening(screening_id).to_dict()


@router.get("/checks/{check_id}", tags=["policy"], summary="A stored check and its verdict.")
def get_check(request: Request, key: Viewer, check_id: RecordId) -> dict[str, Any]:
    return engine_of(request).records.check(check_id).to_dict()


# -- lists and entities --------------------------------------------------------------------------
@router.get("/lists", tags=["lists"], summary="The newest version of every loaded source.")
def lists(request: Request, key: Viewer) -> list[dict[str, Any]]:
    return [v.to_dict() for v in engine_of(request).lists()]


@router.get("/lists/{source}/versions", tags=["lists"], summary="Every version of a source, oldest first.")
def versions(request: Request, key: Viewer, source: str) -> list[dict[str, Any]]:
    return [v.to_dict() for v in engine_of(request).versions(source)]


@router.get("/lists/{source}/diff", tags=["lists"], summary="Entities added, removed, changed between versions.")
def diff(request: Request, key: Viewer, source: str,
         from_version: Annotated[str | None, Query(alias="from", max_length=100)] = None,
         to_version: Annotated[str | None, Query(alias="to", max_length=100)] = None) -> dict[str, Any]:
    return engine_of(request).diff(source, from_version, to_version).to_dict()


@router.post("/lists", tags=["lists"], summary="Ingest uploaded list file(s) as a new version (admin).")
def ingest(request: Request, key: Admin, files: Annotated[list[UploadFile], File(description="One file, or the "
           "files of a multi-file set (e.g. OFAC's sdn.csv, add.csv, alt.csv).")],
           source: Annotated[str | None, Form(max_length=100)] = None,
           format: Annotated[str | None, Form(max_length=50)] = None) -> list[dict[str, Any]]:
    if not files:
        raise UserInputError("files: at least one list file is required")
    with tempfile.TemporaryDirectory(prefix="clearance-upload-") as tmp:
        folder = Path(tmp) / "upload"
        folder.mkdir()
        for n, upload in enumerate(files):
            name = _SAFE_NAME.sub("_", Path(upload.filename or f"file{n}").name) or f"file{n}"
            with (folder / name).open("wb") as out:
                shutil.copyfileobj(upload.file, out)
        target = folder if len(files) > 1 else next(folder.iterdir())
        results = engine_of(request).ingest([target], source=source, fmt=format, actor=key.actor)
    return [r.to_dict() for r in results]


@router.get("/entities/{entity_id:path}", tags=["lists"], summary="One listed entity and its history.")
def entity(request: Request, key: Viewer, entity_id: str,
           version: Annotated[str | None, Query(max_length=100)] = None) -> dict[str, Any]:
    return engine_of(request).entity(entity_id, version).to_dict()


# -- counterparties and alerts -----------------------------------------------------------------------
@router.put("/counterparties/{counterparty_id}", tags=["monitoring"],
            summary="Create or replace a monitored counterparty; it is screened at once.")
def put_counterparty(request: Request, response: Response, key: Analyst, counterparty_id: str,
                     body: CounterpartyIn) -> dict[str, Any]:
    cp = Counterparty.from_input(counterparty_id, body.as_input())
    stored, created, screening = engine_of(request).save_counterparty(cp, actor=key.actor)
    response.status_code = 201 if created else 200
    return {"counterparty": stored.to_dict(), "screening": screening.to_dict() if screening else None}


@router.get("/counterparties/{counterparty_id}", tags=["monitoring"], summary="A monitored counterparty.")
def get_counterparty(request: Request, key: Viewer, counterparty_id: str) -> dict[str, Any]:
    engine = engine_of(request)
    cp = engine.counterparties.get(counterparty_id)
    return {**cp.to_dict(), "alerts": [a.to_dict() for a in engine.alerts.find(subject=cp.subject)]}


@router.get("/counterparties", tags=["monitoring"], summary="Monitored counterparties, by id.")
def list_counterparties(request: Request, key: Viewer, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                        offset: Offset = 0) -> list[dict[str, Any]]:
    return [c.to_dict() for c in engine_of(request).counterparties.find(limit=limit, offset=offset)]


@router.get("/alerts", tags=["monitoring"], summary="The review queue, newest first.")
def list_alerts(request: Request, key: Viewer,
                status: Annotated[str | None, Query(pattern="^(open|escalated|true_match|false_positive)$")] = None,
                limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                offset: Offset = 0) -> list[dict[str, Any]]:
    return [a.to_dict() for a in engine_of(request).alerts.find(status=status, limit=limit, offset=offset)]


@router.get("/alerts/{alert_id}", tags=["monitoring"], summary="One alert with its history of judgements.")
def get_alert(request: Request, key: Viewer, alert_id: RecordId) -> dict[str, Any]:
    return engine_of(request).alerts.get(alert_id).to_dict()


@router.post("/alerts/{alert_id}/decision", tags=["monitoring"],
             summary="Judge an alert: true_match, false_positive or escalate, with a reason.",
             responses={409: {"description": "Already decided, or changed since the given revision."}})
def decide(request: Request, key: Analyst, alert_id: RecordId, body: DecisionIn) -> dict[str, Any]:
    alert = engine_of(request).alerts.decide(alert_id, body.judgement, body.reason, actor=key.actor,
                                              expected_revision=body.revision)
    return alert.to_dict()


# -- audit and keys -----------------------------------------------------------------------------------
@router.get("/audit", tags=["audit"], summary="The audit log, newest first (page back with before=SEQ).")
def audit(request: Request, key: Viewer, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
          before: Before = None,
          kind: Annotated[str | None, Query(max_length=100)] = None) -> list[dict[str, Any]]:
    return [e.to_dict() for e in engine_of(request).audit.events(limit=limit, before=before, kind=kind)]


@router.get("/audit/verify", tags=["audit"], summary="Re-walk the hash chain; ok, or the first broken link.")
def audit_verify(request: Request, key: Viewer) -> dict[str, Any]:
    return engine_of(request).audit.verify().to_dict()


@router.post("/keys", tags=["keys"], status_code=201, summary="Create an API key (admin); shown once.")
def create_key(request: Request, key: Admin, body: KeyIn) -> dict[str, Any]:
    created = engine_of(request).keys.create(Role(body.role), label=body.label, actor=key.actor)
    return {**created.key.to_dict(), "key": created.secret}


@router.get("/keys", tags=["keys"], summary="Every API key (admin), never the secrets.")
def list_keys(request: Request, key: Admin) -> list[dict[str, Any]]:
    return [k.to_dict() for k in engine_of(request).keys.all()]


@router.delete("/keys/{key_id}", tags=["keys"], summary="Revoke an API key (admin).")
def revoke_key(request: Request, key: Admin, key_id: str) -> dict[str, Any]:
    return engine_of(request).keys.revoke(key_id, actor=key.actor).to_dict()
