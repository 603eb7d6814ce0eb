"""Forecast poll: a suggested warning for the duty officer (never issued without a
person unless the area's configuration says so), release and expiry reminders."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from config.policy import load_policy
from emergency.scheduler.config import ForecastSource, SchedulerConfig
from emergency.scheduler.models import DispatchRecord
from emergency.scheduler.warnings import evaluate_forecast_for_area, poll_forecast, remind_expiry
from emergency.warning.evaluation import evaluate
from emergency.warning.series import daily_series
from emergency.workflow.models import WarningRecord
from enterprise_registry.db import open_database
from enterprise_registry.service import import_tables
from tests.rotation.factory import firm, tables

RULES = load_policy(None).warning_rule_set  # national: 2024


@pytest.fixture
def engine(sqlite_url):
    eng = open_database(sqlite_url)
    # three kilns that can stop within 12 h and whose stop meets the targets: a plan that
    # can be issued (a short plan is never auto-issued: see test_short_plan_is_not_auto_issued)
    t = tables([firm(str(i)) for i in range(1, 4)])
    t.lines["stop_lead_time_h"] = [12.0] * 3
    for p in ("so2", "nox", "pm", "vocs"):
        t.areas[f"listed_share_{p}"] = [0.05, 0.05] if p != "vocs" else [0.0, 0.0]
    import_tables(eng, t)
    return eng


def _cfg(tmp_path, **kw):
    return SchedulerConfig(out_dir=tmp_path / "d", **kw)


def _log(engine, kind):
    with engine.connect() as conn:
        return conn.execute(select(DispatchRecord).where(DispatchRecord.kind == kind)).all()


def _warnings(engine):
    with engine.connect() as conn:
        return conn.execute(select(WarningRecord)).all()


NOW = datetime(2026, 12, 10, 8, 0, tzinfo=timezone(timedelta(hours=8)))
POLLUTED = daily_series([220, 240, 260, 230, 120], date(2026, 12, 11))  # > 200 for 72 h: orange (2024)
CLEAN = daily_series([60, 70, 80], date(2026, 12, 11))


def test_a_polluted_forecast_is_suggested_once_and_not_issued(engine, tmp_path):
    ev = evaluate(POLLUTED, RULES)
    assert ev.level.value in ("orange", "red")
    out = poll_forecast(engine, NOW, _cfg(tmp_path), evaluation=ev)
    assert [(o.kind, o.status) for o in out] == [("warning_suggestion", "suggested")]
    assert poll_forecast(engine, NOW + timedelta(hours=1), _cfg(tmp_path), evaluation=ev) == []  # once a day and level
    [row] = _log(engine, "warning_suggestion")
    payload = json.loads(row.payload)
    assert row.scope == f"测试市:{ev.level.value}" and payload["level"] == ev.level.value
    assert "未自动发布" in payload["note_zh"]
    assert _warnings(engine) == []  # nobody issued anything


def test_auto_issue_only_where_configured(engine, tmp_path):
    ev = evaluate(POLLUTED, RULES)
    out = poll_forecast(engine, NOW, _cfg(tmp_path, auto_issue_areas=["测试市"]), evaluation=ev)
    assert [o.status for o in out] == ["issued"]
    [w] = _warnings(engine)
    assert w.level == ev.level.value and w.created_by == "scheduler"
    # the warning is active now: no new suggestion at the same level
    assert poll_forecast(engine, NOW + timedelta(days=1), _cfg(tmp_path), evaluation=ev) == []


def test_clean_forecast_reminds_to_release_an_active_warning(engine, tmp_path):
    poll_forecast(engine, NOW, _cfg(tmp_path, auto_issue_areas=["测试市"]), evaluation=evaluate(POLLUTED, RULES))
    ev = evaluate(CLEAN, RULES)
    assert ev.release.may_release
    out = poll_forecast(engine, NOW + timedelta(days=2), _cfg(tmp_path), evaluation=ev)
    [w] = _warnings(engine)
    assert [(o.kind, o.scope) for o in out] == [("release_reminder", f"warning:{w.id}")]
    assert poll_forecast(engine, NOW + timedelta(days=2, hours=1), _cfg(tmp_path), evaluation=ev) == []


def test_expiry_reminder_once_per_warning(engine, tmp_path):
    poll_forecast(engine, NOW, _cfg(tmp_path, auto_issue_areas=["测试市"]), evaluation=evaluate(POLLUTED, RULES))
    [w] = _warnings(engine)
    end = w.end if w.end.tzinfo else w.end.replace(tzinfo=timezone.utc)
    cfg = _cfg(tmp_path, expiry_reminder_hours=6)
    assert remind_expiry(engine, end - timedelta(hours=7), cfg) == []
    out = remind_expiry(engine, end - timedelta(hours=5), cfg)
    assert [(o.kind, o.scope) for o in out] == [("warning_expiry", f"warning:{w.id}")]
    assert remind_expiry(engine, end - timedelta(hours=1), cfg) == []


def test_no_forecast_source_is_a_logged_no_op(engine, tmp_path):
    assert evaluate_forecast_for_area(_cfg(tmp_path), RULES) is None
    assert poll_forecast(engine, NOW, _cfg(tmp_path)) == []


def test_forecast_from_a_file(engine, tmp_path):
    f = tmp_path / "forecast.csv"
    f.write_text("date,aqi\n2026-12-11,230\n2026-12-12,250\n2026-12-13,260\n2026-12-14,110\n", encoding="utf-8")
    cfg = _cfg(tmp_path, forecast=ForecastSource(kind="file", location=str(f)))
    ev = evaluate_forecast_for_area(cfg, RULES)
    assert ev.level.value in ("orange", "red")
    assert [o.status for o in poll_forecast(engine, NOW, cfg)] == ["suggested"]
