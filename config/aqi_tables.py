"""HJ 633 breakpoint tables and averaging rules as data: ``config/aqi/``.

Files::

    config/aqi/hj633_<year>.toml   one IAQI breakpoint table per edition of HJ 633
    config/aqi/averaging.toml      data validity (GB 3095) and rounding of computed values

A table file may name ``based_on = "<other file stem>"``: its rows are merged over
the base's row by row (key by key), so HJ 633-2026 lists only what changed. Each
row carries its pollutant, averaging period and unit; a row whose top breakpoint
is below IAQI 500 names the row used above it (``above_top_use``: SO2 1-h → 24-h,
O3 8-h → 1-h). Every row inherits the table's ``confidence`` unless it sets its own.

Errors: a missing or invalid file raises :class:`emergency.errors.PolicyError`
naming the file and the key path; an unknown ``--standard`` too.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from config import POLICY_DIR
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
        return self


class AqiTable(Frozen):
    name: str = Field(description="e.g. 'HJ 633-2012'")
    valid_from: date
    source: str = Field(min_length=1)
    confidence: Confidence
    notes: str | None = None
    iaqi: list[int] = Field(min_length=2, description="IAQI value of each breakpoint column")
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
            elif len(row.breakpoints) < len(self.iaqi):
                raise ValueError(
                    f"rows.{key}: stops below IAQI {self.iaqi[-1]} and names no row to use above {row.top:g} (above_top_use)"
                )
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


class AveragingRules(Frozen):
    source: str = Field(min_length=1)
    confidence: Confidence
    notes: str | None = None
    min_hours_24h: int = Field(ge=1, le=24)
    min_hours_8h: int = Field(ge=1, le=8)
    min_8h_means_daily: int = Field(ge=1, le=17)
    rounding: Rounding


def _policy_dir(policy_dir: Path | None) -> Path:
    if policy_dir is not None:
        return Path(policy_dir)
    from emergency.settings import get_settings

    return get_settings().policy_dir or POLICY_DIR


def _merged_document(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    if path in seen:
        raise PolicyError(f"{path}: based_on forms a cycle ({' -> '.join(str(p) for p in seen + (path,))})")
    doc = read_toml(path)
    base_name = doc.pop("based_on", None)
    if base_name is None:
        return doc
    base_path = path.with_name(f"{base_name}.toml")
    if not base_path.exists():
        raise PolicyError(f"{path}: based_on = {base_name!r} but {base_path} does not exist")
    merged = _merged_document(base_path, seen + (path,))
    for key, value in doc.items():
        if key == "rows":
            rows = merged.setdefault("rows", {})
            for row_key, row in value.items():
                rows[row_key] = {**rows.get(row_key, {}), **row}
        else:
            merged[key] = value
    return merged


@cache
def _load_table(path: Path) -> AqiTable:
    return validate_data(AqiTable, _merged_document(path), str(path))


def load_aqi_tables(policy_dir: Path | None = None) -> list[AqiTable]:
    """Every HJ 633 table (``config/aqi/hj633_*.toml``), oldest first."""
    paths = sorted((_policy_dir(policy_dir) / "aqi").glob("hj633_*.toml"))
    if not paths:
        raise PolicyError(f"no HJ 633 tables in {_policy_dir(policy_dir) / 'aqi'}")
    return sorted((_load_table(p) for p in paths), key=lambda t: t.valid_from)


def table_for(day: date | None = None, standard: str | None = None, policy_dir: Path | None = None) -> AqiTable:
    """The table in force on ``day``, or the one ``standard`` names ('2012', '2026', 'HJ 633-2026').

    Dates before the oldest table's ``valid_from`` get the oldest table (no older edition
    is encoded). ``day=None`` means today.
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


def round_value(value: float, species: str, rules: AveragingRules) -> float:
    """Round a computed concentration to the reporting precision of its species."""
    rounding = _ROUNDING[rules.rounding.method]
    quantum = Decimal(1).scaleb(-rules.rounding.decimals[species])
    return float(Decimal(repr(value)).quantize(quantum, rounding=rounding))
