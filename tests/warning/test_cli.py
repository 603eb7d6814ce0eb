import json
import subprocess
import sys

from typer.testing import CliRunner

from emergency.cli.main import app

runner = CliRunner()


def test_warning_evaluate_daily():
    r = runner.invoke(app, ["warning", "evaluate", "--rules", "2019", "--daily-aqi", "210,220,150"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["level"] == "yellow" and out["trigger"]["id"] == "2019-yellow"
    assert out["period"]["start_index"] == 0 and out["period"]["end_index"] == 1


def test_aqi_command_reads_json_lines():
    lines = '{"date": "2025-01-10", "pm25": 116, "pm10": 80}\n{"pm25": 30}\n'
    r = runner.invoke(app, ["aqi"], input=lines)
    assert r.exit_code == 0, r.output
    first, second = [json.loads(x) for x in r.output.strip().splitlines()]
    assert first["aqi"] == 152 and first["primary_pollutants"] == ["pm25"] and first["standard"] == "HJ 633-2012"
    assert first["iaqi"] == {"pm10": 65, "pm25": 152}
    assert second["aqi"] == 43 and second["primary_pollutants"] == []


def test_aqi_bad_line_names_the_line():
    proc = subprocess.run(
        [sys.executable, "-c", "from emergency.cli.main import run; run()", "aqi"],
        input='{"pm25": 10}\n{"pm25": "x"}\n', capture_output=True, text=True,
    )
    assert proc.returncode != 0 and "line 2" in proc.stderr and "Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["aqi"] == 15


def test_unknown_rule_set_is_a_clear_error():
    proc = subprocess.run(
        [sys.executable, "-c", "from emergency.cli.main import run; run()", "warning", "evaluate", "--rules", "2030", "--daily-aqi", "210"],
        capture_output=True, text=True,
    )
    assert proc.returncode == 4 and "unknown warning rule set" in proc.stderr and "Traceback" not in proc.stderr
