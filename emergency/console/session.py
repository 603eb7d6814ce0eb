"""Who is signed in to the console, what they may do, and the CSRF token of their forms.

**The session is an API token** (:mod:`emergency.workflow.accounts`): signing in issues
a token named ``console`` with the server's ``token_hours`` lifetime; the browser keeps
it in the cookie :data:`COOKIE` (``HttpOnly``, ``SameSite=Strict``, ``Secure`` when the
page is served over https, ``Path=/``). Every request checks it as the API does
(unknown, revoked, expired, inactive user → back to the sign-in page); signing out
revokes it; an administrator revoking a user's tokens or deactivating them ends their
console sessions too. The sign-in follows the API's rules: account lockout, one
message for every failure, and the API's per-address throttle (the same window).

**CSRF.** Every POST form carries ``csrf``: HMAC-SHA256 of the session token (so it is
per session, never stored, and useless without the cookie), checked server-side with a
constant-time comparison before anything else; the sign-in form, before a session
exists, carries a random value that must equal the ``emergency_login`` cookie (double
submit). A missing or wrong token is refused (403) with a message in Chinese.

**Roles** are :mod:`emergency.workflow.roles`'s: :func:`page` guards a page by
permission (403 page otherwise), and ``Who.can`` tells templates what to show.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Form, Request

from emergency.errors import AuthenticationFailed, EmergencyError, PermissionDenied
from emergency.workflow import accounts
from emergency.workflow.models import User
from emergency.workflow.roles import Permission, allowed

COOKIE = "emergency_session"
LOGIN_COOKIE = "emergency_login"
TOKEN_NAME = "console"
ROLE_ZH = {"viewer": "查看员", "planner": "规划员", "duty_officer": "值班员", "admin": "管理员", "enterprise": "企业用户"}


class SignInRequired(AuthenticationFailed):
    """No valid console session: the page answers with a redirect to /login."""


class CsrfRefused(EmergencyError):
    http_status, code = 403, "csrf"


@dataclass(frozen=True)
class Who:
    user: User
    token: str

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def role_zh(self) -> str:
        return ROLE_ZH.get(self.user.role, self.user.role)

    @property
    def city(self) -> str | None:
        """The city the account acts for; None: every city (the province)."""
        return self.user.city

    @property
    def csrf(self) -> str:
        return csrf_for(self.token)

    @property
    def can(self) -> dict[str, bool]:
        return {p.value: allowed(self.user.role, p) for p in Permission}


def csrf_for(token: str) -> str:
    return hmac.new(token.encode("utf-8", "surrogatepass"), b"emergency-console-csrf", hashlib.sha256).hexdigest()


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session(response, request: Request, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=secure(request), path="/")


def clear_session(response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")


def new_login_nonce() -> str:
    return secrets.token_urlsafe(24)


def set_login_nonce(response, request: Request, nonce: str) -> None:
    response.set_cookie(LOGIN_COOKIE, nonce, httponly=True, samesite="strict", secure=secure(request), path="/login",
                        max_age=3600)


def check_login_nonce(request: Request, sent: str) -> None:
    kept = request.cookies.get(LOGIN_COOKIE) or ""
    if not kept or not sent or not hmac.compare_digest(kept.encode(), sent.encode()):
        raise CsrfRefused("登录表单已过期或来源不明，请刷新页面后重新登录 (sign-in form expired)")


def signed_in(request: Request) -> Who:
    """The console session of ``request`` (SignInRequired when there is none valid)."""
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 200:
        raise SignInRequired("请先登录 (sign in first)")
    try:
        user = accounts.user_for_token(request.app.state.engine, token)
    except AuthenticationFailed as exc:
        raise SignInRequired(exc.message) from None
    return Who(user, token)


def _require(who: Who, permission: Permission) -> Who:
    if not allowed(who.user.role, permission):
        raise PermissionDenied(f"您的角色（{who.role_zh}）无权执行此操作 (role may not {permission.value})")
    return who


def _scoped(request: Request, who: Who) -> Who:
    """A page's ``{warning_id}`` must be a warning of the account's city (404 otherwise,
    as an unknown id: :mod:`emergency.workflow.scope`)."""
    from emergency.api.routes.deps import in_scope

    in_scope(request, who.user)
    return who


def page(permission: Permission = Permission.READ):
    """A GET page's dependency: signed in, with ``permission``, within the account's city."""
    def check(request: Request, who: Annotated[Who, Depends(signed_in)]) -> Who:
        return _scoped(request, _require(who, permission))

    return check


def action(permission: Permission):
    """A POST form's dependency: signed in, the form's CSRF token right, then ``permission``
    and the account's city."""
    def check(request: Request, who: Annotated[Who, Depends(signed_in)], csrf: Annotated[str, Form(max_length=200)] = "") -> Who:
        if not csrf or not hmac.compare_digest(csrf.encode(), who.csrf.encode()):
            raise CsrfRefused("表单校验失败（页面已过期或来自其他网站），未执行任何操作，请刷新页面后重试 (CSRF token missing or wrong)")
        return _scoped(request, _require(who, permission))

    return check


Reader = Annotated[Who, Depends(page(Permission.READ))]
OfficerPage = Annotated[Who, Depends(page(Permission.WARNING))]
OfficerAction = Annotated[Who, Depends(action(Permission.WARNING))]
PlannerAction = Annotated[Who, Depends(action(Permission.PLAN))]
ComplianceAction = Annotated[Who, Depends(action(Permission.COMPLIANCE))]
ReaderAction = Annotated[Who, Depends(action(Permission.READ))]
RegistryAction = Annotated[Who, Depends(action(Permission.REGISTRY_WRITE))]
AdminPage = Annotated[Who, Depends(page(Permission.USERS))]
AdminAction = Annotated[Who, Depends(action(Permission.USERS))]
