"""The list check (清单核算): do the filed measures of each level add up to its targets?

The table a planner signs before the season (DOMAIN §7; issue 15 item 2). For each level,
each requirement area (the city and its counties, as the policy sets targets) and each
requirement column (the four pollutants, then any combined target in force):

    baseline_ak   the listed firms' emissions in the area (kg/day)
    required_ak   what the area must cut — the measure builder's requirements step
                  (``builder.define_requirements``), never re-derived here
    filed_ak      Σ_{l ∈ a} filed_emission_cut_lp × emission_lp (× W for a combined column):
                  what the filed measures alone deliver, through the one implementation of
                  measure effects (``config.measures.output_cuts``); grade-table floors are
                  NOT added — a firm that filed nothing delivers nothing and is listed
    shortfall_ak  max(0, required_ak − filed_ak)

and, per level, the firms without any filed measure (a firm the sparing rules spare is
listed apart, with the rule's reason: its filed measure, if any, is not counted, since
no plan orders it), the lines whose filed measure is weaker than the grade floor for some
pollutant the line emits (filed_emission_cut_lp < floor_emission_cut_lp, the floor after
the sparing rules, e.g. an essential firm's approved load), and the output value the filed measures
cost (Σ filed_cut_l × output_value_l, yuan/day).
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from config.policy import Policy
from emergency.optimization import builder
from emergency.optimization.problem import AreaIncidence
from emergency.vocabulary import LEVELS, POLLUTANTS, WarningLevel
from enterprise_registry.columns import RegistryTables, make_line_id
from enterprise_registry.filed import filed_at

_TOL = 1e-9


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AreaRow(_Doc):
    """One (area, requirement column) row of a level."""

    area: str
    column: str = Field(description="SO2 / NOx / PM / VOCs, or a combined target such as SO2+NOx")
    baseline_kg: float
    required_kg: float
    filed_kg: float = Field(description="Reduction the filed measures deliver (kg/day).")
    shortfall_kg: float
    replaced_by: str | None = Field(default=None, description="The combined target that replaces this row at this level.")


class FirmRow(_Doc):
    """A firm listed by the check (without filed measures, or spared)."""

    enterprise_uscc: str
    enterprise_name: str
    county: str
    reason: str | None = None
    filed_not_counted: bool = Field(default=False, description="Spared, and filed a measure that is not counted.")


class WeakRow(_Doc):
    """A line whose filed measure is weaker than its grade floor for some pollutant."""

    enterprise_uscc: str
    enterprise_name: str
    county: str
    line_id: str
    filed_measure: str
    floor_measure: str
    floor_source: str
    filed_cut: float
    floor_cut: float
    weaker_for: list[str] = Field(description="The pollutants whose emission cut is below the floor's.")


class LevelCheck(_Doc):
    level: WarningLevel
    rows: list[AreaRow]
    lost_value_yuan: float = Field(description="Output value the filed measures cost (yuan/day).")
    filed_lines: int
    lines: int
    without_filed: list[FirmRow]
    spared: list[FirmRow]
    below_floor: list[WeakRow]

    @property
    def short(self) -> bool:
        return any(r.shortfall_kg > _TOL for r in self.rows)


class ListCheck(_Doc):
    registry_version: str
    city: str
    policy_area: str
    levels: list[LevelCheck]

    @property
    def short(self) -> bool:
        """Any level short in any area and column."""
        return any(lv.short for lv in self.levels)


def check_list(tables: RegistryTables, policy: Policy, levels: tuple[WarningLevel, ...] | list[WarningLevel] = LEVELS) -> ListCheck:
    """The list check of ``tables`` under ``policy`` at each of ``levels`` (see the module)."""
    scope = builder.define_scope(tables, policy, None)
    lines = builder.line_columns(tables, scope)
    return ListCheck(
        registry_version=str(tables.version.get("name") or ""),
        city=str(tables.version.get("city") or ""),
        policy_area=policy.area or "national",
        levels=[check_level(tables, policy, WarningLevel(lv), scope, lines) for lv in levels],
    )


def check_level(tables: RegistryTables, policy: Policy, level: WarningLevel, scope=None, lines=None) -> LevelCheck:
    """One level of the check (``scope`` and ``lines``: the builder's, when already made)."""
    ents = tables.enterprises
    scope = scope or builder.define_scope(tables, policy, None)
    lines = lines or builder.line_columns(tables, scope)
    sparing = builder.define_sparing(policy, lines, level)
    floors = builder.define_floors(policy, lines, scope, sparing, level)
    filed = filed_at(tables.lines, level)
    index, measures, cut, emission = builder.filed_effects(filed, policy, lines, scope, sparing)
    has = index >= 0
    spared_line = sparing.spared  # no officer approval in a list check
    counted = has & ~spared_line

    # ---- per area and column
    columns, W = builder.target_columns(policy, level)
    required = builder.define_requirements(tables, policy, level, scope.area_names)
    areas = AreaIncidence(scope.line_areas, len(scope.area_names))
    delivered = np.where(counted[:, None], emission, 0.0) * lines.emission  # (L, P) kg/day
    baseline = areas.area_sum(lines.emission @ W)
    achieved = areas.area_sum(delivered @ W)
    replaced_by = {p.value: c.name for c in policy.reduction.combined_at(level) if c.mode == "replace" for p in c.members}
    rows = [
        AreaRow.model_construct(area=scope.area_names[a], column=columns[k], baseline_kg=float(baseline[a, k]),
                required_kg=float(required[a, k]), filed_kg=float(achieved[a, k]),
                shortfall_kg=float(max(0.0, required[a, k] - achieved[a, k])), replaced_by=replaced_by.get(columns[k]))
        for a in range(len(scope.area_names)) for k in range(len(columns))
    ]

    # ---- firms: without filed measures, spared
    ent = scope.enterprise
    n_ent = len(ents["uscc"])
    any_filed = np.bincount(ent, weights=has, minlength=n_ent) > 0
    all_spared = np.bincount(ent, weights=~spared_line, minlength=n_ent) == 0
    in_scope = np.bincount(ent, minlength=n_ent) > 0
    reason = {}
    for l in np.nonzero(spared_line)[0].tolist():
        reason.setdefault(int(ent[l]), sparing.rules[sparing.rule_index[l]].reason_zh)

    def firm(e: int, why: str | None = None, not_counted: bool = False) -> FirmRow:
        return FirmRow.model_construct(enterprise_uscc=ents["uscc"][e], enterprise_name=ents["name"][e], county=ents["county"][e],
                       reason=why, filed_not_counted=not_counted)

    spared = [firm(e, reason.get(e), bool(any_filed[e])) for e in np.nonzero(in_scope & all_spared)[0].tolist()]
    without = [firm(e) for e in np.nonzero(in_scope & ~all_spared & ~any_filed)[0].tolist()]

    # ---- filed measures below the floor (per pollutant)
    weaker = counted[:, None] & (emission < floors.emission - _TOL) & (lines.emission > 0)
    below = []
    for l in np.nonzero(weaker.any(axis=1))[0].tolist():
        e, m = int(ent[l]), measures[index[l]]
        floor_m = floors.measures[floors.index[l]]
        at_load = bool(sparing.at_load[l])
        below.append(WeakRow.model_construct(
            enterprise_uscc=ents["uscc"][e], enterprise_name=ents["name"][e], county=ents["county"][e],
            line_id=make_line_id(lines.uscc[l], lines.line_code[l]),
            filed_measure=m.describe_zh(),
            floor_measure=f"按核定负荷生产（减产{floors.cut[l]:.0%}）" if at_load else floor_m.describe_zh(),
            floor_source=floors.sources[floors.index[l]],
            filed_cut=float(cut[l]), floor_cut=float(floors.cut[l]),
            weaker_for=[POLLUTANTS[p].value for p in np.nonzero(weaker[l])[0].tolist()],
        ))
    return LevelCheck(
        level=level, rows=rows, lost_value_yuan=float((np.where(counted, cut, 0.0) * lines.value).sum()),
        filed_lines=int(has.sum()), lines=len(has), without_filed=without, spared=spared, below_floor=below,
    )
