"""Report shapes as data (config/reports): the packaged shape is valid; a locality's file
merged on top changes headers (and the workbook follows); an unknown metric or row
grouping is refused naming the file and the key path."""

from __future__ import annotations

import io
import shutil

import pytest
from openpyxl import load_workbook

from config import POLICY_DIR
from emergency import clock
from emergency.errors import PolicyError
from emergency.reports.render import tables
from emergency.reports.shapes import METRICS, load_shapes


@pytest.fixture
def policy_dir(tmp_path):
    root = tmp_path / "policy"
    shutil.copytree(POLICY_DIR / "reports", root / "reports")
    return root


def test_packaged_shapes_name_only_known_metrics():
    s = load_shapes(None, POLICY_DIR)
    assert s.files == ["reports/default.toml"] and s.deadlines.summary_within_days == 2
    for kind in ("daily", "summary"):
        for _, sheet in getattr(s, kind).ordered():
            assert {c.metric for c in sheet.columns} <= set(METRICS[kind][sheet.rows])


def test_a_province_renames_a_sheet_and_replaces_its_columns(policy_dir):
    local = policy_dir / "reports" / "local"
    local.mkdir()
    (local / "hebei.toml").write_text(
        '[daily.sheets.counties]\nname = "各县（市、区）情况"\n'
        'columns = [{ header = "县（市、区）", metric = "county" }, { header = "停限产企业数", metric = "firms" },'
        ' { header = "减排NOx（吨）", metric = "planned_NOx_kg", unit = "t" }]\n', encoding="utf-8")
    (local / "hebei").mkdir()
    (local / "hebei" / "shijiazhuang.toml").write_text('[deadlines]\nsummary_within_days = 1\n', encoding="utf-8")
    s = load_shapes("hebei/shijiazhuang", policy_dir)
    assert s.files == ["reports/default.toml", "reports/local/hebei.toml", "reports/local/hebei/shijiazhuang.toml"]
    assert s.deadlines.summary_within_days == 1 and s.deadlines.source  # the rest of the table kept
    sheets = tables("daily", s.daily, {"county": [{"county": "甲县", "firms": 2, "planned_NOx_kg": 1234.5}]})
    first = sheets[0]
    assert (first.name, first.headers, first.rows) == ("各县（市、区）情况", ["县（市、区）", "停限产企业数", "减排NOx（吨）"],
                                                       [["甲县", 2, 1.234]])
    assert [t.name for t in sheets[1:]] == ["未落实企业", "现场检查记录", "当日方案调整"]  # other sheets kept
    assert load_shapes("shanxi", policy_dir).daily.sheets["counties"].name == "各区县响应情况"


@pytest.mark.parametrize("text, found", [
    ('[daily.sheets.counties]\ncolumns = [{ header = "X", metric = "firmz" }]\n',
     "reports/local/hebei.toml: daily.sheets.counties.columns[0].metric: 未知指标 'firmz'"),
    ('[summary.sheets.aqi]\nrows = "weather"\n', "reports/local/hebei.toml: summary.sheets.aqi.rows: 未知的行分组 'weather'"),
    ('[daily.sheets.counties]\ncolumns = [{ header = "X", metric = "firms", unit = "t" }]\n', "columns[0].unit"),
    ('[daily.sheets.counties]\ncolumns = [{ header = "X", metric = "firms", colour = "red" }]\n',
     "reports/local/hebei.toml: daily.sheets.counties.columns.0.colour"),
    ('[daily]\nhtml_template = "../../etc/passwd"\n', "daily.html_template"),
])
def test_bad_shapes_are_refused_with_their_place(policy_dir, text, found):
    (policy_dir / "reports" / "local").mkdir()
    (policy_dir / "reports" / "local" / "hebei.toml").write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as exc:
        load_shapes("hebei", policy_dir)
    assert found in exc.value.message


def test_the_daily_workbook_follows_an_overridden_shape(sqlite_url, tmp_path, policy_dir, monkeypatch):
    from enterprise_registry.db import open_database
    from emergency.reports.daily import daily_report
    from tests.reports.scenario import AFTER, D5, build

    full = tmp_path / "full"
    shutil.copytree(POLICY_DIR, full, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    default = full / "reports" / "default.toml"
    default.write_text(default.read_text(encoding="utf-8").replace('"管控企业（家）"', '"应急管控企业数量"'), encoding="utf-8")
    (full / "reports" / "templates" / "daily.html").write_text("<p>省定格式 {{ title }}</p>", encoding="utf-8")
    engine = open_database(sqlite_url)
    ep = build(engine, tmp_path, release=False)
    monkeypatch.setenv("EMERGENCY_POLICY_DIR", str(full))
    with clock.use_clock(AFTER):
        r = daily_report(engine, ep.wid, D5)
    ws = load_workbook(io.BytesIO(r.xlsx))["各区县响应情况"]
    assert ["区县", "应急管控企业数量"] in [list(row[:2]) for row in ws.iter_rows(values_only=True)]
    assert r.html.startswith("<p>省定格式 ") and "每日情况报告" in r.html
    engine.dispose()
