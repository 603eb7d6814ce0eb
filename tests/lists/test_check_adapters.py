"""The list check through its adapters: `emergency registry check` (exit codes, JSON, workbook)
and GET /api/registry/versions/{version}/check, on the hand-made list stored in a database."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import openpyxl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from emergency.cli.main import app
from enterprise_registry import service
from enterprise_registry.db import open_database
from tests.lists.handmade import hand_list, uscc


@pytest.fixture
def stored(sqlite_url):
    engine = open_database(sqlite_url)
    service.import_tables(engine, hand_list(name="手工清单"))
    engine.dispose()
    return sqlite_url


def emergency(*args):
    """The console script's entry point (maps errors to exit codes): (code, stdout, stderr)."""
    proc = subprocess.run([sys.executable, "-c", "from emergency.cli.main import run; run()", *map(str, args)],
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    return proc.returncode, proc.stdout, proc.stderr


def test_cli_exit_code_json_and_workbook(stored, tmp_path):
    # orange: every area meets its targets (see test_check) → 0
    r = CliRunner().invoke(app, ["registry", "check", "--level", "orange", "--database", stored])
    assert r.exit_code == 0, r.output
    assert "满足全部减排目标" in r.output and "未满足" not in r.output
    # all levels: yellow and red are short → 10 (TargetsNotMet), the workbook written all the same
    out = tmp_path / "核算.xlsx"
    code, stdout, stderr = emergency("registry", "check", "--json", "--xlsx", out, "--database", stored)
    assert code == 10, stderr
    assert "黄色、红色" in stderr and "Traceback" not in stderr
    doc = json.loads(stdout)
    assert [lv["level"] for lv in doc["levels"]] == ["yellow", "orange", "red"]
    red = {(x["area"], x["column"]): x for x in doc["levels"][2]["rows"]}
    assert red[("甲县", "NOx")]["shortfall_kg"] == pytest.approx(50.0)  # 0.3 × 400 − (50 + 20)
    wb = openpyxl.load_workbook(out)
    rows = list(wb["减排核算"].iter_rows(values_only=True))
    assert rows[0][:3] == ("预警级别", "区域", "污染物")
    short = [r for r in rows[1:] if r[6] > 0]
    assert ("红色", "乙县", "SO2") in {r[:3] for r in short}
    assert {r[3] for r in list(wb["未备案企业"].iter_rows(values_only=True))[1:]} >= {uscc("F4")}


def test_cli_unknown_version_is_located(stored):
    code, _, stderr = emergency("registry", "check", "--version", "没有这个", "--database", stored)
    assert code not in (0, 10) and "没有这个" in stderr and "Traceback" not in stderr


def test_workbook_cells_are_never_formulas(tmp_path):
    from config.policy import load_policy
    from emergency.lists.check import check_list
    from emergency.lists.workbook import write_check_workbook

    tables = hand_list()
    tables.enterprises["name"][3] = '=HYPERLINK("http://x","点我")'  # F4, listed as without filed measures
    path = write_check_workbook(check_list(tables, load_policy()), tmp_path / "c.xlsx")
    ws = openpyxl.load_workbook(path)["未备案企业"]
    cells = [c for row in ws.iter_rows(min_row=2) for c in row if c.value == '=HYPERLINK("http://x","点我")']
    assert cells and all(c.data_type == "s" for c in cells)


def test_api_check(sqlite_url):
    from emergency.api.app import create_app
    from emergency.workflow import accounts

    api = create_app(sqlite_url)
    service.import_tables(api.state.engine, hand_list(name="手工清单"))
    accounts.add_user(api.state.engine, "viewer1", "password-123", "viewer")
    client = TestClient(api)
    token = client.post("/api/auth/token", json={"username": "viewer1", "password": "password-123"}).json()["access_token"]
    h = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/registry/versions/手工清单/check").status_code == 401
    r = client.get("/api/registry/versions/手工清单/check", params={"level": "orange"}, headers=h)
    assert r.status_code == 200, r.text
    (orange,) = r.json()["levels"]
    assert orange["level"] == "orange" and orange["lost_value_yuan"] == pytest.approx(125_000.0)
    assert all(x["shortfall_kg"] == 0 for x in orange["rows"])
    assert client.get("/api/registry/versions/没有/check", headers=h).status_code == 404
    assert client.get("/api/registry/versions/手工清单/check", params={"level": "purple"}, headers=h).status_code == 422
    api.state.engine.dispose()
