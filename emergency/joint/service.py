"""Joint plans across a region's cities: the service the CLI (and any other adapter) calls.

- :func:`resolve_region` — a region's name (``config.regions``) or a list of cities → the
  cities, the region's label and its optional regional shares;
- :func:`city_problems` — each city's problem as built today (its list, its policy);
- :func:`plan_region` — ``joint``, ``separate`` or ``compare`` (both, and the saving), with
  time per phase;
- :func:`load_region_tables` / :func:`import_region` — the cities' latest lists from the
  database, and a generated region written into it (one list version per city, audited).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from config.policy import find_area
from emergency.errors import InputError, NotFound
from emergency.joint.model import CityProblem, JointModel, Mode, build_joint, define_columns, listed_base
from emergency.joint.pooling import Pooling, load_pooling
from emergency.joint.solve import ModeResult, solve_joint, solve_separate
from emergency.optimization.builder import build_problem
from emergency.vocabulary import WarningLevel
from enterprise_registry.columns import RegistryTables


@dataclass(frozen=True)
class RegionSpec:
    """Which cities, under which name, with which regional shares (and their source)."""

    name: str  # shown (e.g. 京津冀及周边 or 自定义区域)
    cities: tuple[str, ...]
    targets: dict[str, float] | None = None
    targets_source: str | None = None


@dataclass
class RegionPlan:
    """The outcome of :func:`plan_region`."""

    region: RegionSpec
    level: WarningLevel
    mode: Mode
    pooling: Pooling
    separate: ModeResult | None
    joint: ModeResult | None
    phases: dict[str, float] = field(default_factory=dict)
    lines: int = 0

    @property
    def saving(self) -> float | None:
        """Σ separate lost output − joint lost output (yuan/day), both as planned."""
        if self.separate is None or self.joint is None or not (self.separate.feasible and self.joint.feasible):
            return None
        return self.separate.objective - self.joint.objective

    @property
    def proven_saving(self) -> float | None:
        """At least this much is saved whatever the cities' true optima: Σ separate bounds − joint plan."""
        if self.saving is None:
            return None
        return self.separate.bound - self.joint.objective


def resolve_region(region: str | None = None, cities: list[str] | None = None) -> RegionSpec:
    """A named region (``config.regions``) or an explicit list of cities (not both)."""
    if bool(region) == bool(cities):
        raise InputError("请给出 --region 或 --cities 之一 (give a region or a list of cities)")
    if cities:
        names = tuple(dict.fromkeys(c.strip() for c in cities if c.strip()))
        if not names:
            raise InputError("--cities 为空 (no city given)")
        return RegionSpec("、".join(names) if len(names) <= 3 else f"{names[0]}等{len(names)}市", names)
    from config.regions import load_region

    r = load_region(region)
    targets = {p.value: s for p, s in r.targets.items()} if r.targets else None
    return RegionSpec(r.name_zh, tuple(r.cities), targets, r.targets_source)


def city_problems(tables: list[RegistryTables], level: WarningLevel, *,
                  hours_to_start: float | None = None) -> tuple[list[CityProblem], float]:
    """Each city's problem built as today (its own policy: the locality file naming the
    city, else the national one), and the seconds it took."""
    from emergency.plans.service import policy_for

    t0 = time.perf_counter()
    out = []
    for t in tables:
        city = t.version["city"]
        policy = policy_for(t)
        problem, report = build_problem(t, policy, level, hours_to_start=hours_to_start)
        out.append(CityProblem(city, problem, report, find_area(city) or "", listed_base(t), str(t.version.get("name", ""))))
    return out, time.perf_counter() - t0


def plan_region(tables: list[RegistryTables], level: WarningLevel, mode: Mode | str = Mode.COMPARE, *,
                region: RegionSpec | None = None, pooling: Pooling | None = None, time_limit: float = 40.0,
                gap_tolerance: float = 5e-4, hours_to_start: float | None = None) -> RegionPlan:
    """Plan the cities of ``tables`` in ``mode``; ``compare`` runs both and gives the saving."""
    mode = Mode(mode)
    level = WarningLevel(level)
    pooling = pooling or load_pooling()
    region = region or RegionSpec("区域", tuple(t.version["city"] for t in tables))
    phases: dict[str, float] = {}
    cities, phases["build"] = city_problems(tables, level, hours_to_start=hours_to_start)
    columns, _ = define_columns(cities)
    separate = joint = None
    if mode in (Mode.SEPARATE, Mode.COMPARE):
        separate = solve_separate(cities, columns, time_limit=time_limit, gap_tolerance=gap_tolerance)
        phases["separate"] = separate.seconds
    if mode in (Mode.JOINT, Mode.COMPARE):
        t = time.perf_counter()
        model = joint_model(cities, region, pooling)
        phases["combine"] = time.perf_counter() - t
        joint = solve_joint(model, time_limit=time_limit, gap_tolerance=gap_tolerance)
        phases.update({f"joint_{k}": v for k, v in joint.phases.items()})
    return RegionPlan(region, level, mode, pooling, separate, joint, phases, sum(c.problem.n_lines for c in cities))


def joint_model(cities: list[CityProblem], region: RegionSpec, pooling: Pooling) -> JointModel:
    return build_joint(cities, Mode.JOINT, region=region.name, floor_share=pooling.floor_share,
                       pooled=pooling.pooled(), targets=region.targets)


# ----------------------------------------------------------------------------- database


def load_region_tables(engine, cities: tuple[str, ...] | list[str]) -> list[RegistryTables]:
    """Each city's latest list in effect (planning columns), in the given order; a city
    without a list is NotFound naming the cities that have one."""
    from enterprise_registry import service

    present = service.cities(engine)
    missing = [c for c in cities if c not in present]
    if missing:
        raise NotFound(f"数据库中没有这些城市的清单：{'、'.join(missing)}；已有：{'、'.join(present) or '（无）'} (no list for these cities)")
    return [service.load_planning_tables(engine, city=c) for c in cities]


def import_region(engine, tables: list[RegistryTables], *, actor: str = "system", replace: bool = False,
                  progress=None) -> list:
    """Write each city's list as its own list version (one transaction per city), audited."""
    from emergency.workflow import audit
    from emergency.workflow.lists import refuse_if_in_use
    from enterprise_registry import service

    out = []
    for i, t in enumerate(tables):
        summary = service.import_tables(engine, t, replace=replace, guard=refuse_if_in_use, source_file="generated (joint)")
        audit.write(engine, actor, "registry.import", summary.version, {
            "file": "generated (emergency joint generate)", "city": t.version["city"],
            "enterprises": summary.enterprises, "lines": summary.lines, "replaced": summary.replaced,
        })
        out.append(summary)
        if progress:
            progress(i + 1, len(tables), t.version["city"])
    return out


def region_totals(plan: RegionPlan) -> dict[str, np.ndarray | None]:
    """Handy totals for reports: the regional achieved reduction per column in each mode."""
    return {m.mode.value: m.regional_achieved for m in (plan.separate, plan.joint) if m is not None}
