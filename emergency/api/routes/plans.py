"""Plans (减排方案): previews and the stored versions of a warning's plan."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import Field

from emergency import clock
from emergency.api.routes.deps import In, Planner, Reader, engine
from emergency.plans.document import PlanDocument
from emergency.workflow import lifecycle as wf
from enterprise_registry import service as registry
from emergency.vocabulary import WarningLevel

router = APIRouter(tags=["plans"])


class PlanRequest(In):
    level: WarningLevel
    areas: list[str] | None = None
    start: datetime | None = Field(default=None, description="The warning's start (北京时间 without an offset): "
                                   "lead times are then counted from now to it.")
    hours_to_start: float | None = Field(default=None, ge=0, description="Override of the lead-time horizon (hours); "
                                         "without it or start, lead times are not counted.")
    registry_version: str | None = None
    city: str | None = Field(default=None, max_length=100, description="The city whose list to plan from (the province, "
                             "when several cities have lists); a city's account plans from its own.")
    approved_spared: list[str] = Field(default_factory=list)


@router.post("/plans/preview")
def preview_plan(body: PlanRequest, request: Request, user: Planner) -> PlanDocument:
    """A plan that is not issued. Its policy is the list's city's (a broken locality file
    is an error naming the file and key, never the national policy in its place)."""
    from emergency.plans.service import make_plan, policy_for
    from emergency.workflow.lifecycle import lead_hours

    from emergency.workflow import scope

    tables = registry.load_planning_tables(engine(request), scope.version_for(engine(request), user, body.registry_version, body.city))
    hours = body.hours_to_start
    if hours is None and body.start is not None:
        hours = lead_hours(clock.aware(body.start))
    return make_plan(tables, body.level, policy=policy_for(tables), areas=body.areas, hours_to_start=hours,
                     approved_spared=body.approved_spared).document


@router.get("/warnings/{warning_id}/plans")
def plans(warning_id: int, request: Request, _: Reader) -> list[dict]:
    from emergency.api.routes.warnings import warning_out

    return warning_out(*wf.get_warning(engine(request), warning_id))["plan_versions"]


@router.get("/warnings/{warning_id}/plans/{version}")
def plan(warning_id: int, version: int, request: Request, _: Reader) -> PlanDocument:
    return PlanDocument.model_validate_json(wf.plan_version(engine(request), warning_id, version).document)
