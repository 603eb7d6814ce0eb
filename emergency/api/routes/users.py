"""User administration (用户管理), administrators only.

``GET /api/users`` lists accounts (role, active, lock, live tokens, last use);
``POST /api/users`` adds one; ``POST /api/users/{username}/revoke-tokens`` revokes all
of a user's tokens; ``POST /api/users/{username}/deactivate`` deactivates the user and
revokes their tokens (the last active administrator cannot be deactivated: 409).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import Field

from emergency import clock
from emergency.api.routes.deps import Admin, In, engine
from emergency.workflow import accounts, scope
from emergency.workflow.models import Role

router = APIRouter(tags=["users"])


class UserCreate(In):
    username: str = Field(min_length=2, max_length=64)
    password: str = Field(min_length=8, max_length=1000)
    role: Role
    full_name: str | None = Field(default=None, max_length=100)
    city: str | None = Field(default=None, max_length=100, description="The one city the account acts for (a city with "
                             "lists); omitted: every city (the province). A city's administrator adds its city's accounts.")


@router.get("/users")
def list_users(request: Request, admin: Admin) -> list[dict]:
    return [
        {"username": a.username, "full_name": a.full_name, "role": a.role, "active": a.active,
         "created_at": clock.iso(a.created_at), "failed_logins": a.failed_logins, "locked_until": clock.iso(a.locked_until),
         "active_tokens": a.active_tokens, "last_used_at": clock.iso(a.last_used_at), "usccs": list(a.usccs),
         "city": a.city}
        for a in scope.visible_accounts(admin, accounts.list_users(engine(request)))
    ]


@router.post("/users", status_code=201)
def create_user(body: UserCreate, request: Request, admin: Admin) -> dict:
    u = accounts.add_user(engine(request), body.username, body.password, body.role.value, body.full_name, actor=admin.username,
                          city=scope.chosen_city(admin, body.city))
    return {"username": u.username, "role": u.role, "city": u.city}


@router.post("/users/{username}/revoke-tokens")
def revoke_tokens(username: str, request: Request, admin: Admin) -> dict:
    scope.check_user(engine(request), admin, username)
    return {"username": username, "revoked": accounts.revoke_tokens(engine(request), username, actor=admin.username)}


@router.post("/users/{username}/deactivate")
def deactivate(username: str, request: Request, admin: Admin) -> dict:
    scope.check_user(engine(request), admin, username)
    revoked = accounts.deactivate_user(engine(request), username, actor=admin.username)
    return {"username": username, "active": False, "revoked": revoked}
