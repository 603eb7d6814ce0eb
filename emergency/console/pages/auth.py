"""Sign-in and sign-out (登录与退出): the API's account rules, a cookie session."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse

from emergency.console import session
from emergency.console.pages._router import area_router
from emergency.console.rendering import render
from emergency.console.routing import local_next
from emergency.console.session import ReaderAction
from emergency.errors import AuthenticationFailed, TooManyAttempts

router = area_router()


def _login_page(request: Request, next_path: str, message: str | None = None, status_code: int = 200):
    nonce = session.new_login_nonce()
    page = render(request, "login.html", status_code=status_code, next=local_next(next_path), message=message, nonce=nonce)
    session.set_login_nonce(page, request, nonce)
    return page


@router.get("/login")
def login_page(request: Request, next: str = "/"):
    return _login_page(request, next)


@router.post("/login")
def login(request: Request, username: Annotated[str, Form(max_length=1000)] = "",
          password: Annotated[str, Form(max_length=1000)] = "", nonce: Annotated[str, Form(max_length=200)] = "",
          next: Annotated[str, Form(max_length=2000)] = "/"):
    from emergency.api.routes.auth import client_address, throttled
    from emergency.workflow import accounts

    session.check_login_nonce(request, nonce)
    engine = request.app.state.engine
    client = client_address(request)
    try:
        user = throttled(request, accounts.audit_actor(username),
                         lambda client: accounts.authenticate(engine, username, password, client=client))
    except TooManyAttempts as exc:
        return _login_page(request, next, exc.message, 429)
    except AuthenticationFailed as exc:
        return _login_page(request, next, exc.message, 401)
    issued = accounts.issue_token(engine, user, session.TOKEN_NAME, client=client)
    target = local_next(next)
    if user.role == "enterprise" and not target.startswith("/firm"):  # a firm lands on its own portal (企业端)
        target = "/firm"
    response = RedirectResponse(target, status_code=303)
    session.set_session(response, request, issued.token)
    response.delete_cookie(session.LOGIN_COOKIE, path="/login", httponly=True, samesite="strict")
    return response


@router.post("/logout")
def logout(request: Request, who: ReaderAction):
    from emergency.workflow import accounts

    accounts.revoke_token(request.app.state.engine, who.token, actor=who.username)
    response = RedirectResponse("/login", status_code=303)
    session.clear_session(response)
    return response
