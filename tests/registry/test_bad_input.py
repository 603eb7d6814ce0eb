"""Planted errors: every one reported with sheet, row, column and reason; nothing written."""

import shutil

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from emergency.errors import ImportRejected
from enterprise_registry import service
from enterprise_registry.db import open_database
from enterprise_registry.generator import generate_registry
from enterprise_registry.listfiles import write_list_file


@pytest.fixture(scope="module")
def good_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("lists") / "good.xlsx"
    write_list_file(generate_registry(60, seed=4), path)
    return path


def _col(ws, header):
    for cell in ws[1]:
        if cell.value == header:
            return cell.column
    raise KeyError(header)


def _plant(src, dst, edits):
    shutil.copy(src, dst)
    wb = load_workbook(dst)
    for sheet, row, header, value in edits:
        ws = wb[sheet]
        ws.cell(row=row, column=_col(ws, header), value=value)
    wb.save(dst)
    return dst


def _counts(engine):
    with engine.connect() as conn:
        return tuple(
            conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("list_version", "area", "enterprise", "production_line")
        )


PLANTED = [
    # (sheet, row, header, value, expected reason fragment)
    ("企业", 3, "统一社会信用代码", "91350100M000100Y44", "校验码错误"),
    ("企业", 4, "绩效等级", "E", "未知绩效等级"),
    ("生产线", 5, "SO2排放量(kg/d)", -3, "不能为负数"),
    ("生产线", 6, "NOx排放量(kg/d)", "12kg", "单位"),
    ("生产线", 7, "统一社会信用代码", "91520000214434146R", "不在企业表中"),
    ("企业", 8, "区县", "不存在县", "区县不在区域表中"),
    ("生产线", 9, "最低负荷(%)", 150, "0到100"),
    ("企业", 10, "行业类别", "造纸", "未知行业类别"),
    ("生产线", 11, "可中断", "也许", "是”或“否"),
    ("区域", 3, "SO2全社会排放基数(kg/d)", "1,5", "小数点"),
]


def test_every_planted_error_is_reported_and_nothing_written(db_url, good_file, tmp_path):
    engine = open_database(db_url)
    service.import_list_file(engine, good_file)  # a first good version
    before = _counts(engine)
    bad = _plant(good_file, tmp_path / "bad.xlsx", [(s, r, h, v) for s, r, h, v, _ in PLANTED])
    wb = load_workbook(bad)  # make the rename not collide with the good version
    wb["清单版本"].cell(row=2, column=1, value="另一个版本")
    wb.save(bad)
    with pytest.raises(ImportRejected) as info:
        service.import_list_file(engine, bad)
    problems = info.value.problems
    for sheet, row, header, value, fragment in PLANTED:
        assert any(
            p.sheet == sheet and p.row == row and p.column == header and fragment in p.reason for p in problems
        ), f"not reported: {sheet} row {row} [{header}] {value!r}; got {[str(p) for p in problems]}"
    assert _counts(engine) == before


def test_duplicate_code_is_reported_with_first_row(sqlite_url, good_file, tmp_path):
    wb = load_workbook(good_file)
    ws = wb["企业"]
    code = ws.cell(row=2, column=_col(ws, "统一社会信用代码")).value
    bad = _plant(good_file, tmp_path / "dup.xlsx", [("企业", 5, "统一社会信用代码", code)])
    engine = open_database(sqlite_url)
    with pytest.raises(ImportRejected) as info:
        service.import_list_file(engine, bad)
    assert any(p.row == 5 and "重复" in p.reason and "第2行" in p.reason for p in info.value.problems)
    assert _counts(engine) == (0, 0, 0, 0)


def test_misspelt_header_is_reported(sqlite_url, good_file, tmp_path):
    shutil.copy(good_file, tmp_path / "h.xlsx")
    wb = load_workbook(tmp_path / "h.xlsx")
    ws = wb["生产线"]
    ws.cell(row=1, column=_col(ws, "SO2排放量(kg/d)"), value="SO2排放量(t/a)")
    wb.save(tmp_path / "h.xlsx")
    with pytest.raises(ImportRejected) as info:
        service.import_list_file(open_database(sqlite_url), tmp_path / "h.xlsx")
    reasons = {(p.column, p.reason) for p in info.value.problems}
    assert ("SO2排放量(t/a)", "未知列名（表头拼写或单位有误？应与模板一致）") in reasons
    assert ("SO2排放量(kg/d)", "缺少必填列") in reasons


def test_leader_grade_in_abcd_industry_is_rejected(sqlite_url, good_file, tmp_path):
    wb = load_workbook(good_file)
    ws = wb["企业"]
    col = _col(ws, "行业类别")
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=col).value in ("铸造", "砖瓦窑", "工业涂装", "陶瓷"))
    bad = _plant(good_file, tmp_path / "g.xlsx", [("企业", row, "绩效等级", "引领性")])
    with pytest.raises(ImportRejected) as info:
        service.import_list_file(open_database(sqlite_url), bad)
    assert any(p.row == row and p.column == "绩效等级" for p in info.value.problems)
