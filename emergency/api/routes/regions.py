"""The API of regions and regional warnings (区域预警提示) and the cities' responses.

``GET /api/regions``: the regions of ``config/regions`` (cities, time to respond, sources).
``GET /api/regions/warnings[?active=true]``: the regional warnings (a city's account: those
obliging its city). ``POST /api/regions/warnings``: issue one (the province: an account with
the warning permission and no city). ``GET /api/regions/warnings/{regional_id}``,
``POST …/release``, ``GET …/board``: each city's response (a city's account: its own row).
Times in answers are the bureau's (ISO 8601 with the offset); typed without a zone they
are the bureau's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import Field

from emergency.api.routes.deps import In, Officer, Reader, engine
from emergency.region import service
from emergency.vocabulary import WarningLevel

router = APIRouter(tags=["regions"])


class RegionalIn(In):
    region: str = Field(max_length=100, description="the region's key (fenwei) or Chinese name (汾渭平原)")
    level: WarningLevel
    start: datetime
    end: datetime
    notice: str | None = Field(default=None, max_length=service.NOTICE_MAX)


class ReleaseIn(In):
    reason: str | None = Field(default=None, max_length=1000)


@router.get("/regions")
def list_regions(_: Reader) -> list[dict]:
    from config.regions import regions

    return [service.region_dict(r) for r in regions()]


@router.get("/regions/warnings")
def list_regional(request: Request, user: Reader,
                  active: Annotated[bool, Query(description="Issued ones only")] = False) -> list[dict]:
    return [service.regional_dict(r) for r in service.list_regional(engine(request), user=user, active_only=active)]


@router.post("/regions/warnings", status_code=201)
def issue_regional(body: RegionalIn, request: Request, user: Officer) -> dict:
    service.require_province(user)
    rw = service.issue_regional(engine(request), actor=user.username, region=body.region, level=body.level,
                                start=body.start, end=body.end, notice=body.notice)
    return service.regional_dict(rw)


@router.get("/regions/warnings/{regional_id}")
def get_regional(regional_id: int, request: Request, user: Reader) -> dict:
    rw = service.get_regional(engine(request), regional_id)
    service.check_visible(user, rw)
    return service.regional_dict(rw)


@router.post("/regions/warnings/{regional_id}/release")
def release_regional(regional_id: int, request: Request, user: Officer, body: ReleaseIn | None = None) -> dict:
    service.check_visible(user, service.get_regional(engine(request), regional_id))  # another region's: 404
    service.require_province(user)
    rw = service.release_regional(engine(request), regional_id, actor=user.username,
                                  reason=body.reason if body else None)
    return service.regional_dict(rw)


@router.get("/regions/warnings/{regional_id}/board")
def board(regional_id: int, request: Request, user: Reader) -> dict:
    return service.board_dict(service.board(engine(request), regional_id, user=user))
