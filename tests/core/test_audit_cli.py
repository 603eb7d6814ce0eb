"""`emergency audit`: who did what, when — in Beijing time, filterable."""

import json
from datetime import datetime, timezone

from typer.testing import CliRunner

from emergency import clock
from emergency.cli.main import build_app
from emergency.workflow import audit
from enterprise_registry.db import open_database


def test_audit_command_filters_and_prints_beijing_time(sqlite_url):
    engine = open_database(sqlite_url)
    with clock.use_clock(datetime(2026, 12, 4, 16, 30, tzinfo=timezone.utc)):  # 00:30 on 12-05 in Beijing
        audit.write(engine, "张三", "warning.issue", "warning:1", {"start": datetime(2026, 12, 4, 16, tzinfo=timezone.utc)})
        audit.write(engine, "李四", "registry.import", "v1", {})
        audit.write(engine, "张三", "warning.release", "warning:1", {})
    runner = CliRunner()
    out = runner.invoke(build_app(), ["audit", "--action", "warning.", "--json", "--database", sqlite_url])
    assert out.exit_code == 0, out.output
    rows = [json.loads(line) for line in out.output.splitlines()]
    assert [r["action"] for r in rows] == ["warning.issue", "warning.release"]
    assert rows[0]["at"].startswith("2026-12-05T00:30:00") and rows[0]["at"].endswith("+08:00")
    assert rows[0]["details"]["start"] == "2026-12-05T00:00:00+08:00"
    table = runner.invoke(build_app(), ["audit", "--actor", "李四", "--database", sqlite_url])
    assert table.exit_code == 0 and "registry.import" in table.output and "warning.issue" not in table.output
    assert "2026-12-05 00:30:00" in table.output
    engine.dispose()
