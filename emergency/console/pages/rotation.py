"""Heating-season rotation (错峰生产): the calendar of a stored plan as lines × days
per industry and county, a firm's stop blocks, the rules the plan had to break.

Reads :func:`emergency.rotation.service.list_plans` / ``load_plan`` — what
``emergency rotation plans`` / ``show`` read; planning a season stays a CLI job
(``emergency rotation plan``, minutes of CP-SAT)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import Query, Request

from emergency.console import charts, plan_view
from emergency.console.pages._router import area_router
from emergency.console.rendering import render
from emergency.console.session import Reader

router = area_router()
Filter = Annotated[str, Query(max_length=200)]
PAGE = 60


@router.get("/rotation")
def rotation_page(request: Request, who: Reader, plan: Annotated[int | None, Query(ge=1, le=2**62)] = None,
                  industry: Filter = "", county: Filter = "", q: Filter = "", page: Annotated[int, Query(ge=1, le=10**6)] = 1):
    from emergency.errors import NotFound
    from emergency.rotation.service import list_plans, load_plan

    engine = request.app.state.engine
    plans = list(reversed(list_plans(engine)))
    if not plans:
        return render(request, "rotation.html", who=who, plans=[], doc=None, message=None)
    plan = plan or plans[0]["id"]  # the newest stored plan; a stored plan never changes, so it is cached by id
    try:
        plan_id, doc = plan_view.cached(("rotation", str(engine.url), plan), lambda: load_plan(engine, plan_id=plan))
    except NotFound as exc:
        return render(request, "rotation.html", who=who, plans=plans, doc=None, message=exc.message)
    lines = [l for l in doc.get("lines", []) if l.get("role") in ("rotate", "whole")]
    if industry:
        lines = [l for l in lines if l.get("industry") == industry]
    if county:
        lines = [l for l in lines if l.get("county") == county]
    if q:
        lines = [l for l in lines if q in l.get("uscc", "") or q in (l.get("enterprise") or "")]
    pages = max(1, -(-len(lines) // PAGE))
    page = min(page, pages)
    first = date.fromisoformat(doc["window"][0])
    warning_days = set()
    for w in doc.get("warnings", []):
        d, end = date.fromisoformat(w["start"][:10]), date.fromisoformat(w["end"][:10])
        while d <= end:
            warning_days.add(d)
            d += timedelta(days=1)
    shown = lines[(page - 1) * PAGE: page * PAGE]
    query = {k: v for k, v in (("plan", plan_id), ("industry", industry), ("county", county), ("q", q)) if v}
    return render(request, "rotation.html", who=who, plans=plans, doc=doc, plan_id=plan_id, total=len(lines), page=page,
                  pages=pages, grid=charts.rotation_grid(shown, first, int(doc["days"]), warning_days), shown=shown,
                  filters={"industry": industry, "county": county, "q": q}, query=query,
                  industries=sorted({(l.get("industry"), doc.get("industries", {}).get(l.get("industry"), l.get("industry")))
                                     for l in doc.get("lines", [])}),
                  counties=sorted({l.get("county") for l in doc.get("lines", []) if l.get("county")}), message=None)
