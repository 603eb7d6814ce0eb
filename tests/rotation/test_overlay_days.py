"""Warnings over the rotation calendar, and the scheduler's days, count the bureau's
calendar days on a UTC machine: a warning starting 2026-12-05T00:00 Beijing time is
stored as 2026-12-04T16:00Z, and its first warning day is 12-05, not 12-04."""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from emergency import clock
from emergency.rotation.overlay import line_action, orders_for_day
from emergency.rotation.service import plan_season, warnings_from_db
from emergency.workflow.models import PlanVersion, WarningRecord
from enterprise_registry.db import open_database
from tests.rotation.factory import firm, tables, uscc
from tests.rotation.test_model import SEASON, rules

BJ = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc
LID1, LID2 = f"{uscc('1')}/L01", f"{uscc('2')}/L01"


@pytest.fixture(autouse=True)
def _utc_machine(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def bj(*args) -> datetime:
    return datetime(*args, tzinfo=BJ)


def record(engine, start, end, versions, *, state="issued", released_at=None) -> int:
    """A warning as the workflow stores it; ``versions``: [(cuts, effective_from, created_at)]."""
    with Session(engine) as s:
        w = WarningRecord(state=state, level="orange", rule_set="2024", areas=json.dumps(["测试市"]), start=start,
                          end=end, registry_version="测试清单", created_by="tester", released_at=released_at)
        s.add(w)
        s.commit()
        for n, (cuts, effective, created) in enumerate(versions, start=1):
            doc = {"actions": [{"line_id": k, "output_cut": v, "measure": "stop" if v >= 1 else "cut_output",
                                "measure_zh": "停产" if v >= 1 else "限产"} for k, v in cuts.items()]}
            s.add(PlanVersion(warning_id=w.id, version_no=n, transition="issue" if n == 1 else "upgrade",
                              level="orange" if n == 1 else "red", document=json.dumps(doc), sha256="0" * 64,
                              created_by="tester", created_at=created or start, effective_from=effective))
        s.commit()
        return int(w.id)


def _calendar(warnings):
    return plan_season(tables([firm(str(i)) for i in range(1, 6)]), SEASON, rules=rules(daily_stop_share_max=0.6),
                       warnings=warnings, time_limit=1).document


def test_a_warning_from_beijing_midnight_starts_on_that_beijing_day(db_url):
    engine = open_database(db_url)
    start = bj(2026, 12, 5)
    assert clock.as_utc(start) == datetime(2026, 12, 4, 16, tzinfo=UTC)
    wid = record(engine, start, bj(2026, 12, 7), [({LID1: 1.0}, None, None)])  # ends at Beijing midnight
    [w] = warnings_from_db(engine, date(2026, 12, 1), date(2027, 1, 29))
    assert (w.start, w.end, w.name) == (date(2026, 12, 5), date(2026, 12, 6), f"预警#{wid}")
    doc = _calendar([w])
    assert (doc["warnings"][0]["start"], doc["warnings"][0]["end"]) == ("2026-12-05", "2026-12-06")
    rec = next(x for x in doc["lines"] if x["line_id"] == LID1)
    assert line_action(doc, rec, date(2026, 12, 4)).warning is None
    on = line_action(doc, rec, date(2026, 12, 5))
    assert on.warning == f"预警#{wid}" and on.output_cut == 1.0 and on.warning_cut == 1.0
    assert line_action(doc, rec, date(2026, 12, 7)).warning is None
    assert any(o.line_id == LID1 and o.warning == f"预警#{wid}" for o in orders_for_day(doc, date(2026, 12, 5)))
    assert not any(o.warning for o in orders_for_day(doc, date(2026, 12, 4)))


@pytest.mark.parametrize("recorded", ["effective_from", "created_at"])
def test_an_upgrade_overlays_each_version_on_its_own_days(db_url, recorded):
    engine = open_database(db_url)
    upgrade = bj(2026, 12, 6, 12)
    v2 = ({LID1: 1.0, LID2: 0.5}, upgrade, None) if recorded == "effective_from" else ({LID1: 1.0, LID2: 0.5}, None, upgrade)
    wid = record(engine, bj(2026, 12, 5), bj(2026, 12, 8), [({LID1: 0.3, LID2: 0.3}, None, None), v2])
    ws = warnings_from_db(engine, date(2026, 12, 1), date(2027, 1, 29))
    assert [(w.start, w.end, w.cuts, w.name) for w in ws] == [
        (date(2026, 12, 5), date(2026, 12, 6), {LID1: 0.3, LID2: 0.3}, f"预警#{wid}（第1版）"),
        (date(2026, 12, 6), date(2026, 12, 7), {LID1: 1.0, LID2: 0.5}, f"预警#{wid}（第2版）"),
    ]
    doc = _calendar(ws)
    rec = next(x for x in doc["lines"] if x["line_id"] == LID2)
    cut = {d: line_action(doc, rec, date(2026, 12, d)).warning_cut for d in (4, 5, 6, 7, 8)}
    assert cut == {4: 0.0, 5: 0.3, 6: 0.5, 7: 0.5, 8: 0.0}  # the upgrade's day takes the stricter


def test_a_released_warning_ends_on_its_release_day(db_url):
    engine = open_database(db_url)
    record(engine, bj(2026, 12, 5), bj(2026, 12, 10), [({LID1: 1.0}, None, None)], state="released",
           released_at=bj(2026, 12, 6, 10))
    [w] = warnings_from_db(engine, date(2026, 12, 1), date(2027, 1, 29))
    assert (w.start, w.end) == (date(2026, 12, 5), date(2026, 12, 6))


def test_the_scheduler_and_show_count_the_bureaus_day(tmp_path, monkeypatch):
    from emergency.scheduler.config import SchedulerConfig
    from emergency.scheduler.dispatch import last_due_day
    from emergency.scheduler.jobs import _now

    cfg = SchedulerConfig(orders_time="16:00")
    with clock.use_clock(datetime(2026, 12, 4, 16, 30, tzinfo=UTC)):  # 12-05 00:30 Beijing
        assert _now(cfg).date() == date(2026, 12, 5) and clock.today() == date(2026, 12, 5)
    # a naive time is the bureau's: 10:00 Beijing is before the 16:00 orders of the 6th
    assert last_due_day(datetime(2026, 12, 5, 10), cfg) == date(2026, 12, 5)
    assert last_due_day(datetime(2026, 12, 5, 8, 30, tzinfo=UTC), cfg) == date(2026, 12, 6)  # 16:30 Beijing
    doc = _calendar([])
    plan = tmp_path / "rotation.json"
    plan.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    from emergency.cli.main import app

    monkeypatch.setenv("EMERGENCY_NOW", "2026-12-05T00:30")
    res = CliRunner().invoke(app, ["rotation", "show", "--enterprise", uscc("1"), "--plan", str(plan)],
                             env={"COLUMNS": "200"})
    assert res.exit_code == 0 and "2026-12-05" in res.output and "2026-12-04" not in res.output, res.output
