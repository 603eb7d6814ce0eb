"""A locality policy file with any error is an error, never the national policy in its place.

The demo city (演示市) has its own file, config/local/demo/demo_city.toml. In a copy of
config/ (EMERGENCY_POLICY_DIR) that file is broken in each way a bureau could break it;
`policy_for`, `emergency plan`, `warning issue`, `/api/plans/preview` and `/api/warnings`
must all refuse, naming the file (relative to the policy dir, not the server path), the
key and the reason. A stricter city ratio (35 %) must be the one planned with. Only a
city without any locality file is planned with the national policy, and the plan says so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from config import POLICY_DIR
from emergency import clock
from emergency.errors import PolicyError
from emergency.plans.service import make_plan, policy_for
from enterprise_registry import service as registry
from enterprise_registry.db import open_database
from enterprise_registry.generator import generate_registry
from emergency.vocabulary import Pollutant, WarningLevel as L

CITY_FILE = "local/demo/demo_city.toml"
NOW = datetime(2026, 12, 2, 20, 0)  # Beijing time; the warning below starts 76 h later
START, END = "2026-12-06T00:00", "2026-12-09T00:00"

BROKEN = {
    # name: (file bytes, what the message must name)
    "bad_toml": ('name_zh = "演示市"\n[reduction.ratios.orange\nSO2 = 0.35\n'.encode(), ["not valid TOML", "line 2"]),
    "bad_value": ('name_zh = "演示市"\n[reduction.ratios.orange]\nSO2 = 1.5\n'.encode(),
                  ["reduction.ratios.orange.SO2", "less than or equal to 1"]),
    "bad_type": ('name_zh = "演示市"\n[reduction.ratios.orange]\nSO2 = "三成"\n'.encode(),
                 ["reduction.ratios.orange.SO2", "valid number"]),
    "unknown_key": ('name_zh = "演示市"\n[reduction]\nratio_orange = 0.35\n'.encode(),
                    ["reduction.ratio_orange", "Extra inputs are not permitted"]),
    "unknown_section": ('name_zh = "演示市"\n[reductoin.ratios.orange]\nSO2 = 0.35\n'.encode(),
                        ["reductoin", "Extra inputs are not permitted"]),
    "gbk": ('# 演示市的地方政策\nname_zh = "演示市"\n'.encode("gbk"), ["不是 UTF-8", "第 1 行", "UTF-8 重新保存"]),
}

STRICT = """name_zh = "演示市"
[reduction.ratios.orange]
SO2 = 0.35
"""


@pytest.fixture
def policy_dir(tmp_path, monkeypatch):
    dst = tmp_path / "policy"
    shutil.copytree(POLICY_DIR, dst, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    monkeypatch.setenv("EMERGENCY_POLICY_DIR", str(dst))
    return dst


@pytest.fixture(scope="module")
def city():
    return generate_registry(200, seed=4)  # 演示市


def _check_message(message: str, expected: list[str], policy_dir) -> None:
    assert CITY_FILE in message, message
    for part in expected:
        assert part in message, message
    assert str(policy_dir) not in message  # no server path


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_city_file_is_an_error_naming_file_key_and_reason(policy_dir, city, case):
    data, expected = BROKEN[case]
    (policy_dir / CITY_FILE).write_bytes(data)
    with pytest.raises(PolicyError) as info:
        policy_for(city)
    _check_message(info.value.message, expected, policy_dir)
    with pytest.raises(PolicyError):
        make_plan(city, L.ORANGE)  # the default policy is the city's too


def test_a_stricter_city_ratio_is_the_one_planned_with(policy_dir, city):
    (policy_dir / CITY_FILE).write_text(STRICT, encoding="utf-8")
    policy = policy_for(city)
    assert policy.reduction.ratio(L.ORANGE, Pollutant.SO2) == 0.35
    assert policy.reduction.ratio(L.ORANGE, Pollutant.NOx) == 0.20  # national, inherited
    doc = make_plan(city, L.ORANGE).document
    assert doc.policy_area == "demo/demo_city"
    areas = city.areas
    for r in doc.requirements:
        i = areas["name"].index(r.area)
        ratio = 0.35 if r.pollutant is Pollutant.SO2 else 0.20
        key = r.pollutant.value.lower()
        assert r.required_kg == pytest.approx(ratio * areas[f"base_{key}"][i] * areas[f"listed_share_{key}"][i])


def test_a_city_without_a_locality_file_is_planned_nationally_and_says_so(policy_dir):
    tables = generate_registry(120, seed=2, city="无名市")
    policy = policy_for(tables)
    assert policy.area == "" and make_plan(tables, L.YELLOW).document.policy_area == "national"


def test_a_broken_file_of_another_area_is_not_skipped(policy_dir, city):
    """The broken file may be the very area asked for (its name_zh cannot be read): refuse."""
    (policy_dir / "local/shanxi/taiyuan.toml").write_bytes('name_zh = "太原市"\n[x\n'.encode())
    with pytest.raises(PolicyError, match="local/shanxi/taiyuan.toml: not valid TOML"):
        policy_for(city)


# ------------------------------------------------------------------ the commands


def emergency(*args, env=None):
    proc = subprocess.run(
        [sys.executable, "-c", "from emergency.cli.main import run; run()", *map(str, args)],
        capture_output=True, text=True,
        env={**os.environ, "COLUMNS": "200", "EMERGENCY_NOW": NOW.isoformat(), **(env or {})},
    )
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture
def db(sqlite_url, city):
    engine = open_database(sqlite_url)
    registry.import_tables(engine, city)
    engine.dispose()
    return sqlite_url


@pytest.mark.parametrize("case", ["bad_value", "gbk"])
def test_plan_and_warning_issue_refuse_with_exit_4(policy_dir, db, tmp_path, case):
    data, expected = BROKEN[case]
    (policy_dir / CITY_FILE).write_bytes(data)
    code, out = emergency("plan", "--level", "orange", "--out", tmp_path / "plan.json", "--database", db)
    assert code == PolicyError.exit_code == 4, out
    assert "Traceback" not in out and CITY_FILE in out and expected[0] in out
    assert not (tmp_path / "plan.json").exists()
    code, out = emergency("warning", "issue", "--level", "orange", "--start", START, "--end", END, "--database", db)
    assert code == 4 and "Traceback" not in out and CITY_FILE in out, out
    code, out = emergency("warning", "list", "--database", db)
    assert code == 0 and "预警 1" not in out  # nothing was issued


def test_plan_and_warning_issue_use_the_stricter_ratio(policy_dir, db, tmp_path, city):
    (policy_dir / CITY_FILE).write_text(STRICT, encoding="utf-8")
    i = city.areas["name"].index("演示市")
    expected = 0.35 * city.areas["base_so2"][i] * city.areas["listed_share_so2"][i]
    code, out = emergency("plan", "--level", "orange", "--out", tmp_path / "plan.json", "--database", db)
    assert code in (0, 10), out
    doc = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    [req] = [r for r in doc["requirements"] if r["area"] == "演示市" and r["pollutant"] == "SO2"]
    assert req["required_kg"] == pytest.approx(expected) and doc["policy_area"] == "demo/demo_city"
    code, out = emergency("warning", "issue", "--level", "orange", "--start", START, "--end", END,
                          "--accept-shortfall", "--database", db)
    assert code == 0, out
    assert f"{expected:,.1f}" in out  # the 演示市 SO2 row of the printed targets


# ------------------------------------------------------------------ the API


@pytest.fixture
def api(db):
    from emergency.api.app import create_app
    from emergency.workflow import accounts

    app = create_app(db)
    user = accounts.add_user(app.state.engine, "officer1", "password-123", "duty_officer")
    token = accounts.create_token(app.state.engine, user)
    with clock.use_clock(clock.aware(NOW)):
        yield TestClient(app), {"Authorization": f"Bearer {token}"}
    app.state.engine.dispose()


def test_api_preview_and_issue_refuse_a_broken_city_file(policy_dir, api):
    client, auth = api
    data, expected = BROKEN["unknown_key"]
    (policy_dir / CITY_FILE).write_bytes(data)
    for path, body in (("/api/plans/preview", {"level": "orange"}),
                       ("/api/warnings", {"level": "orange", "start": START, "end": END})):
        r = client.post(path, json=body, headers=auth)
        assert r.status_code == PolicyError.http_status and r.json()["code"] == "policy", r.text
        _check_message(r.json()["detail"], expected, policy_dir)
    assert client.get("/api/warnings", headers=auth).json() == []


def test_api_preview_and_issue_use_the_stricter_ratio(policy_dir, api, city):
    client, auth = api
    (policy_dir / CITY_FILE).write_text(STRICT, encoding="utf-8")
    i = city.areas["name"].index("演示市")
    expected = 0.35 * city.areas["base_so2"][i] * city.areas["listed_share_so2"][i]
    doc = client.post("/api/plans/preview", json={"level": "orange"}, headers=auth).json()
    [req] = [r for r in doc["requirements"] if r["area"] == "演示市" and r["pollutant"] == "SO2"]
    assert req["required_kg"] == pytest.approx(expected)
    r = client.post("/api/warnings", json={"level": "orange", "start": START, "end": END, "accept_shortfall": True},
                    headers=auth)
    assert r.status_code == 201, r.text
    [req] = [x for x in r.json()["summary"]["requirements"] if x["area"] == "演示市" and x["pollutant"] == "SO2"]
    assert req["required_kg"] == pytest.approx(expected)
