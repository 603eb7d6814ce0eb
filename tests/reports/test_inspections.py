"""On-site inspections: recorded one by one or from a file (whole file or nothing, every
bad cell located), audited, refused when they name no firm of the warning; what a
workbook shows of them is never a live formula."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import Workbook, load_workbook

from emergency import clock
from emergency.errors import ImportRejected, InputError
from emergency.reports.daily import daily_report
from emergency.reports.inspections import InspectionIn, import_inspections, list_inspections, record_inspection
from emergency.workflow.audit import audit_log
from enterprise_registry.db import open_database
from tests.enterprise.city import A1, C1, C2, C3, NOW, issue, load_city

UTC = timezone.utc
LATER = datetime(2026, 12, 5, 6, 0, tzinfo=UTC)  # 14:00 Beijing on the first warning day


@pytest.fixture
def warning(db_url):
    engine = open_database(db_url)
    with clock.use_clock(NOW):
        load_city(engine)
        w, _, doc = issue(engine)
    yield engine, w.id, doc
    engine.dispose()


def test_record_is_audited_and_read_back_in_beijing_time(warning):
    engine, wid, _ = warning
    with clock.use_clock(LATER):
        row = record_inspection(engine, wid, InspectionIn(C2, datetime(2026, 12, 5, 7, 30), "王五", "停产"), "duty")
    assert row["result"] == "stopped" and row["inspected_at"] == "2026-12-05T07:30:00+08:00" and row["day"] == "2026-12-05"
    (stored,) = list_inspections(engine, wid)
    assert clock.as_utc(stored.inspected_at) == datetime(2026, 12, 4, 23, 30, tzinfo=UTC)
    assert list_inspections(engine, wid, datetime(2026, 12, 5).date()) and not list_inspections(engine, wid, datetime(2026, 12, 4).date())
    (audit,) = audit_log(engine, action="inspection.")
    assert (audit.actor, audit.action, audit.target) == ("duty", "inspection.record", f"{wid}/{C2}")


REFUSED = [
    (InspectionIn(A1, datetime(2026, 12, 5, 8), "王五", "落实"), "uscc"),  # spared: no measure in any version
    (InspectionIn(C1, datetime(2026, 12, 5, 8), "王五", "基本落实"), "result"),
    (InspectionIn(C1, datetime(2026, 12, 5, 8), "", "落实"), "inspector"),
    (InspectionIn(C1, datetime(2026, 12, 5, 8), "王五", "落实", line_id="no-such-line"), "line_id"),
    (InspectionIn(C1, datetime(2026, 12, 3, 20), "王五", "落实"), "inspected_at"),  # before the issue (23:30)
    (InspectionIn(C1, datetime(2026, 12, 6, 8), "王五", "落实"), "inspected_at"),  # in the future
]


def test_refused_inspections_name_the_field(warning):
    engine, wid, _ = warning
    for item, field in REFUSED:
        with clock.use_clock(LATER), pytest.raises(InputError) as exc:
            record_inspection(engine, wid, item, "duty")
        assert exc.value.extra["field"] == field, item
    assert list_inspections(engine, wid) == []


def test_csv_import_is_all_or_nothing_with_located_errors(warning, tmp_path):
    engine, wid, doc = warning
    line = next(a.line_id for a in doc.actions if a.enterprise_uscc == C3)
    good = ["检查情况汇总", "统一社会信用代码,生产线编号,检查时间,检查人员,检查结果,情况说明",
            f"{C1},,2026-12-05 09:00,李四,落实,", f"{C3},{line},2026/12/05 10:00,李四,未落实,窑炉仍在生产"]
    bad = good + [f"{A1},,2026-12-05 09:00,李四,落实,", f"{C2},,2026-12-05 25:00,李四,落实,", f"{C2},,2026-12-05 09:00,,合格,"]
    f = tmp_path / "insp.csv"
    f.write_text("\n".join(bad), encoding="gb18030")
    with clock.use_clock(LATER), pytest.raises(ImportRejected) as exc:
        import_inspections(engine, wid, f, "duty", source_name="检查.csv")
    where = {(p.row, p.column) for p in exc.value.problems}
    assert where == {(5, "统一社会信用代码"), (6, "检查时间"), (7, "检查人员"), (7, "检查结果")}
    assert list_inspections(engine, wid) == []
    f.write_text("\n".join(good), encoding="utf-8")
    with clock.use_clock(LATER):
        s = import_inspections(engine, wid, f, "duty", source_name="检查.csv")
    assert (s.rows, s.firms, s.by_result["non_compliant"]) == (2, 2, 1)
    rows = list_inspections(engine, wid)
    assert [(r.uscc, r.line_id, r.result) for r in rows] == [(C1, None, "compliant"), (C3, line, "non_compliant")]
    (audit,) = audit_log(engine, action="inspection.import")
    assert "检查.csv" in audit.details and str(tmp_path) not in audit.details


def test_xlsx_import(warning, tmp_path):
    engine, wid, _ = warning
    wb = Workbook()
    ws = wb.active
    ws.append(["uscc", "inspected_at", "inspector", "result"])
    ws.append([C2, datetime(2026, 12, 5, 11, 0), "赵六", "无法核实"])
    wb.save(tmp_path / "i.xlsx")
    with clock.use_clock(LATER):
        s = import_inspections(engine, wid, tmp_path / "i.xlsx", "duty", source_name="i.xlsx")
    assert s.rows == 1 and list_inspections(engine, wid)[0].result == "unverified"
    assert clock.fmt(list_inspections(engine, wid)[0].inspected_at) == "2026-12-05 11:00"


def test_formula_injection_is_neutralised_in_the_report_workbook(warning):
    engine, wid, _ = warning
    evil = '=HYPERLINK("http://evil.example","点击")'
    with clock.use_clock(LATER):
        record_inspection(engine, wid, InspectionIn(C2, LATER - timedelta(hours=1), "=1+1", "未落实", note=evil), "duty")
        r = daily_report(engine, wid, datetime(2026, 12, 5).date())
    wb = load_workbook(io.BytesIO(r.xlsx))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith("=")]
    assert {c.value for c in cells} >= {evil, "=1+1"}
    assert all(c.data_type == "s" for c in cells)
    assert "HYPERLINK(&#34;" in r.html or "HYPERLINK(&quot;" in r.html  # autoescaped on the page


def test_page_escapes_what_people_typed(warning):
    engine, wid, _ = warning
    with clock.use_clock(LATER):
        record_inspection(engine, wid, InspectionIn(C1, LATER, "<script>alert(1)</script>", "未落实"), "duty")
        r = daily_report(engine, wid, datetime(2026, 12, 5).date())
    assert "<script>" not in r.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.html
