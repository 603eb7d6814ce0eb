"""What every route depends on: the engine, the signed-in user, the permission check.

Routes are thin adapters: authenticate, check the role, call one service, shape the
answer. An ``enterprise`` account holds no bureau permission, so every route guarded by
one of them refuses it (403); routes any signed-in account may use take
:data:`SignedIn`; the firm's own routes take :data:`FirmAccount` (its USCCs with it). Times in answers are the bureau's (ISO 8601 with the offset, see
``emergency.clock.iso``).

Text coming in is refused (422 naming the field) if it holds a control character other
than tab and line breaks — NUL above all, which PostgreSQL cannot store: in every text
field of a request body (:class:`In`, nested lists and dicts included) and in every
query and path parameter (:func:`clean_parameters`, applied to every route). So is a
number no database column holds (an integer beyond ±(2^63 − 1), a float that is not
finite): SQLite would raise OverflowError, a 500.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, field_validator

from dataclasses import dataclass

from emergency.errors import AuthenticationFailed, PermissionDenied
from emergency.workflow import accounts, scope
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
    """The signed-in user, with ``permission``; on a route with a ``{warning_id}``, a
    warning of the user's city (another city's is 404, as an unknown id: see
    :mod:`emergency.workflow.scope`)."""
    def check(request: Request, user: Annotated[User, Depends(current_user)]) -> User:
        if not allowed(user.role, permission):
            raise PermissionDenied(f"角色 {user.role} 无权执行此操作 (role may not {permission.value})")
        in_scope(request, user)
        return user

    return check


def in_scope(request: Request, user) -> None:
    """A route's ``{warning_id}`` must be a warning of ``user``'s city (NotFound otherwise)."""
    wid = request.path_params.get("warning_id")
    if wid is not None and scope.city_of(user) is not None:
        try:
            wid = int(wid)
        except ValueError:
            return  # the route's own validation answers 422
        scope.check_warning(engine(request), user, wid)


Reader = Annotated[User, Depends(require(Permission.READ))]
Officer = Annotated[User, Depends(require(Permission.WARNING))]
Planner = Annotated[User, Depends(require(Permission.PLAN))]
RegistryWriter = Annotated[User, Depends(require(Permission.REGISTRY_WRITE))]
Admin = Annotated[User, Depends(require(Permission.USERS))]
Compliance = Annotated[User, Depends(require(Permission.COMPLIANCE))]
SignedIn = Annotated[User, Depends(current_user)]  # any active account, enterprise included


@dataclass(frozen=True)
class Firm:
    """An enterprise account and the USCCs it acts for."""

    user: User
    usccs: tuple[str, ...]


def firm_account(request: Request, user: Annotated[User, Depends(require(Permission.OWN_FIRMS))]) -> Firm:
    return Firm(user, accounts.usccs_of(engine(request), user))


FirmAccount = Annotated[Firm, Depends(firm_account)]


CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_MESSAGE = "不能含控制字符（制表符、换行除外）(control characters are not allowed)"
INT64 = 2**63 - 1  # what a database integer can hold
RANGE_MESSAGE = "数值超出范围：整数的绝对值应不超过 2^63-1，小数应为有限数 (number out of range)"
_INTEGER_RE = re.compile(r"[+-]?[0-9]+")


def out_of_range(value: Any, digits: bool = False) -> bool:
    """A number no database column holds: an integer beyond ±(2^63 − 1), a float that
    is not finite (JSON's ``Infinity``, ``1e400``); looked for in nested lists and dicts
    too. ``digits``: a text of digits counts as the integer it spells (a parameter)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) > INT64
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, str):
        text = value.strip()
        return digits and bool(_INTEGER_RE.fullmatch(text)) and (len(text.lstrip("+-")) > 19 or abs(int(text)) > INT64)
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(out_of_range(v, digits) for v in value)
    return False


def control_character(value: Any) -> str | None:
    """The first control character (not tab or a line break) in ``value`` or in any
    text nested in it (lists, dicts: keys and values), as ``U+0000``; None if none."""
    if isinstance(value, str):
        m = CONTROL_RE.search(value)
        return f"U+{ord(m.group()):04X}" if m else None
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, (list, tuple, set, frozenset)):
        return next((found for v in value if (found := control_character(v))), None)
    return None


def clean_parameters(request: Request) -> None:
    """Every route's query and path parameters without control characters and without
    integers no database can hold (422 naming the parameter)."""
    errors = []
    for where, items in (("query", request.query_params.multi_items()), ("path", request.path_params.items())):
        for name, value in items:
            if found := control_character(name) or control_character(value):
                errors.append({"type": "value_error", "loc": (where, name), "msg": f"{CONTROL_MESSAGE}: {found}", "input": None})
            elif out_of_range(value, digits=True):
                errors.append({"type": "value_error", "loc": (where, name), "msg": RANGE_MESSAGE, "input": None})
    if errors:
        raise RequestValidationError(errors)


class In(BaseModel):
    """A request body: unknown fields are refused (a typo is not silently ignored); no
    text in it may hold a control character other than tab and line breaks; no number
    may be beyond what a database holds (integers beyond ±(2^63 − 1), ``Infinity``)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        found = control_character(value)
        if found:
            raise ValueError(f"{CONTROL_MESSAGE}: {found}")
        if out_of_range(value):
            raise ValueError(RANGE_MESSAGE)
        return value
