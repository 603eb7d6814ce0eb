"""Honest issuance: lead time counted from now, the summary, and no silent shortfall.

Two lists: a generated city (400 firms) for lead times, and a hand-made one (测试市,
national policy) whose numbers are chosen so the outcome is known without the engine:
two C-grade brick kilns (10 kg/day of SO2, NOx and PM each, stop within 24 h) and two
A-grade ones (spared: own measures). Base 300 kg/day × listed share 0.5 × the orange
ratio 0.20 = a 30 kg/day requirement per pollutant (VOCs 0) in the city and in 甲县;
the C kilns stopped give 20: short by 10 each, which one approved A kiln closes.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from emergency import clock
from emergency.errors import InputError, TargetsNotMet, WarningError
from emergency.plans.document import PlanDocument
from emergency.workflow import audit, lifecycle as wf
from enterprise_registry import service as registry
from enterprise_registry.db import open_database
from enterprise_registry.generator import generate_registry
from emergency.vocabulary import WarningLevel as L
from tests.rotation.factory import firm, tables, uscc

BJ = timezone(timedelta(hours=8))
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=BJ)  # = 04:00 UTC
START = datetime(2026, 12, 5, 0, 0)  # Beijing time, naive as an officer types it: 36 h after NOW
END = START + timedelta(days=3)


@pytest.fixture(autouse=True)
def _now():
    with clock.use_clock(NOW):
        yield


def tiny_city():
    t = tables([firm("C1"), firm("C2"), firm("A1", grade="A"), firm("A2", grade="A")])
    for p in ("so2", "nox", "pm"):
        t.areas[f"base_{p}"] = [300.0, 300.0]
        t.areas[f"listed_share_{p}"] = [0.5, 0.5]
    t.areas["listed_share_vocs"] = [0.0, 0.0]
    return t


@pytest.fixture
def city(db_url):
    e = open_database(db_url)
    registry.import_tables(e, generate_registry(400, seed=8))
    yield e
    e.dispose()


@pytest.fixture
def tiny(sqlite_url):
    e = open_database(sqlite_url)
    registry.import_tables(e, tiny_city())
    yield e
    e.dispose()


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
                for t in ("warning", "plan_version", "active_area", "audit_record")}


# ------------------------------------------------------------------ lead time from now


def test_lead_time_is_counted_from_now_to_a_beijing_start(city):
    change = wf.issue_warning(city, actor="zhang", level=L.YELLOW, areas=None, start=START, end=END)
    w, pv = change
    assert w.start == datetime(2026, 12, 4, 16, 0, tzinfo=timezone.utc)  # stored UTC
    doc = PlanDocument.model_validate_json(pv.document)
    assert doc.hours_to_start == pytest.approx(36.0)
    tables = registry.export_tables(city)
    lead = {f"{u}/{c}": h for u, c, h in zip(tables.lines["uscc"], tables.lines["line_code"], tables.lines["stop_lead_time_h"])}
    assert all(lead[a.line_id] <= 36.0 for a in doc.actions)  # nothing ordered that cannot stop in time
    excluded = doc.excluded_by_lead_time
    assert excluded and all(lead[x["line_id"]] > 36.0 for x in excluded)
    s = change.summary
    assert s["hours_to_start"] == pytest.approx(36.0) and s["hours_to_start_from"] == "now"
    assert s["excluded_by_lead_time"]["count"] == len(excluded)
    assert (s["start"], s["end"]) == ("2026-12-05T00:00:00+08:00", "2026-12-08T00:00:00+08:00")
    assert s["start_zh"] == "2026-12-05 00:00（北京时间）" and s["effective_from"] == s["start"]
    assert pv.effective_from == w.start


def test_a_warning_already_begun_has_no_lead_time_and_an_override_is_honoured(city):
    started = NOW.replace(tzinfo=None) - timedelta(hours=5)
    w, pv = wf.issue_warning(city, actor="zhang", level=L.YELLOW, areas=["城区"], start=started, end=END,
                             hours_to_start=72)
    doc = PlanDocument.model_validate_json(pv.document)
    assert doc.hours_to_start == 72
    with pytest.raises(TargetsNotMet) as info:  # counted from now: 0 h, no line can stop in time
        wf.issue_warning(city, actor="zhang", level=L.YELLOW, areas=["郊区"], start=started, end=END)
    s = info.value.extra["summary"]
    assert s["hours_to_start"] == 0.0 and s["hours_to_start_from"] == "now"
    assert s["excluded_by_lead_time"]["count"] > 0 and not s["targets_met"]


def test_an_adjustment_counts_lead_time_to_when_it_takes_effect(city):
    w, pv1 = wf.issue_warning(city, actor="zhang", level=L.YELLOW, areas=None, start=START, end=END, hours_to_start=96)
    before = PlanDocument.model_validate_json(pv1.document)
    eff = START + timedelta(hours=12)  # 48 h after NOW
    change = wf.adjust_warning(city, w.id, actor="li", level=L.ORANGE, effective_from=eff)
    doc = PlanDocument.model_validate_json(change.plan.document)
    assert doc.hours_to_start == pytest.approx(48.0)
    assert change.plan.effective_from == clock.aware(eff)
    assert change.summary["effective_from"] == "2026-12-05T12:00:00+08:00"
    tables = registry.export_tables(city)
    lead = {f"{u}/{c}": h for u, c, h in zip(tables.lines["uscc"], tables.lines["line_code"], tables.lines["stop_lead_time_h"])}
    in_effect = {a.line_id for a in before.actions if a.output_cut > 0}
    # a line newly ordered must be able to act by effective_from; lines under a measure are kept whatever their lead time
    assert all(lead[a.line_id] <= 48.0 or a.line_id in in_effect for a in doc.actions if a.output_cut > 0)
    log = audit.audit_log(city)[-1]
    details = json.loads(log.details)
    assert log.action == "warning.upgrade" and details["effective_from"] == "2026-12-05T12:00:00+08:00"
    assert details["end"] == "2026-12-08T00:00:00+08:00"


def test_an_adjustment_takes_effect_now_by_default_once_the_warning_has_begun(city):
    begun = NOW.replace(tzinfo=None) - timedelta(hours=2)
    w, _ = wf.issue_warning(city, actor="zhang", level=L.YELLOW, areas=None, start=begun, end=END, hours_to_start=96)
    change = wf.adjust_warning(city, w.id, actor="li", end=END + timedelta(days=1), accept_shortfall=True)
    assert change.plan.effective_from == NOW
    assert PlanDocument.model_validate_json(change.plan.document).hours_to_start == 0.0


def test_effective_from_must_lie_within_the_warning(city):
    w, _ = wf.issue_warning(city, actor="zhang", level=L.YELLOW, areas=None, start=START, end=END, hours_to_start=96)
    with pytest.raises(WarningError, match="早于预警开始"):
        wf.adjust_warning(city, w.id, actor="li", level=L.ORANGE, effective_from=START - timedelta(hours=1))
    with pytest.raises(WarningError, match="不早于预警结束"):
        wf.adjust_warning(city, w.id, actor="li", level=L.ORANGE, effective_from=END)


# ------------------------------------------------------------------ no silent shortfall


def test_a_short_plan_is_not_issued_and_nothing_is_written(tiny):
    before = _counts(tiny)
    with pytest.raises(TargetsNotMet) as info:
        wf.issue_warning(tiny, actor="zhang", level=L.ORANGE, areas=None, start=START, end=END)
    assert info.value.exit_code == 10 and info.value.http_status == 412
    assert _counts(tiny) == before
    s = info.value.extra["summary"]
    assert s["targets_met"] is False and s["accepted_shortfall"] is False and s["warning_id"] is None
    short = {(r["area"], r["pollutant"]): r for r in s["shortfall"]}
    assert set(short) == {(a, p) for a in ("测试市", "甲县") for p in ("SO2", "NOx", "PM")}
    for r in short.values():
        assert (r["required_kg"], r["achieved_kg"], r["shortfall_kg"]) == pytest.approx((30.0, 20.0, 10.0))
    vocs = [r for r in s["requirements"] if r["pollutant"] == "VOCs"]
    assert all(r["met"] and r["required_kg"] == 0 for r in vocs)
    assert s["spared"]["count"] == 2 and {f["uscc"] for f in s["spared"]["firms"]} == {uscc("A1"), uscc("A2")}
    assert s["lost_value_yuan"] == pytest.approx(2e5)  # two kilns stopped, 100,000 yuan/day each
    sug = info.value.extra["suggestion"]
    assert sug["closes_shortfall"] and len(sug["enterprises"]) == 1 and sug["enterprises"][0] in {uscc("A1"), uscc("A2")}


def test_an_accepted_shortfall_is_issued_and_recorded(tiny):
    change = wf.issue_warning(tiny, actor="zhang", level=L.ORANGE, areas=None, start=START, end=END,
                              accept_shortfall=True)
    assert change.summary["accepted_shortfall"] is True and change.summary["targets_met"] is False
    [rec] = [a for a in audit.audit_log(tiny) if a.action == "warning.issue"]
    details = json.loads(rec.details)
    assert details["accepted_shortfall"] is True and details["targets_met"] is False
    assert {(r["area"], r["pollutant"], round(r["shortfall_kg"], 6)) for r in details["shortfall"]} == {
        (a, p, 10.0) for a in ("测试市", "甲县") for p in ("SO2", "NOx", "PM")}
    assert details["start"] == "2026-12-05T00:00:00+08:00"


def test_approving_the_suggested_or_named_spared_firms_closes_the_shortfall(tiny):
    change = wf.issue_warning(tiny, actor="zhang", level=L.ORANGE, areas=None, start=START, end=END,
                              approve_suggested=True)
    s = change.summary
    assert s["targets_met"] and s["accepted_shortfall"] is False
    assert len(s["approved_spared"]) == 1 and s["spared"]["count"] == 1
    assert all(r["achieved_kg"] == pytest.approx(30.0) for r in s["requirements"] if r["pollutant"] != "VOCs")
    assert s["firms_ordered"] == 3 and s["lost_value_yuan"] == pytest.approx(3e5)
    wf.release_warning(tiny, change.warning.id, actor="zhang")
    change = wf.issue_warning(tiny, actor="zhang", level=L.ORANGE, areas=None, start=START, end=END,
                              approved_spared=[uscc("A2")])
    assert change.summary["targets_met"] and [f["uscc"] for f in change.summary["approved_spared"]] == [uscc("A2")]
    # an adjustment keeps the approval: the extension is not short
    ext = wf.adjust_warning(tiny, change.warning.id, actor="li", end=END + timedelta(days=1))
    assert ext.summary["targets_met"] and [f["uscc"] for f in ext.summary["approved_spared"]] == [uscc("A2")]
    with pytest.raises(InputError, match="91TEST000000000ZZZ"):
        wf.issue_warning(tiny, actor="zhang", level=L.ORANGE, areas=["甲县"], start=START, end=END,
                         approved_spared=["91TEST000000000ZZZ"])


def test_a_short_adjustment_is_not_written(tiny):
    w, _ = wf.issue_warning(tiny, actor="zhang", level=L.YELLOW, areas=None, start=START, end=END, approve_suggested=True)
    before = _counts(tiny)
    with pytest.raises(TargetsNotMet) as info:  # red needs 45 kg: even both A kilns give 40
        wf.adjust_warning(tiny, w.id, actor="li", level=L.RED)
    assert _counts(tiny) == before
    assert info.value.extra["summary"]["transition"] == "upgrade"
    w2, versions = wf.get_warning(tiny, w.id)
    assert (w2.level, w2.row_version, len(versions)) == ("yellow", w.row_version, 1)
    change = wf.adjust_warning(tiny, w.id, actor="li", level=L.RED, accept_shortfall=True, approve_suggested=True)
    assert change.summary["accepted_shortfall"] and change.warning.level == "red"


def test_the_summary_says_what_changed(city):
    w, pv1 = wf.issue_warning(city, actor="zhang", level=L.YELLOW, areas=None, start=START, end=END, hours_to_start=96)
    change = wf.adjust_warning(city, w.id, actor="li", level=L.ORANGE)
    old = {a.line_id: (a.enterprise_uscc, a.output_cut) for a in PlanDocument.model_validate_json(pv1.document).actions}
    new = {a.line_id: (a.enterprise_uscc, a.output_cut) for a in PlanDocument.model_validate_json(change.plan.document).actions}
    added, removed = set(new) - set(old), set(old) - set(new)
    changed = {k for k in set(old) & set(new) if abs(old[k][1] - new[k][1]) > 1e-9}
    assert change.summary["changes"]["lines"] == {
        "added": len(added), "removed": len(removed), "changed": len(changed),
        "unchanged": len(set(old) & set(new)) - len(changed)}
    firms_old, firms_new = {f for f, _ in old.values()}, {f for f, _ in new.values()}
    touched = {(old.get(k) or new.get(k))[0] for k in added | removed | changed}
    both = firms_old & firms_new
    assert change.summary["changes"]["firms"] == {
        "added": len(firms_new - firms_old), "removed": len(firms_old - firms_new),
        "changed": len(both & touched), "unchanged": len(both - touched)}
    assert change.summary["plan_version"] == 2 and change.summary["plan_sha256"] == change.plan.sha256
    assert change.summary["changes"]["lines"]["changed"] > 0


def test_release_is_recorded_with_beijing_times(city):
    w, _ = wf.issue_warning(city, actor="zhang", level=L.YELLOW, areas=None, start=START, end=END, hours_to_start=96)
    r = wf.release_warning(city, w.id, actor="li", reason="空气质量好转")
    assert (r.state, r.released_by, r.release_reason, r.released_at) == ("released", "li", "空气质量好转", NOW)
    with city.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM active_area")).scalar() == 0
    details = json.loads(audit.audit_log(city)[-1].details)
    assert details["released_at"] == "2026-12-03T12:00:00+08:00"


# ------------------------------------------------------------------ the scheduler


def test_the_scheduler_never_issues_a_short_plan(tiny, tmp_path, caplog):
    from datetime import date

    from emergency.scheduler.config import SchedulerConfig
    from emergency.scheduler.warnings import poll_forecast
    from emergency.warning.evaluation import evaluate
    from emergency.warning.series import daily_series
    from config.policy import load_policy

    ev = evaluate(daily_series([220, 240, 260, 230, 120], date(2026, 12, 5)), load_policy(None).warning_rule_set)
    with caplog.at_level(logging.ERROR, logger="emergency.scheduler"):
        out = poll_forecast(tiny, NOW, SchedulerConfig(out_dir=tmp_path / "d", auto_issue_areas=["测试市"]), evaluation=ev)
    assert [o.status for o in out] == ["short_not_issued"]
    assert wf.list_warnings(tiny) == []
    assert any("NOT issued" in r.message for r in caplog.records)
    with tiny.connect() as conn:
        payload = json.loads(conn.execute(sa.text("SELECT payload FROM dispatch_log")).scalar())
    assert payload["shortfall"] and "未自动发布" in payload["note_zh"]


# ------------------------------------------------------------------ the CLI on a UTC machine


def emergency(*args):
    proc = subprocess.run(
        [sys.executable, "-c", "from emergency.cli.main import run; run()", *map(str, args)],
        capture_output=True, text=True,
        env={**os.environ, "COLUMNS": "200", "TZ": "UTC", "EMERGENCY_NOW": "2026-12-03T12:00"},
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_warning_issue_on_the_command_line(tiny, sqlite_url):
    db = sqlite_url
    code, out = emergency("warning", "issue", "--level", "orange", "--start", "2026-12-05T00:00",
                          "--end", "2026-12-08T00:00", "--database", db)
    assert code == TargetsNotMet.exit_code == 10, out
    assert "Traceback" not in out and "未满足" in out and "未发布" in out and "--accept-shortfall" in out
    assert "30.0" in out and "20.0" in out and "10.0" in out  # required, achieved, short
    assert _counts(tiny)["warning"] == 0
    code, out = emergency("warning", "issue", "--level", "orange", "--start", "2026-12-05T00:00",
                          "--end", "2026-12-08T00:00", "--approve-suggested", "--database", db)
    assert code == 0, out
    assert "2026-12-05 00:00" in out and "北京时间" in out and "2026-12-04 16:00" not in out
    assert "全部减排目标均已满足" in out and "经值班员批准纳入管控" in out
    code, out = emergency("warning", "show", "1", "--database", db)
    assert code == 0 and "2026-12-05 00:00 至 2026-12-08 00:00（北京时间）" in out, out
    code, out = emergency("warning", "adjust", "1", "--level", "red", "--accept-shortfall", "--from", "2026-12-06T00:00",
                          "--database", db)
    assert code == 0 and "已明确接受缺口" in out and "措施生效：2026-12-06 00:00（北京时间）" in out, out
    code, out = emergency("warning", "release", "1", "--reason", "好转", "--database", db)
    assert code == 0 and "已解除" in out and "2026-12-03 12:00（北京时间）" in out, out
    code, out = emergency("warning", "issue", "--level", "orange", "--start", "12/05", "--end", "x", "--database", db)
    assert code == InputError.exit_code and "--start" in out and "Traceback" not in out


def test_the_demo_counts_from_the_bureaus_now_on_a_utc_machine(tmp_path):
    """02:00 Beijing time is still yesterday in UTC: the forecast starts the bureau's
    tomorrow (12-05), the warning 12-08 00:00 Beijing, 94 h from now."""
    proc = subprocess.run(
        [sys.executable, "-c", "from emergency.cli.main import run; run()", "demo", "--enterprises", "200",
         "--out", tmp_path / "out", "--database", f"sqlite:///{tmp_path / 'demo.sqlite'}"],
        capture_output=True, text=True, cwd=tmp_path,
        env={**os.environ, "COLUMNS": "200", "TZ": "UTC", "EMERGENCY_NOW": "2026-12-04T02:00"},
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "自 2026-12-05 起" in out and "距预警开始约 94 小时" in out
    assert "预警时段：2026-12-08 00:00（北京时间）" in out
    doc = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    assert doc["hours_to_start"] == pytest.approx(94.0)
    engine = open_database(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    try:
        assert [a.action for a in audit.audit_log(engine)][:2] == ["registry.import", "warning.issue"]
    finally:
        engine.dispose()
