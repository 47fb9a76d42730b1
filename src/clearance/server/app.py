"""The FastAPI application: routers, error translation at the edge, request limits, readiness."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clearance.engine import Engine
from clearance.errors import ClearanceError
from clearance.server import api, ui, yente

log = logging.getLogger("clearance.server")

MAX_BODY_BYTES = 8 * 1024 * 1024  # JSON bodies; list uploads go through POST /lists (admin) with their own cap
MAX_UPLOAD_BYTES = 512 * 1024 * 1024
STATIC = Path(__file__).parent / "static"


def _version() -> str:
    try:
        return version("clearance")
    except PackageNotFoundError:
        return "0"


class ServerState:
    """What the routes share: the engine, and whether the screening index is warm."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.ready = threading.Event()
        self.warm_error: str | None = None

    def warm(self) -> None:
        try:
            self.engine.warm()
        except Exception as exc:  # a background thread: whatever failed, /readyz must say it and why
            self.warm_error = str(exc) if isinstance(exc, ClearanceError) else f"{type(exc).__name__}: {exc}"
            log.exception("warming the screening index failed")
            return
        self.ready.set()


def build_app(engine: Engine, *, warm: bool = True) -> FastAPI:
    state = ServerState(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm:
            threading.Thread(target=state.warm, name="clearance-warm", daemon=True).start()
        else:
            state.ready.set()
        yield

    app = FastAPI(
        title="clearance",
        version=_version(),
        summary="Sanctions and export-control screening, dated policy verdicts, decisions and audit.",
        description=(
            "Authenticate with `Authorization: Bearer KEY` (create keys with `clearance keys create --role ROLE`). "
            "Roles: viewer (read), analyst (screen, check, decide alerts), admin (ingest lists, manage keys). "
            "Errors are JSON: `{\"error\": TYPE, \"detail\": MESSAGE, \"fields\": [...]}`."
        ),
        lifespan=lifespan,
    )
    app.state.clearance = state
    app.add_middleware(BodyLimit, default=MAX_BODY_BYTES, uploads=MAX_UPLOAD_BYTES)
    _error_handlers(app)
    app.include_router(api.router)
    app.include_router(yente.router)
    app.include_router(ui.router)
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="static")
    return app


def error_body(kind: str, detail: str, fields: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"error": kind, "detail": detail, "fields": fields or []}


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ClearanceError)
    async def clearance_error(request: Request, exc: ClearanceError) -> Response:
        if request.url.path.startswith("/ui/"):
            return ui.error_page(request, exc.http_status, str(exc))
        return JSONResponse(error_body(type(exc).__name__, str(exc)), status_code=exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        fields = []
        for err in _without_union_branches(list(exc.errors())):
            location = [str(p) for p in err.get("loc", ()) if not _UNION_TAG.match(str(p))]
            fields.append({"field": ".".join(location[1:]) or ".".join(location), "in": location[0] if location else "",
                           "problem": err.get("msg", "invalid")})
        detail = "; ".join(f"{f['field'] or f['in']}: {f['problem']}" for f in fields) or "invalid request"
        return JSONResponse(error_body("validation", detail, fields), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = getattr(exc, "headers", None)
        if request.url.path.startswith("/ui/"):
            return ui.error_page(request, exc.status_code, str(exc.detail), headers=headers)
        return JSONResponse(error_body("http", str(exc.detail)), status_code=exc.status_code, headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # A bug: logged with its traceback, answered without internals.
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body("internal", "internal error; it was logged"), status_code=500)


# pydantic names the member of a union a value failed (``QueryIn``, ``list[QueryIn]``) in the error
# location; our field names are lower case, so a capitalised element is such a tag.
_UNION_TAG = re.compile(r"^(list\[)?[A-Z]\w*\]?$")


def _without_union_branches(errors: list[Any]) -> list[Any]:
    """For a body that may be one object or a list of them, report only the branch the input took:
    the errors inside it, not "should be a valid list" from the other one."""
    tagged = [e for e in errors if len(e.get("loc", ())) >= 2 and _UNION_TAG.match(str(e["loc"][1]))]
    if not tagged:
        return errors
    inside = [e for e in tagged if len(e["loc"]) > 2]
    if inside:
        return [e for e in errors if e not in tagged] + inside
    return [e for e in errors if e not in tagged] + [
        {"loc": ("body",), "msg": "expected a JSON object, or a list of JSON objects"}]


class BodyLimit:
    """Refuse request bodies over the limit (413) before they are read into memory."""

    def __init__(self, app: ASGIApp, *, default: int, uploads: int) -> None:
        self.app = app
        self.default = default
        self.uploads = uploads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.uploads if scope["path"] == "/lists" else self.default
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        seen = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if not response_started:
                await _too_large(send, limit)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = JSONResponse(error_body("too_large", f"request body over {limit} bytes"), status_code=413)
    await send({"type": "http.response.start", "status": 413, "headers": body.raw_headers})
    await send({"type": "http.response.body", "body": body.body})
