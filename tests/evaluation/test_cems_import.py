"""CEMS import: kg by hand, every kind of bad cell rejected with its row and column, gaps
reported (not rejected), the Beijing day on a UTC machine, idempotent re-import, xlsx."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from sqlmodel import Session

from emergency import clock
from emergency.errors import ImportRejected, InputError
from emergency.evaluation.cems import import_cems
from emergency.evaluation.models import CemsReading
from emergency.workflow.models import AuditRecord
from enterprise_registry.db import make_engine, upgrade_database
from enterprise_registry.uscc import make_uscc
from tests.enterprise.city import C1, C2, NOW, load_city
from tests.evaluation.data import CEMS_HEADER, write

UNKNOWN = make_uscc("91320400000000009")  # a valid 统一社会信用代码 of no listed firm


@pytest.fixture
def engine(db_url):
    eng = make_engine(db_url)
    upgrade_database(eng)
    with clock.use_clock(NOW):
        load_city(eng)
    yield eng
    eng.dispose()


def test_kg_is_concentration_times_flow_and_stored_as_utc_hours(engine, tmp_path):
    f = write(tmp_path / "c.csv", CEMS_HEADER, [
        f"{C1},DA001,2026-12-03 08:00,SO2,35.5,22000",        # 35.5 × 22000 / 1e6 = 0.781 kg
        f"{C1},DA001,2026-12-03 08:00,氮氧化物,120,22000",      # 2.64 kg, NOx by its Chinese name
        f"{C1},DA002,2026-12-03T09:00+08:00,烟尘,8,5000",      # 0.04 kg, PM; an explicit offset
    ])
    with clock.use_clock(NOW):
        s = import_cems(engine, f, actor="张三")
    assert (s.rows, s.new, s.unchanged, s.enterprises, s.outlets) == (3, 3, 0, 1, 2)
    with Session(engine) as session:
        rows = {(r.outlet, r.pollutant): r for r in session.execute(select(CemsReading)).scalars()}
    assert rows[("DA001", "SO2")].kg == pytest.approx(0.781)
    assert rows[("DA001", "NOx")].kg == pytest.approx(2.64)
    assert rows[("DA002", "PM")].kg == pytest.approx(0.04)
    assert rows[("DA001", "SO2")].basis == "实测"
    # 08:00 Beijing time is 00:00 UTC
    assert clock.as_utc(rows[("DA001", "SO2")].hour) == datetime(2026, 12, 3, 0, 0, tzinfo=timezone.utc)
    with Session(engine) as session:
        actions = [a.action for a in session.execute(select(AuditRecord)).scalars()]
    assert "evaluation.cems_import" in actions


def test_every_bad_cell_is_rejected_with_its_row_and_column_and_nothing_is_written(engine, tmp_path):
    f = write(tmp_path / "bad.csv", CEMS_HEADER, [
        f"{C1},DA001,2026-12-03 00:00,SO2,100,10000",      # line 2: fine
        f"{C1},DA001,2026-12-03 00:00,SO2,100,10000",      # line 3: duplicate of line 2
        f"{C1},DA001,2026-12-03 01:00,SO2,-5,10000",       # line 4: negative concentration
        f"{C1},DA001,2026-12-03 02:00,SO2,100,abc",        # line 5: non-numeric flow
        f"{UNKNOWN},DA001,2026-12-03 02:00,SO2,100,10000",  # line 6: unknown firm
        f"{C1},DA001,2026-12-03 03:30,SO2,100,10000",      # line 7: not on the hour
        f"{C1},DA001,2026-12-04 09:00,SO2,100,10000",      # line 8: future (now is 12-03 23:30)
        f"{C1},DA001,2026-12-03 04:00,CO2,100,10000",      # line 9: unknown pollutant
        f"{C1},DA001,2026-12-03 05:00,SO2,nan,10000",      # line 10: not a finite number
    ])
    with clock.use_clock(NOW), pytest.raises(ImportRejected) as err:
        import_cems(engine, f)
    where = {(p.row, p.column) for p in err.value.problems}
    assert where == {(3, "监测时间"), (4, "实测浓度(mg/m³)"), (5, "标干流量(m³/h)"), (6, "统一社会信用代码"),
                     (7, "监测时间"), (8, "监测时间"), (9, "污染物"), (10, "实测浓度(mg/m³)")}
    reasons = {p.row: p.reason for p in err.value.problems}
    assert "第2行重复" in reasons[3] and "负数" in reasons[4] and "数字" in reasons[5]
    assert "不在清单" in reasons[6] and "整点" in reasons[7] and "未来" in reasons[8]
    assert all(p.sheet == str(f) for p in err.value.problems)
    with Session(engine) as session:
        assert session.execute(select(CemsReading)).first() is None


def test_a_gap_is_reported_not_rejected_and_a_short_day_is_flagged(engine, tmp_path):
    # 2026-12-02 Beijing: hours 00..23 except 05:00-09:00 (5 hours missing: 19 hours, < 20)
    rows = [f"{C1},DA001,2026-12-02 {h:02d}:00,SO2,100,10000" for h in range(24) if not 5 <= h <= 9]
    rows += [f"{C1},DA001,2026-12-03 {h:02d}:00,SO2,100,10000" for h in range(24) if h != 12]  # 23 hours: valid
    f = write(tmp_path / "gap.csv", CEMS_HEADER, rows)
    with clock.use_clock(NOW):
        s = import_cems(engine, f)
    assert s.rows == 19 + 23
    q = {x.day: x for x in s.quality}
    assert (q[date(2026, 12, 2)].hours, q[date(2026, 12, 2)].missing, q[date(2026, 12, 2)].valid) == (19, 5, False)
    assert (q[date(2026, 12, 3)].hours, q[date(2026, 12, 3)].missing, q[date(2026, 12, 3)].valid) == (23, 1, True)
    assert s.gap_hours == 6 and [x.day for x in s.short_days] == [date(2026, 12, 2)]


def test_beijing_day_boundary_on_a_utc_machine(engine, tmp_path):
    # 23:00 Beijing time of 12-02 is 15:00 UTC of 12-02 and belongs to 12-02; 00:00 of 12-03 is 16:00 UTC of 12-02
    f = write(tmp_path / "edge.csv", CEMS_HEADER, [f"{C1},DA001,2026-12-02 23:00,SO2,100,10000",
                                                   f"{C1},DA001,2026-12-03 00:00,SO2,100,10000"])
    with clock.use_clock(NOW):
        s = import_cems(engine, f)
    assert [(x.day, x.hours, x.missing) for x in s.quality] == [(date(2026, 12, 2), 1, 0), (date(2026, 12, 3), 1, 0)]
    with Session(engine) as session:
        hours = sorted(clock.as_utc(h) for h in session.execute(select(CemsReading.hour)).scalars())
    assert hours == [datetime(2026, 12, 2, 15, tzinfo=timezone.utc), datetime(2026, 12, 2, 16, tzinfo=timezone.utc)]


def test_reimport_is_idempotent_a_changed_value_is_rejected_unless_replaced(engine, tmp_path):
    rows = [f"{C1},DA001,2026-12-03 {h:02d}:00,SO2,100,10000" for h in range(3)]
    f = write(tmp_path / "a.csv", CEMS_HEADER, rows)
    with clock.use_clock(NOW):
        import_cems(engine, f)
        again = import_cems(engine, f)
        assert (again.new, again.unchanged, again.replaced) == (0, 3, 0)
        changed = write(tmp_path / "b.csv", CEMS_HEADER, rows[:2] + [f"{C1},DA001,2026-12-03 02:00,SO2,90,10000"])
        with pytest.raises(ImportRejected) as err:
            import_cems(engine, changed)
        assert [(p.row, p.column) for p in err.value.problems] == [(4, "监测时间")]
        assert "已导入" in err.value.problems[0].reason
        s = import_cems(engine, changed, replace=True)
        assert (s.new, s.unchanged, s.replaced) == (0, 2, 1)
    with Session(engine) as session:
        kgs = sorted(session.execute(select(CemsReading.kg)).scalars())
    assert kgs == pytest.approx([0.9, 1.0, 1.0])


def test_xlsx_with_datetime_cells_and_a_title_row(engine, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["某市重点企业在线监测小时数据"])
    ws.append(["统一社会信用代码", "排放口编号", "监测时间", "污染物", "折算浓度(mg/m³)", "标干流量(m³/h)"])
    ws.append([C2, "DA001", datetime(2026, 12, 3, 10), "SO2", 50, 20000])
    ws.append([C2, "DA001", datetime(2026, 12, 3, 11), "SO2", "x", 20000])
    wb.save(tmp_path / "c.xlsx")
    with clock.use_clock(NOW), pytest.raises(ImportRejected) as err:
        import_cems(engine, tmp_path / "c.xlsx")
    assert [(p.row, p.column) for p in err.value.problems] == [(4, "折算浓度(mg/m³)")]
    ws.delete_rows(4)
    wb.save(tmp_path / "c.xlsx")
    with clock.use_clock(NOW):
        s = import_cems(engine, tmp_path / "c.xlsx")
    assert s.rows == 1
    with Session(engine) as session:
        r = session.execute(select(CemsReading)).scalar_one()
    assert (r.basis, r.kg) == ("折算", pytest.approx(1.0))


def test_a_missing_column_and_an_empty_file(engine, tmp_path):
    f = write(tmp_path / "h.csv", "统一社会信用代码,排放口编号,监测时间,污染物,标干流量(m³/h)", [f"{C1},DA001,2026-12-03 00:00,SO2,1"])
    with clock.use_clock(NOW), pytest.raises(ImportRejected) as err:
        import_cems(engine, f)
    assert "至少需要其中一列" in err.value.problems[0].reason
    (tmp_path / "e.csv").write_text("")
    with clock.use_clock(NOW), pytest.raises(InputError):
        import_cems(engine, tmp_path / "e.csv")
