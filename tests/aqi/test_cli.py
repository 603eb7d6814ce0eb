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


FULL = '"pm25": 50, "pm10": 60, "so2": 10, "no2": 30, "co": 0.8'  # 2026: 80, 58, 10, 38, 20


def test_2026_daily_lines_under_the_2026_rules():
    stdin = (
        '{"date": "2026-03-01", ' + FULL + ', "o3_8h": 120, "o3_1h": 900}\n'  # O3 1-h ignored: AQI 80 (PM2.5)
        '{"date": "2026-02-28", ' + FULL + ', "o3_8h": 120, "o3_1h": 900}\n'  # 2012: O3 1-h 900 -> 350
        '{"date": "2026-03-02", ' + FULL + ', "o3_8h": 850}\n'  # 注 c: 300, no 1-h value needed
        '{"date": "2026-03-03", "pm25": 50}\n'  # five items missing, AQI 80 <= 100: NA
        '{"date": "2026-03-04", ' + FULL + ', "o3_8h": 0, "pm25": 60.4}\n'  # rounded to 60: 100
    )
    r = runner.invoke(app, ["aqi"], input=stdin)
    assert r.exit_code == 0, r.output
    a, b, c, d, e = lines(r)
    assert a["aqi"] == 80 and a["primary_pollutants"] == ["pm25"] and a["ignored"] == ["o3_1h"] and "o3_1h" not in a["iaqi"]
    assert a["standard"] == "HJ 633-2026" and "missing" not in a
    assert b["aqi"] == 350 and b["primary_pollutants"] == ["o3_1h"] and b["standard"] == "HJ 633-2012"
    assert c["aqi"] == 300 and c["iaqi"]["o3_8h"] == 300 and c["above_top"] == ["o3_8h"] and "not_used" not in c
    assert d == {"date": "2026-03-03", "aqi": "NA", "primary_pollutants": [], "iaqi": {"pm25": 80}, "standard": "HJ 633-2026",
                 "missing": ["pm10", "so2", "no2", "co", "o3_8h"]}
    assert e["aqi"] == 100 and e["iaqi"]["pm25"] == 100


def test_2012_still_refuses_o3_8h_above_800_without_the_1h_value():
    r = runner.invoke(app, ["aqi"], input='{"date": "2025-07-01", "o3_8h": 850}\n')
    assert isinstance(r.exception, AqiInputError) and "line 1" in r.exception.message and "give o3_1h" in r.exception.message


def test_realtime_reports():
    stdin = (
        '{"time": "2026-03-01T08:00", "pm25_1h": 116, "pm10_1h": 100, "so2_1h": 900, "no2_1h": 100, "co_1h": 5, "o3_1h": 160}\n'
        '{"time": "2026-02-28T08:00", "so2_1h": 900, "so2_24h": 700}\n'
    )
    r = runner.invoke(app, ["aqi", "--realtime"], input=stdin)
    assert r.exit_code == 0, r.output
    a, b = lines(r)
    # 2026 注 b: SO2 1-h 900 -> 200 > PM2.5 1-h 116 -> 152
    assert a["time"] == "2026-03-01T08:00" and a["aqi"] == 200 and a["above_top"] == ["so2_1h"]
    assert a["iaqi"] == {"pm25_1h": 152, "pm10_1h": 86, "so2_1h": 200, "no2_1h": 50, "co_1h": 50, "o3_1h": 50}
    # 2012: SO2 1-h above 800 not used, the 24-h value 700 -> 150 + 225 × 50/325 = 184.6 -> 185
    assert b["aqi"] == 185 and b["not_used"] == ["so2_1h"] and b["standard"] == "HJ 633-2012"


def test_a_zoned_time_is_graded_on_the_bureaus_day():
    """16:00 UTC on 2026-02-28 is 00:00 on 03-01 in Beijing: the 2026 edition applies."""
    from emergency.cli.aqi import _day
    from datetime import date

    assert _day("2026-02-28T16:00:00+00:00", 1) == date(2026, 3, 1)
    assert _day("2026-02-28T16:00:00", 1) == date(2026, 2, 28)  # a naive time is already local
