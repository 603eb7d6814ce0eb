"""Warning rule sets (预警分级标准) as data: ``config/national/warning_rules/<name>.toml``.

A rule set holds its source and confidence, effective date, lead time, release rule,
how durations are counted on an hourly rolling series, which episodes get no
industrial measures, and its triggers. In TOML the triggers are a table keyed by
trigger id, so a locality override can deep-merge into one trigger
(``config.policy`` merges dicts key by key, replaces lists); the validated model
holds them as a list in file order. :class:`WarningRuleSet` is a plain model: build
it from any merged dict with ``WarningRuleSet.model_validate`` or
:func:`parse_rule_set`.

A trigger fires when its condition holds: ``all = [...]`` (every row) or
``any = [...]`` (one row). Rows are typed and evaluated through the dispatch table
``emergency.warning.conditions.CONDITIONS``:

- ``run_above``: the AQI stays above ``threshold`` for a consecutive run lasting at
  least ``min_hours`` (0: one step is enough);
- ``reaches``: the AQI reaches ``threshold`` (≥) at some step;
- ``all`` / ``any`` with ``of = [...]``: nested groups.

Inside ``all`` the rows refer to ONE polluted run: every row's run must lie within
the run of one of them ("AQI > 200 for 72 h and > 300 for 24 h" = the > 300 part
lies inside the > 200 run). The period a trigger reports is that enclosing run.

Episodes (``[episodes]``, :class:`EpisodeRule`): with ``merge = true`` two runs
above a threshold whose gap does not meet the rule set's release condition
(``release_max_aqi`` for ``release_min_hours``) are one polluted run, judged as one
(MEE 2017: 按一次重污染过程统计，从严启动预警); ``duration`` says how long the merged
run lasts for a ``min_hours`` row (``emergency.warning.episodes``). Without the table
runs are never merged.

Errors: :class:`emergency.errors.PolicyError` naming the file and key path.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import Field, model_validator

from config import default_policy_dir
from config.aqi_tables import Species
from config.common import Confidence, Frozen
from config.loading import read_toml, validate_data
from emergency.errors import PolicyError
from emergency.vocabulary import WarningLevel

RULES_SUBDIR = Path("national") / "warning_rules"


class RunAbove(Frozen):
    """AQI > ``threshold`` for a consecutive run of at least ``min_hours``."""

    type: Literal["run_above"]
    threshold: float = Field(ge=0)
    min_hours: float = Field(default=0, ge=0, description="0: a single step (one day, or one rolling hour)")

    def describe(self) -> str:
        return f"AQI > {self.threshold:g}" + (f" for ≥ {self.min_hours:g} h" if self.min_hours else "")


class Reaches(Frozen):
    """AQI ≥ ``threshold`` at some step."""

    type: Literal["reaches"]
    threshold: float = Field(gt=0)

    def describe(self) -> str:
        return f"AQI ≥ {self.threshold:g}"


class AllOf(Frozen):
    type: Literal["all"]
    of: list["Condition"] = Field(min_length=1)

    def describe(self) -> str:
        return "(" + " and ".join(c.describe() for c in self.of) + ")"


class AnyOf(Frozen):
    type: Literal["any"]
    of: list["Condition"] = Field(min_length=1)

    def describe(self) -> str:
        return "(" + " or ".join(c.describe() for c in self.of) + ")"


Condition = Annotated[Union[RunAbove, Reaches, AllOf, AnyOf], Field(discriminator="type")]
AllOf.model_rebuild()
AnyOf.model_rebuild()


class Trigger(Frozen):
    id: str = Field(min_length=1)
    level: Literal[WarningLevel.YELLOW, WarningLevel.ORANGE, WarningLevel.RED]
    wording_zh: str = Field(min_length=1, description="the regulation's wording")
    all: list[Condition] | None = Field(default=None, min_length=1)
    any: list[Condition] | None = Field(default=None, min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _one_combinator(self) -> "Trigger":
        if (self.all is None) == (self.any is None):
            raise ValueError("give exactly one of 'all' or 'any'")
        return self

    @property
    def condition(self) -> AllOf | AnyOf:
        if self.all is not None:
            return AllOf(type="all", of=self.all)
        return AnyOf(type="any", of=self.any)


class EpisodeRule(Frozen):
    """How back-to-back polluted runs are counted (DOMAIN §2, Episodes)."""

    merge: bool = Field(description="runs whose gap does not meet the release condition are one episode")
    source: str = Field(min_length=1)
    confidence: Confidence
    duration: Literal["polluted_hours", "episode_span"] = Field(
        default="polluted_hours",
        description=(
            "hours a merged run lasts for a min_hours row: polluted_hours = the hours of its runs above the "
            "threshold added up (the gap is not counted as above it); episode_span = first to last step, gap included"
        ),
    )
    duration_source: str | None = None
    duration_confidence: Confidence | None = None


class WarningRuleSet(Frozen):
    name: str
    title_zh: str
    effective_from: date
    source: str = Field(min_length=1)
    confidence: Confidence
    notes: str | None = None
    lead_time_hours: float = Field(ge=0, description="a warning is issued this long before the episode starts")
    release_max_aqi: float = Field(gt=0, description="release when the forecast AQI stays at or below this ...")
    release_min_hours: float = Field(gt=0, description="... for at least this many hours")
    duration_counting: Literal["window_span", "steps"] = Field(
        default="window_span",
        description=(
            "hours of a run of k rolling-24-h values: window_span = the hours its windows cover "
            "((k-1)·step + 24, so a daily and an hourly series agree); steps = k·step"
        ),
    )
    non_industrial_primary: list[Species] = Field(
        default_factory=list,
        description="episodes whose primary pollutant is only these get no industrial measures",
    )
    non_industrial_note: str | None = None
    episodes: EpisodeRule | None = Field(default=None, description="absent: polluted runs are never merged")
    triggers: list[Trigger] = Field(min_length=1)

    @property
    def merge_episodes(self) -> bool:
        return self.episodes is not None and self.episodes.merge

    @model_validator(mode="before")
    @classmethod
    def _triggers_by_id(cls, data: Any) -> Any:
        """TOML gives ``[triggers.<id>]`` tables; the model keeps a list in file order."""
        if isinstance(data, dict) and isinstance(data.get("triggers"), dict):
            listed = []
            for key, body in data["triggers"].items():
                if isinstance(body, dict):
                    if body.get("id", key) != key:
                        raise ValueError(f"triggers.{key}: id {body['id']!r} differs from its key")
                    body = {"id": key, **body}
                listed.append(body)
            data = {**data, "triggers": listed}
        return data

    @model_validator(mode="after")
    def _unique_ids(self) -> "WarningRuleSet":
        ids = [t.id for t in self.triggers]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"duplicate trigger id(s): {', '.join(dup)}")
        return self


def _policy_dir(policy_dir: Path | None) -> Path:
    return Path(policy_dir) if policy_dir is not None else default_policy_dir()


def available_rule_sets(policy_dir: Path | None = None) -> list[str]:
    """Names of the rule sets in ``<policy_dir>/national/warning_rules``."""
    return sorted(p.stem for p in (_policy_dir(policy_dir) / RULES_SUBDIR).glob("*.toml"))


def parse_rule_set(data: dict[str, Any], source: str = "<rule set>") -> WarningRuleSet:
    """Validate a (possibly merged) rule-set document; :class:`PolicyError` names ``source``."""
    return validate_data(WarningRuleSet, data, source)


@cache
def _load(path: Path) -> WarningRuleSet:
    rule_set = parse_rule_set(read_toml(path), str(path))
    if rule_set.name != path.stem:
        raise PolicyError(f"{path}: name {rule_set.name!r} must equal the file name {path.stem!r}")
    return rule_set


def load_rule_set(name: str, policy_dir: Path | None = None) -> WarningRuleSet:
    """The national rule set ``name`` ('2019', '2024')."""
    path = _policy_dir(policy_dir) / RULES_SUBDIR / f"{name}.toml"
    if not path.exists():
        known = ", ".join(available_rule_sets(policy_dir)) or "none"
        raise PolicyError(f"unknown warning rule set {name!r}; available: {known}")
    return _load(path)
