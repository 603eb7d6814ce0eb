"""User administration (用户管理)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import Field

from emergency.api.routes.deps import Admin, In, engine
from emergency.workflow import accounts
from emergency.workflow.models import Role

router = APIRouter(tags=["users"])


class UserCreate(In):
    username: str = Field(min_length=2, max_length=64)
    password: str = Field(min_length=8)
    role: Role
    full_name: str | None = None


@router.post("/users", status_code=201)
def create_user(body: UserCreate, request: Request, admin: Admin) -> dict:
    u = accounts.add_user(engine(request), body.username, body.password, body.role.value, body.full_name, actor=admin.username)
    return {"username": u.username, "role": u.role}
