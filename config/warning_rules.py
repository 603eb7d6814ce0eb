"""Warning rule sets (预警分级标准) as data: config/national/warning_rules/<name>.toml.

A rule set is a list of triggers; a trigger fires when all its conditions hold.
Conditions are typed rows evaluated through a dispatch table in
``emergency.warning.evaluation`` (``run_above``: AQI above a threshold for a
consecutive run of at least ``min_hours``; ``reaches``: AQI reaches a value).
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import Field

from config import POLICY_DIR
from config.common import Confidence, Frozen
from config.loading import load_toml_model
from emergency.errors import PolicyError
from enterprise_registry.vocab import WarningLevel


class RunAbove(Frozen):
    type: Literal["run_above"]
    threshold: float = Field(gt=0)
    min_hours: float = Field(gt=0, description="consecutive hours (24 per day of a daily series)")
    within_run_above: float | None = Field(
        default=None, description="the run must lie inside a run above this threshold"
    )


class Reaches(Frozen):
    type: Literal["reaches"]
    threshold: float = Field(gt=0)


Condition = Annotated[Union[RunAbove, Reaches], Field(discriminator="type")]


class Trigger(Frozen):
    id: str
    level: Literal[WarningLevel.YELLOW, WarningLevel.ORANGE, WarningLevel.RED]
    wording_zh: str
    all: list[Condition] = Field(min_length=1)


class WarningRuleSet(Frozen):
    name: str
    title_zh: str
    effective_from: date
    source: str = Field(min_length=1)
    confidence: Confidence
    lead_time_hours: float = Field(ge=0)
    release_max_aqi: float = Field(gt=0, description="release when AQI stays at or below this ...")
    release_min_hours: float = Field(gt=0, description="... for at least this many hours")
    industrial_pollutants: list[str]
    notes: str | None = None
    triggers: list[Trigger] = Field(min_length=1)


def available_rule_sets(policy_dir: Path | None = None) -> list[str]:
    return sorted(p.stem for p in ((policy_dir or POLICY_DIR) / "national" / "warning_rules").glob("*.toml"))


@cache
def _load(path: Path) -> WarningRuleSet:
    return load_toml_model(path, WarningRuleSet)


def load_rule_set(name: str, policy_dir: Path | None = None) -> WarningRuleSet:
    path = (policy_dir or POLICY_DIR) / "national" / "warning_rules" / f"{name}.toml"
    if not path.exists():
        raise PolicyError(
            f"unknown warning rule set {name!r}; available: {', '.join(available_rule_sets(policy_dir))}"
        )
    return _load(path)
