"""The registry commands as a user runs them: exit codes, messages, no stack traces.

Commands whose outcome is an EmergencyError run in a subprocess through
``emergency.cli.main.run`` (the console script's entry point), which maps errors to
exit codes; the others run in-process with typer's CliRunner.
"""

import os
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from emergency.cli.main import app

runner = CliRunner()
HAND = Path(__file__).parent / "data" / "jinzhong"
COKING = "91140105MA0K00002J"


def emergency(*args, env=None):
    """Run the console script's entry point; return (exit code, stdout + stderr)."""
    proc = subprocess.run(
        [sys.executable, "-c", "from emergency.cli.main import run; run()", *map(str, args)],
        capture_output=True, text=True, env={**os.environ, "COLUMNS": "200", **(env or {})},
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_generate_import_export_list_show(tmp_path, sqlite_url):
    f = tmp_path / "city.xlsx"
    r = runner.invoke(app, ["registry", "generate", "--enterprises", "120", "--seed", "9", "--out", str(f)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["registry", "import", str(f), "--database", sqlite_url])
    assert r.exit_code == 0, r.output
    assert "120 家企业" in r.output
    r = runner.invoke(app, ["registry", "export", "--out", str(tmp_path / "out"), "--database", sqlite_url])
    assert r.exit_code == 0 and (tmp_path / "out" / "lines.csv").exists()
    r = runner.invoke(app, ["registry", "list", "--limit", "5", "--database", sqlite_url])
    assert r.exit_code == 0 and "/ 120" in r.output


def test_hand_list_through_the_commands(tmp_path, db_url):
    code, out = emergency("registry", "import", HAND, "--database", db_url)
    assert code == 0, out
    assert "3 个区域、4 家企业、5 条生产线" in out

    code, out = emergency("registry", "import", HAND, "--database", db_url)
    assert code == 3 and "已存在" in out and "--replace" in out and "Traceback" not in out

    code, out = emergency("registry", "import", HAND, "--replace", "--database", db_url)
    assert code == 0 and "已覆盖原版本" in out

    code, out = emergency("registry", "show", COKING, "--database", db_url)
    assert code == 0, out
    assert f"{COKING}/J1" in out and f"{COKING}/J2" in out and "介休示例焦化有限公司" in out

    code, out = emergency("registry", "list", "--industry", "焦化", "--database", db_url)
    assert code == 0 and "介休示例焦化有限公司" in out and "/ 1" in out and "晋中示例水泥有限公司" not in out

    code, out = emergency("registry", "versions", "--database", db_url)
    assert code == 0 and "2025—2026年秋冬季" in out

    code, out = emergency("registry", "export", "--out", tmp_path / "copy.xlsx", "--version", "2030年", "--database", db_url)
    assert code == 8 and "不存在" in out and "Traceback" not in out


def test_bad_file_exits_nonzero_without_traceback_and_writes_a_report(tmp_path, sqlite_url):
    f = tmp_path / "city"
    runner.invoke(app, ["registry", "generate", "--enterprises", "30", "--out", str(f)])
    lines = (f / "lines.csv").read_text(encoding="utf-8-sig").splitlines()
    cells = lines[1].split(",")
    cells[-1] = "-1"  # VOCs of the first line
    lines[1] = ",".join(cells)
    (f / "lines.csv").write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    code, out = emergency("registry", "import", f, "--database", sqlite_url)
    assert code == 3
    assert "Traceback" not in out
    assert "不能为负数" in out and "未导入任何数据" in out
    report = (tmp_path / "city.errors.txt").read_text(encoding="utf-8-sig").splitlines()
    assert report == ["工作表\t行\t列\t值\t原因", "lines.csv\t2\tVOCs排放量(kg/d)\t-1\t不能为负数"]
    code, out = emergency("registry", "versions", "--database", sqlite_url)
    assert code == 0 and "2025" not in out  # nothing was imported


def test_report_option_and_many_problems(tmp_path, sqlite_url):
    f = tmp_path / "many.xlsx"
    runner.invoke(app, ["registry", "generate", "--enterprises", "60", "--out", str(f)])
    wb = load_workbook(f)
    ws = wb["企业"]
    grade_col = next(c.column for c in ws[1] if c.value == "绩效等级")
    for row in range(2, 52):
        ws.cell(row=row, column=grade_col, value="Z")
    wb.save(f)
    code, out = emergency("registry", "import", f, "--report", tmp_path / "r" / "problems.txt", "--database", sqlite_url)
    assert code == 3 and "50 处错误" in out and "其余 20 处见报告文件" in out
    report = (tmp_path / "r" / "problems.txt").read_text(encoding="utf-8-sig").splitlines()
    assert len(report) == 1 + 50
    assert report[1].startswith("企业\t2\t绩效等级\tZ\t未知绩效等级")


def test_database_from_the_environment(tmp_path):
    url = f"sqlite:///{tmp_path / 'env.sqlite'}"
    code, out = emergency("registry", "import", HAND, env={"EMERGENCY_DATABASE_URL": url})
    assert code == 0, out
    assert (tmp_path / "env.sqlite").exists()


def test_show_unknown_or_invalid_code_is_a_clear_error(sqlite_url):
    emergency("registry", "import", HAND, "--database", sqlite_url)
    code, out = emergency("registry", "show", "91520000214434146R", "--database", sqlite_url)
    assert code == 8 and "Traceback" not in out and "没有统一社会信用代码" in out
    code, out = emergency("registry", "show", "91520000214434146X", "--database", sqlite_url)
    assert code == 3 and "Traceback" not in out and "不是有效的统一社会信用代码" in out


def test_export_from_an_empty_database(tmp_path, sqlite_url):
    code, out = emergency("registry", "export", "--out", tmp_path / "x.xlsx", "--database", sqlite_url)
    assert code == 8 and "registry import" in out and "Traceback" not in out


def test_template_is_documented(tmp_path):
    r = runner.invoke(app, ["registry", "template", "--out", str(tmp_path / "t.xlsx")])
    assert r.exit_code == 0
    wb = load_workbook(tmp_path / "t.xlsx")
    assert wb.sheetnames == ["填表说明", "清单版本", "区域", "企业", "生产线"]
    guide = {(row[0].value, row[1].value): row[2].value for row in wb["填表说明"].iter_rows(min_row=2) if row[1].value}
    assert guide[("企业", "统一社会信用代码")] == "必填"
    assert guide[("企业", "联系人")] == "选填"
    assert guide[("生产线", "产能基数(日均)")] == "系统计算"
    assert [c.value for c in wb["生产线"][1]][:4] == ["序号", "统一社会信用代码", "企业名称", "生产线编号"]
    assert wb["企业"].max_row == 1  # headers only


def test_empty_template_imports_as_a_list_of_problems_not_a_crash(tmp_path, sqlite_url):
    runner.invoke(app, ["registry", "template", "--out", str(tmp_path / "t.xlsx")])
    code, out = emergency("registry", "import", tmp_path / "t.xlsx", "--database", sqlite_url)
    assert code == 3 and "Traceback" not in out
    assert "应恰好有1行版本信息，实有0行" in out


def test_import_prints_its_warnings_and_rejects_a_broken_floor(tmp_path, sqlite_url):
    """The hand list with filed measures: one warning (引领性 firm's voluntary red cut),
    printed with its place; a floor broken is refused with exit 3 and located."""
    import shutil

    filed = Path(__file__).parent / "data" / "filed"
    code, out = emergency("registry", "import", filed, "--database", sqlite_url)
    assert code == 0, out
    assert "提示 1 条" in out and "enterprises.csv 第7行 [红色预警措施]" in out and "自愿" in out

    broken = tmp_path / "broken"
    shutil.copytree(filed, broken)
    text = (broken / "enterprises.csv").read_text(encoding="utf-8-sig")
    (broken / "enterprises.csv").write_text(
        text.replace("限产20%，禁用国四及以下重型柴油货车运输,停产，禁用", "限产10%，禁用国四及以下重型柴油货车运输,停产，禁用"),
        encoding="utf-8-sig")
    code, out = emergency("registry", "import", broken, "--database", sqlite_url, "--report", tmp_path / "r.txt")
    assert code == 3 and "Traceback" not in out
    report = (tmp_path / "r.txt").read_text(encoding="utf-8-sig")
    assert "enterprises.csv\t2\t橙色预警措施\t限产10%，禁用国四及以下重型柴油货车运输\t" in report
    assert "弱于绩效分级最低要求" in report
