"""The one clock: Beijing time in and out, UTC stored, on a UTC machine."""

from datetime import date, datetime, timedelta, timezone

import pytest

from emergency import clock
from emergency.errors import ConfigurationError, EmergencyError

UTC = timezone.utc


def test_a_naive_time_is_beijing_time_not_the_servers():
    start = clock.parse("2026-12-05T00:00")
    assert clock.as_utc(start) == datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    assert clock.local_day(clock.as_utc(start)) == date(2026, 12, 5)  # not 12-04, the UTC date
    assert clock.fmt(clock.as_utc(start)) == "2026-12-05 00:00"
    assert clock.fmt_zh(clock.as_utc(start)) == "2026年12月05日00时"
    assert clock.iso(clock.as_utc(start)) == "2026-12-05T00:00:00+08:00"


def test_times_with_a_zone_keep_it():
    t = clock.parse("2026-12-04T16:00:00+00:00")
    assert clock.fmt(t) == "2026-12-05 00:00"
    assert clock.parse("2026-12-05 08:00") == datetime(2026, 12, 5, 0, 0, tzinfo=UTC)


def test_bad_text_is_a_user_error():
    with pytest.raises(EmergencyError, match="不是有效时间"):
        clock.parse("12/05/2026")


def test_day_hours_and_days_count_beijing_days():
    start, end = clock.parse("2026-12-04T20:00"), clock.parse("2026-12-07T12:00")
    assert clock.days_between(start, end) == [date(2026, 12, 4), date(2026, 12, 5), date(2026, 12, 6), date(2026, 12, 7)]
    assert clock.day_hours(start, end, date(2026, 12, 4)) == 4
    assert clock.day_hours(start, end, date(2026, 12, 5)) == 24
    assert clock.day_hours(start, end, date(2026, 12, 7)) == 12
    assert clock.day_hours(start, end, date(2026, 12, 8)) == 0
    # a warning ending at midnight does not touch the next day
    assert clock.days_between(clock.parse("2026-12-05T00:00"), clock.parse("2026-12-07T00:00")) == [date(2026, 12, 5), date(2026, 12, 6)]


def test_the_clock_is_injectable(monkeypatch):
    fixed = datetime(2026, 12, 4, 17, 30, tzinfo=UTC)  # 01:30 on 12-05 in Beijing
    with clock.use_clock(fixed):
        assert clock.now() == fixed
        assert clock.today() == date(2026, 12, 5)
        assert clock.hours_until(clock.parse("2026-12-06T00:00")) == pytest.approx(22.5)
    monkeypatch.setenv("EMERGENCY_NOW", "2026-12-04T20:00")
    assert clock.now() == datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    monkeypatch.delenv("EMERGENCY_NOW")
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_the_zone_is_one_setting(monkeypatch):
    monkeypatch.setenv("EMERGENCY_TIMEZONE", "Asia/Urumqi")  # UTC+6
    assert clock.fmt(datetime(2026, 12, 4, 18, 0, tzinfo=UTC)) == "2026-12-05 00:00"
    assert clock.zone_label() == "乌鲁木齐时间"
    monkeypatch.setenv("EMERGENCY_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigurationError):
        clock.now() and clock.bureau_zone()


def test_json_default_writes_beijing_offsets():
    import json

    text = json.dumps({"at": datetime(2026, 12, 4, 16, tzinfo=UTC), "day": date(2026, 12, 5)}, default=clock.json_default)
    assert text == '{"at": "2026-12-05T00:00:00+08:00", "day": "2026-12-05"}'
