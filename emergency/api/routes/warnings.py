"""Warnings (预警): issue, adjust (upgrade / downgrade / extend), release, read."""

from __future__ import annotations

import json
from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import Field

from emergency import clock
from emergency.api.routes.deps import In, Officer, Reader, engine
from emergency.workflow import lifecycle as wf
from enterprise_registry.vocab import WarningLevel

router = APIRouter(tags=["warnings"])


class WarningIssue(In):
    level: WarningLevel
    areas: list[str] | None = None
    start: datetime
    end: datetime
    rule_set: str | None = None
    forecast: dict | None = None
    hours_to_start: float | None = Field(default=None, ge=0)
    approved_spared: list[str] = Field(default_factory=list)
    merge: bool = False


class WarningAdjust(In):
    level: WarningLevel | None = None
    end: datetime | None = None
    hours_to_start: float | None = Field(default=None, ge=0)


class WarningRelease(In):
    reason: str | None = None


def warning_out(w, versions=None) -> dict:
    out = {
        "id": w.id, "state": w.state, "level": w.level, "rule_set": w.rule_set, "areas": json.loads(w.areas),
        "start": clock.iso(w.start), "end": clock.iso(w.end), "registry_version": w.registry_version,
        "created_by": w.created_by, "created_at": clock.iso(w.created_at), "updated_at": clock.iso(w.updated_at),
    }
    if versions is not None:
        out["plan_versions"] = [
            {"version": v.version_no, "transition": v.transition, "level": v.level, "sha256": v.sha256,
             "created_by": v.created_by, "created_at": clock.iso(v.created_at), "changes": json.loads(v.changes or "{}")}
            for v in versions
        ]
    return out


@router.get("/warnings")
def warnings(request: Request, _: Reader, active: bool = False) -> list[dict]:
    return [warning_out(w) for w in wf.list_warnings(engine(request), active_only=active)]


@router.post("/warnings", status_code=201)
def issue(body: WarningIssue, request: Request, user: Officer) -> dict:
    w, _pv = wf.issue_warning(
        engine(request), actor=user.username, level=body.level, areas=body.areas, start=body.start, end=body.end,
        rule_set=body.rule_set, forecast=body.forecast, hours_to_start=body.hours_to_start,
        approved_spared=tuple(body.approved_spared), merge=body.merge,
    )
    return warning_out(*wf.get_warning(engine(request), w.id))


@router.get("/warnings/{warning_id}")
def show(warning_id: int, request: Request, _: Reader) -> dict:
    return warning_out(*wf.get_warning(engine(request), warning_id))


@router.post("/warnings/{warning_id}/adjust")
def adjust(warning_id: int, body: WarningAdjust, request: Request, user: Officer) -> dict:
    w, _pv = wf.adjust_warning(engine(request), warning_id, actor=user.username, level=body.level, end=body.end,
                               hours_to_start=body.hours_to_start)
    return warning_out(*wf.get_warning(engine(request), w.id))


@router.post("/warnings/{warning_id}/release")
def release(warning_id: int, body: WarningRelease, request: Request, user: Officer) -> dict:
    return warning_out(wf.release_warning(engine(request), warning_id, actor=user.username, reason=body.reason))
