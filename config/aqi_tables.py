"""IAQI breakpoint tables of HJ 633 as data: config/aqi/*.toml."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

from pydantic import Field, model_validator

from config import POLICY_DIR
from config.common import Confidence, Frozen
from config.loading import load_toml_model

KEYS = ("so2_24h", "so2_1h", "no2_24h", "no2_1h", "pm10_24h", "co_24h", "co_1h", "o3_1h", "o3_8h", "pm25_24h")


class AqiTable(Frozen):
    name: str
    valid_from: date
    source: str
    confidence: Confidence
    iaqi: list[float] = Field(min_length=2)
    breakpoints: dict[str, list[float]]

    @model_validator(mode="after")
    def _check(self) -> "AqiTable":
        missing = set(KEYS) - set(self.breakpoints)
        if missing:
            raise ValueError(f"missing breakpoint rows: {sorted(missing)}")
        for key, row in self.breakpoints.items():
            if key not in KEYS:
                raise ValueError(f"unknown breakpoint row {key!r}")
            if len(row) > len(self.iaqi) or len(row) < 2:
                raise ValueError(f"{key}: {len(row)} breakpoints for {len(self.iaqi)} IAQI points")
            if any(b <= a for a, b in zip(row, row[1:])):
                raise ValueError(f"{key}: breakpoints must increase")
        return self


@cache
def _load(path: Path) -> AqiTable:
    return load_toml_model(path, AqiTable)


def load_aqi_tables(policy_dir: Path | None = None) -> list[AqiTable]:
    """All tables, oldest first."""
    paths = sorted(((policy_dir or POLICY_DIR) / "aqi").glob("*.toml"))
    return sorted((_load(p) for p in paths), key=lambda t: t.valid_from)
