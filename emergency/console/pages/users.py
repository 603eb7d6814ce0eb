"""User administration (用户管理), the administrator's alone: the accounts, adding a
user, revoking a user's tokens (and so their console sessions), deactivating.
Calls :mod:`emergency.workflow.accounts` (audited; the last active administrator
cannot be deactivated)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse

from emergency.console.pages._router import area_router
from emergency.console.rendering import render
from emergency.console.session import ROLE_ZH, AdminAction, AdminPage
from emergency.workflow import scope
from emergency.workflow.models import Role

router = area_router()
Text = Annotated[str, Form(max_length=1000)]


@router.get("/users")
def users_page(request: Request, who: AdminPage, done: str = ""):
    from emergency.workflow.accounts import list_users
    from enterprise_registry.service import cities

    engine = request.app.state.engine
    return render(request, "users.html", who=who, users=scope.visible_accounts(who, list_users(engine)), roles=list(Role),
                  done=done, role_zh=ROLE_ZH, cities=[who.city] if who.city else cities(engine))


@router.post("/users")
def add_user(request: Request, who: AdminAction, username: Text = "", role: Text = "", password: Text = "",
             full_name: Text = "", city: Text = ""):
    from emergency.workflow.accounts import add_user as add

    add(request.app.state.engine, username.strip(), password, role, full_name.strip() or None, actor=who.username,
        city=scope.chosen_city(who, city))
    return RedirectResponse("/users?done=add", status_code=303)


@router.post("/users/{username}/revoke")
def revoke(username: str, request: Request, who: AdminAction):
    from emergency.workflow.accounts import revoke_tokens

    scope.check_user(request.app.state.engine, who, username)
    revoke_tokens(request.app.state.engine, username, actor=who.username)
    return RedirectResponse("/users?done=revoke", status_code=303)


@router.post("/users/{username}/deactivate")
def deactivate(username: str, request: Request, who: AdminAction):
    from emergency.workflow.accounts import deactivate_user

    scope.check_user(request.app.state.engine, who, username)
    deactivate_user(request.app.state.engine, username, actor=who.username)
    return RedirectResponse("/users?done=deactivate", status_code=303)
