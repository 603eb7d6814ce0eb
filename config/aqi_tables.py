"""HJ 633 editions and averaging rules as data: ``config/aqi/``.

Files::

    config/aqi/hj633_<year>.toml   one edition of HJ 633, complete (no edition is derived from another)
    config/aqi/averaging.toml      data validity (GB 3095) and rounding of computed values

An edition (:class:`AqiTable`) holds:

- its breakpoint rows (pollutant, averaging period, unit); a row whose top breakpoint
  is below the top IAQI says what happens above it — ``above_top_use`` (HJ 633-2012:
  report another row's IAQI instead, SO2 1-h → 24-h, O3 8-h → 1-h) or
  ``above_top_iaqi`` (HJ 633-2026 注 b/c: the IAQI counts as this value, SO2 1-h → 200,
  O3 8-h → 300);
- its two reports, each an item set (input key → row): ``daily`` (日报) and
  ``realtime`` (实时报), the latter with items read only for a fall-back;
- ``aqi_min`` (2026 4.1.1: AQI 1–500), ``na_at_or_below`` (2026 5.3.1: with an item of
  the report missing, the AQI is NA unless above this), ``rounding`` (2026 4.2.2:
  concentrations rounded before grading);
- ``issued`` and ``valid_from`` (in force): the edition of a day is the newest in force
  on it; a day before the oldest edition gets the oldest.

Every row inherits the edition's ``confidence`` unless it sets its own.

Errors: a missing or invalid file raises :class:`emergency.errors.PolicyError`
naming the file and the key path; an unknown ``--standard`` too.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from config import default_policy_dir
from config.common import Confidence, Frozen
from config.loading import read_toml, validate_data
from emergency.errors import PolicyError

Species = Literal["pm25", "pm10", "so2", "no2", "co", "o3"]
SPECIES: tuple[str, ...] = ("pm25", "pm10", "so2", "no2", "co", "o3")
UNITS = {"co": "mg/m³"}  # every other species in µg/m³


class BreakpointRow(Frozen):
    pollutant: Species
    averaging: Literal["1h", "8h", "24h"]
    unit: Literal["µg/m³", "mg/m³"]
    breakpoints: list[float] = Field(min_length=2)
    above_top_use: str | None = Field(
        default=None, description="row whose IAQI is reported when the concentration exceeds the top breakpoint"
    )
    above_top_iaqi: int | None = Field(default=None, gt=0, description="IAQI counted when the concentration exceeds the top breakpoint")
    confidence: Confidence | None = None
    note: str | None = None

    @property
    def top(self) -> float:
        return self.breakpoints[-1]

    @model_validator(mode="after")
    def _check(self) -> "BreakpointRow":
        if self.breakpoints[0] != 0:
            raise ValueError("breakpoints must start at 0")
        if any(b <= a for a, b in zip(self.breakpoints, self.breakpoints[1:])):
            raise ValueError("breakpoints must increase")
        if self.unit != UNITS.get(self.pollutant, "µg/m³"):
            raise ValueError(f"{self.pollutant} is graded in {UNITS.get(self.pollutant, 'µg/m³')}, not {self.unit}")
        if self.above_top_use is not None and self.above_top_iaqi is not None:
            raise ValueError("give above_top_use or above_top_iaqi, not both")
        return self


class Rounding(Frozen):
    method: Literal["half_even", "half_up"] = "half_even"
    decimals: dict[Species, int]

    @model_validator(mode="after")
    def _complete(self) -> "Rounding":
        missing = set(SPECIES) - set(self.decimals)
        if missing:
            raise ValueError(f"decimals: give every pollutant ({', '.join(sorted(missing))} missing)")
        return self


class Report(Frozen):
    """One report of an edition: which items it grades, on which rows."""

    clause: str = Field(min_length=1, description="the clause of the standard that lists the items")
    items: dict[str, str] = Field(min_length=1, description="input key -> breakpoint row")
    fallback_only: dict[str, str] = Field(default_factory=dict, description="read only for an above_top_use fall-back")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.items) + tuple(self.fallback_only)

    @property
    def rows(self) -> dict[str, str]:
        """Every key of the report -> its row."""
        return {**self.items, **self.fallback_only}


class AqiTable(Frozen):
    name: str = Field(description="e.g. 'HJ 633-2012'")
    issued: date
    valid_from: date = Field(description="in force from")
    source: str = Field(min_length=1)
    confidence: Confidence
    notes: str | None = None
    iaqi: list[int] = Field(min_length=2, description="IAQI value of each breakpoint column")
    aqi_min: int = Field(default=0, ge=0, description="lowest AQI published (2026 4.1.1: 1)")
    na_at_or_below: int | None = Field(
        default=None, ge=0, description="with an item of the report missing, an AQI at or below this is NA (2026 5.3.1: 100)"
    )
    rounding: Rounding | None = Field(default=None, description="concentrations rounded before grading (2026 4.2.2)")
    daily: Report
    realtime: Report
    rows: dict[str, BreakpointRow]

    @property
    def edition(self) -> str:
        """The year of the edition: '2012', '2026'."""
        return self.name.rsplit("-", 1)[-1]

    def row_confidence(self, row: str) -> Confidence:
        return self.rows[row].confidence or self.confidence

    @model_validator(mode="after")
    def _check(self) -> "AqiTable":
        if self.iaqi[0] != 0 or any(b <= a for a, b in zip(self.iaqi, self.iaqi[1:])):
            raise ValueError("iaqi must start at 0 and increase")
        for key, row in self.rows.items():
            if len(row.breakpoints) > len(self.iaqi):
                raise ValueError(f"rows.{key}: {len(row.breakpoints)} breakpoints for {len(self.iaqi)} IAQI columns")
            if row.above_top_use is not None:
                other = self.rows.get(row.above_top_use)
                if other is None:
                    raise ValueError(f"rows.{key}.above_top_use: no row {row.above_top_use!r}")
                if other.pollutant != row.pollutant or other.above_top_use is not None:
                    raise ValueError(f"rows.{key}.above_top_use: {row.above_top_use!r} must be a plain row of {row.pollutant}")
            elif row.above_top_iaqi is not None:
                if row.above_top_iaqi > self.iaqi[-1]:
                    raise ValueError(f"rows.{key}.above_top_iaqi: {row.above_top_iaqi} is above the top IAQI {self.iaqi[-1]}")
            elif len(row.breakpoints) < len(self.iaqi):
                raise ValueError(
                    f"rows.{key}: stops below IAQI {self.iaqi[-1]} and says nothing about values above {row.top:g} "
                    "(above_top_use or above_top_iaqi)"
                )
        if self.valid_from < self.issued:
            raise ValueError(f"valid_from {self.valid_from} is before the date of issue {self.issued}")
        for name in ("daily", "realtime"):
            report: Report = getattr(self, name)
            for key, row in report.rows.items():
                if row not in self.rows:
                    raise ValueError(f"{name}.{key}: no row {row!r}")
            graded = set(report.rows.values())
            for key, row in report.items.items():
                target = self.rows[row].above_top_use
                if target is not None and target not in graded:
                    raise ValueError(f"{name}.{key}: row {row} falls back on {target}, which no item of the report reads")
        return self


class AveragingRules(Frozen):
    source: str = Field(min_length=1)
    confidence: Confidence
    notes: str | None = None
    min_hours_24h: int = Field(ge=1, le=24)
    min_hours_8h: int = Field(ge=1, le=8)
    min_8h_means_daily: int = Field(ge=1, le=17)
    rounding: Rounding


def _policy_dir(policy_dir: Path | None) -> Path:
    return Path(policy_dir) if policy_dir is not None else default_policy_dir()


@cache
def _load_table(path: Path) -> AqiTable:
    return validate_data(AqiTable, read_toml(path), str(path))


def load_aqi_tables(policy_dir: Path | None = None) -> list[AqiTable]:
    """Every HJ 633 table (``config/aqi/hj633_*.toml``), oldest first."""
    paths = sorted((_policy_dir(policy_dir) / "aqi").glob("hj633_*.toml"))
    if not paths:
        raise PolicyError(f"no HJ 633 tables in {_policy_dir(policy_dir) / 'aqi'}")
    return sorted((_load_table(p) for p in paths), key=lambda t: t.valid_from)


def table_for(day: date | None = None, standard: str | None = None, policy_dir: Path | None = None) -> AqiTable:
    """The table in force on ``day``, or the one ``standard`` names ('2012', '2026', 'HJ 633-2026').

    The edition of a day is the newest in force on it (``valid_from`` ≤ day); a day before
    the oldest edition's ``valid_from`` gets the oldest (no older edition is encoded).
    ``day=None`` means today (the bureau's calendar day).
    """
    tables = load_aqi_tables(policy_dir)
    if standard is not None:
        for table in tables:
            if standard in (table.edition, table.name):
                return table
        raise PolicyError(f"unknown AQI standard {standard!r}; choose from {', '.join(t.edition for t in tables)}")
    if day is None:
        from emergency import clock

        day = clock.today()  # the bureau's calendar day, not the server's
    in_force = [t for t in tables if t.valid_from <= day]
    return in_force[-1] if in_force else tables[0]


@cache
def _load_averaging(path: Path) -> AveragingRules:
    return validate_data(AveragingRules, read_toml(path), str(path))


def load_averaging_rules(policy_dir: Path | None = None) -> AveragingRules:
    """Data validity and rounding (``config/aqi/averaging.toml``)."""
    return _load_averaging(_policy_dir(policy_dir) / "aqi" / "averaging.toml")


_ROUNDING = {"half_even": ROUND_HALF_EVEN, "half_up": ROUND_HALF_UP}


def round_value(value: float | int, species: str, rounding: Rounding) -> float:
    """``value`` rounded to the precision ``rounding`` gives its species (GB/T 8170: half to even)."""
    quantum = Decimal(1).scaleb(-rounding.decimals[species])
    return float(Decimal(repr(value)).quantize(quantum, rounding=_ROUNDING[rounding.method]))
