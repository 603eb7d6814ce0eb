"""Heating-season rotation (错峰生产): plan a season from the console, and look at a
stored plan — its state and gap, lines × days per industry and county, a firm's stop
blocks, the livelihood (保民生) lines and their make-up days, the rules the plan had to
break — and download it as the CLI writes it (rotation.xlsx, a firm's .ics).

Planning calls :mod:`emergency.console.rotation_runs` (``plan_season`` and ``save_plan``,
what ``emergency rotation plan`` calls, the time limit bounded, one run at a time);
reading calls :func:`emergency.rotation.service.list_plans` / ``load_plan``; the files
are :mod:`emergency.rotation.export`'s."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import Form, Path as PathParam, Query, Request
from fastapi.responses import RedirectResponse, Response

from emergency.console import charts, plan_view
from emergency.console.pages._router import area_router
from emergency.console.rendering import render
from emergency.console.session import PlannerAction, Reader
from emergency.errors import InputError, NotFound
from emergency.workflow import scope

router = area_router()
Filter = Annotated[str, Query(max_length=200)]
PlanId = Annotated[int, PathParam(ge=1, le=2**62)]
PAGE = 60
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _industries() -> dict[str, str]:
    from config.industries import load_industries

    return {code: ind.name_zh for code, ind in load_industries().industries.items()}


def _counties(engine, version: str | None = None) -> list[str]:
    from emergency.console.list_view import areas

    try:
        return [name for name, parent in areas(engine, version) if parent]
    except NotFound:  # no list yet
        return []


def _version(engine, who, city: str = "") -> str | None:
    """The list a season plan is made from: the account's city's (the province's chosen
    city's; with several cities' lists and none chosen, none: the form asks)."""
    from enterprise_registry.service import cities

    if not who.city and not city and len(cities(engine)) > 1:
        return None
    return scope.version_for(engine, who, city=city or None)


def _plan(engine, plan: int, who=None) -> tuple[int, dict]:
    """A stored plan by id (a stored plan never changes, so it is cached by id); another
    city's is not found for a city's account."""
    from emergency.rotation.service import load_plan

    plan_id, doc = plan_view.cached(("rotation", str(engine.url), plan), lambda: load_plan(engine, plan_id=plan))
    if who is not None:
        scope.check_city(who, doc.get("area"), f"没有错峰生产方案（#{plan}）；请先运行 emergency rotation plan")
    return plan_id, doc


def _cities(engine, who) -> list[str]:
    """The cities the province may plan a season for (empty: one city, nothing to choose)."""
    from enterprise_registry.service import cities

    found = [] if who.city else cities(engine)
    return found if len(found) > 1 else []


def _days(start: str, end: str) -> set[date]:
    d, last, out = date.fromisoformat(start[:10]), date.fromisoformat(end[:10]), set()
    while d <= last:
        out.add(d)
        d += timedelta(days=1)
    return out


def _this_season() -> str:
    """The heating season of the bureau's today (from July on, the coming winter's)."""
    from emergency import clock

    today = clock.today()
    first = today.year if today.month >= 7 else today.year - 1
    return f"{first}-{first + 1}"


def by_industry_and_county(doc: dict) -> list[dict]:
    """Per industry and county: lines stopping (rotation, whole window), livelihood lines,
    exempt lines, stop line·days and the livelihood make-up line·days."""
    rows: dict[tuple[str, str], dict] = {}
    for l in doc.get("lines", []):
        key = (l.get("industry") or "", l.get("county") or "")
        r = rows.setdefault(key, {"industry": key[0], "county": key[1], "rotate": 0, "whole": 0, "livelihood": 0,
                                  "exempt": 0, "stop_days": 0, "makeup_days": 0})
        r[l.get("role")] = r.get(l.get("role"), 0) + 1
        r["stop_days"] += int(l.get("stop_days") or 0)
        r["makeup_days"] += int(l.get("makeup_days") or 0)
    return [rows[k] for k in sorted(rows)]


@router.get("/rotation")
def rotation_page(request: Request, who: Reader, plan: Annotated[int | None, Query(ge=1, le=2**62)] = None,
                  industry: Filter = "", county: Filter = "", q: Filter = "", page: Annotated[int, Query(ge=1, le=10**6)] = 1):
    from emergency.console.rotation_runs import MAX_SECONDS, MIN_SECONDS, runs_of
    from emergency.rotation.result import RotationStatus
    from emergency.rotation.service import list_plans

    engine = request.app.state.engine
    plans = [dict(p, status_zh=RotationStatus(p["status"]).label_zh) for p in reversed(list_plans(engine))
             if not who.city or p["area"] == who.city]
    version = _version(engine, who)
    form = {"industries": _industries(), "counties": _counties(engine, version) if version or not _cities(engine, who) else [],
            "cities": _cities(engine, who), "running": runs_of(request.app).running(),
            "min_seconds": MIN_SECONDS, "max_seconds": MAX_SECONDS, "season": _this_season()}
    if not plans:
        return render(request, "rotation.html", who=who, plans=[], doc=None, message=None, form=form)
    try:
        plan_id, doc = _plan(engine, plan or plans[0]["id"], who)  # default: the newest stored plan
    except NotFound as exc:
        return render(request, "rotation.html", who=who, plans=plans, doc=None, message=exc.message, form=form)
    shown_roles = ("rotate", "whole", "livelihood")
    lines = [l for l in doc.get("lines", []) if l.get("role") in shown_roles]
    if industry:
        lines = [l for l in lines if l.get("industry") == industry]
    if county:
        lines = [l for l in lines if l.get("county") == county]
    if q:
        lines = [l for l in lines if q in l.get("uscc", "") or q in (l.get("enterprise") or "")]
    pages = max(1, -(-len(lines) // PAGE))
    page = min(page, pages)
    warning_days: set[date] = set()
    for w in doc.get("warnings", []):
        warning_days |= _days(w["start"], w["end"])
    shown = lines[(page - 1) * PAGE: page * PAGE]
    query = {k: v for k, v in (("plan", plan_id), ("industry", industry), ("county", county), ("q", q)) if v}
    livelihood = [l for l in doc.get("lines", []) if l.get("role") == "livelihood"]
    firms = sorted({(l["uscc"], l.get("enterprise") or "") for l in lines if l.get("blocks")}) if q else []
    return render(request, "rotation.html", who=who, plans=plans, doc=doc, plan_id=plan_id, total=len(lines), page=page,
                  pages=pages, grid=charts.rotation_grid(shown, date.fromisoformat(doc["window"][0]), int(doc["days"]),
                                                         warning_days),
                  shown=shown, filters={"industry": industry, "county": county, "q": q}, query=query,
                  industries=sorted({(l.get("industry"), doc.get("industries", {}).get(l.get("industry"), l.get("industry")))
                                     for l in doc.get("lines", [])}),
                  counties=sorted({l.get("county") for l in doc.get("lines", []) if l.get("county")}),
                  groups=plan_view.cached(("rotation-groups", str(engine.url), plan_id), lambda: by_industry_and_county(doc)),
                  livelihood=livelihood, firms=firms, message=None, form=form)


@router.post("/rotation/plan")
def start_plan(request: Request, who: PlannerAction, season: Annotated[str, Form(max_length=20)],
               time_limit: Annotated[int, Form(ge=1, le=3600)] = 30,
               industry: Annotated[list[str] | None, Form(max_length=100)] = None,
               county: Annotated[list[str] | None, Form(max_length=200)] = None,
               city: Annotated[str, Form(max_length=100)] = ""):
    from emergency.console.rotation_runs import new_run, runs_of
    from enterprise_registry.service import cities

    engine = request.app.state.engine
    version = _version(engine, who, city)
    if version is None and not who.city and len(cities(engine)) > 1:
        raise InputError(f"数据库中有多个城市的清单（{'、'.join(cities(engine))}）：请选择城市 (name a city)", field="city")
    industries, counties = list(dict.fromkeys(industry or [])), list(dict.fromkeys(county or []))
    catalog = _industries()
    if unknown := [x for x in industries if x not in catalog]:
        raise InputError(f"未知的行业：{'、'.join(unknown[:5])} (unknown industry)", field="industry")
    known = set(_counties(engine, version))
    if not known:
        raise InputError("尚无减排清单，无法编排错峰方案；请先上传清单 (no list)")
    if unknown := [x for x in counties if x not in known]:
        raise InputError(f"清单中没有区县：{'、'.join(unknown[:5])} (unknown county)", field="county")
    run = runs_of(request.app).start(engine, new_run(season, industries, counties, time_limit, who.username), version)
    return RedirectResponse(f"/rotation/runs/{run.id}", status_code=303)


@router.get("/rotation/runs/{run_id}")
def run_page(request: Request, who: Reader, run_id: Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_-]{8,40}$")]):
    from emergency.console.rotation_runs import runs_of

    run = runs_of(request.app).get(run_id)
    if run.state == "done":
        return RedirectResponse(f"/rotation?plan={run.plan_id}", status_code=303)
    catalog = _industries()
    return render(request, "rotation_run.html", who=who, run=run, industries=[catalog.get(x, x) for x in run.industries],
                  share=min(1.0, run.elapsed / max(1, run.time_limit)))


@router.get("/rotation/{plan}/rotation.xlsx")
def plan_workbook(plan: PlanId, request: Request, who: Reader):
    from emergency.rotation.export import write_xlsx

    engine = request.app.state.engine
    plan_id, doc = _plan(engine, plan, who)

    def build() -> bytes:  # minutes for a province's 10^5 lines × 121 days: built once per stored plan
        with tempfile.TemporaryDirectory(prefix="emergency-export-") as tmp:
            return write_xlsx(doc, Path(tmp) / "rotation.xlsx").read_bytes()

    data = plan_view.cached(("rotation-xlsx", str(engine.url), plan_id), build)
    name = f"{doc['area']}{doc['season']}错峰生产方案{plan_id}.xlsx"
    return Response(data, media_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"rotation-{plan_id}.xlsx\"; filename*=UTF-8''{quote(name)}"})


@router.get("/rotation/{plan}/ics/{uscc}.ics")
def firm_calendar(plan: PlanId, request: Request, who: Reader,
                  uscc: Annotated[str, PathParam(pattern=r"^[0-9A-Z]{18}$")]):
    from emergency.rotation.export import enterprise_ics

    plan_id, doc = _plan(request.app.state.engine, plan, who)
    text = enterprise_ics(doc, uscc)
    if text is None:
        raise NotFound(f"企业 {uscc} 在方案 #{plan_id} 中没有停产时段 (no stop blocks for this firm)")
    return Response(text.encode("utf-8"), media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=\"{uscc}.ics\""})
