from emergency.forecast.files import load
from emergency.errors import ForecastError
import pytest


def test_daily_csv(tmp_path):
    f = tmp_path / "f.csv"
    f.write_text("date,aqi\n2026-12-01,210\n2026-12-02,220\n", encoding="utf-8")
    s = load(str(f))
    assert s.values == [210.0, 220.0] and s.step_hours == 24


def test_non_consecutive_days_refused(tmp_path):
    f = tmp_path / "f.csv"
    f.write_text("date,aqi\n2026-12-01,210\n2026-12-03,220\n", encoding="utf-8")
    with pytest.raises(ForecastError, match="consecutive"):
        load(str(f))


def test_hourly_json(tmp_path):
    f = tmp_path / "f.json"
    rows = [{"time": f"2026-12-01T{h:02d}:00", "pm25": 100} for h in range(24)]
    import json

    f.write_text(json.dumps(rows))
    s = load(str(f))
    assert len(s.times) == 24 and s.values["pm25"][0] == 100
