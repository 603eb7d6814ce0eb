"""A duty officer's night on a UTC machine, through the commands, end to end.

The walk of issue 13: a list imported, an orange warning issued for a Beijing-time start
three days ahead, upgraded to red from the second day, notices written for each
version, electricity that follows the notices exactly (read back from the notices'
own printed figures, not from the engine) judged compliant, a firm that did nothing
judged 未落实, the warning released with 解除 documents to every firm, and the whole
night in the audit log in Beijing time.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from emergency.cli.main import build_app

RUNNER = CliRunner()


def run(*args: str, code: int = 0) -> str:
    result = RUNNER.invoke(build_app(), list(args))
    assert result.exit_code == code, (args, result.output, result.exception)
    return result.output


def firm_measures(version: int) -> dict[str, set]:
    """Each firm's (line, measure, cut) in plan version ``version``, from the stored plan."""
    from emergency.plans.document import PlanDocument
    from emergency.workflow.lifecycle import plan_version
    from enterprise_registry.db import open_database

    engine = open_database()
    doc = PlanDocument.model_validate_json(plan_version(engine, 1, version).document)
    engine.dispose()
    out: dict[str, set] = {}
    for a in doc.actions:
        out.setdefault(a.enterprise_uscc, set()).add((a.line_id, a.measure, round(a.output_cut, 6)))
    return out


def notice_drops(folder: Path) -> dict[str, float]:
    """Each notified firm's expected electricity drop, as its notice prints it."""
    out = {}
    for f in (folder / "管控通知").glob("*.html"):
        text = re.sub(r"<[^>]+>", "", f.read_text(encoding="utf-8"))
        uscc = re.search(r"统一社会信用代码：([0-9A-Z]{18})", text).group(1)
        m = re.search(r"下降约\s*([\d.]+)%", text)
        out[uscc] = float(m.group(1)) / 100 if m else 0.0
    return out


@pytest.fixture
def night(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = f"sqlite:///{tmp_path / 'night.sqlite'}"
    monkeypatch.setenv("EMERGENCY_DATABASE_URL", db)
    monkeypatch.setenv("EMERGENCY_NOW", "2026-12-03T21:00")  # Thursday evening, Beijing time
    run("registry", "generate", "--enterprises", "2000", "--seed", "1", "--out", "city.xlsx")
    run("registry", "import", "city.xlsx", "--actor", "张三")
    return tmp_path


def test_the_night(night, monkeypatch):
    # issue: orange from Monday 00:00 Beijing time, which is Sunday 16:00 UTC
    out = run("warning", "issue", "--level", "orange", "--start", "2026-12-07T00:00", "--end", "2026-12-10T00:00",
              "--actor", "张三", "--approve-suggested")
    assert "2026-12-07 00:00（北京时间）" in out and "2026-12-06 16:00" not in out
    run("notices", "--warning", "1", "--out", "v1")
    v1 = notice_drops(night / "v1")
    assert v1 and all(0.0 <= d <= 1.0 for d in v1.values())

    # upgrade on Monday morning, effective from Tuesday 00:00
    monkeypatch.setenv("EMERGENCY_NOW", "2026-12-07T10:00")
    out = run("warning", "adjust", "1", "--level", "red", "--from", "2026-12-08T00:00", "--actor", "李四",
              "--approve-suggested")
    assert "2026-12-08 00:00（北京时间）" in out
    run("notices", "--warning", "1", "--out", "v2")
    v2 = notice_drops(night / "v2")  # only the firms whose measures changed are notified again
    m1, m2 = firm_measures(1), firm_measures(2)
    assert set(v1) == set(m1)
    changed = {u for u in set(m1) | set(m2) if m1.get(u) != m2.get(u)}
    assert changed and set(v2) == changed and len(changed) < len(m1)
    continuing = (night / "v2" / "继续执行原措施名单.html").read_text(encoding="utf-8")
    assert all(u not in continuing for u in v2) and all(u in continuing for u in set(m2) - changed)

    # electricity: 7 baseline days at 1,000 kWh, then exactly what each notice says
    lazy = sorted(v1)[:3]
    rows = []
    for u, d1 in v1.items():
        d2 = v2.get(u, d1)  # a firm not notified again keeps its first notice
        rows += [(u, (date(2026, 11, 30) + timedelta(days=i)).isoformat(), 1000.0) for i in range(7)]
        for day, d in (("2026-12-07", d1), ("2026-12-08", d2), ("2026-12-09", d2)):
            rows.append((u, day, 1000.0 if u in lazy else round(1000.0 * (1 - d), 3)))
    with open(night / "kwh.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["统一社会信用代码", "日期", "用电量(kWh)"])
        w.writerows(rows)
    monkeypatch.setenv("EMERGENCY_NOW", "2026-12-10T09:00")
    run("compliance", "import", "kwh.csv", "--actor", "王五")
    out = run("compliance", "import", "kwh.csv", "--actor", "王五")
    assert f"替换已有 {len(rows)} 行" in out.replace("\n", "")
    out = run("compliance", "check", "--warning", "1", "--only-failed", "--xlsx", "核查.xlsx")
    failed = set(re.findall(r"9114[0-9A-Z…]+", out))
    assert len(failed) == len(lazy), out  # exactly the firms that did nothing
    assert (night / "核查.xlsx").stat().st_size > 0

    # release: a 解除 announcement and a 解除通知 to every firm under measures
    monkeypatch.setenv("EMERGENCY_NOW", "2026-12-09T15:00")
    out = run("warning", "release", "1", "--reason", "空气质量好转", "--actor", "张三")
    assert "2026-12-09 15:00（北京时间）" in out.replace("\n", "")
    run("notices", "--warning", "1", "--out", "release")
    announcement = (night / "release" / "预警信息发布.txt").read_text(encoding="utf-8")
    assert "解除" in announcement and "2026年12月09日15时" in announcement
    released = {re.search(r"_([0-9A-Z]{18})\.html$", f.name).group(1) for f in (night / "release" / "解除通知").glob("*.html")}
    assert released == set(m2)  # every firm under measures in the version in force
    assert not (night / "release" / "管控通知").exists()

    # the audit log tells the night, in Beijing time
    log = [json.loads(line) for line in run("audit", "--json").splitlines()]
    actions = [a["action"] for a in log]
    for expected in ("registry.import", "warning.issue", "warning.upgrade", "compliance.import", "warning.release"):
        assert expected in actions
    assert all(a["at"].endswith("+08:00") for a in log)
    issue = next(a for a in log if a["action"] == "warning.issue")
    assert issue["actor"] == "张三" and issue["details"]["start"] == "2026-12-07T00:00:00+08:00"
