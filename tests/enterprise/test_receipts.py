"""Receipts (回执) and execution reports against their deadlines, on a UTC machine.

The warning is issued at 2026-12-03 15:30 UTC = 23:30 北京时间, its measures take effect
2026-12-05 00:00 北京时间 (national policy: receipt within 1 h, report within 24 h):
- receipt due 2026-12-04 00:30 北京时间 — the next Beijing day, though still 2026-12-03
  (16:30) in UTC;
- report due max(issue, effect) + 24 h = 2026-12-06 00:00 北京时间 (2026-12-05 16:00 UTC).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from emergency import clock
from emergency.errors import Conflict, InputError, NotFound, PermissionDenied
from emergency.workflow import receipts as rc
from enterprise_registry.db import open_database
from tests.enterprise.city import A1, C1, C2, C3, NOW, issue, load_city, ordered

UTC = timezone.utc
CONFIRM_BY = datetime(2026, 12, 3, 16, 30, tzinfo=UTC)
REPORT_BY = datetime(2026, 12, 5, 16, 0, tzinfo=UTC)


@pytest.fixture
def warning(db_url):
    engine = open_database(db_url)
    with clock.use_clock(NOW):
        load_city(engine)
        w, pv, doc = issue(engine)
    yield engine, w.id, doc
    engine.dispose()


def test_orders_and_deadlines_cross_the_beijing_day_boundary(warning):
    engine, wid, doc = warning
    with clock.use_clock(NOW):
        orders = rc.orders(engine, wid)
    assert {o.uscc: {ln.line_id for ln in o.lines} for o in orders} == ordered(doc)
    assert set(ordered(doc)) == {C1, C2, C3} and A1 not in ordered(doc)
    for o in orders:
        assert (o.confirm_by, o.report_by) == (CONFIRM_BY, REPORT_BY)
        assert clock.fmt(o.confirm_by) == "2026-12-04 00:30" and o.confirm_by.date().isoformat() == "2026-12-03"
        assert clock.iso(o.report_by) == "2026-12-06T00:00:00+08:00"
    assert {o.uscc: o.county for o in orders} == {C1: "甲县", C2: "乙县", C3: "乙县"}


def test_on_time_late_and_overdue_receipts(warning):
    engine, wid, _ = warning
    with clock.use_clock(CONFIRM_BY - timedelta(minutes=10)):  # 00:20 北京时间, next Beijing day
        first = rc.confirm(engine, wid, 1, C1, "c1")
        assert first.new and first.status.confirm_state == "on_time"
        assert {s.order.uscc: s.confirm_state for s in rc.statuses(engine, wid)}[C2] == "pending"
    with clock.use_clock(CONFIRM_BY):  # exactly at the deadline: on time
        assert rc.confirm(engine, wid, 1, C3, "c3").status.confirm_state == "on_time"
    with clock.use_clock(CONFIRM_BY + timedelta(minutes=10)):
        again = rc.confirm(engine, wid, 1, C1, "c1")
        assert not again.new and again.status.confirmed_at == CONFIRM_BY - timedelta(minutes=10)
        states = {s.order.uscc: s.confirm_state for s in rc.statuses(engine, wid)}
        assert states == {C1: "on_time", C2: "overdue", C3: "on_time"}
        assert rc.confirm(engine, wid, 1, C2, "c2").status.confirm_state == "late"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM notice_receipt")).scalar() == 3
        actions = conn.execute(sa.text("SELECT action FROM audit_record WHERE action = 'receipt.confirm'")).scalars().all()
    assert len(actions) == 3  # the repeated confirmation is neither a row nor an audit record


def test_reports_per_line_late_and_corrections(warning, tmp_path):
    engine, wid, _ = warning
    with clock.use_clock(NOW + timedelta(minutes=5)):
        with pytest.raises(Conflict, match="回执"):
            rc.report(engine, wid, 1, C3, f"{C3}/L01", "停产", NOW, "c3")
        for u in (C1, C3):
            rc.confirm(engine, wid, 1, u, "firm")
    taken = datetime(2026, 12, 5, 0, 5, tzinfo=timezone(timedelta(hours=8)))
    with clock.use_clock(REPORT_BY - timedelta(hours=1)):
        r = rc.report(engine, wid, 1, C3, f"{C3}/L01", "1#窑炉停产", taken, "c3")
        assert r.outcome == "new" and r.status.report_state == "pending"  # one of two lines
        with pytest.raises(NotFound, match="生产线"):
            rc.report(engine, wid, 1, C3, f"{C1}/L01", "停产", taken, "c3")
        with pytest.raises(InputError, match="晚于现在"):
            rc.report(engine, wid, 1, C3, f"{C3}/L02", "停产", REPORT_BY + timedelta(hours=2), "c3")
        with pytest.raises(PermissionDenied):
            rc.report(engine, wid, 1, C3, f"{C3}/L02", "停产", taken, "c1", usccs=(C1,))
        assert rc.report(engine, wid, 1, C1, f"{C1}/L01", "停产", taken, "c1").status.report_state == "on_time"
    with clock.use_clock(REPORT_BY + timedelta(hours=1)):
        ev = tmp_path / "upload.png"
        ev.write_bytes(b"\x89PNG fake image")
        r = rc.report(engine, wid, 1, C3, f"{C3}/L02", "2#窑炉停产", taken, "c3", evidence=rc.Evidence(ev, "../../etc/现场.png"))
        assert r.outcome == "new" and r.status.report_state == "late"
        assert r.status.reported_at == REPORT_BY + timedelta(hours=1)
        same = rc.report(engine, wid, 1, C3, f"{C3}/L01", "1#窑炉停产", taken, "c3")
        assert same.outcome == "unchanged"
        fixed = rc.report(engine, wid, 1, C3, f"{C3}/L01", "1#窑炉停产，已断电", taken, "c3")
        assert fixed.outcome == "corrected"
        assert fixed.status.reports[f"{C3}/L01"].reported_at == REPORT_BY - timedelta(hours=1)  # first time kept
        states = {s.order.uscc: s.report_state for s in rc.statuses(engine, wid)}
        assert states == {C1: "on_time", C2: "overdue", C3: "late"}
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT line_id, evidence_file, evidence_name FROM execution_report WHERE uscc = :u "
                                    "ORDER BY line_id"), {"u": C3}).all()
    assert len(rows) == 2 and rows[0][1] is None
    stored, shown = rows[1][1], rows[1][2]
    assert shown == "../../etc/现场.png" and ".." not in stored and stored.startswith(f"w{wid}/") and stored.endswith(".png")
    assert (rc.evidence_dir() / stored).read_bytes() == b"\x89PNG fake image"


def test_the_board_per_county(warning):
    engine, wid, _ = warning
    with clock.use_clock(CONFIRM_BY - timedelta(minutes=1)):
        rc.confirm(engine, wid, 1, C2, "c2")
    with clock.use_clock(CONFIRM_BY + timedelta(minutes=1)):
        rc.confirm(engine, wid, 1, C3, "c3")  # late
        boards = {b.county: b for b in rc.board(engine, wid)}
        assert list(boards) == sorted(["甲县", "乙县"])
        jia, yi = boards["甲县"], boards["乙县"]
        assert (jia.orders, jia.not_confirmed, jia.not_reported, jia.late) == (1, 1, 1, 1)  # C1: receipt overdue
        assert (yi.orders, yi.not_confirmed, yi.not_reported, yi.late) == (2, 0, 2, 1)  # C3 late
        assert [s.order.uscc for s in yi.rows] == [C3, C2]  # the late one first
        only = rc.board(engine, wid, "乙县")
        assert [b.county for b in only] == ["乙县"]
        with pytest.raises(NotFound):
            rc.board(engine, wid, "丙县")


def test_cli_status_confirm_and_report(warning, db_url):
    engine, wid, _ = warning
    from emergency.cli.main import app

    runner = CliRunner()
    env = {"EMERGENCY_NOW": "2026-12-04T00:20"}  # 北京时间: 10 minutes before the receipt deadline
    r = runner.invoke(app, ["notices", "confirm", "--warning", str(wid), "--version", "1", "--uscc", C1,
                            "--actor", "值班员", "--database", db_url], env=env)
    assert r.exit_code == 0, r.output
    assert "已记录回执" in r.output and "按时" in r.output
    r = runner.invoke(app, ["notices", "confirm", "--warning", str(wid), "--version", "1", "--uscc", C1,
                            "--database", db_url], env=env)
    assert r.exit_code == 0 and "此前已记录" in r.output
    r = runner.invoke(app, ["notices", "status", "--warning", str(wid), "--database", db_url],
                      env={"EMERGENCY_NOW": "2026-12-04T01:00"})
    assert r.exit_code == 0, r.output
    assert "甲县：通知 1 份，未回执 0，未报告 1，逾期 0" in r.output
    assert "乙县：通知 2 份，未回执 2，未报告 2，逾期 2" in r.output
    assert "通知 3 份，未回执 2，未报告 3，逾期 2" in r.output
    r = runner.invoke(app, ["notices", "status", "--warning", str(wid), "--county", "乙县", "--database", db_url],
                      env={"EMERGENCY_NOW": "2026-12-04T01:00"})
    assert r.exit_code == 0 and "甲县" not in r.output
    r = runner.invoke(app, ["notices", "report", "--warning", str(wid), "--version", "1", "--uscc", C1, "--line", f"{C1}/L01",
                            "--measure", "停产", "--taken-at", "2026-12-05T00:00", "--database", db_url],
                      env={"EMERGENCY_NOW": "2026-12-05T08:00"})
    assert r.exit_code == 0, r.output
    assert "已记录落实报告" in r.output and "按时" in r.output


def _changed(before: dict[str, dict[str, tuple]], after: dict[str, dict[str, tuple]]) -> set[str]:
    return {u for u in before.keys() | after.keys() if before.get(u, {}) != after.get(u, {})}


def _measures(doc) -> dict[str, dict[str, tuple]]:
    out: dict[str, dict[str, tuple]] = {}
    for a in doc.actions:
        out.setdefault(a.enterprise_uscc, {})[a.line_id] = (a.measure, round(a.output_cut, 9))
    return out


def test_an_adjustment_orders_only_the_changed_firms_with_its_own_deadlines(warning):
    engine, wid, doc1 = warning
    from emergency.plans.document import PlanDocument
    from emergency.vocabulary import WarningLevel as L
    from emergency.workflow import lifecycle as wf

    at = NOW + timedelta(hours=40)  # 2026-12-05 15:30 北京时间: the measures are in effect; the downgrade is at once
    with clock.use_clock(at):
        change = wf.adjust_warning(engine, wid, actor="duty", level=L.YELLOW)  # orange stop → yellow 30 % cut
        doc2 = PlanDocument.model_validate_json(change.plan.document)
        orders = rc.orders(engine, wid)
    v2 = {o.uscc: o for o in orders if o.version_no == 2}
    assert set(v2) == _changed(_measures(doc1), _measures(doc2)) == {C1, C2, C3}
    for o in v2.values():
        assert o.issued_at == at and o.confirm_by == at + timedelta(hours=1)
        assert o.report_by == (at + timedelta(hours=24) if o.lines else None)
    assert [o.version_no for o in orders].count(1) == 3  # version 1's orders stay, with their own states
