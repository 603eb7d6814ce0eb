"""The plan document: what `emergency plan` writes and the API serves.

All quantities are per day (kg/day, yuan/day). Field names follow issue 4 §6 and
are part of the public interface: change them only with a migration note.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from emergency.vocabulary import Pollutant, WarningLevel


# The pollutant codes of ``Pollutant`` as plain strings, for the per-action dicts: a
# province's plan has 10^6 such keys, and enum keys cost a Python call each to serialise.
PollutantKey = Literal[tuple(p.value for p in Pollutant)]  # type: ignore[valid-type]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @classmethod
    def trusted_rows(cls, rows) -> list:
        """Models from dicts the plan service already typed (every field given), unvalidated.

        ``model_construct`` costs ~16 µs per row; a province-scale plan has 2·10^5
        actions (and as many deviations at worst). This sets the four slots
        ``model_construct`` sets; the fields-set is shared (every field is set, so
        assigning a field later leaves it unchanged)."""
        new, setattr_ = cls.__new__, object.__setattr__
        fields_set = set(cls.model_fields)
        out = []
        append = out.append
        for data in rows:
            obj = new(cls)
            setattr_(obj, "__dict__", data)
            setattr_(obj, "__pydantic_fields_set__", fields_set)
            setattr_(obj, "__pydantic_extra__", None)
            setattr_(obj, "__pydantic_private__", None)
            append(obj)
        return out


class PollutantGroup(str):
    """A combined requirement's label, its pollutants in the vocabulary's order joined by
    ``+`` (``SO2+NOx``). Like a :class:`Pollutant` it has ``.value``, so code reading
    ``requirement.pollutant.value`` serves both kinds of row."""

    @property
    def value(self) -> str:
        return str(self)

    @property
    def members(self) -> tuple[Pollutant, ...]:
        return tuple(Pollutant(p) for p in self.split("+"))

    @classmethod
    def parse(cls, text: str) -> "PollutantGroup":
        names = text.split("+")
        if len(names) < 2 or any(n not in Pollutant.__members__.values() for n in names):
            raise ValueError(f"{text!r}: a combined requirement names two or more of SO2, NOx, PM, VOCs joined by '+'")
        return cls(text)

    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(
            cls.parse, core_schema.str_schema(), serialization=core_schema.plain_serializer_function_ser_schema(str)
        )


class Requirement(_Doc):
    """One requirement row of an area: a pollutant's own (``pollutant`` a :class:`Pollutant`)
    or a combined one (``pollutant`` a :class:`PollutantGroup` such as ``SO2+NOx``: the
    kg of its pollutants summed, in baseline, required and achieved alike)."""

    area: str
    pollutant: Pollutant | PollutantGroup
    baseline_kg: float = Field(description="Listed firms' emissions in the area before measures.")
    required_kg: float = Field(description="Required reduction = ratio × base × listed share.")
    achieved_kg: float = Field(description="Reduction delivered by the plan's actions.")
    dual_yuan_per_kg: float | None = Field(
        default=None, description="LP marginal price of this requirement (影子价格)."
    )
    shortfall_kg: float = 0.0
    replaced_by: str | None = Field(
        default=None,
        description="A pollutant's own row that a combined target replaces at this level (required 0): the combined row's label.",
    )


class Action(_Doc):
    enterprise_uscc: str
    enterprise_name: str | None = None
    county: str | None = None
    line_id: str
    line_name: str | None = None
    measure: str = Field(description="Measure type code, e.g. stop, cut_output, truck_ban.")
    measure_zh: str | None = Field(default=None, description="Chinese label for notices.")
    output_cut: float = Field(ge=0.0, le=1.0)
    reduction_kg: dict[PollutantKey, float]
    lost_value_yuan: float = Field(ge=0.0)
    basis: str = Field(description="'floor' (mandated by the grade table) or 'optimised'.")
    reason: str = Field(description="Why this line takes this measure (Chinese).")
    source: str | None = Field(
        default=None, description="Policy source of the floor measure: a key of the plan's `sources` (its text there)."
    )
    filed_measure: str | None = Field(
        default=None,
        description="The measure the firm filed for this line at this level in the list (its published text); "
                    "None where the list files none for the line, or files no measures at all.",
    )
    deviation: str | None = Field(
        default=None,
        description="Why the ordered measure differs from the filed list (zh-CN); None where the plan orders "
                    "what the firm filed, or the list files no measures at all. Listed again in `deviations`.",
    )


DeviationKind = Literal["tightened", "floor_above_filed", "not_filed", "lead_time", "held"]


class Deviation(_Doc):
    """A line whose ordered measure differs from what the list files for it at the level.

    ``tightened``: the optimiser ordered more than the floor (the filed measures do not meet
    a target); ``floor_above_filed``: the filed measure is weaker than the grade floor (or an
    essential firm's approved load), which still binds; ``not_filed``: the list files no
    measure for the line at this level, the grade floor is ordered; ``lead_time``: the filed
    measure cannot start in time and is not ordered (``ordered_measure`` None); ``held``:
    another order (the heating-season rotation) already stops the line: it is ordered
    stopped, its filed measure is covered by the stop."""

    enterprise_uscc: str
    enterprise_name: str | None = None
    county: str | None = None
    line_id: str
    line_name: str | None = None
    kind: DeviationKind
    filed_measure: str | None = Field(description="What the firm filed (None: nothing filed).")
    ordered_measure: str | None = Field(description="What the plan orders (None: nothing ordered).")
    reason: str = Field(description="Why, in zh-CN (no optimiser economics: printed on notices).")


class FiledShortfall(_Doc):
    area: str
    pollutant: str
    required_kg: float
    filed_kg: float = Field(description="What the filed measures of the lines that can start in time deliver.")
    shortfall_kg: float


class FiledListUse(_Doc):
    """How the plan used the list's filed measures (None on a plan from a list without them).

    ``suffice``: the filed measures of the lines that can start in time (spared firms'
    neither ordered nor counted) meet every requirement row of the level; ``floors_suffice``:
    so do the floors (each line's filed measure, or the grade floor where it is weaker or
    missing) — then the plan *is* the floors and the optimiser does not run."""

    lines_filed: int = Field(description="Lines in scope with a filed measure at the level (spared ones excluded).")
    lines_as_filed: int = Field(description="Of those, lines whose ordered measure is the filed one.")
    suffice: bool
    floors_suffice: bool
    optimised: bool = Field(description="The optimiser ran (the floors did not meet every target).")
    shortfall: list[FiledShortfall] = Field(default_factory=list, description="Rows the filed measures alone miss.")
    deviations: dict[str, int] = Field(default_factory=dict, description="Deviations per kind.")
    spared_filed_lines: int = Field(0, description="Spared lines with a filed measure: neither ordered nor counted.")


class Spared(_Doc):
    enterprise_uscc: str
    enterprise_name: str | None = None
    reason: str
    approved_override: bool = Field(
        default=False, description="True when the officer approved measures for this firm."
    )
    filed_measure: str | None = Field(
        default=None, description="What the spared firm filed at this level: neither ordered nor counted."
    )


class Objective(_Doc):
    lost_value_yuan: float
    lower_bound_yuan: float | None = Field(description="Proven lower bound (LP relaxation); None if infeasible.")
    gap: float | None = Field(description="(objective − bound) / objective; None if infeasible.")


class SolverInfo(_Doc):
    status: str
    seconds: float
    method: str | None = None
    phases: dict[str, float] = Field(default_factory=dict)


class SparedSuggestion(_Doc):
    """Smallest, least harmful set of spared firms that would close a shortfall."""

    enterprises: list[str]
    lost_value_yuan: float
    closes_shortfall: bool


class PlanDocument(_Doc):
    level: WarningLevel
    registry_version: str
    policy_area: str | None = None
    rule_set: str | None = None
    created_at: datetime
    hours_to_start: float | None = None
    requirements: list[Requirement]
    actions: list[Action]
    spared: list[Spared]
    excluded_by_lead_time: list[dict] = Field(default_factory=list)
    objective: Objective
    solver: SolverInfo
    feasible: bool
    suggestion: SparedSuggestion | None = None
    inputs: dict = Field(default_factory=dict, description="Hashes / names of the inputs used.")
    sources: dict[str, str] = Field(
        default_factory=dict,
        description="Policy sources of the floor measures, by key (Action.source): each text once, not once per line.",
    )
    filed: FiledListUse | None = Field(
        default=None, description="How the plan used the list's filed measures; None when the list files none at the level."
    )
    deviations: list[Deviation] = Field(
        default_factory=list, description="Every line whose ordered measure differs from the filed list, and why."
    )

    def json_bytes(self, indent: int | None = None) -> bytes:
        """The document as UTF-8 JSON (what ``model_dump_json`` gives, without decoding
        a 10^8-byte string only to encode it again)."""
        return self.__pydantic_serializer__.to_json(self, indent=indent)
