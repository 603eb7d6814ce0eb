"""Time as the bureau reads it (北京时间), one place for the whole project.

Every datetime the engine handles is aware. The database stores UTC (SQLModel's
``UTCDateTime`` returns aware UTC); users type, read and print times in the bureau's
zone, ``EMERGENCY_TIMEZONE`` (default ``Asia/Shanghai``). A time typed without a zone
is the bureau's time, never the server's: a server runs on UTC, the duty officer does
not. Calendar days (warning days, compliance days, rotation days) are the bureau's
days.

``now()`` is the one clock. Tests inject another with :func:`use_clock`, or a whole
process (the CLI) with ``EMERGENCY_NOW=2026-12-04T20:00`` (read in the bureau's zone).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Shanghai"
ZONE_LABEL_ZH = {"Asia/Shanghai": "北京时间", "Asia/Chongqing": "北京时间", "Asia/Urumqi": "乌鲁木齐时间"}

_clock: Callable[[], datetime] | None = None


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    from emergency.errors import ConfigurationError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(f"EMERGENCY_TIMEZONE={name!r} 不是有效的时区名 (not an IANA zone, e.g. Asia/Shanghai)") from None


def zone_name() -> str:
    return os.environ.get("EMERGENCY_TIMEZONE") or DEFAULT_ZONE


def bureau_zone() -> ZoneInfo:
    """The bureau's zone (``EMERGENCY_TIMEZONE``, default Asia/Shanghai)."""
    return _zone(zone_name())


def zone_label() -> str:
    """How printed times name their zone: 北京时间 for China's zone, else the IANA name."""
    return ZONE_LABEL_ZH.get(zone_name(), zone_name())


def now() -> datetime:
    """The current time, aware, in UTC: the injected clock, ``EMERGENCY_NOW``, or the system's."""
    if _clock is not None:
        return as_utc(_clock())
    fixed = os.environ.get("EMERGENCY_NOW")
    if fixed:
        return as_utc(parse(fixed, "EMERGENCY_NOW"))
    return datetime.now(timezone.utc)


@contextmanager
def use_clock(clock: Callable[[], datetime] | datetime) -> Iterator[None]:
    """Within the block, :func:`now` answers ``clock()`` (or the fixed ``clock``)."""
    global _clock
    previous = _clock
    _clock = (lambda: clock) if isinstance(clock, datetime) else clock
    try:
        yield
    finally:
        _clock = previous


def aware(dt: datetime) -> datetime:
    """``dt`` with a zone: a naive time is the bureau's local time (user input)."""
    return dt.replace(tzinfo=bureau_zone()) if dt.tzinfo is None or dt.utcoffset() is None else dt


def as_utc(dt: datetime) -> datetime:
    """``dt`` in UTC (a naive time is the bureau's local time)."""
    return aware(dt).astimezone(timezone.utc)


def local(dt: datetime) -> datetime:
    """``dt`` in the bureau's zone (a naive time is already local)."""
    return aware(dt).astimezone(bureau_zone())


def local_day(dt: datetime) -> date:
    """The bureau's calendar day of ``dt`` (a warning starting 00:00 Beijing time is
    stored as 16:00 UTC the day before: its day is the Beijing one)."""
    return local(dt).date()


def day_start(day: date) -> datetime:
    """00:00 of the bureau's calendar ``day``, aware."""
    return datetime.combine(day, datetime.min.time(), tzinfo=bureau_zone())


def today() -> date:
    """The bureau's calendar day now."""
    return local_day(now())


def hours_until(dt: datetime, since: datetime | None = None) -> float:
    """Hours from ``since`` (default now) to ``dt``; negative when ``dt`` is past."""
    return (as_utc(dt) - as_utc(since or now())).total_seconds() / 3600.0


def parse(text: str, what: str = "时间") -> datetime:
    """A user's ISO time (``2026-12-05T00:00``, ``2026-12-05 08:00``, ``…+08:00``):
    without a zone it is the bureau's time."""
    from emergency.errors import EmergencyError

    try:
        return aware(datetime.fromisoformat(str(text).strip()))
    except ValueError:
        raise EmergencyError(f"{what} {text!r} 不是有效时间，应为 2026-12-05T08:00 (ISO 8601)") from None


def fmt(dt: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """``dt`` printed in the bureau's zone ('' for None)."""
    return "" if dt is None else local(dt).strftime(pattern)


def fmt_zh(dt: datetime) -> str:
    """Notice style: 2026年12月05日00时 (bureau's zone)."""
    return local(dt).strftime("%Y年%m月%d日%H时")


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 in the bureau's zone with its offset (``2026-12-05T00:00:00+08:00``):
    how the API, audit details and JSON files carry times."""
    return None if dt is None else local(dt).isoformat()


def json_default(value: object) -> object:
    """``json.dumps(default=…)`` for records: datetimes as :func:`iso`, dates ISO, else str."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def day_hours(start: datetime, end: datetime, day: date) -> float:
    """Hours of the bureau's calendar ``day`` that lie in [start, end)."""
    lo = max(as_utc(start), as_utc(day_start(day)))
    hi = min(as_utc(end), as_utc(day_start(day + timedelta(days=1))))
    return max(0.0, (hi - lo).total_seconds() / 3600.0)


def days_between(start: datetime, end: datetime) -> list[date]:
    """The bureau's calendar days that [start, end) touches (at least one hour... any part)."""
    first, last = local_day(start), local_day(as_utc(end) - timedelta(microseconds=1))
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
