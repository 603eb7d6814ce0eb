"""IAQI and AQI per HJ 633, each edition by its own data (``config/aqi/``).

IAQI_P = (IAQI_hi − IAQI_lo) / (BP_hi − BP_lo) × (C_P − BP_lo) + IAQI_lo, rounded UP
to an integer (HJ 633-2012; HJ 633-2026 4.2.6). The arithmetic is exact (decimal
fractions, no float), so a concentration on a breakpoint gets exactly that column's
IAQI and nothing is pushed up by rounding noise. AQI = max IAQI; the primary
pollutants are every item whose IAQI equals the AQI, when AQI > 50 (ties all listed).

What an edition decides (``config.aqi_tables.AqiTable``):

- the items of each report: ``daily`` (日报) and ``realtime`` (实时报). HJ 633-2012's
  daily report has 7 items (``o3_1h``, the daily maximum 1-h value, among them);
  HJ 633-2026's has 6 (no O3 1-h item) and its real-time report grades the six 1-h means
  only (``pm25_1h`` / ``pm10_1h`` on the 24-h rows). A key another edition's report
  knows but this one's does not is **ignored** (listed in ``ignored``): a 2026 day
  given an O3 1-h value is graded without it;
- above the top of a row that stops short: HJ 633-2012 reports another row instead
  (SO2 1-h > 800 → the 24-h IAQI, O3 8-h > 800 → the 1-h IAQI; the item is listed in
  ``not_used``, and without the other value nothing can be graded); HJ 633-2026 counts
  a fixed IAQI (注 b: SO2 1-h > 800 → 200; 注 c: O3 8-h > 800 → 300; listed in ``above_top``);
- rounding before grading (2026 4.2.2: integers, CO one decimal, GB/T 8170 half to
  even); HJ 633-2012 grades values as given;
- the AQI range (2026 4.1.1: 1–500, so an all-zero day is AQI 1);
- a missing pollutant (2026 5.3.1): with an item of the report not given, the AQI is
  published only when above 100; otherwise it is NA (``na``; ``as_dict`` writes
  ``"aqi": "NA"`` and no primary pollutant). ``aqi`` itself stays the maximum of the
  items given — a lower bound, which is what a warning threshold above 100 needs.
  Under HJ 633-2012 the AQI is that of the items given.

Above the top breakpoint of a row that reaches IAQI 500 the standard gives no value:
the IAQI is capped at 500 and the item is listed in ``beyond_table``, so a reader
knows the AQI is "500 or more" (the choice of this project; the alternative,
extrapolating the last segment, would invent a scale the standard does not have).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Iterable, Literal, Mapping

from config.aqi_tables import AqiTable, Report, load_aqi_tables, round_value
from config.common import Confidence
from emergency.aqi.errors import AqiInputError

ReportKind = Literal["daily", "realtime"]


def report_keys(kind: ReportKind, tables: Iterable[AqiTable] | None = None) -> tuple[str, ...]:
    """Every input key the ``kind`` report of any edition reads (oldest edition's order first)."""
    keys: dict[str, None] = {}
    for table in tables if tables is not None else load_aqi_tables():
        keys.update(dict.fromkeys(getattr(table, kind).keys))
    return tuple(keys)


@dataclass(frozen=True)
class SubIndex:
    """IAQI of one concentration on one breakpoint row."""

    value: int
    beyond_table: bool = False  # above the top breakpoint of a full row: capped at the top IAQI
    above_top: bool = False  # above the top of a short row: the edition's fixed IAQI (2026 注 b/c)


@dataclass(frozen=True)
class AqiResult:
    aqi: int  # the maximum IAQI of the items given (at least the edition's minimum)
    primary_pollutants: tuple[str, ...]  # item keys, e.g. ("pm25",) or ("o3_8h",)
    iaqi: dict[str, int]  # item key -> IAQI, for every item graded
    standard: str  # "HJ 633-2012" / "HJ 633-2026"
    species: dict[str, str]  # item key -> pollutant ("o3_8h" -> "o3")
    beyond_table: tuple[str, ...] = ()  # items capped at IAQI 500
    not_used: tuple[str, ...] = ()  # items above their row, another row reported (2012)
    above_top: tuple[str, ...] = ()  # items above their row, counted at the fixed IAQI (2026 注 b/c)
    to_verify: tuple[str, ...] = ()  # items graded on a row tagged to_verify
    missing: tuple[str, ...] = ()  # items of the report not given, under an edition with an NA rule (2026 5.3.1)
    ignored: tuple[str, ...] = ()  # keys given that this edition's report does not grade
    na: bool = False  # AQI not published: an item missing and the AQI not above the edition's bound

    @property
    def primary_species(self) -> tuple[str, ...]:
        """Primary pollutants as species (``o3_8h`` and ``o3_1h`` are both ``o3``)."""
        return tuple(dict.fromkeys(self.species[k] for k in self.primary_pollutants))

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "aqi": "NA" if self.na else self.aqi,
            "primary_pollutants": [] if self.na else list(self.primary_pollutants),
            "iaqi": dict(self.iaqi),
            "standard": self.standard,
        }
        for key in ("beyond_table", "not_used", "above_top", "to_verify", "missing", "ignored"):
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
    """IAQI of ``concentration`` (as given, not rounded) on breakpoint row ``row`` of ``table``.

    Above the top breakpoint of a row that reaches the top IAQI: capped and flagged.
    Above the top of a row that stops earlier: the edition's fixed IAQI (``above_top_iaqi``),
    or, where the edition reports another row instead (``above_top_use``),
    :class:`AqiInputError` (``aqi_of`` applies that fall-back before calling this).
    """
    c = _concentration(row, concentration)
    spec = table.rows[row]
    bps = spec.breakpoints
    levels = table.iaqi
    x = _exact(c)
    for i in range(1, len(bps)):
        hi = _exact(bps[i])
        if x <= hi:
            lo = _exact(bps[i - 1])
            value = Fraction(levels[i] - levels[i - 1]) / (hi - lo) * (x - lo) + levels[i - 1]
            return SubIndex(math.ceil(value))
    if spec.above_top_iaqi is not None:
        return SubIndex(spec.above_top_iaqi, above_top=True)
    if spec.above_top_use is not None:
        raise AqiInputError(f"{row}: {c:g} is above {bps[-1]:g}, where HJ 633 does not use this row")
    return SubIndex(levels[len(bps) - 1], beyond_table=True)


def aqi_of(
    values: Mapping[str, Any], table: AqiTable, kind: ReportKind = "daily", known: Iterable[str] | None = None
) -> AqiResult:
    """AQI of one day (``daily``) or one hour (``realtime``) from concentrations by item key.

    ``None`` values are not measured. A key of ``known`` (default: every edition's keys of
    the report) outside this edition's report is ignored; any other key is refused.
    """
    report: Report = getattr(table, kind)
    known = set(known if known is not None else report_keys(kind)) | set(report.keys)
    unknown = set(values) - known
    if unknown:
        raise AqiInputError(f"unknown pollutant key(s) {', '.join(sorted(unknown))}; use {', '.join(report.keys)}")
    ignored = tuple(k for k in values if k not in report.keys)
    given: dict[str, float | int] = {}
    for key, value in values.items():
        if value is None or key in ignored:
            continue
        c = _concentration(key, value)
        if table.rounding is not None:
            c = round_value(c, table.rows[report.rows[key]].pollutant, table.rounding)
        given[key] = c
    by_row = {row: key for key, row in report.rows.items() if key in given}
    out: dict[str, int] = {}
    beyond: list[str] = []
    above_top: list[str] = []
    not_used: list[str] = []
    graded_rows: dict[str, str] = {}  # key -> row actually used

    def grade(key: str, row: str) -> None:
        sub = iaqi(given[key], row, table)
        out[key] = sub.value
        graded_rows[key] = row
        if sub.beyond_table:
            beyond.append(key)
        if sub.above_top:
            above_top.append(key)

    for key, row in report.items.items():
        if key not in given:
            continue
        spec = table.rows[row]
        if spec.above_top_use is not None and given[key] > spec.top:
            not_used.append(key)
            other = by_row.get(spec.above_top_use)
            if other is None:
                need = [k for k, r in report.rows.items() if r == spec.above_top_use]
                raise AqiInputError(
                    f"{key} = {given[key]:g} is above {spec.top:g}, where {table.name} uses the {spec.above_top_use} value instead; "
                    f"give {' or '.join(need)}"
                )
            if other not in report.items:  # a fall-back-only item is graded only here
                grade(other, spec.above_top_use)
            continue
        grade(key, row)
    if not out:
        raise AqiInputError(f"no pollutant given; use any of {', '.join(report.items)}")
    top = max(max(out.values()), table.aqi_min)
    order = list(report.keys)
    keys = sorted(out, key=order.index)
    primary = tuple(k for k in keys if out[k] == top) if top > 50 else ()
    missing = tuple(k for k in report.items if k not in given) if table.na_at_or_below is not None else ()
    return AqiResult(
        aqi=top,
        primary_pollutants=primary,
        iaqi={k: out[k] for k in keys},
        standard=table.name,
        species={k: table.rows[graded_rows[k]].pollutant for k in keys},
        beyond_table=tuple(beyond),
        not_used=tuple(not_used),
        above_top=tuple(above_top),
        to_verify=tuple(k for k in keys if table.row_confidence(graded_rows[k]) is Confidence.TO_VERIFY),
        missing=missing,
        ignored=ignored,
        na=bool(missing) and top <= table.na_at_or_below,  # type: ignore[operator]  # missing implies a bound
    )


def daily_aqi(values: Mapping[str, Any], table: AqiTable) -> AqiResult:
    """Daily AQI (日报) from daily values keyed as the edition's ``daily`` report."""
    return aqi_of(values, table, "daily")


def hourly_aqi(values: Mapping[str, Any], table: AqiTable) -> AqiResult:
    """Real-time AQI (实时报) from hourly values keyed as the edition's ``realtime`` report."""
    return aqi_of(values, table, "realtime")
