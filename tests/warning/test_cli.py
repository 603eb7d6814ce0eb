"""`emergency warning evaluate` through typer's CliRunner (and once through the real entry point)."""

import json
import sys

import pytest
from typer.testing import CliRunner

from emergency.cli.main import app, run
from emergency.errors import WarningError
from tests.forecast.local_server import payload

runner = CliRunner()


def evaluate(*args, **kw):
    r = runner.invoke(app, ["warning", "evaluate", *args], **kw)
    assert r.exit_code == 0, (r.output, r.exception)
    return json.loads(r.stdout)


def test_daily_aqi_under_2019():
    out = evaluate("--rules", "2019", "--daily-aqi", "210,220,150")
    assert out["level"] == "yellow"
    assert out["trigger"] == {"id": "2019-yellow", "wording_zh": "预测日AQI>200将持续2天（48小时）及以上"}
    assert (out["period"]["start_index"], out["period"]["end_index"], out["period"]["start"]) == (0, 1, None)
    assert out["rules"]["name"] == "2019" and out["rules"]["confidence"] == "local"
    assert out["series"]["values"] == [210, 220, 150] and out["series"]["max_aqi"] == 220


def test_dated_daily_aqi_under_2024():
    out = evaluate("--rules", "2024", "--daily-aqi", "120,210,220,310,140", "--start", "2026-12-01")
    assert out["level"] == "red" and out["trigger"]["id"] == "2024-red"
    assert out["period"]["start"] == "2026-12-02T00:00:00+08:00" and out["period"]["end"] == "2026-12-05T00:00:00+08:00"
    assert out["issue_by"] == "2026-12-01T00:00:00+08:00"
    assert out["release"]["may_release"] is False
    assert len(out["fired"]) == 5


def test_forecast_file_of_daily_concentrations(tmp_path):
    f = tmp_path / "f.csv"
    # 2025-12: 2012 table. PM2.5 160 -> 200 + 10 = 210, 170 -> 220; O3 8-h 160 -> 100. Then clean days.
    f.write_text("date,pm25,o3_8h\n2025-12-01,160,160\n2025-12-02,170,160\n2025-12-03,40,60\n2025-12-04,30,60\n", encoding="utf-8")
    out = evaluate("--rules", "2024", "--forecast", str(f))
    # clean days: PM2.5 40 -> 50 + 5 × 50/40 = 56.25 -> 57 (O3 8-h 60 -> 30); PM2.5 30 -> 43
    assert out["series"]["values"] == [210, 220, 57, 43] and out["series"]["standards"] == ["HJ 633-2012"]
    assert out["level"] == "orange" and out["trigger"]["id"] == "2024-orange-200"
    assert out["period"]["start"] == "2025-12-01T00:00:00+08:00" and out["period"]["end"] == "2025-12-03T00:00:00+08:00"
    assert out["primary_pollutants"] == ["pm25"] and out["industrial_measures"] is True
    assert out["release"]["release_at"] == "2025-12-03T00:00:00+08:00" and out["release"]["may_release"] is False


def test_forecast_file_of_an_ozone_episode(tmp_path):
    f = tmp_path / "f.json"
    # O3 8-h 300 -> 200 + 35 × 100/535 = 206.5 -> 207 (PM2.5 50 -> 69): an ozone day > 200 under 2024
    f.write_text(json.dumps([{"date": "2025-07-01", "pm25": 50, "o3_8h": 300, "o3_1h": 350}]), encoding="utf-8")
    out = evaluate("--forecast", str(f))
    assert out["series"]["values"] == [207] and out["level"] == "yellow"
    assert out["primary_pollutants"] == ["o3"] and out["industrial_measures"] is False


def test_open_meteo_source_against_a_local_server(server):
    hours = 72
    s = server((200, payload(hours, pm2_5=[180.0] * hours)))
    out = evaluate("--rules", "2024", "--source", "open-meteo", "--lat", "37.87", "--lon", "112.55", "--base-url", s.url)
    assert s.paths[0].startswith("/v1/air-quality?")
    # PM2.5 180 µg/m³ for 72 h: each rolling 24-h value 200 + 30 = 230; 49 windows cover 72 h, none > 300
    assert out["series"]["kind"] == "rolling_24h" and out["series"]["steps"] == 49 and out["series"]["max_aqi"] == 230
    assert out["level"] == "orange" and out["trigger"]["id"] == "2024-orange-200"
    assert out["period"]["start"] == "2026-12-01T00:00:00+08:00" and out["period"]["end"] == "2026-12-04T00:00:00+08:00"
    assert out["period"]["hours"] == 72 and out["primary_pollutants"] == ["pm25"]


def test_base_url_from_the_environment(server):
    s = server((200, payload(48)))
    out = evaluate("--source", "open-meteo", "--lat", "30", "--lon", "120", env={"EMERGENCY_OPEN_METEO_URL": s.url})
    assert out["level"] == "none" and len(s.paths) == 1


def test_an_area_uses_its_effective_rule_set():
    out = evaluate("--area", "晋中市", "--daily-aqi", "210,220")  # Jinzhong applies 2019
    assert out["rules"]["name"] == "2019" and out["level"] == "yellow"


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "give exactly one of --daily-aqi, --forecast or --source"),
        (["--daily-aqi", "210", "--forecast", "f.csv"], "got --daily-aqi, --forecast"),
        (["--daily-aqi", "210,abc"], "not a comma-separated list"),
        (["--source", "open-meteo", "--lat", "30"], "needs --lat and --lon"),
        (["--daily-aqi", "210", "--start", "01/12/2026"], "--start"),
        (["--forecast", "f.csv", "--start", "2026-12-01"], "--start dates a --daily-aqi series"),
    ],
)
def test_usage_mistakes(args, message):
    r = runner.invoke(app, ["warning", "evaluate", *args])
    assert isinstance(r.exception, WarningError) and message in r.exception.message


def test_errors_reach_the_user_without_a_traceback(monkeypatch, capsys, server):
    s = server((503, "busy"))
    monkeypatch.setattr(
        sys, "argv",
        ["emergency", "warning", "evaluate", "--source", "open-meteo", "--lat", "30", "--lon", "120", "--base-url", s.url, "--retries", "0"],
    )
    with pytest.raises(SystemExit) as exit_:
        run()
    err = capsys.readouterr().err
    assert exit_.value.code == 5 and "HTTP 503" in err and "Traceback" not in err
    monkeypatch.setattr(sys, "argv", ["emergency", "warning", "evaluate", "--rules", "2030", "--daily-aqi", "210"])
    with pytest.raises(SystemExit) as exit_:
        run()
    assert exit_.value.code == 4 and "unknown warning rule set '2030'" in capsys.readouterr().err
