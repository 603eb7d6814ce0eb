"""Warnings over the calendar and re-planning the rest of the season with the past frozen."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from emergency.rotation.overlay import RUN, WARNING_CUT, WARNING_STOP, line_action, orders_for_day
from emergency.rotation.problem import WarningStop
from emergency.rotation.service import load_plan, plan_season, replan, save_plan, warnings_from_db
from enterprise_registry.db import open_database
from tests.rotation.checker import check_calendar
from tests.rotation.factory import firm, tables, uscc
from tests.rotation.test_model import SEASON, rules, stops_of

LID1 = f"{uscc('1')}/L01"


def _firms():
    return [firm(str(i)) for i in range(1, 6)]


def test_replan_freezes_the_past_and_takes_the_warning():
    r = rules(daily_stop_share_max=0.6)
    t = tables(_firms())
    first = plan_season(t, SEASON, rules=r, time_limit=5)
    assert first.result.feasible
    today = date(2026, 12, 21)
    # the warning stops the line that has stopped least so far, so its 3 warning days fit in
    # its quota of 15 (which line that is depends on the first calendar)
    code = min((str(i) for i in range(1, 6)), key=lambda c: len({d for d in stops_of(first.document, c) if d < today}))
    assert len({d for d in stops_of(first.document, code) if d < today}) <= 12
    other = "2" if code != "2" else "3"
    w = WarningStop(start=today, end=today + timedelta(days=2), level="orange",
                    cuts={f"{uscc(code)}/L01": 1.0, f"{uscc(other)}/L01": 0.3}, name="预警#7")
    again = plan_season(t, SEASON, rules=r, warnings=[w], previous=first.document, today=today, time_limit=5)
    assert again.result.feasible
    assert check_calendar(t, r, again.document) == []
    assert again.document["frozen_until"] == today.isoformat()
    for i in range(1, 6):
        before = {d for d in stops_of(first.document, str(i)) if d < today}
        after = {d for d in stops_of(again.document, str(i)) if d < today}
        assert before == after, f"line {i}: the past changed"
    assert {today, today + timedelta(days=1), today + timedelta(days=2)} <= stops_of(again.document, code)
    assert len(stops_of(again.document, code)) == 15  # warning days count (count_warning_days)


def test_stricter_of_rotation_and_warning():
    r = rules()
    t = tables(_firms())
    run = plan_season(t, SEASON, rules=r, time_limit=5)
    doc = run.document
    rec2 = next(x for x in doc["lines"] if x["line_id"] == f"{uscc('2')}/L01")
    stops = stops_of(doc, "2")
    on = min(stops)
    off = next(d for d in (date(2026, 12, 1) + timedelta(days=k) for k in range(60)) if d not in stops)
    doc["warnings"] = [{"name": "预警#1", "level": "orange", "start": "2026-12-01", "end": "2027-01-29",
                        "stopped_lines": [], "cuts": {rec2["line_id"]: 0.3}, "labels": {}}]
    a_on, a_off = line_action(doc, rec2, on), line_action(doc, rec2, off)
    assert a_on.output_cut == 1.0 and a_on.rotation_stop  # the rotation stop is stricter than a 30 % cut
    assert a_off.action == WARNING_CUT and a_off.output_cut == 0.3 and "30%" in a_off.action_zh
    doc["warnings"][0]["cuts"][rec2["line_id"]] = 1.0
    doc["warnings"][0]["stopped_lines"] = [rec2["line_id"]]
    assert line_action(doc, rec2, off).action == WARNING_STOP
    doc["warnings"] = []
    assert line_action(doc, rec2, off).action == RUN


def test_orders_of_a_day_start_continue_resume():
    r = rules()
    t = tables(_firms())
    doc = plan_season(t, SEASON, rules=r, time_limit=5).document
    stops = stops_of(doc, "3")
    a = min(stops)
    block_end = a
    while block_end + timedelta(days=1) in stops:
        block_end += timedelta(days=1)
    by_day = {d: {o.line_id: o for o in orders_for_day(doc, d)} for d in (a, a + timedelta(days=1), block_end + timedelta(days=1))}
    lid = f"{uscc('3')}/L01"
    if a > date(2026, 12, 1):
        assert by_day[a][lid].change == "start"
    assert by_day[a + timedelta(days=1)][lid].change == "continue"
    if block_end < date(2027, 1, 29):
        assert by_day[block_end + timedelta(days=1)][lid].change == "resume"


def _record_warning(engine, start: datetime, end: datetime, cuts: dict[str, float]) -> int:
    from emergency.workflow.models import PlanVersion, WarningRecord

    with Session(engine) as s:
        w = WarningRecord(state="issued", level="orange", rule_set="2024", areas=json.dumps(["测试市"]),
                          start=start, end=end, registry_version="测试清单", created_by="tester")
        s.add(w)
        s.commit()
        doc = {"actions": [{"line_id": k, "output_cut": v, "measure": "stop" if v >= 1 else "cut_output",
                            "measure_zh": "停产" if v >= 1 else "限产"} for k, v in cuts.items()]}
        s.add(PlanVersion(warning_id=w.id, version_no=1, transition="issue", level="orange",
                          document=json.dumps(doc), sha256="0" * 64, created_by="tester"))
        s.commit()
        return int(w.id)


def test_replan_from_the_database_reads_the_workflow_warnings(sqlite_url):
    engine = open_database(sqlite_url)
    r = rules(daily_stop_share_max=0.6)
    t = tables(_firms())
    first = plan_season(t, SEASON, rules=r, time_limit=5)
    first_id = save_plan(engine, first.document)
    bj = ZoneInfo("Asia/Shanghai")  # 12-21 00:00 to 12-23 23:00 Beijing time: three Beijing days
    wid = _record_warning(engine, datetime(2026, 12, 21, tzinfo=bj), datetime(2026, 12, 23, 23, tzinfo=bj), {LID1: 1.0})
    [w] = warnings_from_db(engine, date(2026, 12, 1), date(2027, 1, 29))
    assert (w.start, w.end, w.cuts, w.name) == (date(2026, 12, 21), date(2026, 12, 23), {LID1: 1.0}, f"预警#{wid}")
    new_id, run = replan(engine, t, date(2026, 12, 21), time_limit=5)
    assert new_id > first_id and run.result.feasible
    pid, doc = load_plan(engine, SEASON)
    assert pid == new_id and doc["frozen_until"] == "2026-12-21"
    assert check_calendar(t, r, doc) == []
    assert {date(2026, 12, 21), date(2026, 12, 22), date(2026, 12, 23)} <= stops_of(doc, "1")


def test_a_replan_out_of_time_saves_nothing_and_the_plan_in_effect_stays(sqlite_url):
    """A solve that runs out of time finds no calendar: it is an error saying so (CLI
    exit 15), nothing is saved, and the plan in effect — with the days already stopped —
    stays the current one for `show` and for the next re-plan."""
    import os
    import subprocess
    import sys

    import pytest
    from typer.testing import CliRunner

    from emergency.cli.main import app
    from emergency.errors import RotationError
    from emergency.rotation.service import rules_for
    from enterprise_registry.generator import generate_registry

    engine = open_database(sqlite_url)
    t = generate_registry(60, seed=2)  # the demo city's kilns: 38 rotating lines over 135 days
    r = rules_for(t, daily_stop_share_min=0.0, daily_stop_share_max=1.0)  # every line's own rules only
    first = plan_season(t, SEASON, rules=r, time_limit=1)
    assert first.result.feasible
    first_id = save_plan(engine, first.document)
    today = date(2026, 12, 21)
    with pytest.raises(RotationError, match="超时") as info:
        replan(engine, t, today, time_limit=0.01)
    assert f"现行方案 #{first_id} 继续有效" in info.value.message and "未保存新方案" in info.value.message
    assert info.value.extra["current_plan"] == first_id and info.value.exit_code == 15
    proc = subprocess.run(
        [sys.executable, "-c", "from emergency.cli.main import run; run()", "rotation", "replan", "--generate", "60",
         "--seed", "2", "--today", "2026-12-21", "--time-limit", "0.01", "--database", sqlite_url],
        capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    out = proc.stdout + proc.stderr
    assert proc.returncode == 15 and "超时" in out and "继续有效" in out, out
    assert "全部规则均满足" not in out and "Traceback" not in out
    pid, doc = load_plan(engine, SEASON)
    assert pid == first_id and doc == first.document  # nothing saved over it
    rec = next(x for x in doc["lines"] if x["blocks"])
    shown = CliRunner().invoke(app, ["rotation", "show", "--enterprise", rec["uscc"], "--day", rec["blocks"][0][0],
                                     "--database", sqlite_url])
    assert shown.exit_code == 0 and "停产" in shown.output, shown.output
    # the next re-plan starts from the plan in effect: the days already stopped stay
    new_id, run = replan(engine, t, today, time_limit=5)
    assert new_id > first_id and run.result.feasible

    def past(d):
        return {x["line_id"]: {day for day in stops_of_line(x) if day < today} for x in d["lines"]}

    assert past(run.document) == past(first.document) and any(past(first.document).values())


def stops_of_line(rec: dict) -> set[date]:
    out = set()
    for a, b in rec["blocks"]:
        d = date.fromisoformat(a)
        while d <= date.fromisoformat(b):
            out.add(d)
            d += timedelta(days=1)
    return out


def test_a_plan_without_a_calendar_is_never_stored_nor_read_as_current(sqlite_url):
    import pytest
    from sqlmodel import Session

    from emergency.errors import RotationError
    from emergency.rotation.document import document_sha256
    from emergency.rotation.models import RotationPlanRecord

    engine = open_database(sqlite_url)
    t = tables(_firms())
    first = plan_season(t, SEASON, rules=rules(), time_limit=5)
    first_id = save_plan(engine, first.document)
    empty = dict(first.document, status="not_solved", status_zh="未求解", lines=[], groups=[],
                 summary=dict(first.document["summary"], stop_line_days=None))
    with pytest.raises(RotationError, match="没有日历"):
        save_plan(engine, empty)
    # a row stored before such plans were refused is passed over
    with Session(engine) as s:
        s.add(RotationPlanRecord(season=SEASON, area=empty["area"], status="not_solved",
                                 window_start=date(2026, 12, 1), window_end=date(2027, 1, 29),
                                 sha256=document_sha256(empty), document=json.dumps(empty, ensure_ascii=False)))
        s.commit()
    pid, doc = load_plan(engine, SEASON)
    assert pid == first_id and doc["lines"]
