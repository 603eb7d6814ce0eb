"""Warnings (预警): the list, issue / adjust with a preview before committing, release,
one warning's page.

Issue and adjust are two steps over the same service call
(:func:`emergency.workflow.lifecycle.issue_warning` / ``adjust_warning``): *preview*
(``preview=True``: the plan and its summary — each area's targets met or short,
lost value, spared firms, lines excluded by lead time, what changed — nothing
written), then *commit* with the same fields. A plan short of a target is refused by
the service unless the officer ticks an explicit approval (approve the suggested
spared firms, or accept the shortfall); the refusal shows the preview again with the
message. Lead times are counted from now at each step.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse

from emergency import clock
from emergency.api.routes.deps import control_character
from emergency.console import forecasts, plan_view
from emergency.console.pages._router import area_router
from emergency.console.rendering import render
from emergency.console.session import OfficerAction, OfficerPage, Reader, Who
from emergency.errors import InputError, TargetsNotMet
from emergency.vocabulary import WarningLevel
from emergency.workflow import scope

router = area_router()
Text = Annotated[str, Form(max_length=200)]
LEVELS = [WarningLevel.YELLOW, WarningLevel.ORANGE, WarningLevel.RED]
# Time fields are text in the bureau's 24-hour clock (a browser's datetime field follows
# the operating system's locale: 12/09/2026, 12:00 AM on an English system).
INPUT_FORMAT = "%Y-%m-%d %H:%M"


def _time(text: str, what: str, field: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        return clock.aware(datetime.fromisoformat(text))
    except ValueError:
        raise InputError(f"{what}“{text[:30]}”不是有效时间，应为 2026-12-05 00:00（{clock.zone_label()}，24小时制）", field=field) from None


def _level(text: str, allow_empty: bool = False) -> WarningLevel | None:
    if allow_empty and not text:
        return None
    try:
        level = WarningLevel(text)
    except ValueError:
        raise InputError(f"未知预警级别“{text[:20]}”，请选择黄色、橙色或红色 (unknown level)", field="level") from None
    if level is WarningLevel.NONE:
        raise InputError("请选择黄色、橙色或红色预警 (level none)", field="level")
    return level


def _codes(text: str) -> list[str]:
    if control_character(text):
        raise InputError("豁免企业代码中含控制字符 (control characters)", field="approved_spared")
    return [c.upper() for c in re.split(r"[\s,，、;；]+", text) if c]


@dataclass(frozen=True)
class Approval:
    approved_spared: list[str]
    approve_suggested: bool
    accept_shortfall: bool

    @classmethod
    def of(cls, spared: str, suggested: str, shortfall: str) -> "Approval":
        return cls(_codes(spared), suggested == "1", shortfall == "1")

    def kwargs(self) -> dict:
        return {"approved_spared": tuple(self.approved_spared), "approve_suggested": self.approve_suggested,
                "accept_shortfall": self.accept_shortfall}


def _areas_of_list(engine, version: str | None = None) -> list[str]:
    from emergency.console.list_view import areas

    return [name for name, _ in areas(engine, version)]


def _city_choice(engine, who: Who, city: str) -> tuple[str | None, list[str]]:
    """(the list version the form acts on, the cities the account may choose): a city's
    account its own; the province the chosen city's, or none yet when several cities
    have lists (the form asks for one)."""
    from enterprise_registry.service import cities

    choices = [who.city] if who.city else cities(engine)
    if not who.city and not city and len(choices) > 1:
        return None, choices
    return scope.version_for(engine, who, city=city or None), choices


@router.get("/warnings")
def warnings_list(request: Request, who: Reader, city: str = ""):
    from emergency.workflow.lifecycle import list_warnings

    rows = scope.visible(who, list_warnings(request.app.state.engine), city or None)
    plan_view.warm_if_cold(request.app.state.engine, [w for w in rows if w.state in ("issued", "adjusted")])
    return render(request, "warnings.html", who=who, warnings=rows, areas={w.id: "、".join(json.loads(w.areas)) for w in rows})


@router.get("/warnings/new")
def new_warning(request: Request, who: OfficerPage, level: str = "", start: str = "", end: str = "", area: str = "",
                city: str = ""):
    """The issue form, filled from the latest evaluation (or from a suggestion's link);
    the province chooses the city first when several cities have lists."""
    engine = request.app.state.engine
    version, cities = _city_choice(engine, who, city)
    city = scope.chosen_city(who, city) or (cities[0] if len(cities) == 1 else "")
    ev = forecasts.latest(engine, city or None)
    if ev and ev.level != "none" and not (level or start or end):
        s, e = ev.period()
        level, start, end = ev.level, clock.fmt(s, INPUT_FORMAT) if s else "", clock.fmt(e, INPUT_FORMAT) if e else ""
    form = {"level": level, "start": _as_input(start), "end": _as_input(end), "areas": [area] if area else [],
            "approved_spared": "", "approve_suggested": False, "accept_shortfall": False,
            "evaluation": ev.id if ev else "", "city": city}
    all_areas = _areas_of_list(engine, version) if version or len(cities) <= 1 else []
    return render(request, "warning_new.html", who=who, form=form, levels=LEVELS, all_areas=all_areas, ev=ev,
                  cities=cities, city_chosen=bool(version or len(cities) <= 1))


def _as_input(text: str) -> str:
    """An ISO time (any offset) as the bureau's ``YYYY-MM-DD HH:MM`` for a time field."""
    if not text:
        return ""
    try:
        return clock.fmt(clock.parse(text), INPUT_FORMAT)
    except Exception:  # noqa: BLE001 - a bad link leaves the field empty
        return ""


def _issue_call(request: Request, who: Who, level: str, start: str, end: str, areas: list[str], approval: Approval,
                evaluation: str, preview: bool, city: str = ""):
    from emergency.workflow.lifecycle import issue_warning

    lv = _level(level)
    s, e = _time(start, "开始时间", "start"), _time(end, "结束时间", "end")
    if s is None or e is None:
        raise InputError("请填写预警开始和结束时间 (start and end are required)", field="start")
    if any(control_character(a) for a in areas):
        raise InputError("区域名称含控制字符 (control characters)", field="areas")
    version = scope.version_for(request.app.state.engine, who, city=city or None)
    ev = (forecasts.get(request.app.state.engine, int(evaluation), scope.chosen_city(who, city or None))
          if evaluation.isdigit() and len(evaluation) < 12 else None)
    return issue_warning(request.app.state.engine, actor=who.username, level=lv, areas=areas or None, start=s, end=e,
                         forecast=ev.forecast if ev else None, preview=preview, registry_version=version, **approval.kwargs())


def _form(level, start, end, areas, approval: Approval, evaluation="", city="") -> dict:
    return {"level": level, "start": start, "end": end, "areas": areas, "approved_spared": ",".join(approval.approved_spared),
            "approve_suggested": approval.approve_suggested, "accept_shortfall": approval.accept_shortfall,
            "evaluation": evaluation, "city": city}


@router.post("/warnings/preview")
def preview_issue(request: Request, who: OfficerAction, level: Text = "", start: Text = "", end: Text = "",
                  areas: Annotated[list[str], Form()] = [], approved_spared: Annotated[str, Form(max_length=20000)] = "",
                  approve_suggested: Text = "", accept_shortfall: Text = "", evaluation: Text = "", city: Text = ""):
    approval = Approval.of(approved_spared, approve_suggested, accept_shortfall)
    p = _issue_call(request, who, level, start, end, areas, approval, evaluation, preview=True, city=city)
    return render(request, "preview.html", who=who, s=p.summary, mode="issue",
                  form=_form(level, start, end, areas, approval, evaluation, city), commit_url="/warnings/issue",
                  preview_url="/warnings/preview", refused=None)


@router.post("/warnings/issue")
def issue(request: Request, who: OfficerAction, level: Text = "", start: Text = "", end: Text = "",
          areas: Annotated[list[str], Form()] = [], approved_spared: Annotated[str, Form(max_length=20000)] = "",
          approve_suggested: Text = "", accept_shortfall: Text = "", evaluation: Text = "", city: Text = ""):
    approval = Approval.of(approved_spared, approve_suggested, accept_shortfall)
    try:
        change = _issue_call(request, who, level, start, end, areas, approval, evaluation, preview=False, city=city)
    except TargetsNotMet as exc:
        return render(request, "preview.html", status_code=412, who=who, s=exc.extra["summary"], mode="issue",
                      form=_form(level, start, end, areas, approval, evaluation, city), commit_url="/warnings/issue",
                      preview_url="/warnings/preview", refused=exc.message)
    plan_view.warm(request.app.state.engine, change.warning.id)
    return RedirectResponse(f"/warnings/{change.warning.id}?done=issue", status_code=303)


@router.get("/warnings/{warning_id}")
def warning_page(warning_id: int, request: Request, who: Reader, done: str = ""):
    from emergency.console.warning_view import warning_and_versions

    w, versions = warning_and_versions(request.app.state.engine, warning_id)
    if versions:
        plan_view.warm_if_cold(request.app.state.engine, [w])
    changes = {v.version_no: json.loads(v.changes or "{}") for v in versions}
    return render(request, "warning.html", who=who, w=w, versions=versions, changes=changes,
                  areas="、".join(json.loads(w.areas)), levels=LEVELS, done=done,
                  active=w.state in ("issued", "adjusted"))


def _adjust_call(request: Request, who: Who, warning_id: int, level: str, end: str, effective_from: str,
                 approval: Approval, preview: bool):
    from emergency.workflow.lifecycle import adjust_warning

    return adjust_warning(request.app.state.engine, warning_id, actor=who.username, level=_level(level, allow_empty=True),
                          end=_time(end, "结束时间", "end"), effective_from=_time(effective_from, "生效时间", "effective_from"),
                          preview=preview, **approval.kwargs())


@router.post("/warnings/{warning_id}/adjust/preview")
def preview_adjust(warning_id: int, request: Request, who: OfficerAction, level: Text = "", end: Text = "",
                   effective_from: Text = "", approved_spared: Annotated[str, Form(max_length=20000)] = "",
                   approve_suggested: Text = "", accept_shortfall: Text = ""):
    approval = Approval.of(approved_spared, approve_suggested, accept_shortfall)
    p = _adjust_call(request, who, warning_id, level, end, effective_from, approval, preview=True)
    form = {**_form(level, "", end, [], approval), "effective_from": effective_from}
    return render(request, "preview.html", who=who, s=p.summary, mode="adjust", form=form,
                  commit_url=f"/warnings/{warning_id}/adjust", preview_url=f"/warnings/{warning_id}/adjust/preview",
                  refused=None)


@router.post("/warnings/{warning_id}/adjust")
def adjust(warning_id: int, request: Request, who: OfficerAction, level: Text = "", end: Text = "",
           effective_from: Text = "", approved_spared: Annotated[str, Form(max_length=20000)] = "",
           approve_suggested: Text = "", accept_shortfall: Text = ""):
    approval = Approval.of(approved_spared, approve_suggested, accept_shortfall)
    try:
        _adjust_call(request, who, warning_id, level, end, effective_from, approval, preview=False)
    except TargetsNotMet as exc:
        form = {**_form(level, "", end, [], approval), "effective_from": effective_from}
        return render(request, "preview.html", status_code=412, who=who, s=exc.extra["summary"], mode="adjust",
                      form=form, commit_url=f"/warnings/{warning_id}/adjust",
                      preview_url=f"/warnings/{warning_id}/adjust/preview", refused=exc.message)
    plan_view.warm(request.app.state.engine, warning_id)
    return RedirectResponse(f"/warnings/{warning_id}?done=adjust", status_code=303)


@router.post("/warnings/{warning_id}/release")
def release(warning_id: int, request: Request, who: OfficerAction, reason: Annotated[str, Form(max_length=500)] = "",
            confirm: Text = ""):
    from emergency.workflow.lifecycle import release_warning

    if confirm != "1":
        raise InputError("解除预警须勾选“确认解除”(tick the confirmation)", field="confirm")
    if control_character(reason):
        raise InputError("解除原因含控制字符 (control characters)", field="reason")
    release_warning(request.app.state.engine, warning_id, actor=who.username, reason=reason.strip() or None)
    plan_view.warm(request.app.state.engine, warning_id)
    return RedirectResponse(f"/warnings/{warning_id}?done=release", status_code=303)
