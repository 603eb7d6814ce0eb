"""Play an episode day by day through the warning lifecycle and keep the totals.

Each day d the forecast is the episode's AQI from day d on (a perfect forecast;
the planner's question is what the list can do, not how good forecasts are). The
evaluation under the rule set gives the level; with no active warning a level
issues one, a different level adjusts it (stable re-planning from the plan in
effect), and a forecast below the release condition releases it. A fixed-level
episode holds its level for its days. Every day under a warning has the plan in
effect; its lost value and reductions are summed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from config.policy import Policy
from emergency.plans.document import PlanDocument
from emergency.plans.service import diff_plans, make_plan
from emergency.warning.evaluation import evaluate
from emergency.warning.release import assess_release
from emergency.warning.series import AqiSeries
from enterprise_registry.columns import RegistryTables
from emergency.vocabulary import WarningLevel, rank
from scenarios.spec import Episode


@dataclass
class DayRecord:
    day: int
    date: date | None
    aqi: float | None
    level: WarningLevel
    event: str  # issue / upgrade / downgrade / hold / release / none
    lost_value_yuan: float
    lines_changed: int
    feasible: bool


@dataclass
class SimulationResult:
    days: list[DayRecord]
    plans: dict[int, PlanDocument]  # day -> plan in effect (first day of each plan)
    lost_value_yuan: float
    days_by_level: dict[str, int]
    achieved_vs_required: dict[str, dict[str, list[float]]]  # area -> pollutant -> [achieved, required] summed over days
    affected: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)  # by -> key -> {lines, firms}
    infeasible_days: int = 0


def _levels(episode: Episode, policy: Policy) -> list[tuple[WarningLevel, float | None]]:
    if episode.level is not None:
        return [(episode.level, None)] * episode.days
    aqi = episode.daily_aqi
    out = []
    active = False
    for d in range(len(aqi)):
        series = AqiSeries(list(aqi[d:]), 24.0)
        ev = evaluate(series, policy.warning_rule_set)
        # a warning covers its episode's days; the level holds while the episode lasts
        level = ev.level if ev.period is not None and ev.period.start_index == 0 else WarningLevel.NONE
        if level is WarningLevel.NONE and active and not assess_release(series, policy.warning_rule_set).may_release:
            level = out[-1][0]
        active = level is not WarningLevel.NONE
        out.append((level, aqi[d]))
    return out


def simulate(tables: RegistryTables, policy: Policy, episode: Episode, *, time_limit: float = 20.0) -> SimulationResult:
    ents = tables.enterprises
    e_idx = {u: i for i, u in enumerate(ents["uscc"])}
    days: list[DayRecord] = []
    plans: dict[int, PlanDocument] = {}
    current: PlanDocument | None = None
    current_level = WarningLevel.NONE
    totals: dict[str, dict[str, list[float]]] = {}
    lost = 0.0
    level_days: Counter = Counter()
    line_sets: dict[str, dict[str, set]] = {"grade": {}, "industry": {}, "county": {}}
    firm_sets: dict[str, dict[str, set]] = {"grade": {}, "industry": {}, "county": {}}
    infeasible = 0
    for d, (level, aqi) in enumerate(_levels(episode, policy)):
        day_date = episode.start + timedelta(days=d) if episode.start else None
        changed = 0
        if level is WarningLevel.NONE:
            event = "release" if current is not None else "none"
            current, current_level = None, WarningLevel.NONE
        elif current is None:
            current = make_plan(tables, level, policy=policy, time_limit=time_limit).document
            event, current_level = "issue", level
            plans[d] = current
            changed = diff_plans(None, current)["lines_changed_total"]
        elif level != current_level:
            new = make_plan(tables, level, policy=policy, previous=current, time_limit=time_limit).document
            changed = diff_plans(current, new)["lines_changed_total"]
            event = "upgrade" if rank(level) > rank(current_level) else "downgrade"
            current, current_level = new, level
            plans[d] = current
        else:
            event = "hold"
        day_lost = 0.0
        if current is not None:
            level_days[current_level.value] += 1
            day_lost = current.objective.lost_value_yuan
            lost += day_lost
            infeasible += 0 if current.feasible else 1
            for r in current.requirements:
                row = totals.setdefault(r.area, {}).setdefault(r.pollutant.value, [0.0, 0.0])
                row[0] += r.achieved_kg
                row[1] += r.required_kg
            for a in current.actions:
                if a.output_cut <= 0:
                    continue
                i = e_idx[a.enterprise_uscc]
                for by, key in (("grade", ents["grade"][i]), ("industry", ents["industry"][i]), ("county", ents["county"][i])):
                    line_sets[by].setdefault(key, set()).add(a.line_id)
                    firm_sets[by].setdefault(key, set()).add(a.enterprise_uscc)
        else:
            level_days["none"] += 1
        days.append(DayRecord(d, day_date, aqi, current_level, event, day_lost, changed, current.feasible if current else True))
    affected = {
        by: {k: {"lines": len(line_sets[by][k]), "firms": len(firm_sets[by][k])} for k in sorted(line_sets[by])}
        for by in line_sets
    }
    return SimulationResult(days, plans, lost, dict(level_days), totals, affected, infeasible)
