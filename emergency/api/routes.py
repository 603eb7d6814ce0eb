"""Routes. Each is a thin adapter: authenticate, check the role, call one service."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from emergency.errors import AuthenticationFailed, PermissionDenied
from emergency.plans.document import PlanDocument
from emergency.workflow import service as wf
from emergency.workflow.models import Role, User
from emergency.workflow.roles import Permission, allowed
from enterprise_registry import service as registry
from enterprise_registry.vocab import WarningLevel

router = APIRouter()
bearer = HTTPBearer(auto_error=False)


def engine(request: Request):
    return request.app.state.engine


def current_user(request: Request, cred: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> User:
    if cred is None or cred.scheme.lower() != "bearer":
        raise AuthenticationFailed("需要登录：请在 Authorization 头中提供 Bearer 令牌 (credentials required)")
    return wf.user_for_token(engine(request), cred.credentials)


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


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------ auth & users


class TokenRequest(_In):
    username: str
    password: str
    name: str | None = None


@router.post("/auth/token", tags=["auth"])
def login(body: TokenRequest, request: Request) -> dict:
    user = wf.authenticate(engine(request), body.username, body.password)
    return {"access_token": wf.create_token(engine(request), user, body.name), "token_type": "bearer", "role": user.role}


class UserCreate(_In):
    username: str = Field(min_length=2, max_length=64)
    password: str = Field(min_length=8)
    role: Role
    full_name: str | None = None


@router.post("/users", status_code=201, tags=["users"])
def create_user(body: UserCreate, request: Request, admin: Admin) -> dict:
    u = wf.add_user(engine(request), body.username, body.password, body.role.value, body.full_name, actor=admin.username)
    return {"username": u.username, "role": u.role}


@router.get("/me", tags=["auth"])
def me(user: Reader) -> dict:
    return {"username": user.username, "role": user.role}


# ------------------------------------------------------------------ registry


@router.get("/registry/versions", tags=["registry"])
def versions(request: Request, _: Reader) -> list[dict]:
    return registry.list_versions(engine(request))


@router.get("/registry/enterprises", tags=["registry"])
def enterprises(
    request: Request, _: Reader, county: str | None = None, industry: str | None = None, grade: str | None = None,
    version: str | None = None, offset: Annotated[int, Query(ge=0)] = 0, limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> dict:
    total, items = registry.list_enterprises(engine(request), version=version, county=county, industry=industry,
                                             grade=grade, offset=offset, limit=limit)
    return {"total": total, "items": [e.model_dump(exclude={"id", "version_id"}) for e in items]}


@router.get("/registry/enterprises/{uscc}", tags=["registry"])
def enterprise(uscc: str, request: Request, _: Reader, version: str | None = None) -> dict:
    ent, lines = registry.get_enterprise(engine(request), uscc, version)
    return {**ent.model_dump(exclude={"id", "version_id"}),
            "lines": [ln.model_dump(exclude={"id", "version_id", "enterprise_id"}) for ln in lines]}


@router.post("/registry/import", status_code=201, tags=["registry"])
def import_list(request: Request, user: RegistryWriter, file: Annotated[UploadFile, File()], replace: bool = False) -> dict:
    if not (file.filename or "").lower().endswith(".xlsx"):
        from emergency.errors import RegistryError

        raise RegistryError("请上传 .xlsx 清单文件 (upload an .xlsx list)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.xlsx"
        path.write_bytes(file.file.read())
        summary = registry.import_list_file(engine(request), path, replace=replace)
    with wf.Session(engine(request)) as session:
        wf._audit(session, user.username, "registry.import", summary.version, {"file": file.filename, "enterprises": summary.enterprises, "lines": summary.lines})
        session.commit()
    return summary.__dict__


# ------------------------------------------------------------------ plans


class PlanRequest(_In):
    level: WarningLevel
    areas: list[str] | None = None
    hours_to_start: float | None = Field(default=None, ge=0)
    registry_version: str | None = None
    approved_spared: list[str] = Field(default_factory=list)


@router.post("/plans/preview", tags=["plans"])
def preview_plan(body: PlanRequest, request: Request, _: Planner) -> PlanDocument:
    from emergency.plans.service import make_plan

    tables = registry.load_planning_tables(engine(request), body.registry_version)
    return make_plan(tables, body.level, areas=body.areas, hours_to_start=body.hours_to_start,
                     approved_spared=body.approved_spared).document


# ------------------------------------------------------------------ warnings


class WarningIssue(_In):
    level: WarningLevel
    areas: list[str] | None = None
    start: datetime
    end: datetime
    rule_set: str | None = None
    forecast: dict | None = None
    hours_to_start: float | None = Field(default=None, ge=0)
    approved_spared: list[str] = Field(default_factory=list)
    merge: bool = False


class WarningAdjust(_In):
    level: WarningLevel | None = None
    end: datetime | None = None
    hours_to_start: float | None = Field(default=None, ge=0)


class WarningRelease(_In):
    reason: str | None = None


def _warning_out(w, versions=None) -> dict:
    out = {
        "id": w.id, "state": w.state, "level": w.level, "rule_set": w.rule_set, "areas": json.loads(w.areas),
        "start": w.start, "end": w.end, "registry_version": w.registry_version, "created_by": w.created_by,
        "created_at": w.created_at, "updated_at": w.updated_at,
    }
    if versions is not None:
        out["plan_versions"] = [
            {"version": v.version_no, "transition": v.transition, "level": v.level, "sha256": v.sha256,
             "created_by": v.created_by, "created_at": v.created_at, "changes": json.loads(v.changes or "{}")}
            for v in versions
        ]
    return out


@router.get("/warnings", tags=["warnings"])
def warnings(request: Request, _: Reader, active: bool = False) -> list[dict]:
    return [_warning_out(w) for w in wf.list_warnings(engine(request), active_only=active)]


@router.post("/warnings", status_code=201, tags=["warnings"])
def issue(body: WarningIssue, request: Request, user: Officer) -> dict:
    w, _pv = wf.issue_warning(
        engine(request), actor=user.username, level=body.level, areas=body.areas, start=body.start, end=body.end,
        rule_set=body.rule_set, forecast=body.forecast, hours_to_start=body.hours_to_start,
        approved_spared=tuple(body.approved_spared), merge=body.merge,
    )
    _, versions = wf.get_warning(engine(request), w.id)
    return _warning_out(w, versions)


@router.get("/warnings/{warning_id}", tags=["warnings"])
def show(warning_id: int, request: Request, _: Reader) -> dict:
    w, versions = wf.get_warning(engine(request), warning_id)
    return _warning_out(w, versions)


@router.post("/warnings/{warning_id}/adjust", tags=["warnings"])
def adjust(warning_id: int, body: WarningAdjust, request: Request, user: Officer) -> dict:
    w, _pv = wf.adjust_warning(engine(request), warning_id, actor=user.username, level=body.level, end=body.end,
                               hours_to_start=body.hours_to_start)
    _, versions = wf.get_warning(engine(request), w.id)
    return _warning_out(w, versions)


@router.post("/warnings/{warning_id}/release", tags=["warnings"])
def release(warning_id: int, body: WarningRelease, request: Request, user: Officer) -> dict:
    return _warning_out(wf.release_warning(engine(request), warning_id, actor=user.username, reason=body.reason))


@router.get("/warnings/{warning_id}/plans", tags=["plans"])
def plans(warning_id: int, request: Request, _: Reader) -> list[dict]:
    return _warning_out(*wf.get_warning(engine(request), warning_id))["plan_versions"]


@router.get("/warnings/{warning_id}/plans/{version}", tags=["plans"])
def plan(warning_id: int, version: int, request: Request, _: Reader) -> PlanDocument:
    return PlanDocument.model_validate_json(wf.plan_version(engine(request), warning_id, version).document)


@router.get("/warnings/{warning_id}/notices/{uscc}", response_class=HTMLResponse, tags=["notices"])
def notice(warning_id: int, uscc: str, request: Request, _: Reader) -> str:
    from emergency.workflow.package import write_notices

    with tempfile.TemporaryDirectory() as tmp:
        write_notices(engine(request), warning_id, Path(tmp))
        files = list((Path(tmp) / "管控通知").glob(f"*_{uscc}.html"))
        if not files:
            from emergency.errors import NotFound

            raise NotFound(f"预警 {warning_id} 的方案中没有企业 {uscc} 的管控措施")
        return files[0].read_text(encoding="utf-8")


@router.get("/warnings/{warning_id}/announcement", response_class=PlainTextResponse, tags=["notices"])
def announcement(warning_id: int, request: Request, _: Reader) -> str:
    from emergency.workflow.package import write_notices

    with tempfile.TemporaryDirectory() as tmp:
        write_notices(engine(request), warning_id, Path(tmp))
        return (Path(tmp) / "预警信息发布.txt").read_text(encoding="utf-8")


@router.get("/warnings/{warning_id}/compliance", tags=["compliance"])
def compliance(warning_id: int, request: Request, _: Reader, tolerance: Annotated[float, Query(ge=0, le=1)] = 0.1) -> list[dict]:
    from emergency.workflow.compliance import check_compliance

    return [r.__dict__ for r in check_compliance(engine(request), warning_id, tolerance=tolerance)]


@router.post("/compliance/electricity", status_code=201, tags=["compliance"])
def electricity(request: Request, user: Compliance, file: Annotated[UploadFile, File()]) -> dict:
    from emergency.workflow.compliance import import_electricity

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / (file.filename or "electricity.csv")
        path.write_bytes(file.file.read())
        return {"rows": import_electricity(engine(request), path, actor=user.username)}


# ------------------------------------------------------------------ audit (read only)


@router.get("/audit", tags=["audit"])
def audit(request: Request, _: Reader, target: str | None = None, offset: Annotated[int, Query(ge=0)] = 0,
          limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict]:
    return [
        {"id": a.id, "at": a.at, "actor": a.actor, "action": a.action, "target": a.target,
         "details": json.loads(a.details) if a.details else None, "plan_sha256": a.plan_sha256}
        for a in wf.audit_log(engine(request), target=target, offset=offset, limit=limit)
    ]
