"""`emergency reports daily | summary | inspect | inspections` on the episode (SQLite)."""

from __future__ import annotations

from typer.testing import CliRunner

from emergency.cli.main import app
from emergency.errors import InputError
from enterprise_registry.db import open_database
from tests.enterprise.city import C1
from tests.reports.scenario import build


def test_commands(sqlite_url, tmp_path, monkeypatch):
    engine = open_database(sqlite_url)
    ep = build(engine, tmp_path)
    engine.dispose()
    monkeypatch.setenv("EMERGENCY_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("EMERGENCY_NOW", "2026-12-08T10:00")  # Beijing time
    run = CliRunner().invoke
    out = tmp_path / "out"
    r = run(app, ["reports", "daily", "--warning", str(ep.wid), "--day", "2026-12-05", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "管控企业 3 家" in r.output and (out / f"warning-{ep.wid}-daily-2026-12-05.xlsx").is_file()
    r = run(app, ["reports", "daily", "--warning", str(ep.wid), "--day", "2026-12-5x"])
    assert isinstance(r.exception, InputError) and "2026-12-05" in r.exception.message  # exit 14 under `emergency`
    r = run(app, ["reports", "summary", "--warning", str(ep.wid), "--out", str(out)])
    assert r.exit_code == 0 and "2026-12-09 12:00" in r.output and (out / f"warning-{ep.wid}-summary.html").is_file()
    r = run(app, ["reports", "inspect", "--warning", str(ep.wid), "--uscc", C1, "--result", "落实", "--inspector", "郑九",
                  "--at", "2026-12-07T10:00", "--actor", "zhang"])
    assert r.exit_code == 0 and "2026-12-07 10:00" in r.output, r.output
    r = run(app, ["reports", "inspect", "--warning", str(ep.wid), "--uscc", C1, "--result", "差不多", "--inspector", "郑九"])
    assert isinstance(r.exception, InputError) and "检查结果" in r.exception.message
    r = run(app, ["reports", "inspections", "--warning", str(ep.wid)])
    assert r.exit_code == 0 and "郑九" in r.output
