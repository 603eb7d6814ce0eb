"""Warnings (预警): issue, adjust (upgrade / downgrade / extend), release, read.

Times are ISO 8601; a time without an offset is the bureau's (北京时间); answers carry
``+08:00``. Issue and adjust answer the warning with its plan versions and ``summary``
(targets met or short per area and pollutant, lost value, spared firms, lines excluded
by lead time, what changed). A plan short of any target is not issued: HTTP 412
``targets_not_met`` with ``summary`` and ``suggestion`` — unless ``accept_shortfall`` or
approved spared firms (``approved_spared``, ``approve_suggested``) close it. A change
that lost a race with another (adjust vs release) answers 409.
"""

from __future__ import annotations

import json
from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import Field

from emergency import clock
from emergency.api.routes.deps import In, Officer, Reader, engine
from emergency.workflow import lifecycle as wf, scope
from emergency.vocabulary import WarningLevel

router = APIRouter(tags=["warnings"])

_HOURS = "Override of the lead-time horizon (hours before the measures take effect); default counted from now."


class _Approval(In):
    approved_spared: list[str] = Field(default_factory=list, description="Spared firms (codes) approved for measures.")
    approve_suggested: bool = Field(default=False, description="Approve the suggested spared firms if they close the shortfall.")
    accept_shortfall: bool = Field(default=False, description="Issue although a target is short (audited).")


class WarningIssue(_Approval):
    level: WarningLevel
    areas: list[str] | None = None
    start: datetime = Field(description="Without an offset: the bureau's time (北京时间).")
    end: datetime
    rule_set: str | None = None
    forecast: dict | None = None
    hours_to_start: float | None = Field(default=None, ge=0, description=_HOURS)
    merge: bool = False
    city: str | None = Field(default=None, max_length=100, description="The city whose list the warning plans from: "
                             "a city's account issues for its own city; the province names it when several cities have lists.")


class WarningAdjust(_Approval):
    level: WarningLevel | None = None
    end: datetime | None = None
    effective_from: datetime | None = Field(default=None, description="When the new measures take effect (default: now, or the start if later).")
    hours_to_start: float | None = Field(default=None, ge=0, description=_HOURS)


class WarningRelease(In):
    reason: str | None = None


def warning_out(w, versions=None) -> dict:
    out = {
        "id": w.id, "state": w.state, "level": w.level, "rule_set": w.rule_set, "areas": json.loads(w.areas),
        "start": clock.iso(w.start), "end": clock.iso(w.end), "registry_version": w.registry_version,
        "created_by": w.created_by, "created_at": clock.iso(w.created_at), "updated_at": clock.iso(w.updated_at),
        "row_version": w.row_version, "released_at": clock.iso(w.released_at), "released_by": w.released_by,
        "release_reason": w.release_reason, "city": w.city,
    }
    if versions is not None:
        out["plan_versions"] = [
            {"version": v.version_no, "transition": v.transition, "level": v.level, "sha256": v.sha256,
             "effective_from": clock.iso(v.effective_from), "created_by": v.created_by,
             "created_at": clock.iso(v.created_at), "changes": json.loads(v.changes or "{}")}
            for v in versions
        ]
    return out


def _changed(request: Request, change: wf.Change) -> dict:
    return {**warning_out(*wf.get_warning(engine(request), change.warning.id)), "summary": change.summary}


@router.get("/warnings")
def warnings(request: Request, user: Reader, active: bool = False, city: str | None = None) -> list[dict]:
    """The warnings of the account's city (the province: every city's, or ``city``'s)."""
    return [warning_out(w) for w in scope.visible(user, wf.list_warnings(engine(request), active_only=active), city)]


@router.post("/warnings", status_code=201)
def issue(body: WarningIssue, request: Request, user: Officer) -> dict:
    return _changed(request, wf.issue_warning(
        engine(request), actor=user.username, level=body.level, areas=body.areas, start=body.start, end=body.end,
        rule_set=body.rule_set, forecast=body.forecast, hours_to_start=body.hours_to_start,
        registry_version=scope.version_for(engine(request), user, city=body.city), approved_spared=tuple(body.approved_spared), approve_suggested=body.approve_suggested,
        accept_shortfall=body.accept_shortfall, merge=body.merge,
    ))


@router.get("/warnings/{warning_id}")
def show(warning_id: int, request: Request, _: Reader) -> dict:
    return warning_out(*wf.get_warning(engine(request), warning_id))


@router.post("/warnings/{warning_id}/adjust")
def adjust(warning_id: int, body: WarningAdjust, request: Request, user: Officer) -> dict:
    return _changed(request, wf.adjust_warning(
        engine(request), warning_id, actor=user.username, level=body.level, end=body.end,
        effective_from=body.effective_from, hours_to_start=body.hours_to_start,
        approved_spared=tuple(body.approved_spared), approve_suggested=body.approve_suggested,
        accept_shortfall=body.accept_shortfall,
    ))


@router.post("/warnings/{warning_id}/release")
def release(warning_id: int, body: WarningRelease, request: Request, user: Officer) -> dict:
    return warning_out(wf.release_warning(engine(request), warning_id, actor=user.username, reason=body.reason))
