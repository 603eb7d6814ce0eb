"""What every route depends on: the engine, the signed-in user, the permission check.

Routes are thin adapters: authenticate, check the role, call one service, shape the
answer. Times in answers are the bureau's (ISO 8601 with the offset, see
``emergency.clock.iso``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict

from emergency.errors import AuthenticationFailed, PermissionDenied
from emergency.workflow import accounts
from emergency.workflow.models import User
from emergency.workflow.roles import Permission, allowed

bearer = HTTPBearer(auto_error=False)


def engine(request: Request):
    return request.app.state.engine


def current_user(request: Request, cred: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> User:
    if cred is None or cred.scheme.lower() != "bearer":
        raise AuthenticationFailed("需要登录：请在 Authorization 头中提供 Bearer 令牌 (credentials required)")
    return accounts.user_for_token(engine(request), cred.credentials)


def require(permission: Permission):
    def check(user: Annotated[User, Depends(current_user)]) -> User:
        if not allowed(user.role, permission):
            raise PermissionDenied(f"角色 {user.role} 无权执行此操作 (role may not {permission.value})")
        return user

    return check


Reader = Annotated[User, Depends(require(Permission.READ))]
Officer = Annotated[User, Depends(require(Permission.WARNING))]
Planner = Annotated[User, Depends(require(Permission.PLAN))]
RegistryWriter = Annotated[User, Depends(require(Permission.REGISTRY_WRITE))]
Admin = Annotated[User, Depends(require(Permission.USERS))]
Compliance = Annotated[User, Depends(require(Permission.COMPLIANCE))]


class In(BaseModel):
    """A request body: unknown fields are refused (a typo is not silently ignored)."""

    model_config = ConfigDict(extra="forbid")
