"""Sign-in: tokens (登录与令牌)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from emergency.api.routes.deps import In, Reader, engine
from emergency.workflow import accounts

router = APIRouter(tags=["auth"])


class TokenRequest(In):
    username: str
    password: str
    name: str | None = None


@router.post("/auth/token")
def login(body: TokenRequest, request: Request) -> dict:
    user = accounts.authenticate(engine(request), body.username, body.password)
    return {"access_token": accounts.create_token(engine(request), user, body.name), "token_type": "bearer", "role": user.role}


@router.get("/me")
def me(user: Reader) -> dict:
    return {"username": user.username, "role": user.role}
