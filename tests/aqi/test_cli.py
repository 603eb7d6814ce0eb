"""`emergency aqi`: JSON lines in, JSON lines out."""

import io
import json
import sys

import pytest
from typer.testing import CliRunner

from emergency.aqi.errors import AqiInputError
from emergency.cli.main import app, run

runner = CliRunner()


def lines(result):
    return [json.loads(x) for x in result.stdout.splitlines()]


def test_one_output_line_per_input_line():
    stdin = '{"date": "2025-01-10", "pm25": 116, "pm10": 80}\n\n{"date": "2025-01-11", "pm25": 30}\n'
    r = runner.invoke(app, ["aqi"], input=stdin)
    assert r.exit_code == 0, r.output
    first, second = lines(r)
    # PM2.5 116 -> 152; PM10 80 -> 50 + 30 × 50/100 = 65
    assert first == {"date": "2025-01-10", "aqi": 152, "primary_pollutants": ["pm25"], "iaqi": {"pm25": 152, "pm10": 65}, "standard": "HJ 633-2012"}
    assert second["aqi"] == 43 and second["primary_pollutants"] == [] and "date" in second


def test_the_date_chooses_the_table_and_standard_forces_one():
    stdin = '{"date": "2026-02-28", "pm25": 75}\n{"date": "2026-03-01", "pm25": 75}\n'
    by_date = lines(runner.invoke(app, ["aqi"], input=stdin))
    assert [(x["standard"], x["aqi"]) for x in by_date] == [("HJ 633-2012", 100), ("HJ 633-2026", 114)]
    assert "to_verify" not in by_date[0] and "to_verify" not in by_date[1]  # the 2026 PM rows are confirmed (issue 14)
    forced = lines(runner.invoke(app, ["aqi", "--standard", "2012"], input=stdin))
    assert [(x["standard"], x["aqi"]) for x in forced] == [("HJ 633-2012", 100)] * 2


def test_fall_backs_ties_and_beyond_table_in_the_output():
    stdin = (
        '{"o3_8h": 850, "o3_1h": 900, "co": 4}\n'  # o3_8h not used; o3_1h 350; CO 4 mg/m³ -> 100
        '{"pm25": 75, "pm10": 150}\n'  # tie at 100
        '{"pm25": 520, "so2": null}\n'  # beyond the table: 500, flagged; null = not measured
    )
    a, b, c = lines(runner.invoke(app, ["aqi", "--standard", "2012"], input=stdin))
    assert a["aqi"] == 350 and a["iaqi"] == {"co": 100, "o3_1h": 350} and a["not_used"] == ["o3_8h"]
    assert b["primary_pollutants"] == ["pm25", "pm10"]
    assert c["aqi"] == 500 and c["beyond_table"] == ["pm25"] and c["iaqi"] == {"pm25": 500}


@pytest.mark.parametrize(
    "bad, message",
    [
        ('{"pm25": "x"}', "line 2: pm25: expected a number"),
        ("{pm25: 10}", "line 2: not valid JSON"),
        ("[10]", "line 2: expected a JSON object"),
        ('{"pm2.5": 10}', "line 2: unknown pollutant key"),
        ('{"date": "10/01/2025", "pm25": 10}', "line 2: date"),
        ('{"pm25": -3}', "line 2: pm25: negative"),
    ],
)
def test_a_bad_line_stops_with_its_number_after_the_good_ones(bad, message):
    r = runner.invoke(app, ["aqi", "--standard", "2012"], input='{"pm25": 10}\n' + bad + '\n{"pm25": 20}\n')
    assert isinstance(r.exception, AqiInputError) and message in r.exception.message
    assert lines(r) == [{"aqi": 15, "primary_pollutants": [], "iaqi": {"pm25": 15}, "standard": "HJ 633-2012"}]  # 50 × 10/35 = 14.3 -> 15


def test_the_command_line_maps_the_error_to_an_exit_code_without_a_traceback(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["emergency", "aqi"])
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"pm25": 10, "date": "2025-01-01"}\n{"pm25": "x"}\n'))
    with pytest.raises(SystemExit) as exit_:
        run()
    out = capsys.readouterr()
    assert exit_.value.code == AqiInputError.exit_code != 0
    assert "line 2" in out.err and "Traceback" not in out.err
    assert json.loads(out.out)["aqi"] == 15


def test_an_unknown_standard_fails_before_reading(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["emergency", "aqi", "--standard", "2030"])
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"pm25": 10}\n'))
    with pytest.raises(SystemExit) as exit_:
        run()
    out = capsys.readouterr()
    assert exit_.value.code == 4 and "unknown AQI standard" in out.err and out.out == ""
