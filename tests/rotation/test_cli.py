"""`emergency rotation …` end to end: plan from the database's latest list, from a
list file and from a generated list; files, exit codes, `show`, `plans`, `replan`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest
from typer.testing import CliRunner

from emergency.cli.main import app
from enterprise_registry.db import open_database
from enterprise_registry.service import import_tables
from tests.rotation.checker import check_calendar
from tests.rotation.factory import firm, tables, uscc

runner = CliRunner()


@pytest.fixture
def db(sqlite_url, tmp_path):
    engine = open_database(sqlite_url)
    # brick firms of 测试市; the national policy applies (no locality file for 测试市)
    firms = [firm(str(i), county="甲县" if i % 2 else "乙县") for i in range(1, 9)]
    firms += [firm("20", grade="D"), firm("21", grade="A"), firm("30", industry="foundry", unit="吨/日", capacity=80)]
    import_tables(engine, tables(firms))
    return sqlite_url


def _plan(db, tmp_path, *extra):
    out = tmp_path / "out"
    res = runner.invoke(app, ["rotation", "plan", "--season", "2026-2027", "--out", str(out), "--time-limit", "5",
                              "--database", db, *extra])
    return res, out


def test_plan_from_the_database_writes_every_export(db, tmp_path):
    res, out = _plan(db, tmp_path, "--industry", "砖瓦窑", "--holiday", "春节:2027-02-06:2027-02-12")
    doc = json.loads((out / "rotation.json").read_text(encoding="utf-8"))
    assert doc["registry_version"] == "测试清单" and doc["window"] == ["2026-11-15", "2027-03-15"]
    assert set(doc["industries"]) == {"brick"} and doc["holidays"][0]["name"] == "春节"
    assert (out / "rotation.xlsx").exists()
    ics = sorted(p.stem for p in (out / "ics").glob("*.ics"))
    assert ics == sorted({r["uscc"] for r in doc["lines"] if r["blocks"]})
    assert uscc("21") not in ics and uscc("20") in ics
    assert res.exit_code == (0 if doc["status"] in ("optimal", "feasible") else 10), res.output
    from config.policy import load_policy
    from emergency.rotation.rules import rules_from_policy

    from enterprise_registry.service import load_registry_frame

    t = load_registry_frame(open_database(db))
    problems = check_calendar(t, rules_from_policy(load_policy(None)), doc, industries=["brick"])
    if doc["status"] in ("optimal", "feasible"):
        assert problems == []
    else:  # a small list under the national rules: only group shares may break, and they are reported
        assert doc["violations"] and all(p.startswith("share_") for p in problems)


def test_show_and_plans(db, tmp_path):
    _plan(db, tmp_path)
    res = runner.invoke(app, ["rotation", "plans", "--database", db])
    assert res.exit_code == 0 and "2026-2027" in res.output
    code = uscc("3")
    res = runner.invoke(app, ["rotation", "show", "--enterprise", code, "--day", "2026-12-01", "--database", db])
    assert res.exit_code == 0, res.output
    assert "1#窑炉" in res.output and "轮停" in res.output
    res = runner.invoke(app, ["rotation", "show", "--enterprise", uscc("21"), "--database", db])
    assert res.exit_code == 0 and "豁免" in res.output
    res = runner.invoke(app, ["rotation", "show", "--enterprise", "不存在的企业", "--database", db])
    assert res.exit_code != 0


def test_replan_from_a_day_keeps_the_past(db, tmp_path):
    _plan(db, tmp_path, "--industry", "brick")
    before = json.loads((tmp_path / "out" / "rotation.json").read_text(encoding="utf-8"))
    out2 = tmp_path / "out2"
    res = runner.invoke(app, ["rotation", "replan", "--today", "2026-12-20", "--out", str(out2), "--time-limit", "5",
                              "--database", db])
    after = json.loads((out2 / "rotation.json").read_text(encoding="utf-8"))
    assert after["frozen_until"] == "2026-12-20", res.output

    def past(doc):
        out = {}
        for r in doc["lines"]:
            out[r["line_id"]] = [b for b in r["blocks"] if date.fromisoformat(b[0]) < date(2026, 12, 20)]
        return out

    b, a = past(before), past(after)
    for lid in b:
        clip = lambda blocks: [(x, min(y, "2026-12-19")) for x, y in blocks]  # noqa: E731
        assert clip(b[lid]) == clip(a[lid])


def test_plan_for_a_generated_city(tmp_path, sqlite_url):
    res = runner.invoke(app, ["rotation", "plan", "--season", "2026-2027", "--generate", "120", "--seed", "2",
                              "--out", str(tmp_path / "g"), "--time-limit", "5", "--no-save", "--database", sqlite_url])
    assert res.exit_code in (0, 10), res.output
    doc = json.loads((tmp_path / "g" / "rotation.json").read_text(encoding="utf-8"))
    assert doc["summary"]["lines"] > 0 and doc["area"] == "演示市"
    assert ("规则无法全部满足" in res.output) == (res.exit_code == 10)


def emergency(*args):
    """The console script's entry point (maps errors to exit codes): (code, output)."""
    proc = subprocess.run([sys.executable, "-c", "from emergency.cli.main import run; run()", *map(str, args)],
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    return proc.returncode, proc.stdout + proc.stderr


def test_bad_inputs_are_errors_not_traces(tmp_path, sqlite_url):
    code, out = emergency("rotation", "plan", "--season", "2026", "--generate", "50", "--database", sqlite_url)
    assert code == 7 and "2026-2027" in out and "Traceback" not in out
    code, out = emergency("rotation", "plan", "--season", "2026-2027", "--generate", "50", "--industry", "造纸",
                          "--database", sqlite_url)
    assert code == 7 and "造纸" in out and "Traceback" not in out
    code, out = emergency("rotation", "show", "--enterprise", "X", "--database", sqlite_url)
    assert code == 8 and "emergency rotation plan" in out  # no plan stored yet


def test_plan_from_a_list_file(tmp_path, sqlite_url):
    f = tmp_path / "city.xlsx"
    assert runner.invoke(app, ["registry", "generate", "--enterprises", "80", "--seed", "4", "--out", str(f)]).exit_code == 0
    res = runner.invoke(app, ["rotation", "plan", "--season", "2026-2027", "--registry", str(f), "--out",
                              str(tmp_path / "r"), "--time-limit", "5", "--database", sqlite_url])
    assert res.exit_code in (0, 10), res.output
    doc = json.loads((tmp_path / "r" / "rotation.json").read_text(encoding="utf-8"))
    assert doc["registry_version"].endswith("（演示，种子4）") and doc["summary"]["lines"] > 0
