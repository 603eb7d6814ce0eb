"""Forecast poll, suggested warnings and reminders for the duty officer.

- :func:`evaluate_forecast_for_area` — the one call into the warning package
  (``emergency.forecast`` fetches, ``emergency.warning.evaluate`` grades under the
  area's rule set). Everything else here is bookkeeping.
- :func:`poll_forecast` — when the forecast calls for a warning and none is active
  for the area, record a *suggested* warning (``dispatch_log`` kind
  ``warning_suggestion``, one per area, day and level) for the duty officer. It is
  never issued without a person, unless the area is listed in ``auto_issue_areas`` —
  and even then never when its plan misses a target (recorded ``short_not_issued``
  with the shortfall, logged as an error: only a person accepts a shortfall).
  When a warning is active and the forecast allows its release, record a release
  reminder.
- :func:`remind_expiry` — a reminder when an active warning ends within
  ``expiry_reminder_hours`` (one per warning and end day).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Engine, select

from emergency.scheduler.config import SchedulerConfig
from emergency.vocabulary import rank
from emergency.scheduler.dispatch import DispatchOutcome, record

log = logging.getLogger("emergency.scheduler")

KIND_SUGGESTION = "warning_suggestion"
KIND_RELEASE = "release_reminder"
KIND_EXPIRY = "warning_expiry"


def evaluate_forecast_for_area(cfg: SchedulerConfig, rules):
    """The forecast's evaluation under ``rules`` (a WarningRuleSet), or None when no
    forecast source is configured. Errors of the source raise ForecastError."""
    src = cfg.forecast
    if src.kind == "none":
        return None
    from emergency.forecast.http import RetryPolicy
    from emergency.warning.evaluation import evaluate
    from emergency.warning.series import to_aqi_series

    if src.kind == "file":
        from emergency.forecast.files import load

        data = load(src.location, timeout=src.timeout, retry=RetryPolicy())
    else:
        from emergency.forecast import open_meteo

        data = open_meteo.fetch(src.lat, src.lon, base_url=src.base_url or open_meteo.DEFAULT_BASE_URL,
                                forecast_days=src.days, timeout=src.timeout)
    return evaluate(to_aqi_series(data), rules)


def _registry_and_rules(engine: Engine, cfg: SchedulerConfig):
    from emergency.plans.service import policy_for
    from enterprise_registry.service import load_registry_frame

    tables = load_registry_frame(engine, city=cfg.city)
    policy = policy_for(tables, cfg.policy_area)
    return tables, policy


def _active(engine: Engine, area: str) -> list:
    from emergency.workflow.models import ACTIVE_STATES, WarningRecord

    import json

    with engine.connect() as conn:
        rows = conn.execute(select(WarningRecord.id, WarningRecord.level, WarningRecord.areas, WarningRecord.end)
                            .where(WarningRecord.state.in_([s.value for s in ACTIVE_STATES]))).all()
    return [r for r in rows if area in json.loads(r.areas)]


SHORT_NOT_ISSUED = "short_not_issued"  # the plan misses a target: left to the duty officer
AUTO_ISSUE_FAILED = "auto_issue_failed"  # any other refusal (a conflict, a policy error)


def _auto_issue(engine: Engine, now: datetime, area: str, level: str, start: datetime, end: datetime, ev,
                merge: bool, payload: dict) -> str:
    """Issue the suggested warning by itself (an ``auto_issue_areas`` area). Lead times are
    counted from the poll's ``now``. A plan short of any target is never issued by a
    machine: nobody accepts a shortfall or approves spared firms without a person — the
    suggestion is recorded as ``short_not_issued`` with the shortfall, and logged as an
    error. Returns the dispatch status."""
    from emergency import clock
    from emergency.errors import EmergencyError, TargetsNotMet
    from emergency.workflow.lifecycle import issue_warning
    from emergency.vocabulary import WarningLevel

    try:
        w, _ = issue_warning(engine, actor="scheduler", level=WarningLevel(level), areas=[area], start=start, end=end,
                             forecast=ev.as_dict(), merge=merge,
                             hours_to_start=max(0.0, clock.hours_until(start, since=now)))
    except TargetsNotMet as exc:
        summary = exc.extra.get("summary") or {}
        payload["auto_issue_error"] = exc.message
        payload["shortfall"] = summary.get("shortfall", [])
        payload["suggestion"] = exc.extra.get("suggestion")
        payload["note_zh"] = ("预报达到预警条件，但减排方案未满足全部目标，调度程序未自动发布；"
                              "请值班员核实后决定批准豁免企业纳入管控或接受缺口")
        return SHORT_NOT_ISSUED
    except EmergencyError as exc:
        payload["auto_issue_error"] = exc.message
        payload["note_zh"] = f"预报达到预警条件，自动发布失败（{exc.message}），请值班员处理"
        return AUTO_ISSUE_FAILED
    payload["issued_warning"] = w.id
    payload["note_zh"] = f"按本区域配置（auto_issue_areas）由调度程序自动发布预警 #{w.id}"
    return "issued"


def poll_forecast(engine: Engine, now: datetime, cfg: SchedulerConfig, evaluation=None) -> list[DispatchOutcome]:
    """Evaluate the forecast; suggest a warning or remind of a release (see module doc).

    ``evaluation``: an already computed evaluation (tests, or a caller that fetched)."""
    tables, policy = _registry_and_rules(engine, cfg)
    area = cfg.warning_area or tables.version["city"]
    ev = evaluation if evaluation is not None else evaluate_forecast_for_area(cfg, policy.warning_rule_set)
    if ev is None:
        log.info("forecast poll: no forecast source configured (scheduler config [forecast])")
        return []
    today = now.astimezone(cfg.tz).date()
    level = ev.level.value
    active = _active(engine, area)
    out: list[DispatchOutcome] = []
    if level != "none" and ev.industrial_measures is not False and not any(rank(a.level) >= rank(level) for a in active):
        period = ev.period
        start = period.start if period is not None and period.start is not None else now + timedelta(hours=24)
        end = period.end if period is not None and period.end is not None else start + timedelta(hours=72)
        payload = {"area": area, "city": tables.version["city"], "level": level, "suggested_start": start,
                   "suggested_end": end,
                   "evaluation": ev.as_dict(), "active_warnings": [a.id for a in active],
                   "note_zh": f"预报达到{ev.as_dict()['level_zh']}预警条件，建议值班员核实后发布（未自动发布）"}
        auto = area in cfg.auto_issue_areas
        status = "suggested"
        if auto:
            status = _auto_issue(engine, now, area, level, start, end, ev, bool(active), payload)
        rid = record(engine, day=today, kind=KIND_SUGGESTION, scope=f"{area}:{level}", status=status,
                     payload=payload, now=now)
        if rid is not None:
            if status in (SHORT_NOT_ISSUED, AUTO_ISSUE_FAILED):
                log.error("forecast calls for a %s warning in %s: NOT issued automatically (%s): %s", level, area,
                          status, payload.get("auto_issue_error"))
            else:
                log.warning("forecast calls for a %s warning in %s: %s", level, area,
                            "issued automatically" if status == "issued" else "suggested to the duty officer")
            out.append(DispatchOutcome(today, KIND_SUGGESTION, f"{area}:{level}", status, 1, False, rid))
    if active and ev.release.may_release:
        for a in active:
            rid = record(engine, day=today, kind=KIND_RELEASE, scope=f"warning:{a.id}", status="reminded",
                         payload={"warning": a.id, "area": area, "release": ev.release.as_dict(),
                                  "note_zh": f"预报空气质量将持续改善，请值班员评估解除预警 #{a.id}"}, now=now)
            if rid is not None:
                log.warning("forecast allows releasing warning #%d: reminder recorded", a.id)
                out.append(DispatchOutcome(today, KIND_RELEASE, f"warning:{a.id}", "reminded", 1, False, rid))
    return out


def remind_expiry(engine: Engine, now: datetime, cfg: SchedulerConfig) -> list[DispatchOutcome]:
    """A reminder for each active warning ending within ``expiry_reminder_hours``."""
    from emergency.workflow.models import ACTIVE_STATES, WarningRecord
    from emergency.clock import aware

    with engine.connect() as conn:
        rows = conn.execute(select(WarningRecord.id, WarningRecord.level, WarningRecord.end)
                            .where(WarningRecord.state.in_([s.value for s in ACTIVE_STATES]))).all()
    out = []
    horizon = timedelta(hours=cfg.expiry_reminder_hours)
    for w in rows:
        end = aware(w.end)
        if end - now <= horizon:
            day = end.astimezone(cfg.tz).date()
            overdue = end <= now
            rid = record(engine, day=day, kind=KIND_EXPIRY, scope=f"warning:{w.id}", status="reminded",
                         payload={"warning": w.id, "level": w.level, "end": end, "overdue": overdue,
                                  "note_zh": (f"预警 #{w.id} 已到期，请及时解除或延长" if overdue else
                                              f"预警 #{w.id} 将于 {end.astimezone(cfg.tz):%m-%d %H:%M} 到期，请评估解除或延长")},
                         now=now)
            if rid is not None:
                log.warning("warning #%d ends %s: reminder recorded", w.id, end.isoformat())
                out.append(DispatchOutcome(day, KIND_EXPIRY, f"warning:{w.id}", "reminded", 1, False, rid))
    return out
