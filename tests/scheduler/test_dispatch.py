"""Exactly-once dispatch of the daily rotation orders with a controllable clock:
a scheduler killed mid-season and restarted loses no day and sends none twice."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from emergency.rotation.overlay import orders_for_day
from emergency.rotation.service import load_plan, plan_season, save_plan
from emergency.scheduler import dispatch
from emergency.scheduler.config import SchedulerConfig
from emergency.scheduler.dispatch import KIND_ORDERS, catch_up, materialise_notices
from emergency.scheduler.models import DispatchRecord
from enterprise_registry.db import open_database
from tests.rotation.factory import firm, tables
from tests.rotation.test_model import SEASON, rules

FIRST, LAST = date(2026, 12, 1), date(2027, 1, 29)


@pytest.fixture(scope="module")
def plan_doc():
    return plan_season(tables([firm(str(i)) for i in range(1, 6)]), SEASON, rules=rules(), time_limit=5).document


@pytest.fixture
def engine(db_url, plan_doc):
    """SQLite and PostgreSQL (when reachable): the unique constraint is the guarantee on both."""
    eng = open_database(db_url)
    save_plan(eng, plan_doc)
    yield eng
    eng.dispose()


@pytest.fixture
def cfg(tmp_path):
    return SchedulerConfig(out_dir=tmp_path / "dispatch", orders_time="16:00")


def at(cfg, d: date, hh: int, mm: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hh, mm, tzinfo=cfg.tz)


def rows(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(DispatchRecord).where(DispatchRecord.kind == KIND_ORDERS)
                            .order_by(DispatchRecord.day)).all()


def daily(engine, cfg, days):
    out = []
    for d in days:
        out += catch_up(engine, at(cfg, d, 16, 0), cfg)
    return out


def test_each_afternoon_dispatches_tomorrow(engine, cfg):
    out = catch_up(engine, at(cfg, date(2026, 12, 5), 16, 0), cfg)
    # first run: today (late) and tomorrow (due now)
    assert [(o.day, o.status, o.late) for o in out] == [(date(2026, 12, 5), "sent", True), (date(2026, 12, 6), "sent", False)]
    assert catch_up(engine, at(cfg, date(2026, 12, 5), 16, 30), cfg) == []  # again: nothing
    out = catch_up(engine, at(cfg, date(2026, 12, 6), 15, 59), cfg)
    assert out == []  # tomorrow's orders are not due before 16:00
    out = catch_up(engine, at(cfg, date(2026, 12, 6), 16, 0), cfg)
    assert [(o.day, o.status) for o in out] == [(date(2026, 12, 7), "sent")]


def test_payload_and_notices_are_the_plans_orders(engine, cfg):
    _, doc = load_plan(engine, SEASON)
    catch_up(engine, at(cfg, date(2026, 12, 9), 16, 0), cfg)
    [_, r] = rows(engine)
    payload = json.loads(r.payload)
    assert r.day == date(2026, 12, 10) and r.count == len(payload["orders"])
    assert payload["orders"] == [o.as_dict() for o in orders_for_day(doc, date(2026, 12, 10))]
    folder = cfg.out_dir / doc["area"] / "2026-12-10"
    firms = {o["uscc"] for o in payload["orders"]}
    assert {p.stem for p in folder.glob("*.txt")} == firms
    assert json.loads((folder / "orders.json").read_text(encoding="utf-8")) == payload


def test_killed_mid_season_and_restarted_no_day_lost_or_sent_twice(engine, cfg):
    """Daily runs 12-01 … 12-10; killed from 12-10 16:01 until 12-15 09:00; then daily
    again to 12-20. Every day from 12-01 to 12-21 has exactly one record: the days
    that passed while down are 'missed' (12-12 … 12-14), today's are sent late (12-15),
    and no day is ever sent twice."""
    sent_outcomes = daily(engine, cfg, [date(2026, 12, 1) + timedelta(days=k) for k in range(10)])
    # restart on 12-15 in the morning
    restart = catch_up(engine, at(cfg, date(2026, 12, 15), 9, 0), cfg)
    assert [(o.day.day, o.status, o.late) for o in restart] == [(12, "missed", True), (13, "missed", True),
                                                                  (14, "missed", True), (15, "sent", True)]
    sent_outcomes += restart + daily(engine, cfg, [date(2026, 12, 15) + timedelta(days=k) for k in range(6)])
    recs = rows(engine)
    days = [r.day for r in recs]
    assert days == [date(2026, 12, 1) + timedelta(days=k) for k in range(21)]  # 12-01 … 12-21, each once
    assert len(set((r.day, r.scope) for r in recs)) == len(recs)
    sent = [o.day for o in sent_outcomes if o.status == "sent"]
    assert len(sent) == len(set(sent))  # nothing sent twice
    assert {r.day.day for r in recs if r.status == "missed"} == {12, 13, 14}
    # any further catch-up, at any time of those days, adds nothing
    for d in (date(2026, 12, 3), date(2026, 12, 15), date(2026, 12, 20)):
        assert catch_up(engine, at(cfg, d, 23, 0), cfg) == []
    assert len(rows(engine)) == 21


def test_past_days_can_be_sent_late_instead(engine, tmp_path):
    cfg = SchedulerConfig(out_dir=tmp_path / "d", past_days="send")
    catch_up(engine, at(cfg, date(2026, 12, 1), 16, 0), cfg)
    out = catch_up(engine, at(cfg, date(2026, 12, 4), 10, 0), cfg)
    assert [(o.day.day, o.status) for o in out] == [(3, "sent"), (4, "sent")]


def test_crash_before_commit_leaves_no_trace_and_the_day_is_sent_once(engine, cfg, monkeypatch):
    catch_up(engine, at(cfg, date(2026, 12, 1), 16, 0), cfg)  # 12-01, 12-02
    real = dispatch.orders_for_day
    calls = {"n": 0}

    def crashing(doc, day):
        calls["n"] += 1
        if day == date(2026, 12, 4):
            raise KeyboardInterrupt("killed while computing 12-04")
        return real(doc, day)

    monkeypatch.setattr(dispatch, "orders_for_day", crashing)
    with pytest.raises(KeyboardInterrupt):
        catch_up(engine, at(cfg, date(2026, 12, 4), 16, 0), cfg)
    assert [r.day.day for r in rows(engine)] == [1, 2, 3]  # 12-03 was committed before the crash
    monkeypatch.setattr(dispatch, "orders_for_day", real)
    out = catch_up(engine, at(cfg, date(2026, 12, 4), 16, 5), cfg)
    assert [(o.day.day, o.status) for o in out] == [(4, "sent"), (5, "sent")]
    assert [r.day.day for r in rows(engine)] == [1, 2, 3, 4, 5]


def test_crash_after_commit_rewrites_the_same_notices(engine, cfg, monkeypatch):
    real = dispatch._write_notices

    def dying(*a, **k):
        raise KeyboardInterrupt("killed before the files were written")

    monkeypatch.setattr(dispatch, "_write_notices", dying)
    with pytest.raises(KeyboardInterrupt):
        catch_up(engine, at(cfg, date(2026, 12, 1), 16, 0), cfg)
    monkeypatch.setattr(dispatch, "_write_notices", real)
    [r] = rows(engine)  # the row is the outbox: the day counts as dispatched
    folder = cfg.out_dir / r.scope / r.day.isoformat()
    assert not folder.exists()
    assert materialise_notices(engine, cfg) == 1
    assert json.loads((folder / "orders.json").read_text(encoding="utf-8")) == json.loads(r.payload)
    assert materialise_notices(engine, cfg) == 0


def test_two_schedulers_at_once_send_each_day_once(engine, cfg):
    now = at(cfg, date(2026, 12, 20), 16, 0)
    catch_up(engine, at(cfg, date(2026, 12, 1), 16, 0), cfg)  # the season started on 12-01
    results: list = []
    barrier = threading.Barrier(2)

    def worker():
        barrier.wait()
        results.append(catch_up(engine, now, cfg))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dispatched = [o.day for r in results for o in r if o.status in ("sent", "missed")]
    assert len(dispatched) == len(set(dispatched)) == 19  # 12-03 … 12-21
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(DispatchRecord)).scalar()
    assert n == 21


def test_a_replan_changes_the_orders_of_days_not_yet_dispatched(engine, cfg):
    catch_up(engine, at(cfg, date(2026, 12, 1), 16, 0), cfg)
    _, doc = load_plan(engine, SEASON)
    t = tables([firm(str(i)) for i in range(1, 6)])
    again = plan_season(t, SEASON, rules=rules(), previous=doc, today=date(2026, 12, 3), time_limit=5)
    new_id = save_plan(engine, again.document)
    catch_up(engine, at(cfg, date(2026, 12, 2), 16, 0), cfg)
    r = rows(engine)[-1]
    assert r.day == date(2026, 12, 3) and r.plan_id == new_id
    assert json.loads(r.payload)["orders"] == [o.as_dict() for o in orders_for_day(again.document, date(2026, 12, 3))]


def test_outside_the_season_nothing_is_dispatched(engine, cfg):
    assert catch_up(engine, at(cfg, date(2026, 11, 20), 16, 0), cfg) == []
    assert catch_up(engine, at(cfg, date(2027, 2, 10), 16, 0), cfg) == []
    assert rows(engine) == []


def test_only_plans_of_the_configured_statuses_are_dispatched(engine, tmp_path, plan_doc):
    cfg = SchedulerConfig(out_dir=tmp_path / "d", dispatch_statuses=["optimal", "feasible"])
    bad = dict(plan_doc, status="infeasible", area="另一市")
    save_plan(engine, bad)
    out = catch_up(engine, at(cfg, date(2026, 12, 1), 16, 0), cfg)
    assert {o.scope for o in out} == {plan_doc["area"]}
    everything = SchedulerConfig(out_dir=tmp_path / "d2")
    out = catch_up(engine, at(everything, date(2026, 12, 1), 16, 0), everything)
    assert {o.scope for o in out} == {"另一市"}  # the other area's days, once
    [r] = [r for r in rows(engine) if r.scope == "另一市" and r.day == date(2026, 12, 1)]
    assert json.loads(r.payload)["plan_status"] == "infeasible"
