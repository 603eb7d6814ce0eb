"""Sign-in, sign-out (登录与退出).

``POST /api/auth/token`` answers a Bearer token and when it expires (``expires_at``,
ISO 8601 in the bureau's zone). Failures follow ``emergency.workflow.accounts`` (one
message, equal time, account lockout) and, in front of them, a per-client throttle:
``login_client_max_failures`` failed sign-ins (default 20) from one address within
``login_client_window_minutes`` (default 5) and that address is refused with 429
(``retry_after_seconds``) without its credentials being checked, so usernames cannot
be sprayed. The throttle is in memory, per server process. The address is the
connection's; uvicorn takes it from ``X-Forwarded-For`` only when the request comes
from an address in ``FORWARDED_ALLOW_IPS`` (default 127.0.0.1): behind a reverse proxy
on another host, set that variable to the proxy's address, or every user shares the
proxy's window.

``POST /api/auth/logout`` revokes the token it is called with.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Annotated, Callable, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import Field

from emergency import clock
from emergency.api.routes.deps import In, SignedIn, bearer, engine
from emergency.errors import AuthenticationFailed, TooManyAttempts
from emergency.settings import get_settings
from emergency.workflow import accounts, audit
from emergency.workflow.security import FailureWindow

router = APIRouter(tags=["auth"])
_throttle_lock = threading.Lock()


class TokenRequest(In):
    username: str = Field(max_length=1000)
    password: str = Field(max_length=1000)
    name: str | None = Field(default=None, max_length=100, description="A label for the token (shown to administrators).")
    hours: float | None = Field(default=None, gt=0, description="Lifetime in hours (default: the server's token_hours).")


def _failures(request: Request) -> FailureWindow:
    """The app's per-client failure window (made on first use, one per app)."""
    state = request.app.state
    with _throttle_lock:
        window = getattr(state, "login_failures", None)
        if window is None:
            s = get_settings()
            window = state.login_failures = FailureWindow(s.login_client_max_failures, timedelta(minutes=s.login_client_window_minutes))
        return window


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


T = TypeVar("T")


def throttled(request: Request, actor: str, attempt: Callable[[str], T], what_zh: str = "登录") -> T:
    """``attempt(client)`` — a password or code check — under the per-address throttle
    (sign-in over the API and the console, invitation codes): refused with
    TooManyAttempts while the address waits; a failure counts toward the window, and the
    failure that trips it is audited as ``login.throttled``."""
    failures, client, now = _failures(request), client_address(request), clock.now()
    wait = failures.retry_after(client, now)
    if wait:
        raise TooManyAttempts(f"此地址{what_zh}失败次数过多，请{int(wait)}秒后再试 (too many failed attempts from this address)",
                              retry_after_seconds=int(wait))
    try:
        return attempt(client)
    except AuthenticationFailed:
        if failures.fail(client, now):
            audit.write(engine(request), actor, "login.throttled", client,
                        {"client": client, "failures": failures.limit, "window_minutes": failures.window.total_seconds() / 60})
        raise


@router.post("/auth/token")
def login(body: TokenRequest, request: Request) -> dict:
    hours = accounts.token_hours(body.hours)  # a bad lifetime is refused before any password check
    client = client_address(request)
    user = throttled(request, accounts.audit_actor(body.username),
                     lambda client: accounts.authenticate(engine(request), body.username, body.password, client=client))
    issued = accounts.issue_token(engine(request), user, body.name, hours, client=client)
    return {"access_token": issued.token, "token_type": "bearer", "role": user.role, "expires_at": clock.iso(issued.expires_at)}


@router.post("/auth/logout")
def logout(user: SignedIn, cred: Annotated[HTTPAuthorizationCredentials, Depends(bearer)], request: Request) -> dict:
    at = accounts.revoke_token(engine(request), cred.credentials, actor=user.username)
    return {"detail": "已退出登录，令牌已撤销 (signed out; token revoked)", "revoked_at": clock.iso(at)}


@router.get("/me")
def me(user: SignedIn) -> dict:
    return {"username": user.username, "role": user.role, "city": user.city}
