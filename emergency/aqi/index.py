"""IAQI and AQI per HJ 633.

IAQI_P = (IAQI_hi − IAQI_lo) / (BP_hi − BP_lo) × (C_P − BP_lo) + IAQI_lo, rounded UP
to an integer (HJ 633-2012 §5: 向上进位取整数). AQI = max IAQI; the primary
pollutants are those whose IAQI equals the AQI when AQI > 50 (ties are all listed).

Fall-backs of the standard: SO2 1-h above 800 µg/m³ is not used (the 24-h value
is); O3 8-h above 800 µg/m³ is not used (the 1-h value is). A concentration above
the top breakpoint gets IAQI 500 and is flagged ``beyond_table`` (the standard
gives no value beyond it).

Daily inputs (keys of the ``emergency aqi`` command): ``pm25``, ``pm10``, ``so2``,
``no2`` (24-h means, µg/m³), ``co`` (24-h mean, mg/m³), ``o3_8h`` (daily maximum
8-h mean, µg/m³), ``o3_1h`` (daily maximum 1-h value, µg/m³).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from config.aqi_tables import AqiTable, load_aqi_tables
from emergency.errors import EmergencyError

# input key -> breakpoint row
DAILY_ROWS = {
    "so2": "so2_24h",
    "no2": "no2_24h",
    "pm10": "pm10_24h",
    "co": "co_24h",
    "o3_1h": "o3_1h",
    "o3_8h": "o3_8h",
    "pm25": "pm25_24h",
}
HOURLY_ROWS = {"so2": "so2_1h", "no2": "no2_1h", "co": "co_1h", "o3_1h": "o3_1h", "o3_8h": "o3_8h", "pm10": "pm10_24h", "pm25": "pm25_24h"}
_EPS = 1e-9


class AqiInputError(EmergencyError):
    exit_code = 2


@dataclass(frozen=True)
class AqiResult:
    aqi: int
    primary_pollutants: list[str]
    iaqi: dict[str, int]
    standard: str
    beyond_table: list[str] = field(default_factory=list)
    not_used: list[str] = field(default_factory=list)


def table_for(day: date | None, force: str | None = None) -> AqiTable:
    """The HJ 633 table in force on ``day`` (today when None), or the forced one ('2012'/'2026')."""
    tables = load_aqi_tables()
    if force:
        for t in tables:
            if t.name.endswith(force) or t.name == force:
                return t
        raise AqiInputError(f"unknown AQI standard {force!r}; choose from {', '.join(t.name for t in tables)}")
    day = day or date.today()
    in_force = [t for t in tables if t.valid_from <= day]
    return in_force[-1] if in_force else tables[0]


def iaqi(concentration: float, row: str, table: AqiTable) -> tuple[int, bool]:
    """(IAQI, beyond_table) of one concentration on one breakpoint row."""
    if concentration is None or math.isnan(concentration):
        raise AqiInputError("concentration missing")
    if concentration < 0:
        raise AqiInputError(f"negative concentration {concentration}")
    bps = table.breakpoints[row]
    levels = table.iaqi
    if concentration > bps[-1]:
        return int(levels[len(bps) - 1]), True
    for i in range(1, len(bps)):
        if concentration <= bps[i]:
            lo, hi = bps[i - 1], bps[i]
            value = (levels[i] - levels[i - 1]) / (hi - lo) * (concentration - lo) + levels[i - 1]
            return int(math.ceil(value - _EPS)), False
    raise AssertionError("unreachable")  # pragma: no cover


def daily_aqi(values: dict[str, float | None], table: AqiTable) -> AqiResult:
    """AQI of one day from daily values (keys as DAILY_ROWS)."""
    unknown = set(values) - set(DAILY_ROWS) - {"date"}
    if unknown:
        raise AqiInputError(f"unknown pollutant key(s): {', '.join(sorted(unknown))}; use {', '.join(DAILY_ROWS)}")
    out: dict[str, int] = {}
    beyond: list[str] = []
    not_used: list[str] = []
    for key, row in DAILY_ROWS.items():
        c = values.get(key)
        if c is None:
            continue
        if not isinstance(c, (int, float)) or isinstance(c, bool):
            raise AqiInputError(f"{key}: expected a number, got {c!r}")
        if key == "o3_8h" and c > table.breakpoints["o3_8h"][-1]:
            not_used.append(key)  # HJ 633: O3 8-h above 800 not used; the 1-h value is
            continue
        value, over = iaqi(float(c), row, table)
        out[key] = value
        if over:
            beyond.append(key)
    if "o3_8h" in not_used and "o3_1h" not in out:
        raise AqiInputError("o3_8h above 800 µg/m³ is not used by HJ 633; give o3_1h")
    if not out:
        raise AqiInputError("no pollutant given")
    aqi = max(out.values())
    primary = [k for k, v in out.items() if v == aqi] if aqi > 50 else []
    return AqiResult(aqi, primary, out, table.name, beyond, not_used)


def hourly_iaqi_so2(so2_1h: float, so2_24h: float | None, table: AqiTable) -> int:
    """SO2 IAQI for an hour: the 1-h row, or the 24-h value when 1-h exceeds 800 µg/m³."""
    if so2_1h > table.breakpoints["so2_1h"][-1]:
        if so2_24h is None:
            raise AqiInputError("SO2 1-h above 800 µg/m³ is not used; the 24-h value is needed")
        return iaqi(so2_24h, "so2_24h", table)[0]
    return iaqi(so2_1h, "so2_1h", table)[0]
