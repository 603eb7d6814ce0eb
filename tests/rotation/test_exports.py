"""Exports: .ics parsed by the icalendar library, the Excel matrix read back, JSON."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from emergency.rotation.export import enterprise_ics, write_ics, write_json, write_xlsx
from emergency.rotation.problem import WarningStop
from emergency.rotation.service import plan_season
from tests.rotation.factory import firm, tables, uscc
from tests.rotation.test_model import SEASON, rules

icalendar = pytest.importorskip("icalendar")


@pytest.fixture(scope="module")
def doc():
    firms = [firm(str(i), name=f"第{i}砖瓦有限公司，含逗号；和分号") for i in range(1, 5)]
    firms += [firm("5", grade="D", name="五号砖厂"), firm("6", grade="A", name="六号砖厂"), firm("7", lines=2, name="七号砖厂")]
    w = WarningStop(start=date(2026, 12, 15), end=date(2026, 12, 16), level="red",
                    cuts={f"{uscc('1')}/L01": 1.0}, name="预警#3")
    return plan_season(tables(firms), SEASON, rules=rules(min_block_days=3), warnings=[w], time_limit=5).document


def _events(path):
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    return cal, [c for c in cal.walk("VEVENT")]


def test_one_file_per_enterprise_with_stops(doc, tmp_path):
    files = write_ics(doc, tmp_path)
    names = sorted(p.stem for p in files)
    expected = sorted({r["uscc"] for r in doc["lines"] if r["blocks"]})
    assert names == expected and uscc("6") not in names  # the A-grade firm has no calendar


def test_ics_events_are_the_stop_blocks(doc, tmp_path):
    write_ics(doc, tmp_path)
    for rec_uscc in {r["uscc"] for r in doc["lines"] if r["blocks"]}:
        cal, events = _events(tmp_path / f"{rec_uscc}.ics")
        assert str(cal["VERSION"]) == "2.0"
        recs = [r for r in doc["lines"] if r["uscc"] == rec_uscc]
        assert len(events) == sum(len(r["blocks"]) for r in recs)  # one VEVENT per contiguous block
        covered: dict[str, set] = {}
        for ev in events:
            start, end = ev["DTSTART"].dt, ev["DTEND"].dt
            assert type(start) is date and type(end) is date  # all-day events
            assert end > start
            summary = str(ev["SUMMARY"])
            assert summary.startswith("错峰停产")
            line_name = next(r["line_name"] for r in recs if r["line_name"] in summary)
            assert line_name
            lid = next(r["line_id"] for r in recs if r["line_id"] in str(ev["DESCRIPTION"]))
            days = {start + timedelta(days=k) for k in range((end - start).days)}  # DTEND exclusive
            assert not covered.get(lid, set()) & days
            covered.setdefault(lid, set()).update(days)
        for r in recs:
            assert covered.get(r["line_id"], set()) == _stop_set(r)


def _stop_set(rec):
    out = set()
    for a, b in rec["blocks"]:
        d = date.fromisoformat(a)
        while d <= date.fromisoformat(b):
            out.add(d)
            d += timedelta(days=1)
    return out


def test_ics_text_is_escaped_folded_and_uids_are_stable(doc, tmp_path):
    text = enterprise_ics(doc, uscc("1"))
    assert text == enterprise_ics(doc, uscc("1"))  # deterministic
    raw = text.encode("utf-8")
    assert b"\r\n" in raw and all(len(line) <= 75 for line in raw.split(b"\r\n"))
    cal = icalendar.Calendar.from_ical(raw)
    [name_prop] = {str(cal["X-WR-CALNAME"])}
    assert "，含逗号；和分号" in name_prop  # escaped on the way out, unescaped by the parser
    uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
    assert len(set(uids)) == len(uids)
    # a re-plan created later keeps the UIDs of the same blocks and raises SEQUENCE
    later = dict(doc, created_at=(datetime.fromisoformat(doc["created_at"]) + timedelta(hours=3)).isoformat())
    cal2 = icalendar.Calendar.from_ical(enterprise_ics(later, uscc("1")).encode())
    assert [str(e["UID"]) for e in cal2.walk("VEVENT")] == uids
    assert all(int(b["SEQUENCE"]) > int(a["SEQUENCE"]) for a, b in zip(cal.walk("VEVENT"), cal2.walk("VEVENT")))
    # the warning days inside a block are named in its description
    assert any("预警停产" in str(e["DESCRIPTION"]) for e in cal.walk("VEVENT"))


def test_whole_window_line_is_one_event(doc, tmp_path):
    write_ics(doc, tmp_path)
    _, events = _events(tmp_path / f"{uscc('5')}.ics")
    [ev] = events
    assert ev["DTSTART"].dt == date(2026, 12, 1) and ev["DTEND"].dt == date(2027, 1, 30)
    assert "全时段" in str(ev["SUMMARY"])


def test_excel_matrix(doc, tmp_path):
    path = write_xlsx(doc, tmp_path / "rotation.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["错峰日历", "每日停产占比", "不可行说明", "图例与规则"]
    ws = wb["错峰日历"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["序号", "区县", "企业名称", "统一社会信用代码"]
    assert header[15] == "12-1" and header[-1] == "1-29" and len(header) == 15 + 60
    rows = list(ws.iter_rows(min_row=3, values_only=False))
    assert len(rows) == len(doc["lines"])
    for row, rec in zip(rows, doc["lines"]):
        assert row[3].value == rec["uscc"] and row[6].value == rec["line_name"]
        marks = [c.value for c in row[15:]]
        assert sum(m is not None for m in marks) == rec["stop_days"]
        for c in row[15:]:
            if c.value == "停" and rec["role"] == "rotate":
                assert c.fill.fgColor.rgb.endswith("F4B084")
            if c.value == "停" and rec["role"] == "whole":
                assert c.fill.fgColor.rgb.endswith("C00000")
            if rec["role"] == "exempt":
                assert c.fill.fgColor.rgb.endswith("D9D9D9")
    warn_row = next(r for r, rec in zip(rows, doc["lines"]) if rec["uscc"] == uscc("1"))
    assert warn_row[15 + 14].value == "预" and warn_row[15 + 15].value == "预"  # 12-15, 12-16
    shares = wb["每日停产占比"]
    assert [c.value for c in shares[1]][:4] == ["区域", "范围", "行业", "单位"]


def test_json_round_trip(doc, tmp_path):
    path = write_json(doc, tmp_path / "rotation.json")
    back = json.loads(path.read_text(encoding="utf-8"))
    assert back == json.loads(json.dumps(doc))
    assert back["status"] in ("optimal", "feasible") and back["rules"]["min_block_days"] == 3
