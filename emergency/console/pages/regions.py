"""Console pages of regions: regional warnings (区域预警提示) and which cities have responded.

``/regions``: the regional warnings (the province: all, with the form to issue one — CSRF,
the province's account only; a city's officer: those obliging its city, with its own
status, overdue in red) and the regions with their cities. ``/regions/warnings/{id}``: the
notice and the response board — each city, its level, when it reached the required level,
on time or late, overdue in red, reminded — and the release form. Everything through
:mod:`emergency.region.service`, as the CLI and the API.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse

from emergency import clock
from emergency.console.pages._router import area_router
from emergency.console.rendering import render
from emergency.console.session import OfficerAction, Reader
from emergency.region import service
from emergency.vocabulary import LEVELS

router = area_router()


def banner(engine, who) -> list[dict]:
    """The issued regional warnings obliging a city officer's city, with the city's status
    (for a banner on the home page: ``regions_banner.html`` with ``regional=banner(...)``)."""
    city = service.city_of(who)
    if city is None:
        return []
    return [{"rw": rw, "row": row, "deadline": service.deadline_of(rw)} for rw, row in service.for_city(engine, city)]


@router.get("/regions")
def regions_page(request: Request, who: Reader):
    from config.regions import regions

    engine = request.app.state.engine
    rows = service.list_regional(engine, user=who)
    boards = {rw.id: service.board(engine, rw.id, user=who) for rw in rows if rw.state == "issued"}
    start = clock.day_start(clock.today() + timedelta(days=1))
    return render(request, "regions.html", who=who, rows=rows, boards=boards, regions=regions(),
                  city=service.city_of(who), province=service.city_of(who) is None, levels=LEVELS,
                  banner=banner(engine, who), default_start=start, default_end=start + timedelta(days=3))


@router.post("/regions/warnings")
def issue_page(
    request: Request, who: OfficerAction,
    region: Annotated[str, Form(max_length=100)], level: Annotated[str, Form(max_length=10)],
    start: Annotated[str, Form(max_length=40)], end: Annotated[str, Form(max_length=40)],
    notice: Annotated[str, Form(max_length=service.NOTICE_MAX)] = "",
):
    service.require_province(who)
    rw = service.issue_regional(request.app.state.engine, actor=who.username, region=region, level=level,
                                start=clock.parse(start.replace("T", " "), "开始时间"),
                                end=clock.parse(end.replace("T", " "), "结束时间"), notice=notice)
    return RedirectResponse(f"/regions/warnings/{rw.id}", status_code=303)


@router.get("/regions/warnings/{regional_id}")
def regional_page(regional_id: int, request: Request, who: Reader):
    b = service.board(request.app.state.engine, regional_id, user=who)
    return render(request, "regions_warning.html", who=who, b=b, rw=b.regional, cities=json.loads(b.regional.cities),
                  province=service.city_of(who) is None)


@router.post("/regions/warnings/{regional_id}/release")
def release_page(regional_id: int, request: Request, who: OfficerAction,
                 reason: Annotated[str, Form(max_length=1000)] = ""):
    service.check_visible(who, service.get_regional(request.app.state.engine, regional_id))  # another region's: 404
    service.require_province(who)
    service.release_regional(request.app.state.engine, regional_id, actor=who.username, reason=reason.strip() or None)
    return RedirectResponse(f"/regions/warnings/{regional_id}", status_code=303)
