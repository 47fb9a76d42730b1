"""The analysts' web UI: server-rendered HTML (Jinja2), plain forms, no JavaScript build.

Authentication: the login form takes an API key, checks it, and opens a session: a random token in
an ``HttpOnly``, ``SameSite=Strict`` cookie (``Secure`` over HTTPS) scoped to ``/ui``, stored
server-side only as its hash, ending after 12 hours, at logout, or when the key is revoked. Pages
need the key's role like the API does (viewer reads; analyst screens, checks and decides). Forms
post to the same origin; a cross-site post carries no cookie (SameSite=Strict) and is also refused
when its ``Origin`` header names another site. Every form post redirects (303) to a page that reads
the stored record, so reloading never repeats a write.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from clearance.decisions import ApiKey, Counterparty, Role
from clearance.decisions.monitor import VersionChanges
from clearance.errors import ClearanceError, UserInputError
from clearance.server.auth import SESSION_COOKIE, allowed, engine_of, session_key
from clearance.server.forms import screening_query, transaction_from_form
from clearance.server.schemas import Before, Page, RecordId
from clearance.server.views import by_jurisdiction, explain_hit

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.filters["pct"] = lambda v: f"{float(v) * 100:.0f}%" if v is not None else ""
TEMPLATES.env.filters["short"] = lambda v, n=12: (str(v)[:n] + "…") if v and len(str(v)) > n else (v or "")
TEMPLATES.env.filters["pretty"] = lambda v: json.dumps(v, indent=2, ensure_ascii=False)
TEMPLATES.env.filters["quote"] = lambda v: quote(str(v), safe=":")
TEMPLATES.env.filters["by_jurisdiction"] = by_jurisdiction

router = APIRouter(prefix="/ui", include_in_schema=False)
PAGE = 50


def _user(role: Role) -> Any:
    def dependency(request: Request) -> ApiKey:
        key = session_key(request)
        if key is None:
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise HTTPException(303, "log in first", headers={"Location": f"/ui/login?next={quote(here)}"})
        if request.method == "POST":
            _same_origin(request)
        return allowed(key, role)

    return Depends(dependency)


Viewer = Annotated[ApiKey, _user(Role.VIEWER)]
Analyst = Annotated[ApiKey, _user(Role.ANALYST)]


def _same_origin(request: Request) -> None:
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.url.netloc:
        raise HTTPException(403, f"cross-site form post from {origin} refused")


def render(request: Request, template: str, context: Mapping[str, Any], status: int = 200,
           headers: Mapping[str, str] | None = None) -> HTMLResponse:
    key = session_key(request) if "user" not in context else context["user"]
    return TEMPLATES.TemplateResponse(request, template, {"user": key, **context}, status_code=status,
                                      headers=headers)


def error_page(request: Request, status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    if status == 303 and headers and "Location" in headers:
        return RedirectResponse(headers["Location"], status_code=303)
    return render(request, "error.html", {"status": status, "message": message}, status=status, headers=headers)


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# -- session ----------------------------------------------------------------------------------------
@router.get("/login")
def login_form(request: Request, next: str = "/ui/") -> Response:
    return render(request, "login.html", {"next": _local(next), "user": None})


@router.post("/login")
def login(request: Request, key: Annotated[str, Form(max_length=200)],
          next: Annotated[str, Form(max_length=2000)] = "/ui/") -> Response:
    _same_origin(request)
    engine = engine_of(request)
    found = engine.keys.authenticate(key)
    if found is None:
        return render(request, "login.html", {"next": _local(next), "user": None,
                                              "error": "That key is unknown or revoked."}, status=401)
    token = engine.keys.open_session(found)
    response = _see(_local(next))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", path="/ui",
                        secure=request.url.scheme == "https", max_age=12 * 3600)
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    _same_origin(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        engine_of(request).keys.close_session(token)
    response = _see("/ui/login")
    response.delete_cookie(SESSION_COOKIE, path="/ui")
    return response


def _local(url: str) -> str:
    """Only redirect within this site (no open redirects)."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not url.startswith("/ui"):
        return "/ui/"
    return url


# -- home --------------------------------------------------------------------------------------------
@router.get("/")
def home(request: Request, user: Viewer) -> Response:
    engine = engine_of(request)
    return render(request, "home.html", {
        "user": user, "lists": engine.lists(), "alert_counts": engine.alerts.counts(),
        "screenings": engine.records.screenings(limit=10), "checks": engine.records.checks(limit=5),
    })


# -- screening ---------------------------------------------------------------------------------------
@router.get("/screen")
def screen_form(request: Request, user: Viewer) -> Response:
    return render(request, "screen.html", {"user": user, "recent": engine_of(request).records.screenings(limit=20),
                                           "form": {}})


@router.post("/screen")
def screen(request: Request, user: Analyst, name: Annotated[str, Form(max_length=500)] = "",
           type: Annotated[str, Form(max_length=20)] = "", birth_date: Annotated[str, Form(max_length=10)] = "",
           country: Annotated[str, Form(max_length=60)] = "",
           identifiers: Annotated[str, Form(max_length=2000)] = "") -> Response:
    form = {"name": name, "type": type, "birth_date": birth_date, "country": country, "identifiers": identifiers}
    engine = engine_of(request)
    try:
        query = screening_query(form)
        stored = engine.screen_and_record([query], actor=user.actor, origin="ui")[0]
    except UserInputError as exc:
        return render(request, "screen.html", {"user": user, "error": str(exc), "form": form,
                                               "recent": engine.records.screenings(limit=20)}, status=422)
    return _see(f"/ui/screenings/{stored.id}")


@router.get("/screenings/{screening_id}")
def screening(request: Request, user: Viewer, screening_id: RecordId) -> Response:
    stored = engine_of(request).records.screening(screening_id)
    hits = [explain_hit(h) for h in stored.result.get("results", [])]
    alerts = {a["entity_id"]: a for a in stored.result.get("alerts", [])}
    return render(request, "screening.html", {"user": user, "s": stored, "hits": hits, "alerts": alerts})


@router.get("/entities/{entity_id:path}")
def entity(request: Request, user: Viewer, entity_id: str, version: str | None = None) -> Response:
    engine = engine_of(request)
    view = engine.entity(entity_id, version)
    return render(request, "entity.html", {"user": user, "view": view, "e": view.entity,
                                           "alerts": engine.alerts.find(entity_id=entity_id, limit=20)})


# -- checks ------------------------------------------------------------------------------------------
@router.get("/check")
def check_form(request: Request, user: Viewer) -> Response:
    return render(request, "check.html", {"user": user, "form": {}, "recent": engine_of(request).records.checks()})


async def _form_fields(request: Request) -> dict[str, str]:
    """Every field of a posted form (the check form's party rows vary in number)."""
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


@router.post("/check")
def check(request: Request, user: Analyst, form: Annotated[dict[str, str], Depends(_form_fields)]) -> Response:
    engine = engine_of(request)
    try:
        stored = engine.check_and_record(transaction_from_form(form), actor=user.actor, origin="ui")
    except UserInputError as exc:
        return render(request, "check.html", {"user": user, "form": form, "error": str(exc),
                                              "recent": engine.records.checks()}, status=422)
    return _see(f"/ui/checks/{stored.id}")


@router.get("/checks/{check_id}")
def check_result(request: Request, user: Viewer, check_id: RecordId) -> Response:
    stored = engine_of(request).records.check(check_id)
    return render(request, "check_result.html", {"user": user, "c": stored, "v": stored.verdict})


# -- alerts ------------------------------------------------------------------------------------------
@router.get("/alerts")
def alerts(request: Request, user: Viewer, status: str = "open", page: Page = 0) -> Response:
    engine = engine_of(request)
    found = engine.alerts.find(status=status or None, limit=PAGE, offset=max(0, page) * PAGE)
    return render(request, "alerts.html", {"user": user, "alerts": found, "status": status, "page": page,
                                           "counts": engine.alerts.counts(), "more": len(found) == PAGE})


@router.get("/alerts/{alert_id}")
def alert(request: Request, user: Viewer, alert_id: RecordId) -> Response:
    engine = engine_of(request)
    found = engine.alerts.get(alert_id)
    hit = None
    if found.screening_id is not None:
        stored = engine.records.screening(found.screening_id)
        hit = next((explain_hit(h) for h in stored.result.get("results", []) if h["entity_id"] == found.entity_id),
                   None)
    counterparty = engine.counterparties.get(found.counterparty_id) if found.counterparty_id else None
    try:
        listed = engine.entity(found.entity_id).entity
    except ClearanceError:
        listed = None
    return render(request, "alert.html", {"user": user, "a": found, "hit": hit, "cp": counterparty,
                                          "listed": listed, "can_decide": user.role.allows(Role.ANALYST)})


@router.post("/alerts/{alert_id}/decision")
def decide(request: Request, user: Analyst, alert_id: RecordId, judgement: Annotated[str, Form(max_length=20)],
           reason: Annotated[str, Form(max_length=5000)], revision: Annotated[int | None, Form()] = None) -> Response:
    engine_of(request).alerts.decide(alert_id, judgement, reason, actor=user.actor, expected_revision=revision)
    return _see(f"/ui/alerts/{alert_id}")


# -- counterparties ----------------------------------------------------------------------------------
@router.get("/counterparties")
def counterparties(request: Request, user: Viewer, page: Page = 0) -> Response:
    found = engine_of(request).counterparties.find(limit=PAGE, offset=max(0, page) * PAGE)
    return render(request, "counterparties.html", {"user": user, "items": found, "page": page,
                                                   "more": len(found) == PAGE, "form": {}})


@router.post("/counterparties")
def save_counterparty(request: Request, user: Analyst, id: Annotated[str, Form(max_length=200)],
                      name: Annotated[str, Form(max_length=500)], type: Annotated[str, Form(max_length=20)] = "",
                      country: Annotated[str, Form(max_length=60)] = "",
                      birth_date: Annotated[str, Form(max_length=10)] = "",
                      identifiers: Annotated[str, Form(max_length=2000)] = "") -> Response:
    engine = engine_of(request)
    form = {"id": id, "name": name, "type": type, "country": country, "birth_date": birth_date,
            "identifiers": identifiers}
    try:
        cp = Counterparty.from_input(id.strip(), {
            "name": name, "type": type or None, "country": country or None, "birth_date": birth_date or None,
            "identifiers": [i.strip() for i in identifiers.replace("\n", ";").split(";") if i.strip()],
        })
        engine.save_counterparty(cp, actor=user.actor)
    except UserInputError as exc:
        found = engine.counterparties.find(limit=PAGE)
        return render(request, "counterparties.html", {"user": user, "items": found, "page": 0, "more": False,
                                                       "form": form, "error": str(exc)}, status=422)
    return _see(f"/ui/counterparties/{quote(cp.id, safe=':@')}")


@router.get("/counterparties/{counterparty_id}")
def counterparty(request: Request, user: Viewer, counterparty_id: str) -> Response:
    engine = engine_of(request)
    cp = engine.counterparties.get(counterparty_id)
    return render(request, "counterparty.html", {
        "user": user, "cp": cp, "alerts": engine.alerts.find(subject=cp.subject),
        "screenings": engine.records.screenings(counterparty_id=cp.id, limit=20),
    })


# -- lists -------------------------------------------------------------------------------------------
@router.get("/lists")
def lists(request: Request, user: Viewer) -> Response:
    return render(request, "lists.html", {"user": user, "lists": engine_of(request).lists()})


@router.get("/lists/{source}")
def source_versions(request: Request, user: Viewer, source: str) -> Response:
    return render(request, "versions.html", {"user": user, "source": source,
                                             "versions": engine_of(request).versions(source)})


@router.get("/lists/{source}/diff")
def source_diff(request: Request, user: Viewer, source: str, limit: Annotated[int, Query(ge=1, le=5000)] = 200,
                to: str | None = None) -> Response:
    engine = engine_of(request)
    shown = limit
    frm = request.query_params.get("from") or None  # "from" is a Python keyword
    if frm is None:
        changes = engine.changes(source, to or None, limit=shown)  # recorded at ingest: fast on any list size
    else:
        changes = VersionChanges.from_diff(engine.diff(source, frm, to or None), shown)
    return render(request, "diff.html", {"user": user, "d": changes, "limit": shown, "source": source})


# -- audit -------------------------------------------------------------------------------------------
@router.get("/audit")
def audit(request: Request, user: Viewer, before: Before = None, kind: str = "", verify: bool = False) -> Response:
    engine = engine_of(request)
    events = engine.audit.events(limit=PAGE, before=before, kind=kind or None)
    check = engine.audit.verify() if verify else None
    return render(request, "audit.html", {"user": user, "events": events, "kind": kind, "check": check,
                                          "head": engine.audit.head(), "before": before})
