"""Who is calling: API keys (Bearer) for the JSON API, a session cookie for the web UI.

Missing or wrong credentials: 401 (with ``WWW-Authenticate: Bearer``); a valid key whose role is
below what the route needs: 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from clearance.decisions import ApiKey, Role
from clearance.engine import Engine

SESSION_COOKIE = "clearance_session"

bearer = HTTPBearer(auto_error=False, description="An API key from `clearance keys create --role ROLE`.")


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.clearance.engine
    return engine


def require(role: Role) -> Callable[..., ApiKey]:
    """A dependency giving the calling key, refusing callers below ``role``."""

    def dependency(request: Request,
                   credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> ApiKey:
        if credentials is None:
            raise HTTPException(401, "missing API key: send Authorization: Bearer KEY",
                                headers={"WWW-Authenticate": "Bearer"})
        key = engine_of(request).keys.authenticate(credentials.credentials)
        if key is None:
            raise HTTPException(401, "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"})
        return allowed(key, role)

    return dependency


def allowed(key: ApiKey, role: Role) -> ApiKey:
    if not key.role.allows(role):
        raise HTTPException(403, f"this needs the {role.value} role; key {key.id} has {key.role.value}")
    return key


def session_key(request: Request) -> ApiKey | None:
    """The key behind the UI session cookie, or None."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 200:
        return None
    return engine_of(request).keys.session(token)
