"""值班台 (home): now, the latest forecast evaluation and its chart, suggested
warnings from the scheduler, active warnings with the time to their start and end;
the form that evaluates a typed or uploaded forecast."""

from __future__ import annotations

import json
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlmodel import Session

from emergency import clock
from emergency.console import charts, forecasts, plan_view
from emergency.console.pages._router import area_router
from emergency.console.rendering import render
from emergency.console.session import PlannerAction, Who, page, signed_in
from emergency.errors import InputError
from emergency.workflow import scope
from emergency.workflow.roles import Permission

router = area_router()
SUGGESTION_DAYS = 3  # suggestions of the last days are shown


def suggestions(engine, city: str | None = None) -> list[dict]:
    """The scheduler's suggested warnings of the last days (newest first); ``city``: only
    that city's (a suggestion recorded before suggestions named their city is shown to all)."""
    from emergency.scheduler.models import DispatchRecord
    from emergency.scheduler.warnings import KIND_SUGGESTION

    since = clock.today() - timedelta(days=SUGGESTION_DAYS)
    with Session(engine) as session:
        rows = session.execute(
            select(DispatchRecord).where(DispatchRecord.kind == KIND_SUGGESTION, DispatchRecord.day >= since)
            .order_by(DispatchRecord.id.desc()).limit(20)
        ).scalars().all()
    out = []
    for r in rows:
        payload = json.loads(r.payload or "{}")
        if city is not None and payload.get("city") not in (None, city):
            continue
        out.append({"day": r.day, "status": r.status, "area": payload.get("area"), "level": payload.get("level"),
                    "start": payload.get("suggested_start"), "end": payload.get("suggested_end"),
                    "note": payload.get("note_zh"), "issued": payload.get("issued_warning")})
    return out


@router.get("/")
def home(request: Request, who: Annotated[Who, Depends(signed_in)]):
    from emergency.workflow.lifecycle import list_warnings

    if who.user.role == "enterprise":  # a firm's account has its own portal (企业端, pages/firm.py)
        return RedirectResponse("/firm", status_code=303)
    who = page(Permission.READ)(request, who)
    engine = request.app.state.engine
    ev = forecasts.latest(engine, who.city)
    chart = charts.aqi_bars(ev.values(), ev.first_day(), ev.period_steps()) if ev else None
    active = scope.visible(who, list_warnings(engine, active_only=True))
    plan_view.warm_if_cold(engine, active)
    from emergency.console.pages.regions import banner as regional_banner

    return render(request, "home.html", who=who, ev=ev, chart=chart, active=active,
                  regional=regional_banner(engine, who),
                  areas={w.id: "、".join(json.loads(w.areas)) for w in active},
                  suggestions=suggestions(engine, scope.city_of(who)), tomorrow=clock.today() + timedelta(days=1))


@router.post("/forecast/evaluate")
def evaluate_forecast(request: Request, who: PlannerAction, values: Annotated[str, Form(max_length=20000)] = "",
                      first_day: Annotated[str, Form(max_length=20)] = "",
                      file: Annotated[UploadFile | None, File()] = None, city: Annotated[str, Form(max_length=100)] = ""):
    """A typed daily AQI series (from ``first_day``, Beijing) or an uploaded forecast file,
    evaluated under the account's city's rule set (the province names the city when
    several cities have lists)."""
    from emergency.api.uploads import client_name, receive
    from emergency.forecast.files import parse_text
    from emergency.warning.series import daily_series, to_aqi_series

    engine = request.app.state.engine
    if file is not None and file.filename:
        name = client_name(file)
        with tempfile.TemporaryDirectory(prefix="emergency-upload-") as tmp:
            path = receive(file, Path(tmp), (".csv", ".json"), limit=5 * 1024 * 1024)
            try:
                text = path.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError:
                raise InputError(f"预报文件“{name}”不是 UTF-8 文本 (not UTF-8)") from None
        series = to_aqi_series(parse_text(text, name))
        forecasts.evaluate_and_record(engine, series, who.username, f"文件 {name}", scope.chosen_city(who, city))
    else:
        try:
            day = date.fromisoformat(first_day.strip()) if first_day.strip() else clock.today() + timedelta(days=1)
        except ValueError:
            raise InputError(f"首日“{first_day[:20]}”不是日期，应为 2026-12-05 (bad date)", field="first_day") from None
        series = daily_series(forecasts.parse_values(values), day)
        forecasts.evaluate_and_record(engine, series, who.username, "值班台录入", scope.chosen_city(who, city))
    return RedirectResponse("/", status_code=303)
