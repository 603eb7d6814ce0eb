"""Forecast evaluations made in the console, kept in the audit log.

The duty officer types the daily AQI forecast (or uploads a forecast file in the
formats of :mod:`emergency.forecast.files`); it is graded under the list's city's
warning rule set by :func:`emergency.warning.evaluation.evaluate` — the function
``emergency warning evaluate`` and the scheduler call — and recorded as an audit
record ``forecast.evaluate`` (target ``forecast``) whose details hold ``forecast``:
the evaluation (``Evaluation.as_dict()``) with ``series`` (``AqiSeries.summary()``),
the shape :mod:`emergency.notices.forecast` reads when a warning issued from it prints
its announcement. The latest such record is the home page's "latest evaluation",
shared by every officer and kept across restarts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace

from sqlalchemy import Engine, select
from sqlmodel import Session

from emergency import clock
from emergency.errors import InputError
from emergency.workflow import audit
from emergency.workflow.models import AuditRecord

ACTION = "forecast.evaluate"
MAX_STEPS = 400  # a forecast longer than this (hourly for two weeks) is not a duty officer's


@dataclass(frozen=True)
class StoredEvaluation:
    id: int
    at: datetime
    actor: str
    source: str
    forecast: dict  # Evaluation.as_dict() with "series"

    @property
    def level(self) -> str:
        return self.forecast["level"]

    def period(self) -> tuple[datetime | None, datetime | None]:
        p = self.forecast.get("period") or {}
        return (clock.parse(p["start"]) if p.get("start") else None, clock.parse(p["end"]) if p.get("end") else None)

    def issue_by(self) -> datetime | None:
        t = self.forecast.get("issue_by")
        return clock.parse(t) if t else None

    def values(self) -> list[float]:
        return list((self.forecast.get("series") or {}).get("values") or [])

    def period_steps(self) -> tuple[int, int] | None:
        """The warning period's first and last step of the series (inclusive), if any."""
        p = self.forecast.get("period") or {}
        if p.get("start_index") is None or p.get("end_index") is None:
            return None
        return int(p["start_index"]), int(p["end_index"])

    def first_day(self) -> date | None:
        s = (self.forecast.get("series") or {}).get("start")
        return clock.local_day(clock.parse(s)) if s else None

    def verdict(self) -> str:
        """One line: 橙色，12-05 00时至12-10 00时，须于12-04 00时前发布 (or 无需预警)."""
        from emergency.console.rendering import level_zh

        if self.level == "none":
            return "无需预警：预报未达到任何预警条件"
        start, end = self.period()
        text = level_zh(self.level)
        if start and end:
            text += f"，{clock.fmt(start, '%m-%d %H时')}至{clock.fmt(end, '%m-%d %H时')}"
        by = self.issue_by()
        if by:
            text += f"，须于{clock.fmt(by, '%m-%d %H时')}前发布"
        return text


def parse_values(text: str) -> list[float]:
    """A typed daily AQI forecast: numbers separated by commas (，、 and spaces too)."""
    cleaned = text
    for sep in ("，", "、", ";", "；", "\n", "\t", " "):
        cleaned = cleaned.replace(sep, ",")
    parts = [p for p in (x.strip() for x in cleaned.split(",")) if p]
    if not parts:
        raise InputError("请填写日AQI预报值，以逗号分隔，例如 96,138,172,218 (no values)", field="values")
    if len(parts) > MAX_STEPS:
        raise InputError(f"预报最多{MAX_STEPS}个值，收到{len(parts)}个 (too many values)", field="values")
    out = []
    for i, p in enumerate(parts, 1):
        try:
            v = float(p)
        except ValueError:
            raise InputError(f"第{i}个值“{p[:20]}”不是数字 (not a number)", field="values") from None
        if not (0 <= v <= 1000):
            raise InputError(f"第{i}个值 {p[:20]} 不在 0–1000 之间 (AQI out of range)", field="values")
        out.append(v)
    return out


def rule_set_for(engine: Engine, city: str | None = None):
    """The warning rule set of ``city``'s current list (its locality's, else national);
    ``city`` may be omitted when the deployment holds one city's lists."""
    from emergency.plans.service import policy_for
    from enterprise_registry.service import latest_version

    v = latest_version(engine, city)
    return policy_for(SimpleNamespace(version={"city": v.city})).warning_rule_set


def evaluate_and_record(engine: Engine, series, actor: str, source: str, city: str | None = None) -> StoredEvaluation:
    """Evaluate ``series`` (an AqiSeries) under the city's rule set and record it (with
    its city when one is named: each city's officers then see their own)."""
    from emergency.warning.evaluation import evaluate

    if len(series) > MAX_STEPS:
        raise InputError(f"预报最多{MAX_STEPS}个时段，收到{len(series)}个 (forecast too long)")
    ev = evaluate(series, rule_set_for(engine, city))
    forecast = {**ev.as_dict(), "series": series.summary()}
    forecast = json.loads(json.dumps(forecast, ensure_ascii=False, default=clock.json_default))
    audit.write(engine, actor, ACTION, "forecast", {"source": source, "forecast": forecast, **({"city": city} if city else {})})
    found = latest(engine, city)
    assert found is not None
    return found


def latest(engine: Engine, city: str | None = None) -> StoredEvaluation | None:
    """The newest evaluation; ``city``: the newest recorded for that city (or for no city
    in particular, as a single-city deployment records them), among the last hundred."""
    with Session(engine) as session:
        rows = session.execute(
            select(AuditRecord).where(AuditRecord.action == ACTION).order_by(AuditRecord.id.desc()).limit(1 if city is None else 100)
        ).scalars().all()
    for row in rows:
        details = json.loads(row.details or "{}")
        if city is None or details.get("city") in (None, city):
            return StoredEvaluation(row.id, row.at, row.actor, details.get("source", ""), details.get("forecast") or {})
    return None


def get(engine: Engine, evaluation_id: int, city: str | None = None) -> StoredEvaluation | None:
    """The evaluation ``evaluation_id``; ``city``: None unless it was recorded for that city
    (or for no city in particular) — another city's evaluation is not this city's evidence."""
    with Session(engine) as session:
        row = session.get(AuditRecord, evaluation_id)
    if row is None or row.action != ACTION:
        return None
    details = json.loads(row.details or "{}")
    if city is not None and details.get("city") not in (None, city):
        return None
    return StoredEvaluation(row.id, row.at, row.actor, details.get("source", ""), details.get("forecast") or {})
