"""Regional warnings and the cities' responses, on SQLite and PostgreSQL.

三市区域 (甲市, 乙市, 丙市, each with its own list version) gets a regional orange warning at
2026-12-04 00:30 Beijing time (16:30 UTC the day before); each city has 24 h, so the deadline
is 2026-12-05 00:30 Beijing — 2026-12-04 16:30 UTC, whose UTC day is not the Beijing day.
甲市 issues orange 2 h later (on time), 乙市 red 3 h later (higher: allowed, its red governs),
丙市 nothing: pending until the deadline, overdue one minute after it, reminded exactly once
across two job runs and a restart of the job's process state; then 丙市 issues yellow (lower:
still overdue) and upgrades to orange (late). Expected statuses are written from the timeline
above, not read from the code.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from emergency import clock
from emergency.errors import Conflict, NotFound, PermissionDenied, WarningError
from emergency.region import service
from emergency.region.models import RegionalWarning
from emergency.scheduler.models import DispatchRecord
from emergency.vocabulary import WarningLevel as L
from emergency.workflow import audit
from emergency.workflow import lifecycle as wf
from enterprise_registry.db import make_engine, upgrade_database
from tests.region.trio import BING, DEADLINE, END, ISSUED, JIA, REGION, REGION_ZH, START, YI, city_warning, load_cities, policy_dir

H = timedelta(hours=1)
M = timedelta(minutes=1)


@pytest.fixture
def world(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("EMERGENCY_POLICY_DIR", str(policy_dir(tmp_path)))
    monkeypatch.setenv("EMERGENCY_DATABASE_URL", db_url)
    engine = make_engine(db_url)
    upgrade_database(engine)
    load_cities(engine)
    with clock.use_clock(ISSUED):
        rw = service.issue_regional(engine, actor="省值班员", region=REGION_ZH, level=L.ORANGE, start=START, end=END)
    yield engine, rw
    engine.dispose()


def statuses(engine, rid, at) -> dict[str, tuple]:
    b = service.board(engine, rid, at)
    return {r.city: (r.status, r.level, r.overdue) for r in b.rows}


def reminders(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(DispatchRecord.day, DispatchRecord.scope, DispatchRecord.due_at, DispatchRecord.payload)
                            .where(DispatchRecord.kind == service.KIND_REMINDER)).all()


def run_job():
    from emergency.scheduler import jobs

    return jobs.regional_reminders_job({})


def test_responses_on_time_higher_pending_overdue_lower_late_and_one_reminder(world):
    engine, rw = world
    assert (rw.region, rw.level, json.loads(rw.cities), rw.state) == (REGION, "orange", [JIA, YI, BING], "issued")
    assert clock.as_utc(rw.issued_at) == ISSUED and service.deadline_of(rw) == DEADLINE
    assert clock.local(DEADLINE).date() == date(2026, 12, 5) and DEADLINE.date() == date(2026, 12, 4)
    assert "2026年12月05日00时30分前发布橙色及以上预警" in rw.notice  # the deadline in Beijing time, to the minute

    with clock.use_clock(ISSUED + 2 * H):
        a = city_warning(engine, JIA, L.ORANGE)
    with clock.use_clock(ISSUED + 3 * H):
        b = city_warning(engine, YI, L.RED)
    assert (a.city, b.city) == (JIA, YI)

    just_before = DEADLINE - M
    assert statuses(engine, rw.id, just_before) == {
        JIA: ("responded", "orange", False), YI: ("higher", "red", False), BING: ("pending", None, False)}
    board = service.board(engine, rw.id, just_before)
    assert [r.responded_at for r in board.rows] == [ISSUED + 2 * H, ISSUED + 3 * H, None]
    assert board.overdue == []
    with clock.use_clock(just_before):
        assert run_job() == 0  # nobody is overdue yet
    assert reminders(engine) == []

    after = DEADLINE + M
    assert statuses(engine, rw.id, after)[BING] == ("overdue", None, True)
    assert service.board(engine, rw.id, after).overdue == [BING]
    with clock.use_clock(after):
        assert run_job() == 1
    with clock.use_clock(after + 30 * M):
        assert run_job() == 0  # the next run: already reminded
    from emergency.scheduler import jobs

    jobs._engine.cache_clear()  # a restarted scheduler process opens the database afresh
    with clock.use_clock(after + 60 * M):
        assert run_job() == 0
        assert service.remind_cities(make_engine(str(engine.url.render_as_string(hide_password=False))),
                                     clock.now()) == 0  # a second scheduler
    (day, scope, due, payload), = reminders(engine)
    assert (day, scope) == (date(2026, 12, 5), f"regional:{rw.id}:{BING}")  # the deadline's Beijing day
    assert clock.as_utc(due) == DEADLINE
    assert json.loads(payload)["city"] == BING and "丙市" in json.loads(payload)["note_zh"]
    assert service.board(engine, rw.id, after + 2 * H).rows[2].reminded_at == after

    # 丙市 responds too low, then reaches orange late
    with clock.use_clock(DEADLINE + 2 * H):
        c = city_warning(engine, BING, L.YELLOW)
    assert statuses(engine, rw.id, DEADLINE + 2 * H + M)[BING] == ("lower", "yellow", True)
    with clock.use_clock(DEADLINE + 3 * H):
        wf.adjust_warning(engine, c.id, actor="丙市值班员", level=L.ORANGE, accept_shortfall=True)
    late = service.board(engine, rw.id, DEADLINE + 3 * H + M)
    assert statuses(engine, rw.id, DEADLINE + 3 * H + M)[BING] == ("late", "orange", False)
    assert late.rows[2].responded_at == DEADLINE + 3 * H and late.overdue == []
    assert late.counts() == {"responded": 1, "higher": 1, "late": 1, "lower": 0, "pending": 0, "overdue": 0}
    with clock.use_clock(DEADLINE + 4 * H):
        assert run_job() == 0
    assert len(reminders(engine)) == 1


def test_a_city_warning_counts_only_if_it_covers_the_city_the_period_and_stays_in_force(world):
    engine, rw = world
    with clock.use_clock(ISSUED + H):
        county, _ = wf.issue_warning(engine, actor="甲", level=L.RED, areas=["甲县"], start=START, end=END,
                                     registry_version="甲市清单2026", accept_shortfall=True)
        before, _ = wf.issue_warning(engine, actor="乙", level=L.ORANGE, areas=None, start=START - timedelta(days=3),
                                     end=START, registry_version="乙市清单2026", accept_shortfall=True)
        early = city_warning(engine, BING, L.ORANGE)
    with clock.use_clock(ISSUED + 2 * H):
        wf.release_warning(engine, early.id, actor="丙")
    got = statuses(engine, rw.id, ISSUED + 3 * H)
    # a county's warning is not the city's response; a period ending at the regional start does
    # not overlap; a warning released while the regional one is in force no longer responds
    assert got == {JIA: ("pending", None, False), YI: ("pending", None, False), BING: ("pending", None, False)}
    assert county.city == JIA and before.city == YI

    # held to the end: a warning released after the regional warning was released still counts
    with clock.use_clock(ISSUED + 4 * H):
        wf.release_warning(engine, before.id, actor="乙")  # frees 乙市's areas
        kept = city_warning(engine, YI, L.ORANGE)
    with clock.use_clock(ISSUED + 5 * H):
        service.release_regional(engine, rw.id, actor="省值班员", reason="过程结束")
    with clock.use_clock(ISSUED + 6 * H):
        wf.release_warning(engine, kept.id, actor="乙")
    b = service.board(engine, rw.id, ISSUED + 48 * H)  # judged at the release, not at the later now
    assert b.judged_at == ISSUED + 5 * H
    assert {r.city: r.status for r in b.rows} == {JIA: "pending", YI: "responded", BING: "pending"}


def test_issue_and_release_are_audited_and_checked(world):
    engine, rw = world
    with clock.use_clock(ISSUED):
        with pytest.raises(Conflict):  # the region already has an issued warning overlapping the period
            service.issue_regional(engine, actor="x", region=REGION, level=L.RED, start=START + H, end=END + H)
        with pytest.raises(WarningError):
            service.issue_regional(engine, actor="x", region=REGION, level=L.RED, start=END + 10 * H, end=END + H)
        with pytest.raises(WarningError):
            service.issue_regional(engine, actor="x", region=REGION, level=L.NONE, start=END + H, end=END + 9 * H)
        with pytest.raises(NotFound, match="三市区域"):
            service.issue_regional(engine, actor="x", region="nowhere", level=L.RED, start=END + H, end=END + 9 * H)
    with clock.use_clock(ISSUED + H):
        released = service.release_regional(engine, rw.id, actor="省值班员", reason="好转")
    assert (released.state, released.row_version, released.released_by) == ("released", 2, "省值班员")
    with pytest.raises(Conflict):
        service.release_regional(engine, rw.id, actor="省值班员")
    log = audit.audit_log(engine, target=f"regional_warning:{rw.id}")
    assert [r.action for r in log] == ["region.warning.issue", "region.warning.release"]
    issued = json.loads(log[0].details)
    assert (issued["cities"], issued["response_within_hours"], issued["deadline"]) == (
        [JIA, YI, BING], 24, "2026-12-05T00:30:00+08:00")
    with engine.connect() as conn:
        assert conn.execute(select(RegionalWarning.state)).scalars().all() == ["released"]
    with clock.use_clock(DEADLINE + H):
        assert run_job() == 0  # a released regional warning reminds nobody


def test_province_only_and_a_city_sees_its_own_row(world):
    engine, rw = world

    class Account:
        def __init__(self, city):
            self.city = city

    with pytest.raises(PermissionDenied):
        service.require_province(Account(JIA))
    service.require_province(Account(None))
    assert [r.city for r in service.board(engine, rw.id, ISSUED, user=Account(YI)).rows] == [YI]
    assert len(service.board(engine, rw.id, ISSUED, user=Account(None)).rows) == 3
    with pytest.raises(NotFound):
        service.board(engine, rw.id, ISSUED, user=Account("丁市"))
    assert service.list_regional(engine, user=Account("丁市")) == []
    assert [r.id for r in service.list_regional(engine, user=Account(BING))] == [rw.id]
