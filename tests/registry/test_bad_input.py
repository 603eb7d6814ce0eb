"""Planted errors: each reported with sheet, row, column and reason; nothing written.

Rows are the numbers a spreadsheet shows (header = row 1). Expected reasons are the
rules of the format (columns.py) and of the check (validation.py docstring).
"""

import csv
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from emergency.errors import ImportRejected, RegistryError
from enterprise_registry import service
from enterprise_registry.db import open_database
from enterprise_registry.generator import generate_registry
from enterprise_registry.listfiles import write_list_file

HAND = Path(__file__).parent / "data" / "jinzhong"


@pytest.fixture(scope="module")
def good_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("lists") / "good.xlsx"
    write_list_file(generate_registry(60, seed=4), path)
    return path


@pytest.fixture
def hand_dir(tmp_path):
    return Path(shutil.copytree(HAND, tmp_path / "hand"))


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


def _read_csv(path):
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [list(r) for r in csv.reader(fh)]


def _write_csv(path, rows, encoding="utf-8-sig"):
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)


def _edit_csv(directory, name, row, header, value):
    """Set the cell at spreadsheet row ``row`` (header = 1) under ``header``."""
    rows = _read_csv(directory / name)
    rows[row - 1][rows[0].index(header)] = value
    _write_csv(directory / name, rows)


def _counts(engine):
    with engine.connect() as conn:
        return tuple(
            conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("list_version", "area", "enterprise", "production_line")
        )


def _reported(problems, sheet, row, column, fragment):
    return any(p.sheet == sheet and p.row == row and p.column == column and fragment in p.reason for p in problems)


PLANTED_XLSX = [
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


def test_every_planted_xlsx_error_is_reported_and_nothing_written(db_url, good_file, tmp_path):
    engine = open_database(db_url)
    service.import_list_file(engine, good_file)  # a first good version
    before = _counts(engine)
    edits = [(s, r, h, v) for s, r, h, v, _ in PLANTED_XLSX] + [("清单版本", 2, "版本名称", "另一个版本")]
    bad = _plant(good_file, tmp_path / "bad.xlsx", edits)
    with pytest.raises(ImportRejected) as info:
        service.import_list_file(engine, bad)
    problems = info.value.problems
    for sheet, row, header, value, fragment in PLANTED_XLSX:
        assert _reported(problems, sheet, row, header, fragment), (
            f"not reported: {sheet} row {row} [{header}] {value!r}; got {[str(p) for p in problems]}"
        )
    assert _counts(engine) == before
    engine.dispose()


# On the hand-made list (CSV): lines.csv rows 2..6 are L1 (cement), J1, J2 (coking),
# B1 (heating, 民生保障), M1 (ready-mix); enterprises.csv rows 2..5 are cement,
# coking, heating, ready-mix.
PLANTED_CSV = [
    # (file, row, header, value, expected reason fragment)
    ("lines.csv", 4, "生产线编号", "J1", "同一企业的生产线编号重复（首次出现于第3行）"),
    ("lines.csv", 2, "企业名称", "别的水泥公司", "与企业表中该代码的企业名称“晋中示例水泥有限公司”不一致"),
    ("lines.csv", 5, "工序类型", "水泥熟料", "“非重点行业”行业无此工序类型"),
    ("lines.csv", 6, "最低负荷(%)", "0.5", "若单元格设成了百分比格式"),
    ("lines.csv", 3, "环评批复产能(日均)", "3,000", "千位分隔符"),
    ("lines.csv", 6, "停产所需时间(小时)", "2小时", "含单位或文字“小时”"),
    ("enterprises.csv", 4, "保障类核定负荷(%)", "", "“民生保障”类保障企业须填写核定负荷"),
    ("enterprises.csv", 5, "绩效等级", "C", "“商混(预拌混凝土)”行业的绩效等级应为 引领性、非引领性、一厂一策"),
    ("enterprises.csv", 3, "企业名称", "", "必填项为空"),
    ("enterprises.csv", 2, "日均重型货车(辆)", "12.5", "应为整数"),
    ("enterprises.csv", 2, "经度", "37.68", "经度应在73到136之间"),
    ("enterprises.csv", 2, "纬度", "112.75", "经度和纬度是否填反了"),
    ("enterprises.csv", 4, "小微企业", "不是", "“是”或“否”"),
    ("version.csv", 2, "生效日期", "2025.10.01", "YYYY-MM-DD"),
    ("areas.csv", 3, "上级区域", "太原市", "上级区域不在区域表中"),
    ("areas.csv", 4, "VOCs清单企业承担比例(%)", "120", "0到100"),
]


def test_every_planted_csv_error_is_reported_and_nothing_written(db_url, hand_dir):
    engine = open_database(db_url)
    service.import_list_file(engine, HAND)
    before = _counts(engine)
    for name, row, header, value, _ in PLANTED_CSV:
        _edit_csv(hand_dir, name, row, header, value)
    _edit_csv(hand_dir, "version.csv", 2, "版本名称", "改过的版本")
    with pytest.raises(ImportRejected) as info:
        service.import_list_file(engine, hand_dir)
    problems = info.value.problems
    for name, row, header, value, fragment in PLANTED_CSV:
        assert _reported(problems, name, row, header, fragment), (
            f"not reported: {name} row {row} [{header}] {value!r}; got {[str(p) for p in problems]}"
        )
    # nothing else: every problem is one of the planted cells
    planted = {(n, r, h) for n, r, h, _, _ in PLANTED_CSV}
    assert {(p.sheet, p.row, p.column) for p in problems} <= planted
    assert _counts(engine) == before
    engine.dispose()


def test_problems_come_in_reading_order(sqlite_url, hand_dir):
    _edit_csv(hand_dir, "lines.csv", 3, "SO2排放量(kg/d)", "-1")
    _edit_csv(hand_dir, "enterprises.csv", 5, "绩效等级", "X")
    _edit_csv(hand_dir, "enterprises.csv", 2, "绩效等级", "Y")
    with pytest.raises(ImportRejected) as info:
        service.import_list_file(open_database(sqlite_url), hand_dir)
    assert [(p.sheet, p.row) for p in info.value.problems] == [
        ("enterprises.csv", 2), ("enterprises.csv", 5), ("lines.csv", 3)
    ]


def test_line_of_an_unknown_enterprise(sqlite_url, hand_dir):
    _edit_csv(hand_dir, "lines.csv", 2, "统一社会信用代码", "91350100M000100Y43")  # valid, not listed
    _edit_csv(hand_dir, "lines.csv", 2, "企业名称", "")
    with pytest.raises(ImportRejected) as info:
        service.import_list_file(open_database(sqlite_url), hand_dir)
    assert [str(p) for p in info.value.problems] == [
        "lines.csv 第2行 [统一社会信用代码] “91350100M000100Y43”: 生产线所属企业不在企业表中"
    ]


def test_capacity_basis_given_must_be_the_smallest_of_three(sqlite_url, hand_dir):
    rows = _read_csv(hand_dir / "lines.csv")
    rows[0].append("产能基数(日均)")
    # L1: min(2500, 2400, 2100) = 2100; J1: min(3000, 3200, 2800) = 2800
    for row, basis in zip(rows[1:], ["2100", "3000", "", "200", "900"]):
        row.append(basis)
    _write_csv(hand_dir / "lines.csv", rows)
    with pytest.raises(ImportRejected) as info:
        service.import_list_file(open_database(sqlite_url), hand_dir)
    assert [(p.sheet, p.row, p.column) for p in info.value.problems] == [("lines.csv", 3, "产能基数(日均)")]
    assert "最小值2800" in info.value.problems[0].reason


def test_zero_capacity_basis(sqlite_url, hand_dir):
    _edit_csv(hand_dir, "lines.csv", 6, "上年实际产量(日均)", "0")
    with pytest.raises(ImportRejected) as info:
        service.import_list_file(open_database(sqlite_url), hand_dir)
    assert _reported(info.value.problems, "lines.csv", 6, "产能基数(日均)", "应大于0")


def test_duplicate_code_is_reported_with_first_row(sqlite_url, good_file, tmp_path):
    wb = load_workbook(good_file)
    ws = wb["企业"]
    code = ws.cell(row=2, column=_col(ws, "统一社会信用代码")).value
    bad = _plant(good_file, tmp_path / "dup.xlsx", [("企业", 5, "统一社会信用代码", code)])
    engine = open_database(sqlite_url)
    with pytest.raises(ImportRejected) as info:
        service.import_list_file(engine, bad)
    assert _reported(info.value.problems, "企业", 5, "统一社会信用代码", "重复（首次出现于第2行）")
    assert _counts(engine) == (0, 0, 0, 0)


def test_misspelt_header_is_reported(sqlite_url, good_file, tmp_path):
    shutil.copy(good_file, tmp_path / "h.xlsx")
    wb = load_workbook(tmp_path / "h.xlsx")
    ws = wb["生产线"]
    ws.cell(row=1, column=_col(ws, "SO2排放量(kg/d)"), value="SO2排放量(t/a)")
    wb.save(tmp_path / "h.xlsx")
    with pytest.raises(ImportRejected) as info:
        service.import_list_file(open_database(sqlite_url), tmp_path / "h.xlsx")
    reasons = {(p.sheet, p.row, p.column, p.reason) for p in info.value.problems}
    assert ("生产线", 1, "SO2排放量(t/a)", "未知列名（表头拼写或单位有误？应与模板一致）") in reasons
    assert ("生产线", 1, "SO2排放量(kg/d)", "缺少必填列") in reasons


def test_leader_grade_in_abcd_industry_is_rejected(sqlite_url, good_file, tmp_path):
    wb = load_workbook(good_file)
    ws = wb["企业"]
    col = _col(ws, "行业类别")
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=col).value in ("铸造", "砖瓦窑", "工业涂装", "陶瓷"))
    bad = _plant(good_file, tmp_path / "g.xlsx", [("企业", row, "绩效等级", "引领性")])
    with pytest.raises(ImportRejected) as info:
        service.import_list_file(open_database(sqlite_url), bad)
    assert _reported(info.value.problems, "企业", row, "绩效等级", "行业的绩效等级应为")


def test_version_and_area_structure(sqlite_url, hand_dir):
    rows = _read_csv(hand_dir / "version.csv")
    _write_csv(hand_dir / "version.csv", rows + [["另一行", "2025-11-01", "晋中市", ""]])
    areas = _read_csv(hand_dir / "areas.csv")
    areas[3][1] = ""  # 介休市 without parent: a second city-level area
    areas.append(list(areas[2]))  # 榆次区 twice
    _write_csv(hand_dir / "areas.csv", areas)
    with pytest.raises(ImportRejected) as info:
        service.import_list_file(open_database(sqlite_url), hand_dir)
    shown = [str(p) for p in info.value.problems]
    assert "version.csv: 应恰好有1行版本信息，实有2行" in shown
    assert "areas.csv [上级区域]: 应恰好有1个市级区域（上级区域为空），实有2个" in shown
    assert "areas.csv 第5行 [区域名称] “榆次区”: 区域名称重复（首次出现于第3行）" in shown


def test_city_must_match_the_city_level_area(sqlite_url, hand_dir):
    _edit_csv(hand_dir, "version.csv", 2, "城市", "太原市")
    with pytest.raises(ImportRejected) as info:
        service.import_list_file(open_database(sqlite_url), hand_dir)
    assert [str(p) for p in info.value.problems] == ["version.csv 第2行 [城市] “太原市”: 与区域表中的市级区域“晋中市”不一致"]


# ----------------------------------------------------------------- whole-file problems


def test_missing_sheet(sqlite_url, good_file, tmp_path):
    shutil.copy(good_file, tmp_path / "m.xlsx")
    wb = load_workbook(tmp_path / "m.xlsx")
    del wb["生产线"]
    wb.save(tmp_path / "m.xlsx")
    engine = open_database(sqlite_url)
    with pytest.raises(RegistryError, match="缺少工作表.*生产线"):
        service.import_list_file(engine, tmp_path / "m.xlsx")
    assert _counts(engine) == (0, 0, 0, 0)


def test_missing_csv_file(sqlite_url, hand_dir):
    (hand_dir / "lines.csv").unlink()
    with pytest.raises(RegistryError, match="缺少 lines.csv"):
        service.import_list_file(open_database(sqlite_url), hand_dir)


def test_not_a_workbook(sqlite_url, tmp_path):
    fake = tmp_path / "fake.xlsx"
    fake.write_text("序号,企业名称\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="无法读取Excel文件"):
        service.import_list_file(open_database(sqlite_url), fake)


def test_missing_file(sqlite_url, tmp_path):
    with pytest.raises(RegistryError, match="文件不存在"):
        service.import_list_file(open_database(sqlite_url), tmp_path / "nowhere.xlsx")


# ----------------------------------------------------------------- what people really send


def test_title_rows_blank_rows_and_loose_headers_are_accepted(sqlite_url, tmp_path):
    """A published list: a title row above the header, full-width brackets in a header,
    a blank row in the middle; problems still cite the row Excel shows."""
    tables = service.check_list_file(HAND)
    path = write_list_file(tables, tmp_path / "published.xlsx")
    wb = load_workbook(path)
    ws = wb["生产线"]
    ws.insert_rows(1)
    ws.cell(row=1, column=1, value="晋中市2025—2026年秋冬季重污染天气应急减排清单（生产线）")
    ws.cell(row=2, column=_col_in_row(ws, 2, "SO2排放量(kg/d)"), value="SO2排放量（KG/D）")
    ws.insert_rows(5)  # a blank row between J1 (now row 4) and J2 (now row 6)
    wb.save(path)
    engine = open_database(sqlite_url)
    summary = service.import_list_file(engine, path)
    assert summary.lines == 5
    assert service.export_tables(engine).lines["so2_kg"] == [150.5, 320.0, 180.0, 45.0, 0.0]

    ws.cell(row=6, column=_col_in_row(ws, 2, "NOx排放量(kg/d)"), value="五百")
    wb["清单版本"].cell(row=2, column=1, value="另一版本")
    wb.save(path)
    with pytest.raises(ImportRejected) as info:
        service.import_list_file(engine, path)
    assert [(p.sheet, p.row, p.column) for p in info.value.problems] == [("生产线", 6, "NOx排放量(kg/d)")]


def _col_in_row(ws, row, header):
    for cell in ws[row]:
        if cell.value == header:
            return cell.column
    raise KeyError(header)


def test_csv_saved_by_excel_in_gb18030_is_read(sqlite_url, hand_dir):
    for name in ("enterprises.csv", "lines.csv"):
        _write_csv(hand_dir / name, _read_csv(hand_dir / name), encoding="gb18030")
    summary = service.import_list_file(open_database(sqlite_url), hand_dir)
    assert (summary.enterprises, summary.lines) == (4, 5)


# ----------------------------------------------------------------- hostile and absurd values (issue 13)


HOSTILE_CSV = [
    # (file, row, header, value, expected reason fragment)
    ("lines.csv", 2, "环评批复产能(日均)", "1" + "0" * 30, "数值过大"),
    ("lines.csv", 3, "日产值(元)", "1e400", "应为有限数字"),
    ("enterprises.csv", 2, "日均重型货车(辆)", "3000000000", "整数过大"),
    ("enterprises.csv", 3, "企业名称", "介休\x00焦化", "控制字符 U+0000"),
    ("enterprises.csv", 4, "联系人", "王\x1b[31m五", "控制字符 U+001B"),
    ("enterprises.csv", 5, "企业名称", "商混\u202e司公", "控制字符 U+202E"),
    ("lines.csv", 4, "生产线", "焦" * 201, "文字过长：201个字符，最多200个"),
    ("lines.csv", 5, "产能单位", "吨" * 21, "文字过长：21个字符，最多20个"),
    ("enterprises.csv", 2, "联系电话", "1" * 31, "文字过长：31个字符，最多30个"),
    ("areas.csv", 3, "区域名称", "区" * 101, "文字过长：101个字符，最多100个"),
]


def test_hostile_values_are_located_on_both_databases(db_url, hand_dir):
    """Numbers beyond any plant, NUL / escape / right-to-left characters, texts longer
    than their database column: each reported where it is, nothing written (PostgreSQL
    would otherwise refuse NUL and over-long text halfway through the import)."""
    engine = open_database(db_url)
    for name, row, header, value, _ in HOSTILE_CSV:
        _edit_csv(hand_dir, name, row, header, value)
    with pytest.raises(ImportRejected) as info:
        service.import_list_file(engine, hand_dir)
    problems = info.value.problems
    for name, row, header, value, fragment in HOSTILE_CSV:
        assert _reported(problems, name, row, header, fragment), (name, row, header, [str(p) for p in problems])
    nul = next(p for p in problems if p.sheet == "enterprises.csv" and p.row == 3 and p.column == "企业名称")
    assert nul.value == "介休\\x00焦化" and "\x00" not in str(nul)  # shown escaped, printable
    long = next(p for p in problems if p.column == "生产线")
    assert len(long.value) < 250  # a long value is shown cut
    assert _counts(engine) == (0, 0, 0, 0)
    engine.dispose()


def test_texts_at_their_column_length_and_minus_zero_import_on_both_databases(db_url, hand_dir):
    """The limits are the database's: 200 characters of name, 20 of unit go in (and come
    back) on PostgreSQL as on SQLite; -0 is read as 0."""
    _edit_csv(hand_dir, "enterprises.csv", 2, "企业名称", "名" * 200)
    _edit_csv(hand_dir, "lines.csv", 2, "企业名称", "名" * 200)
    _edit_csv(hand_dir, "lines.csv", 2, "产能单位", "吨" * 20)
    _edit_csv(hand_dir, "lines.csv", 2, "VOCs排放量(kg/d)", "-0")
    engine = open_database(db_url)
    service.import_list_file(engine, hand_dir)
    back = service.export_tables(engine)
    assert back.enterprises["name"][0] == "名" * 200 and back.lines["capacity_unit"][0] == "吨" * 20
    vocs = back.lines["vocs_kg"][0]
    assert vocs == 0.0 and math.copysign(1.0, vocs) == 1.0
    engine.dispose()


def test_a_stray_quote_in_a_csv_file_is_located(sqlite_url, hand_dir):
    """An opening quote never closed would swallow the rest of the file into one cell:
    refused, naming the file and the row it starts in."""
    text = (hand_dir / "enterprises.csv").read_text(encoding="utf-8-sig")
    lines = text.splitlines(keepends=True)
    lines[2] = lines[2].replace("介休示例焦化有限公司", '"介休示例焦化有限公司', 1)
    (hand_dir / "enterprises.csv").write_text("".join(lines), encoding="utf-8-sig")
    with pytest.raises(ImportRejected) as info:
        service.import_list_file(open_database(sqlite_url), hand_dir)
    (p,) = info.value.problems
    assert (p.sheet, p.row) == ("enterprises.csv", 3) and "引号" in p.reason and "第3行开始" in p.reason


def test_a_quote_inside_a_quoted_cell_must_be_doubled(sqlite_url, hand_dir):
    text = (hand_dir / "lines.csv").read_text(encoding="utf-8-sig")
    lines = text.splitlines(keepends=True)
    cells = lines[3].split(",")
    cells[4] = '"2#焦炉"备用'  # "…" followed by text: not RFC 4180
    lines[3] = ",".join(cells)
    (hand_dir / "lines.csv").write_text("".join(lines), encoding="utf-8-sig")
    with pytest.raises(ImportRejected) as info:
        service.import_list_file(open_database(sqlite_url), hand_dir)
    (p,) = info.value.problems
    assert (p.sheet, p.row) == ("lines.csv", 4) and "引号" in p.reason


def test_quotes_written_by_excel_are_read(sqlite_url, hand_dir):
    _edit_csv(hand_dir, "enterprises.csv", 2, "企业名称", '晋中"示例"水泥, 有限公司')
    _edit_csv(hand_dir, "lines.csv", 2, "企业名称", '晋中"示例"水泥, 有限公司')
    assert '"晋中""示例""水泥, 有限公司"' in (hand_dir / "lines.csv").read_text(encoding="utf-8-sig")
    engine = open_database(sqlite_url)
    service.import_list_file(engine, hand_dir)
    assert service.export_tables(engine).enterprises["name"][0] == '晋中"示例"水泥, 有限公司'


def test_csv_text_mark_round_trip(tmp_path):
    """Texts Excel would run as formulas are exported with a leading ' and read back as
    they were; a text that itself starts with ' survives too."""
    from enterprise_registry.csvfiles import neutral_text, unmark

    for text in ("=1+1", "+86 138", "-5", "@SUM(A1)", "'quoted", "''", "\tx", "普通", "", "a=b"):
        assert unmark(neutral_text(text)) == text
    assert neutral_text("=1+1") == "'=1+1" and neutral_text("普通") == "普通" and neutral_text(-5.0) == -5.0


def _emergency(*args):
    proc = subprocess.run(
        [sys.executable, "-c", "from emergency.cli.main import run; run()", *map(str, args)],
        capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"},
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_cli_file_mistakes_are_located_exit_codes(tmp_path, sqlite_url):
    """A folder that cannot be written, a directory given as a workbook, a missing
    list: a message naming the path and an exit code, never a traceback."""
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    code, out = _emergency("registry", "template", "--out", blocker / "模板.xlsx")
    assert code == 14 and "a-file" in out and "无法写入" in out and "Traceback" not in out
    code, out = _emergency("registry", "generate", "--enterprises", "5", "--out", blocker / "sub" / "x.xlsx")
    assert code == 14 and "Traceback" not in out
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    code, out = _emergency("registry", "import", folder, "--database", sqlite_url)
    assert code in (3, 14) and "folder.xlsx" in out and "Traceback" not in out
    code, out = _emergency("registry", "import", tmp_path / "nowhere.xlsx", "--database", sqlite_url)
    assert code in (3, 14) and "nowhere.xlsx" in out and "Traceback" not in out
    code, out = _emergency("warning", "show", "9" * 30, "--database", sqlite_url)
    assert code == 14 and "超出" in out and "Traceback" not in out


def test_cli_net_turns_file_errors_into_input_errors():
    from emergency.cli.main import as_input_error

    for exc in (FileNotFoundError(2, "No such file", "/x/清单.xlsx"), IsADirectoryError(21, "Is a dir", "/x/d"),
                PermissionError(13, "denied", "/x/p"), NotADirectoryError(20, "nd", "/x/f/g")):
        error = as_input_error(exc)
        assert error is not None and error.exit_code == 14 and exc.filename in error.message
    assert as_input_error(UnicodeDecodeError("gbk", b"\xff", 0, 1, "bad")).exit_code == 14
    assert as_input_error(OverflowError("Python int too large to convert to SQLite INTEGER")).exit_code == 14
    assert as_input_error(KeyError("a programming error")) is None  # keeps its trace
