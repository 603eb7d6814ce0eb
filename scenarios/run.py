"""Run one scenario file: load the list, apply what-ifs, simulate, and compute the curve."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from config.policy import load_policy
from emergency.plans.service import policy_for
from enterprise_registry.columns import RegistryTables
from scenarios.cost_curve import CostCurve, cost_curve
from scenarios.simulate import SimulationResult, simulate
from scenarios.spec import Scenario, load_scenario
from scenarios.whatif import apply_to_policy, apply_to_registry


@dataclass
class ScenarioOutcome:
    scenario: Scenario
    tables: RegistryTables
    simulation: SimulationResult
    curve: CostCurve | None


def load_tables(scenario: Scenario, database: str | None = None) -> RegistryTables:
    src = scenario.registry
    if src.generate is not None:
        from enterprise_registry.generator import generate_registry

        return generate_registry(src.generate.enterprises, src.generate.seed)
    if src.file is not None:
        from enterprise_registry.service import check_list_file

        path = Path(src.file)
        if not path.is_absolute() and scenario.path:
            path = Path(scenario.path).parent / path
        return check_list_file(path)
    from enterprise_registry.db import open_database
    from enterprise_registry.service import export_tables

    return export_tables(open_database(database), src.version)


def run_scenario(scenario: Scenario | Path, database: str | None = None, *, time_limit: float = 20.0) -> ScenarioOutcome:
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(Path(scenario))
    tables = apply_to_registry(load_tables(scenario, database), scenario.whatif, scenario.seed)
    policy = load_policy(scenario.policy_area) if scenario.policy_area else policy_for(tables)
    policy = apply_to_policy(policy, scenario.whatif, scenario.rule_set)
    sim = simulate(tables, policy, scenario.episode, time_limit=time_limit)
    curve = None
    if scenario.cost_curve is not None:
        curve = cost_curve(tables, policy, scenario.cost_curve.level, scenario.cost_curve.shares)
    return ScenarioOutcome(scenario, tables, sim, curve)
