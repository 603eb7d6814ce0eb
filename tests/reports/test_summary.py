"""The episode summary (总结评估报告) against figures recomputed here from the episode
(tests/reports/scenario.py); the effect evaluation is guarded: absent, the report says
效果评估数据暂缺 loudly; present (a stand-in of the contract), its rows are shown."""

from __future__ import annotations

import io
import sys
import types
from datetime import date, datetime, timezone

import pytest
from markupsafe import Markup
from openpyxl import load_workbook

from emergency import clock
from emergency.reports.summary import summary_report
from enterprise_registry.db import open_database
from tests.enterprise.city import C1, C2, C3
from tests.reports.scenario import AFTER, COUNTY, build, planned_per_day

UTC = timezone.utc


@pytest.fixture
def episode(db_url, tmp_path):
    engine = open_database(db_url)
    yield build(engine, tmp_path)
    engine.dispose()


def test_statistics_table_by_county(episode, monkeypatch):
    monkeypatch.setitem(sys.modules, "emergency.evaluation.effect", None)  # C's module absent: import fails
    with clock.use_clock(AFTER):
        r = summary_report(episode.engine, episode.wid)
    rows = {x["county"]: x for x in r.document["county"]}
    # receipts: C1 on time; C3 and C2 late (乙县); reports: C1 on time, C3 late, C2 none
    assert (rows["甲县"]["confirmed_on_time"], rows["乙县"]["confirmed_late"], rows["乙县"]["not_confirmed"]) == (1, 2, 0)
    assert (rows["甲县"]["reported_on_time"], rows["乙县"]["reported_late"], rows["乙县"]["not_reported"]) == (1, 1, 1)
    assert (rows["乙县"]["inspections"], rows["乙县"]["inspected"], rows["乙县"]["inspection_non_compliant"]) == (2, 2, 2)
    assert (rows["甲县"]["electricity_non_compliant"], rows["甲县"]["non_compliant"], rows["乙县"]["non_compliant"]) == (1, 1, 2)
    assert rows["全市合计"]["non_compliant"] == 3 and rows["全市合计"]["firms"] == 3
    # measures 12-05 00:00 → release 12-07 12:00 Beijing: 2.5 days of the per-day figures
    planned = planned_per_day(episode.doc)
    for county in ("甲县", "乙县"):
        assert rows[county]["planned_SO2_kg"] == pytest.approx(2.5 * planned[county]["SO2"], abs=1e-3)
    lost = sum(a.lost_value_yuan for a in episode.doc.actions) * 2.5 / 1e4
    assert rows["全市合计"]["lost_output_wan_yuan"] == pytest.approx(lost, abs=0.01)
    # by measure and grade (every firm here is C grade)
    expect: dict[tuple, set] = {}
    for a in episode.doc.actions:
        expect.setdefault((COUNTY[a.enterprise_uscc], a.measure_zh or a.measure, "C"), set()).add(a.line_id)
    got = {(x["county"], x["measure_zh"], x["grade"]): x["lines"] for x in r.document["measure_grade"]}
    assert got == {k: len(v) for k, v in expect.items()}
    # transitions and the deadline: release + 2 days (config/reports [deadlines])
    t = r.document["transition"]
    assert [(x["transition_zh"], x["at"]) for x in t] == [("启动", "2026-12-03 23:30"), ("解除", "2026-12-07 12:00")]
    assert r.document["due_at"] == "2026-12-09T12:00:00+08:00"
    assert r.document["evaluation_available"] is False
    assert "效果评估数据暂缺" in r.html and 'class="loud"' in r.html
    wb = load_workbook(io.BytesIO(r.xlsx))
    assert wb.sheetnames[0] == "应急响应情况统计表"
    red = [row for row in wb["减排效果"].iter_rows(values_only=True) if row and row[0] == "甲县"]
    assert red and all(row[5] == "效果评估数据暂缺" for row in red)


def test_evaluation_rows_when_the_module_is_there(sqlite_url, tmp_path, monkeypatch):
    episode = build(open_database(sqlite_url), tmp_path)
    class Effect:
        warning_id = episode.wid
        lost_output_wan_yuan = 1.0

        def county_rows(self):
            return [{"county": "甲县", "pollutant": "NOx", "planned_kg": 200.0, "achieved_kg": 150.0,
                     "source": "cems", "coverage": 0.8}]

        def aqi_days(self):
            return [{"day": date(2026, 12, 5), "area": "测试市", "forecast_aqi": 230, "observed_aqi": 210}]

        def as_dict(self):
            return {"warning_id": episode.wid}

    effect = types.ModuleType("emergency.evaluation.effect")
    effect.evaluate_episode = lambda engine, wid: Effect()
    charts = types.ModuleType("emergency.evaluation.charts")
    charts.episode_chart = lambda e: Markup('<svg id="episode-chart"></svg>')
    monkeypatch.setitem(sys.modules, "emergency.evaluation.effect", effect)
    monkeypatch.setitem(sys.modules, "emergency.evaluation.charts", charts)
    with clock.use_clock(AFTER):
        r = summary_report(episode.engine, episode.wid)
    (row,) = r.document["reduction"]
    assert (row["achieved_kg"], row["achieved_share"], row["source"]) == (150.0, 0.75, "在线监测")
    assert r.document["aqi"] == [{"day": "2026-12-05", "area": "测试市", "forecast_aqi": 230, "observed_aqi": 210}]
    assert '<svg id="episode-chart">' in r.html and "效果评估数据暂缺" not in r.html
    wb = load_workbook(io.BytesIO(r.xlsx))
    assert [row for row in wb["减排效果"].iter_rows(values_only=True) if row and row[0] == "甲县"][0][3] == 0.15  # t


def test_interim_before_release(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "emergency.evaluation.effect", None)
    engine = open_database(sqlite_url)
    ep = build(engine, tmp_path, release=False)
    with clock.use_clock(datetime(2026, 12, 6, 4, 0, tzinfo=UTC)):
        r = summary_report(engine, ep.wid)
    assert r.document["due_at"] is None and "预警尚未解除" in r.html
    assert {C1, C2, C3} >= {x["uscc"] for x in r.document["inspection"]}
    engine.dispose()
