"""The registry commands as a user runs them: exit codes, messages, no stack traces."""

import subprocess
import sys

from typer.testing import CliRunner

from emergency.cli.main import app

runner = CliRunner()


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


def test_bad_file_exits_nonzero_without_traceback(tmp_path, sqlite_url):
    f = tmp_path / "city"
    runner.invoke(app, ["registry", "generate", "--enterprises", "30", "--out", str(f)])
    text = (f / "enterprises.csv").read_text(encoding="utf-8-sig").splitlines()
    text[2] = text[2].replace("一厂一策", "Z级", 1) if "一厂一策" in text[2] else text[2]
    lines = (f / "lines.csv").read_text(encoding="utf-8-sig").splitlines()
    cells = lines[1].split(",")
    cells[-1] = "-1"
    lines[1] = ",".join(cells)
    (f / "lines.csv").write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    proc = subprocess.run(
        [sys.executable, "-c", "from emergency.cli.main import run; run()", "registry", "import", str(f), "--database", sqlite_url],
        capture_output=True, text=True,
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "不能为负数" in proc.stderr + proc.stdout
    assert (tmp_path / "city.errors.txt").exists()


def test_show_unknown_code_is_a_clear_error(tmp_path, sqlite_url):
    f = tmp_path / "c.xlsx"
    runner.invoke(app, ["registry", "generate", "--enterprises", "10", "--out", str(f)])
    runner.invoke(app, ["registry", "import", str(f), "--database", sqlite_url])
    proc = subprocess.run(
        [sys.executable, "-c", "from emergency.cli.main import run; run()", "registry", "show", "91520000214434146R", "--database", sqlite_url],
        capture_output=True, text=True,
    )
    assert proc.returncode == 8 and "Traceback" not in proc.stderr and "没有统一社会信用代码" in proc.stderr


def test_template_is_documented(tmp_path):
    from openpyxl import load_workbook

    r = runner.invoke(app, ["registry", "template", "--out", str(tmp_path / "t.xlsx")])
    assert r.exit_code == 0
    wb = load_workbook(tmp_path / "t.xlsx")
    assert wb.sheetnames == ["填表说明", "清单版本", "区域", "企业", "生产线"]
    docs = {row[1].value for row in wb["填表说明"].iter_rows(min_row=2) if row[1].value}
    assert {"统一社会信用代码", "绩效等级", "SO2排放量(kg/d)"} <= docs
