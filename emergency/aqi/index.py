"""IAQI and AQI per HJ 633.

IAQI_P = (IAQI_hi − IAQI_lo) / (BP_hi − BP_lo) × (C_P − BP_lo) + IAQI_lo, rounded UP
to an integer (HJ 633-2012: 向上进位取整数). The arithmetic is exact (decimal
fractions, no float), so a concentration on a breakpoint gets exactly that column's
IAQI and nothing is pushed up by rounding noise. AQI = max IAQI; the primary
pollutants are every item whose IAQI equals the AQI, when AQI > 50 (ties all listed).

Fall-backs of the standard (data: ``above_top_use`` in ``config/aqi/``):

- SO2 1-h above 800 µg/m³ is not used; the SO2 24-h IAQI is reported instead;
- O3 8-h above 800 µg/m³ is not used; the O3 1-h IAQI is reported instead.

Above the top breakpoint of a row that reaches IAQI 500 the standard gives no value:
the IAQI is capped at 500 and the item is listed in ``beyond_table``, so a reader
knows the AQI is "500 or more" (the choice of this project; the alternative,
extrapolating the last segment, would invent a scale the standard does not have).

Two item sets:

- ``DAILY`` (日报; the ``emergency aqi`` command): ``pm25``, ``pm10``, ``so2``, ``no2``
  (24-h means, µg/m³), ``co`` (24-h mean, mg/m³), ``o3_8h`` (daily maximum 8-h mean),
  ``o3_1h`` (daily maximum 1-h value);
- ``HOURLY`` (实时报): ``so2_1h``, ``no2_1h``, ``co_1h``, ``o3_1h``, ``o3_8h`` and the
  24-h moving means ``pm25``, ``pm10``; ``so2_24h`` is read only for the SO2 fall-back.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Mapping

from config.aqi_tables import AqiTable
from config.common import Confidence
from emergency.aqi.errors import AqiInputError


@dataclass(frozen=True)
class ItemSet:
    """The items graded by one kind of report: input key -> breakpoint row."""

    name: str
    items: Mapping[str, str]
    fallback_only: Mapping[str, str] = field(default_factory=dict)  # read only for a fall-back

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.items) + tuple(self.fallback_only)


DAILY = ItemSet(
    "daily",
    {
        "pm25": "pm25_24h",
        "pm10": "pm10_24h",
        "so2": "so2_24h",
        "no2": "no2_24h",
        "co": "co_24h",
        "o3_8h": "o3_8h",
        "o3_1h": "o3_1h",
    },
)
HOURLY = ItemSet(
    "hourly",
    {
        "pm25": "pm25_24h",
        "pm10": "pm10_24h",
        "so2_1h": "so2_1h",
        "no2_1h": "no2_1h",
        "co_1h": "co_1h",
        "o3_8h": "o3_8h",
        "o3_1h": "o3_1h",
    },
    {"so2_24h": "so2_24h"},
)


@dataclass(frozen=True)
class SubIndex:
    """IAQI of one concentration on one breakpoint row."""

    value: int
    beyond_table: bool = False  # above the top breakpoint: capped at the top IAQI


@dataclass(frozen=True)
class AqiResult:
    aqi: int
    primary_pollutants: tuple[str, ...]  # item keys, e.g. ("pm25",) or ("o3_8h",)
    iaqi: dict[str, int]  # item key -> IAQI, for every item graded
    standard: str  # "HJ 633-2012" / "HJ 633-2026"
    species: dict[str, str]  # item key -> pollutant ("o3_8h" -> "o3")
    beyond_table: tuple[str, ...] = ()  # items capped at IAQI 500
    not_used: tuple[str, ...] = ()  # items above their row (SO2 1-h, O3 8-h > 800)
    to_verify: tuple[str, ...] = ()  # items graded on a row tagged to_verify

    @property
    def primary_species(self) -> tuple[str, ...]:
        """Primary pollutants as species (``o3_8h`` and ``o3_1h`` are both ``o3``)."""
        return tuple(dict.fromkeys(self.species[k] for k in self.primary_pollutants))

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "aqi": self.aqi,
            "primary_pollutants": list(self.primary_pollutants),
            "iaqi": dict(self.iaqi),
            "standard": self.standard,
        }
        for key in ("beyond_table", "not_used", "to_verify"):
            if getattr(self, key):
                out[key] = list(getattr(self, key))
        return out


def _exact(x: float | int) -> Fraction:
    """The decimal value as written (``0.1`` is one tenth, not the nearest binary float)."""
    return Fraction(Decimal(repr(x))) if isinstance(x, float) else Fraction(x)


def _concentration(key: str, value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise AqiInputError(f"{key}: expected a number, got {value!r}")
    value = int(value) if isinstance(value, numbers.Integral) else float(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise AqiInputError(f"{key}: {value!r} is not a concentration")
    if value < 0:
        raise AqiInputError(f"{key}: negative concentration {value!r}")
    return value


def iaqi(concentration: float | int, row: str, table: AqiTable) -> SubIndex:
    """IAQI of ``concentration`` on breakpoint row ``row`` of ``table``.

    Above the top breakpoint of a row that reaches the top IAQI: capped and flagged.
    Above the top of a row that stops earlier (SO2 1-h, O3 8-h) the row is not used:
    :class:`AqiInputError` (``aqi_of`` applies the fall-back before calling this).
    """
    c = _concentration(row, concentration)
    bps = table.rows[row].breakpoints
    levels = table.iaqi
    x = _exact(c)
    for i in range(1, len(bps)):
        hi = _exact(bps[i])
        if x <= hi:
            lo = _exact(bps[i - 1])
            value = Fraction(levels[i] - levels[i - 1]) / (hi - lo) * (x - lo) + levels[i - 1]
            return SubIndex(math.ceil(value))
    if table.rows[row].above_top_use is not None:
        raise AqiInputError(f"{row}: {c:g} is above {bps[-1]:g}, where HJ 633 does not use this row")
    return SubIndex(levels[len(bps) - 1], beyond_table=True)


def aqi_of(values: Mapping[str, Any], table: AqiTable, items: ItemSet = DAILY) -> AqiResult:
    """AQI of one day (``DAILY``) or one hour (``HOURLY``) from concentrations by item key.

    ``None`` values are skipped (pollutant not measured). At least one item is needed.
    """
    unknown = set(values) - set(items.keys)
    if unknown:
        raise AqiInputError(f"unknown pollutant key(s) {', '.join(sorted(unknown))}; use {', '.join(items.keys)}")
    given = {k: _concentration(k, v) for k, v in values.items() if v is not None}
    by_row = {row: key for key, row in {**items.items, **items.fallback_only}.items() if key in given}
    out: dict[str, int] = {}
    beyond: list[str] = []
    not_used: list[str] = []
    graded_rows: dict[str, str] = {}  # key -> row actually used

    def grade(key: str, row: str) -> None:
        sub = iaqi(given[key], row, table)
        out[key] = sub.value
        graded_rows[key] = row
        if sub.beyond_table:
            beyond.append(key)

    for key, row in items.items.items():
        if key not in given:
            continue
        spec = table.rows[row]
        if spec.above_top_use is not None and given[key] > spec.top:
            not_used.append(key)
            other = by_row.get(spec.above_top_use)
            if other is None:
                need = [k for k, r in {**items.items, **items.fallback_only}.items() if r == spec.above_top_use]
                raise AqiInputError(
                    f"{key} = {given[key]:g} is above {spec.top:g}, where HJ 633 uses the {spec.above_top_use} value instead; "
                    f"give {' or '.join(need)}"
                )
            if other not in items.items:  # a fall-back-only item is graded only here
                grade(other, spec.above_top_use)
            continue
        grade(key, row)
    if not out:
        raise AqiInputError(f"no pollutant given; use any of {', '.join(items.items)}")
    top = max(out.values())
    order = list(items.keys)
    keys = sorted(out, key=order.index)
    primary = tuple(k for k in keys if out[k] == top) if top > 50 else ()
    return AqiResult(
        aqi=top,
        primary_pollutants=primary,
        iaqi={k: out[k] for k in keys},
        standard=table.name,
        species={k: table.rows[graded_rows[k]].pollutant for k in keys},
        beyond_table=tuple(beyond),
        not_used=tuple(not_used),
        to_verify=tuple(k for k in keys if table.row_confidence(graded_rows[k]) is Confidence.TO_VERIFY),
    )


def daily_aqi(values: Mapping[str, Any], table: AqiTable) -> AqiResult:
    """Daily AQI (日报) from daily values keyed as ``DAILY``."""
    return aqi_of(values, table, DAILY)


def hourly_aqi(values: Mapping[str, Any], table: AqiTable) -> AqiResult:
    """Real-time AQI (实时报) from hourly values keyed as ``HOURLY``."""
    return aqi_of(values, table, HOURLY)

