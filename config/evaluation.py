"""Effect-evaluation numbers (``config/evaluation.toml``): CEMS daily validity, the
pre-warning baseline, the 不降反增 tolerance and import bounds, each with source and
confidence. Validated once at load (frozen models, unknown keys refused)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field, model_validator

from config import default_policy_dir
from config.common import Confidence, Frozen
from config.loading import read_toml, validate_data


class _Sourced(Frozen):
    source: str = Field(min_length=1)
    confidence: Confidence


class CemsDay(_Sourced):
    min_valid_hours: int = Field(ge=1, le=24, description="valid hourly values a day needs to count")


class Baseline(_Sourced):
    days: int = Field(ge=1, le=60, description="valid days averaged for the baseline")
    lookback_days: int = Field(ge=1, le=120, description="how far back before the warning valid days are looked for")
    min_days: int = Field(ge=1, le=60, description="fewer valid days: no baseline")

    @model_validator(mode="after")
    def _order(self) -> "Baseline":
        if not self.min_days <= self.days <= self.lookback_days:
            raise ValueError("baseline: min_days ≤ days ≤ lookback_days")
        return self


class Increase(_Sourced):
    tolerance: float = Field(ge=0.0, le=1.0, description="share above the baseline before a day is flagged")


class Limits(_Sourced):
    max_rows: int = Field(ge=1, le=10_000_000)


class EvaluationPolicy(Frozen):
    cems_day: CemsDay
    baseline: Baseline
    increase: Increase
    limits: Limits


@cache
def _load(path: Path) -> EvaluationPolicy:
    return validate_data(EvaluationPolicy, read_toml(path), str(path))


def load_evaluation_policy(policy_dir: Path | None = None) -> EvaluationPolicy:
    """``evaluation.toml`` of the policy directory (default: the packaged ``config/``)."""
    return _load(Path(policy_dir if policy_dir is not None else default_policy_dir()) / "evaluation.toml")
