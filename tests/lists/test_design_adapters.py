"""The list design through its files and its CLI: the designed list round-trips through the
import (Excel and CSV, the import's own checks of filed measures: nesting, floors, sparing)
and the list check recomputes every level from the file read back; the diff is formula-safe;
`emergency registry design` exits 10 saying where a level cannot be met, writing nothing."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import openpyxl
import pytest

from config.policy import load_policy
from emergency.lists.check import check_list
from emergency.lists.design import design_list
from emergency.lists.design_workbook import write_design_diff, write_designed_list
from emergency.vocabulary import LEVELS
from enterprise_registry import service
from enterprise_registry.db import open_database
from enterprise_registry.filed import FIELDS, column
from enterprise_registry.uscc import make_uscc
from tests.lists.handmade import hand_list
from tests.lists.test_design import feasible_firms


def importable(tables):
    """The hand-made list with valid 统一社会信用代码 (the import checks them)."""
    codes = {u: make_uscc(f"911407000000{k:05d}") for k, u in enumerate(tables.enterprises["uscc"])}
    tables.enterprises["uscc"] = [codes[u] for u in tables.enterprises["uscc"]]
    tables.lines["uscc"] = [codes[u] for u in tables.lines["uscc"]]
    return tables


def emergency(*args):
    proc = subprocess.run([sys.executable, "-c", "from emergency.cli.main import run; run()", *map(str, args)],
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize("name", ["编制.xlsx", "编制csv"])
def test_the_designed_list_round_trips_through_the_import(tmp_path, name):
    policy = load_policy()
    design = design_list(importable(hand_list(feasible_firms())), policy)
    path = write_designed_list(design, tmp_path / name)
    read = service.check_list(path, policy=policy)  # the import's checks: nesting, floors, sparing
    assert not [w for w in read.warnings if "低于" in str(w) or "逐级" in str(w)]
    back = read.tables
    for lv in LEVELS:
        for f in FIELDS:
            want = design.tables.lines[column(lv, f)]
            got = back.lines[column(lv, f)]
            if f in ("share", "hours"):
                assert [g is None for g in got] == [w is None for w in want], (lv, f)
                assert [g for g in got if g is not None] == pytest.approx([w for w in want if w is not None])
            elif f == "truck_ban":
                assert [bool(g) for g in got] == [bool(w) for w in want]
            else:
                assert got == want, (lv, f)
    check = check_list(back, policy)
    assert not check.short
    assert [lv.lost_value_yuan for lv in check.levels] == pytest.approx(list(design.result.level_costs))


def test_diff_is_formula_safe(tmp_path):
    tables = hand_list(feasible_firms())
    tables.enterprises["name"][3] = '=HYPERLINK("http://x","点我")'  # F4: designed from nothing at every level
    design = design_list(tables, load_policy())
    xlsx = write_design_diff(design, tmp_path / "对照.xlsx")
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["概要", "求解", "变更对照", "编制说明"]
    cells = [c for row in wb["变更对照"].iter_rows(min_row=2) for c in row if c.value == '=HYPERLINK("http://x","点我")']
    assert len(cells) == 3 and all(c.data_type == "s" for c in cells)
    rows = list(csv.reader(write_design_diff(design, tmp_path / "对照.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][:5] == ["预警级别", "区县", "企业名称", "统一社会信用代码", "生产线编号"]
    assert {r[2] for r in rows[1:]} >= {"'=HYPERLINK(\"http://x\",\"点我\")"}
    assert len(rows) == 1 + 3 * 7  # every (line, level)


@pytest.fixture
def stored(sqlite_url):
    def store(tables):
        engine = open_database(sqlite_url)
        service.import_tables(engine, tables)
        engine.dispose()
        return sqlite_url
    return store


def test_cli_writes_the_list_and_the_diff(stored, tmp_path):
    url = stored(hand_list(feasible_firms()))
    out = tmp_path / "编制.xlsx"
    code, stdout, stderr = emergency("registry", "design", "--out", out, "--json", "--database", url)
    assert code == 0, stderr
    doc = json.loads(stdout)
    assert [lv["level"] for lv in doc["levels"]] == ["yellow", "orange", "red"]
    assert [lv["weight_days"] for lv in doc["levels"]] == [12.0, 8.0, 3.0]  # [listing.expected_days]
    assert doc["lower_bound_yuan"] <= doc["objective_yuan"] and doc["gap"] is not None
    assert out.exists() and (tmp_path / "编制_编制对照.xlsx").exists()
    # --days-red overrides the policy's weight
    code, stdout, _ = emergency("registry", "design", "--out", tmp_path / "b.xlsx", "--days-red", "30", "--json",
                                "--database", url)
    assert code == 0 and json.loads(stdout)["levels"][2]["weight_days"] == 30.0


def test_cli_exit_10_says_where_and_writes_nothing(stored, tmp_path):
    url = stored(hand_list())  # 乙县 red NOx: at most 26 of 27 kg (tests/lists/test_design.py)
    out = tmp_path / "编制.xlsx"
    code, _, stderr = emergency("registry", "design", "--out", out, "--database", url)
    assert code == 10, stderr
    assert "红色" in stderr and "乙县" in stderr and "NOx" in stderr and "Traceback" not in stderr
    assert not out.exists() and not (tmp_path / "编制_编制对照.xlsx").exists()


@pytest.mark.parametrize("name", ["编制.xlsx", "编制csv"])
def test_a_designed_generated_list_imports_without_a_warning(tmp_path, name):
    """500 generated firms (coke ovens past their slow-down, essential firms at non-round
    approved loads, shares of lines resolved per line): the import reads every written text
    as the measure its structured columns give — no error, no warning — and the check
    recomputes the design's lost value."""
    from enterprise_registry.generator import generate_registry

    policy = load_policy("演示市")
    design = design_list(generate_registry(500, 1), policy)
    assert design.import_errors == [] and design.import_warnings == []  # the design's own review agrees
    read = service.check_list(write_designed_list(design, tmp_path / name), policy=policy)
    assert read.warnings == []
    check = check_list(read.tables, policy)
    assert not check.short
    assert [lv.lost_value_yuan for lv in check.levels] == pytest.approx(list(design.result.level_costs), rel=1e-12)
