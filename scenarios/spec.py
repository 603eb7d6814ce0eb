"""Scenario files (TOML). Documented by example in ``scenarios/*.toml``.

    name = "..."                      # shown in reports
    seed = 1                          # every random choice (what-ifs) derives from it
    policy_area = "演示市"             # optional; default: the list's city
    rule_set = "2024"                 # optional; default: the policy's

    [registry]                        # exactly one of:
    generate = { enterprises = 2000, seed = 1 }
    # file = "my_list.xlsx"           # a list file (path relative to the scenario file)
    # version = "2026—2027年秋冬季"    # a version in the database

    [episode]                         # exactly one of:
    daily_aqi = [120, 180, 230, 320, 290, 160, 110]
    start = 2026-12-01                # optional, for dates in the report
    # level = "red"
    # days = 4

    [whatif]                          # all optional
    upgrade_c_to_b = 0.3              # share of C firms upgraded to B (创A升B)
    remove_essential = ["民生保障"]    # essential categories removed ("all" for every one)
    close_share = 0.05                # share of firms closed
    close = ["91350100M000100Y43"]    # firms closed by code
    add_enterprises = 200             # synthetic firms added
    exclude_counties = ["郊区"]        # counties left out (their firms and requirements)
    ratios = { red = { VOCs = 0.35 } } # reduction ratios overriding the policy

    [cost_curve]                      # optional
    level = "red"                     # whose floors and options
    shares = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from config.loading import read_toml, validate_data
from emergency.vocabulary import EssentialCategory, Pollutant, WarningLevel


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GenerateSpec(_Spec):
    enterprises: int = Field(ge=1, le=1_000_000)
    seed: int = 1


class RegistrySource(_Spec):
    generate: GenerateSpec | None = None
    file: str | None = None
    version: str | None = None

    @model_validator(mode="after")
    def _one(self) -> "RegistrySource":
        if sum(x is not None for x in (self.generate, self.file, self.version)) != 1:
            raise ValueError("give exactly one of generate, file, version")
        return self


class Episode(_Spec):
    daily_aqi: list[float] | None = None
    level: WarningLevel | None = None
    days: int | None = Field(default=None, ge=1, le=120)
    start: date | None = None

    @model_validator(mode="after")
    def _one(self) -> "Episode":
        if (self.daily_aqi is None) == (self.level is None):
            raise ValueError("give either daily_aqi or level (+ days)")
        if self.level is not None and self.days is None:
            raise ValueError("a fixed-level episode needs days")
        if self.level is WarningLevel.NONE:
            raise ValueError("level must be yellow, orange or red")
        return self


class WhatIf(_Spec):
    upgrade_c_to_b: float = Field(default=0.0, ge=0.0, le=1.0)
    remove_essential: list[EssentialCategory | str] = Field(default_factory=list)
    close_share: float = Field(default=0.0, ge=0.0, lt=1.0)
    close: list[str] = Field(default_factory=list)
    add_enterprises: int = Field(default=0, ge=0)
    exclude_counties: list[str] = Field(default_factory=list)
    ratios: dict[WarningLevel, dict[Pollutant, float]] = Field(default_factory=dict)


class CostCurveSpec(_Spec):
    level: WarningLevel = WarningLevel.RED
    shares: list[float] = Field(default_factory=lambda: [round(0.05 * i, 2) for i in range(13)])


class Scenario(_Spec):
    name: str
    seed: int = 1
    description: str | None = None
    policy_area: str | None = None
    rule_set: str | None = None
    registry: RegistrySource
    episode: Episode
    whatif: WhatIf = WhatIf()
    cost_curve: CostCurveSpec | None = None
    path: str | None = None  # where the file was read from (set by the loader)


def load_scenario(path: Path) -> Scenario:
    path = Path(path)
    data = read_toml(path)
    data["path"] = str(path.resolve())
    return validate_data(Scenario, data, str(path))
