"""The 10:00 job writes the previous Beijing day's report of every warning in force that
day, exactly once: a second run, a restarted process or a second scheduler writes
nothing new; files lost after the row was recorded are written again from the row; a
day missed while the scheduler was down is written late when it comes back."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from emergency import clock
from emergency.reports.daily import KIND_DAILY, run_daily_reports
from emergency.scheduler.config import SchedulerConfig
from emergency.scheduler.models import DispatchRecord
from enterprise_registry.db import open_database
from tests.reports.scenario import build

UTC = timezone.utc


def _rows(engine):
    with engine.connect() as conn:
        return conn.execute(select(DispatchRecord.day, DispatchRecord.scope, DispatchRecord.late)
                            .where(DispatchRecord.kind == KIND_DAILY).order_by(DispatchRecord.day)).all()


@pytest.fixture
def setup(db_url, tmp_path):
    engine = open_database(db_url)
    ep = build(engine, tmp_path, release=False)
    cfg = SchedulerConfig(reports_dir=tmp_path / "reports", timezone="Asia/Shanghai")
    yield db_url, engine, ep.wid, cfg
    engine.dispose()


def test_ten_oclock_once_across_a_restart(setup):
    url, engine, wid, cfg = setup
    folder = cfg.reports_dir / f"warning-{wid}"
    before = datetime(2026, 12, 6, 1, 59, tzinfo=UTC)  # 09:59 Beijing on the 6th: the 5th's not due
    with clock.use_clock(before):
        assert run_daily_reports(engine, clock.now(), cfg) == 0
    at_ten = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
    with clock.use_clock(at_ten):
        assert run_daily_reports(engine, clock.now(), cfg) == 1
    assert [(r.day.isoformat(), r.scope, r.late) for r in _rows(engine)] == [("2026-12-05", str(wid), False)]
    html = folder / f"warning-{wid}-daily-2026-12-05.html"
    first = html.read_bytes()
    assert (folder / f"warning-{wid}-daily-2026-12-05.xlsx").stat().st_size > 0
    engine.dispose()
    restarted = open_database(url)  # a new process: same database
    with clock.use_clock(at_ten):
        assert run_daily_reports(restarted, clock.now(), cfg) == 0
        html.unlink()  # lost in a crash after the row was recorded
        assert run_daily_reports(restarted, clock.now(), cfg) == 0
    assert html.read_bytes() == first  # written again from the recorded row, the same page
    assert len(_rows(restarted)) == 1
    restarted.dispose()


def test_days_missed_while_down_are_written_late(setup):
    _, engine, wid, cfg = setup
    with clock.use_clock(datetime(2026, 12, 8, 3, 0, tzinfo=UTC)):  # 11:00 Beijing on the 8th, first run
        assert run_daily_reports(engine, clock.now(), cfg) == 3
    rows = _rows(engine)
    assert [(r.day.isoformat(), r.late) for r in rows] == [("2026-12-05", True), ("2026-12-06", True), ("2026-12-07", True)]
    page = (cfg.reports_dir / f"warning-{wid}" / f"warning-{wid}-daily-2026-12-05.html").read_text(encoding="utf-8")
    assert "晚于报送时限" in page
