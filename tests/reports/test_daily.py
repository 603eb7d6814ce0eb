"""The daily response report against figures recomputed here from the episode's inputs
(tests/reports/scenario.py), on a UTC machine: every count is by Beijing day."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from emergency import clock
from emergency.errors import InputError
from emergency.reports.daily import daily_report
from enterprise_registry.db import open_database
from tests.enterprise.city import C1, C2, C3
from tests.reports.scenario import AFTER, D5, D6, D7, build, planned_per_day


@pytest.fixture
def episode(db_url, tmp_path):
    engine = open_database(db_url)
    yield build(engine, tmp_path)
    engine.dispose()


def _rows(report) -> dict[str, dict]:
    return {r["county"]: r for r in report.document["county"]}


def test_day_5_counts_by_county(episode):
    with clock.use_clock(AFTER):
        rows = _rows(daily_report(episode.engine, episode.wid, D5))
    assert list(rows) == ["乙县", "甲县", "全市合计"]
    lines = {}
    for a in episode.doc.actions:
        lines.setdefault(a.enterprise_uscc, set()).add(a.line_id)
    assert (rows["甲县"]["firms"], rows["甲县"]["lines"]) == (1, len(lines[C1]))
    assert (rows["乙县"]["firms"], rows["乙县"]["lines"]) == (2, len(lines[C2]) + len(lines[C3]))
    # receipts: C3's at 12-04 23:30 UTC is 12-05 07:30 Beijing (late, counted on the 5th);
    # C2's at 12-05 16:30 UTC is 12-06 00:30 Beijing (not the 5th although its UTC date is)
    assert (rows["乙县"]["confirmed_on_time"], rows["乙县"]["confirmed_late"]) == (0, 1)
    assert (rows["乙县"]["confirmed_total"], rows["乙县"]["not_confirmed"]) == (1, 1)
    assert (rows["甲县"]["confirmed_on_time"], rows["甲县"]["confirmed_late"], rows["甲县"]["confirmed_total"]) == (0, 0, 1)
    # reports: C1 complete on the 5th on time; C3 has one of two lines only
    assert (rows["甲县"]["reported_on_time"], rows["甲县"]["reported_total"]) == (1, 1)
    assert (rows["乙县"]["reported_on_time"], rows["乙县"]["reported_late"], rows["乙县"]["not_reported"]) == (0, 0, 2)
    # inspections on the 5th (Beijing): C2 未落实 (at 01:00 Beijing = 12-04 17:00 UTC) and C1 落实;
    # C3's at 00:10 Beijing on the 6th is not the 5th's
    assert (rows["乙县"]["inspected"], rows["乙县"]["inspection_non_compliant"]) == (1, 1)
    assert (rows["甲县"]["inspected"], rows["甲县"]["inspection_non_compliant"]) == (1, 0)
    # electricity: C1 used its baseline on warning days (未落实); C2 dropped (落实); C3 no data
    assert (rows["甲县"]["electricity_non_compliant"], rows["乙县"]["electricity_non_compliant"]) == (1, 0)
    assert (rows["甲县"]["non_compliant"], rows["乙县"]["non_compliant"]) == (1, 1)
    total = rows["全市合计"]
    assert (total["firms"], total["confirmed_late"], total["inspected"], total["non_compliant"]) == (3, 1, 2, 2)
    planned = planned_per_day(episode.doc)  # a whole day under version 1
    for county in ("甲县", "乙县"):
        for p, kg in planned[county].items():
            assert rows[county][f"planned_{p}_kg"] == pytest.approx(kg, abs=1e-3)
    assert total["planned_SO2_kg"] == pytest.approx(sum(planned[c]["SO2"] for c in planned), abs=1e-3)
    assert total["planned_SO2_kg"] > 0


def test_day_6_and_the_half_day_of_the_release(episode):
    with clock.use_clock(AFTER):
        r6 = _rows(daily_report(episode.engine, episode.wid, D6))
        r7 = daily_report(episode.engine, episode.wid, D7)
    assert (r6["乙县"]["confirmed_late"], r6["乙县"]["confirmed_total"], r6["乙县"]["not_confirmed"]) == (1, 2, 0)
    assert (r6["乙县"]["reported_late"], r6["乙县"]["reported_total"]) == (1, 1)
    assert (r6["乙县"]["inspected"], r6["乙县"]["inspection_non_compliant"], r6["乙县"]["non_compliant"]) == (1, 1, 1)
    assert r6["甲县"]["inspected"] == 0 and r6["甲县"]["non_compliant"] == 1  # electricity only
    planned = planned_per_day(episode.doc)
    rows7 = _rows(r7)
    # released at 12:00 Beijing: the 7th has 12 h of measures, half a day's reduction
    assert rows7["乙县"]["planned_NOx_kg"] == pytest.approx(planned["乙县"]["NOx"] / 2, abs=1e-3)
    assert rows7["乙县"]["measure_hours"] == pytest.approx(12.0)
    assert any("h/24" in n for n in r7.document["notes"])


def test_version_issued_that_day_and_a_day_without_measures(episode):
    with clock.use_clock(AFTER):
        r = daily_report(episode.engine, episode.wid, D5)
        assert r.document["version"] == []  # version 1 was issued on 12-03 (Beijing)
        with pytest.raises(InputError, match="2026-12-08"):
            daily_report(episode.engine, episode.wid, D7.replace(day=8))


def test_workbook_and_page_say_the_same(episode):
    with clock.use_clock(AFTER):
        r = daily_report(episode.engine, episode.wid, D5)
    wb = load_workbook(io.BytesIO(r.xlsx))
    ws = wb["各区县响应情况"]
    rows = [list(row) for row in ws.iter_rows(values_only=True)]
    header = rows.index(next(row for row in rows if row and row[0] == "区县"))
    assert rows[header][:3] == ["区县", "管控企业（家）", "管控生产线（条）"]
    body = {row[0]: row for row in rows[header + 1:]}
    assert body["全市合计"][1] == 3 and body["乙县"][1] == 2
    assert "说明" in wb.sheetnames and "未落实企业" in wb.sheetnames
    nc = [row for row in wb["未落实企业"].iter_rows(values_only=True)]
    assert {row[1] for row in nc if row and row[1] in (C1, C2)} == {C1, C2}
    assert "@page" in r.html and "A4" in r.html and "全市合计" in r.html
    assert "<script" not in r.html
