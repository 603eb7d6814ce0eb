"""Scenario sweeps (情景批量推演): base scenarios × ensemble members × cities × levels × what-ifs.

A province planner asks the same question many times: what does this episode cost each
city, for every member of the forecast ensemble, at each level, with and without a
what-if. A sweep file (TOML, validated, unknown keys refused) names the axes; it is
expanded into one ordered list of runs, each a complete scenario
(:class:`scenarios.spec.Scenario`) with a stable id, and every run is a pure function of
its :class:`RunSpec` and the database URL (:func:`run_one`), returning plain data
(:class:`RunResult`). Where it runs — in this process, on a Dask ``LocalCluster`` or on a
cluster (``scenarios.dask_runner``) — changes nothing in the numbers.

    name = "汾渭平原 12月过程"               # shown in the report
    description = "..."                     # optional
    base = ["red_episode.toml"]             # one or more scenario files (relative to this file)
    level_days = 3                          # days of each fixed-level episode (levels axis)
    cost_curves = false                     # keep the base scenarios' cost curves (slower)
    time_limit = 20.0                       # wall-clock safety net per neighbourhood search (seconds)
    search_work = 1.0                       # CP-SAT deterministic time per neighbourhood search (reproducible)
    levels = ["orange", "red"]              # fixed-level episodes of level_days days

    [[members]]                             # forecast ensemble: one daily AQI series per member
    name = "m01"
    daily_aqi = [160, 215, 262, 318, 334, 247, 150, 110]
    # start = 2026-12-20                    # optional, for dates in the report

    [[cities]]                              # the list each run plans (default: the base's own)
    name = "晋中市"                          # the label in the report (default: the city, or the version)
    generate = { enterprises = 300, seed = 2, city = "晋中市", region = "shanxi" }
    [[cities]]
    version = "2026—2027年秋冬季"             # a list version in the database ...
    city = "太原市"                          # ... of this city (a deployment with several cities)

    # [region]                              # or: the cities of a defined region (config/regions), in its order,
    # name = "fenwei"                       #   each city's latest list version in the database ...
    # generate = { enterprises = 300, seed = 1 }  # ... or generated (the i-th city with seed + i − 1)

    [[whatifs]]                             # what-ifs over the base's own [whatif] (default: none)
    name = "基准"
    [[whatifs]]
    name = "创A升B 40%"
    upgrade_c_to_b = 0.4

Expansion: for every base (in file order), every city, every episode (the members in
file order, then the levels in file order), every what-if — nested in that order. A run's
id is ``B<b>-C<c>-E<e>-W<w>`` with one-based positions on each axis, zero-padded to two
digits or to the axis's length (``B01-C02-E03-W01``; ``E001`` with 100 members or more), so ids sort in expansion order and the same file gives the same
ids everywhere. An axis left out has one value: the base's own list, episode or what-if
(position 01, label ``基准``).

Every random choice of a run derives from the base scenario's seed and the city's
generation seed; nothing depends on the process, the worker or the order of completion.
A run that fails (a version missing from the database, a policy error, a bug) is a
:class:`RunResult` with ``ok = False`` and the reason: the sweep's report lists it and
the command's exit code says so.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from config.loading import read_toml
from emergency.errors import InputError
from emergency.optimization.neighbourhood import reproducible_search
from emergency.vocabulary import LEVEL_LABELS_ZH, WarningLevel
from scenarios.spec import Episode, GenerateSpec, Scenario, WhatIf, load_scenario

BASELINE = "基准"
AXES = ("base", "city", "episode", "whatif")
AXIS_LETTERS = {"base": "B", "city": "C", "episode": "E", "whatif": "W"}


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GenerateCity(_Spec):
    """A generated city's list (``enterprise_registry.generator.generate_registry``)."""

    enterprises: int = Field(ge=1, le=200_000)
    seed: int = 1
    city: str | None = Field(default=None, min_length=1, max_length=40)
    region: str | None = None
    counties: int | None = Field(default=None, ge=1, le=20)

    @field_validator("region")
    @classmethod
    def _known_region(cls, v: str | None) -> str | None:
        from enterprise_registry.generator import REGIONS

        if v is not None and v not in REGIONS:
            raise ValueError(f"unknown region {v!r}; known: {', '.join(REGIONS)}")
        return v


class CitySpec(_Spec):
    """One city on the cities axis: a generated list or a list version in the database."""

    name: str | None = Field(default=None, min_length=1, max_length=80)
    generate: GenerateCity | None = None
    version: str | None = None
    city: str | None = None  # the version's city, in a deployment holding several

    @model_validator(mode="after")
    def _one(self) -> "CitySpec":
        if (self.generate is None) == (self.version is None and self.city is None):
            raise ValueError("give either generate, or version and/or city")
        return self

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        if self.generate is not None:
            g = self.generate
            return g.city or f"生成清单({g.enterprises}家, seed {g.seed})"
        return "/".join(x for x in (self.city, self.version) if x)


class RegionCities(_Spec):
    """The cities axis as a defined region's cities (``config/regions``), in the region's order."""

    name: str = Field(min_length=1)  # the region's key or Chinese name (fenwei, 汾渭平原)
    generate: GenerateSpec | None = None  # each city generated (seed + its position − 1); default: the database

    def cities(self) -> list[CitySpec]:
        from config.regions import load_region

        region = load_region(self.name)
        if self.generate is None:  # each city's latest list version in the database
            return [CitySpec(name=c, city=c) for c in region.cities]
        g = self.generate
        return [CitySpec(name=c, generate=GenerateCity(enterprises=g.enterprises, seed=g.seed + i, city=c))
                for i, c in enumerate(region.cities)]


class Member(_Spec):
    """One member of the forecast ensemble: a daily AQI series."""

    name: str = Field(min_length=1, max_length=80)
    daily_aqi: list[float] = Field(min_length=1, max_length=120)
    start: date | None = None


class NamedWhatIf(WhatIf):
    name: str = Field(min_length=1, max_length=80)


class Sweep(_Spec):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    base: list[str] = Field(min_length=1)
    members: list[Member] = Field(default_factory=list)
    levels: list[WarningLevel] = Field(default_factory=list)
    level_days: int = Field(default=3, ge=1, le=120)
    cities: list[CitySpec] = Field(default_factory=list)
    region: RegionCities | None = None
    whatifs: list[NamedWhatIf] = Field(default_factory=list)
    cost_curves: bool = False
    time_limit: float = Field(default=20.0, gt=0, le=600)
    search_work: float = Field(default=1.0, gt=0, le=600)
    path: str | None = None  # where the file was read from (set by the loader)

    @field_validator("base", mode="before")
    @classmethod
    def _listify(cls, v):
        return [v] if isinstance(v, str) else v

    @model_validator(mode="after")
    def _check(self) -> "Sweep":
        if self.region is not None and self.cities:
            raise ValueError("give either [[cities]] or [region], not both")
        if WarningLevel.NONE in self.levels:
            raise ValueError("levels must be yellow, orange or red")
        if len(set(self.levels)) != len(self.levels):
            raise ValueError("a level is given twice")
        for axis, names in (("members", [m.name for m in self.members]), ("whatifs", [w.name for w in self.whatifs]),
                            ("cities", [c.label for c in self.cities])):
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise ValueError(f"{axis}: names must be unique, given twice: {', '.join(dup)}")
        member_names = {m.name for m in self.members}
        clash = sorted(member_names & {LEVEL_LABELS_ZH[lv] for lv in self.levels})
        if clash:
            raise ValueError(f"members: a member may not be named like a level: {', '.join(clash)}")
        return self


class RunSpec(_Spec):
    """One run of a sweep: everything its result depends on (with the database URL)."""

    run_id: str
    position: dict[str, int]  # axis -> one-based position
    labels: dict[str, str]  # axis -> label shown in the report
    scenario: Scenario
    city: CitySpec | None = None
    time_limit: float = 20.0
    search_work: float = 1.0


@dataclass
class RunResult:
    """Plain data (numbers, strings, lists, dicts): what a worker sends back."""

    run_id: str
    labels: dict[str, str]
    ok: bool
    error: str | None = None
    error_kind: str | None = None
    city_name: str | None = None
    enterprises: int = 0
    lines: int = 0
    lost_value_yuan: float = 0.0
    warning_days: int = 0
    days_by_level: dict[str, int] = field(default_factory=dict)
    infeasible_days: int = 0
    min_achieved_over_required: float | None = None
    days: list[dict] = field(default_factory=list)
    plans: list[dict] = field(default_factory=list)  # per plan issued/adjusted: day, level, objective, bound, gap
    reductions: list[dict] = field(default_factory=list)  # area, pollutant, achieved_kg, required_kg (summed)
    curve: list[dict] | None = None
    max_feasible_share: float | None = None
    limit_reached: int = 0  # neighbourhood searches stopped by their time limit (numbers may then differ elsewhere)
    seconds: float = 0.0  # wall time of the run (not part of the numbers: see as_data)

    def as_data(self) -> dict:
        """The run's numbers without its timing: equal for equal runs wherever they ran."""
        data = asdict(self)
        data.pop("seconds")
        return data


# ---------------------------------------------------------------- loading and expansion


def _read_base(sweep_path: Path | None, name: str, index: int) -> Scenario:
    path = Path(name)
    if not path.is_absolute() and sweep_path is not None:
        path = sweep_path.parent / path
    if not path.is_file():
        raise InputError(f"{sweep_path}: base[{index}]：情景文件不存在 (scenario file not found): {name}",
                         file=str(sweep_path), column=f"base[{index}]")
    return load_scenario(path)


def load_sweep(path: Path) -> Sweep:
    """The sweep file, validated (unknown keys, bad values and missing base files refused, located)."""
    from pydantic import ValidationError

    from config.loading import format_validation_error

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: 扫描文件不存在 (sweep file not found)", file=str(path))
    data = read_toml(path)
    data["path"] = str(path.resolve())
    try:
        sweep = Sweep.model_validate(data)
    except ValidationError as exc:
        raise InputError(format_validation_error(str(path), exc), file=str(path)) from None
    for i, name in enumerate(sweep.base):
        _read_base(Path(sweep.path), name, i)
    if sweep.region is not None:
        sweep.region.cities()  # an unknown region: NotFound naming the known ones
    return sweep


def _episodes(sweep: Sweep) -> list[tuple[str, Episode | None]]:
    out: list[tuple[str, Episode | None]] = [(m.name, Episode(daily_aqi=m.daily_aqi, start=m.start)) for m in sweep.members]
    out += [(LEVEL_LABELS_ZH[lv], Episode(level=lv, days=sweep.level_days)) for lv in sweep.levels]
    return out or [(BASELINE, None)]


def _merged_whatif(base: WhatIf, axis: NamedWhatIf | None) -> WhatIf:
    if axis is None:
        return base
    given = {k: getattr(axis, k) for k in axis.model_fields_set if k != "name"}
    return base.model_copy(update=given)


def _registry_label(s: Scenario) -> str:
    r = s.registry
    if r.generate is not None:
        return f"生成清单({r.generate.enterprises}家, seed {r.generate.seed})"
    return r.version or Path(r.file or "").name


def expand(sweep: Sweep) -> list[RunSpec]:
    """The sweep's runs in their one order (base, city, episode, what-if), ids ``B..-C..-E..-W..``."""
    sweep_path = Path(sweep.path) if sweep.path else None
    bases = [_read_base(sweep_path, name, i) for i, name in enumerate(sweep.base)]
    base_labels = [s.name for s in bases]
    if len(set(base_labels)) != len(base_labels):  # two files may share a scenario name: keep labels apart
        base_labels = [f"{s.name}（{Path(n).name}）" for s, n in zip(bases, sweep.base)]
    cities: list[CitySpec | None] = (sweep.region.cities() if sweep.region else list(sweep.cities)) or [None]
    episodes = _episodes(sweep)
    whatifs: list[NamedWhatIf | None] = list(sweep.whatifs) or [None]
    width = {axis: max(2, len(str(n))) for axis, n in
             (("base", len(bases)), ("city", len(cities)), ("episode", len(episodes)), ("whatif", len(whatifs)))}
    runs = []
    for b, base in enumerate(bases, 1):
        for c, city in enumerate(cities, 1):
            for e, (ep_label, episode) in enumerate(episodes, 1):
                for w, wi in enumerate(whatifs, 1):
                    scenario = base.model_copy(update={
                        "episode": episode if episode is not None else base.episode,
                        "whatif": _merged_whatif(base.whatif, wi),
                        "cost_curve": base.cost_curve if sweep.cost_curves else None,
                    })
                    pos = {"base": b, "city": c, "episode": e, "whatif": w}
                    run_id = "-".join(f"{AXIS_LETTERS[a]}{pos[a]:0{width[a]}d}" for a in AXES)
                    labels = {
                        "base": base_labels[b - 1],
                        "city": city.label if city is not None else _registry_label(base),
                        "episode": ep_label,
                        "whatif": wi.name if wi is not None else BASELINE,
                    }
                    runs.append(RunSpec(run_id=run_id, position=pos, labels=labels, scenario=scenario, city=city,
                                        time_limit=sweep.time_limit, search_work=sweep.search_work))
    return runs


# ---------------------------------------------------------------- one run (a pure function)


def _tables(spec: RunSpec, database: str | None):
    from scenarios.run import load_tables

    city = spec.city
    if city is None:
        return load_tables(spec.scenario, database)
    if city.generate is not None:
        from enterprise_registry.generator import generate_registry

        g = city.generate
        return generate_registry(g.enterprises, g.seed, city=g.city, region=g.region, counties=g.counties)
    from enterprise_registry.db import open_database
    from enterprise_registry.service import export_tables

    return export_tables(open_database(database), city.version, city=city.city)


def run_one(spec: RunSpec, database: str | None = None) -> RunResult:
    """Run one scenario of a sweep; a failure is the result (``ok = False``), never an exception."""
    from emergency.errors import EmergencyError

    t0 = time.perf_counter()
    try:
        with reproducible_search(work_limit=spec.search_work, wall_limit=spec.time_limit) as log:
            result = _simulate(spec, database)
        result.limit_reached = log.limit_reached
    except EmergencyError as exc:
        result = RunResult(spec.run_id, dict(spec.labels), False, error=exc.message, error_kind=type(exc).__name__)
    except Exception as exc:  # a bug in one run must not lose the others' results: reported per run
        result = RunResult(spec.run_id, dict(spec.labels), False, error=f"{type(exc).__name__}: {exc}",
                           error_kind=type(exc).__name__)
    result.seconds = time.perf_counter() - t0
    return result


def _simulate(spec: RunSpec, database: str | None) -> RunResult:
    from config.policy import load_policy
    from emergency.plans.service import policy_for
    from scenarios.cost_curve import cost_curve
    from scenarios.simulate import simulate
    from scenarios.whatif import apply_to_policy, apply_to_registry

    s = spec.scenario
    tables = apply_to_registry(_tables(spec, database), s.whatif, s.seed)
    policy = load_policy(s.policy_area) if s.policy_area else policy_for(tables)
    policy = apply_to_policy(policy, s.whatif, s.rule_set)
    sim = simulate(tables, policy, s.episode, time_limit=spec.time_limit)
    curve = cost_curve(tables, policy, s.cost_curve.level, s.cost_curve.shares) if s.cost_curve is not None else None
    ratios = [ach / req for pols in sim.achieved_vs_required.values() for ach, req in pols.values() if req > 0]
    return RunResult(
        run_id=spec.run_id,
        labels=dict(spec.labels),
        ok=True,
        city_name=tables.version["city"],
        enterprises=len(tables.enterprises["uscc"]),
        lines=len(tables.lines["uscc"]),
        lost_value_yuan=float(sim.lost_value_yuan),
        warning_days=sum(v for k, v in sim.days_by_level.items() if k != "none"),
        days_by_level=dict(sorted(sim.days_by_level.items())),
        infeasible_days=int(sim.infeasible_days),
        min_achieved_over_required=min(ratios) if ratios else None,
        days=[{"day": d.day + 1, "date": d.date.isoformat() if d.date else None, "aqi": d.aqi, "level": d.level.value,
               "event": d.event, "lost_value_yuan": float(d.lost_value_yuan), "lines_changed": int(d.lines_changed),
               "feasible": bool(d.feasible)} for d in sim.days],
        plans=[{"day": day + 1, "level": p.level.value, "objective_yuan": float(p.objective.lost_value_yuan),
                "lower_bound_yuan": p.objective.lower_bound_yuan, "gap": p.objective.gap, "feasible": bool(p.feasible),
                "actions": len(p.actions)} for day, p in sorted(sim.plans.items())],
        reductions=[{"area": area, "pollutant": pol, "achieved_kg": float(ach), "required_kg": float(req)}
                    for area, pols in sorted(sim.achieved_vs_required.items()) for pol, (ach, req) in sorted(pols.items())],
        curve=None if curve is None else [
            {"share": p.share, "feasible": p.feasible, "lost_value_yuan": p.lost_value_yuan,
             "lower_bound_yuan": p.lower_bound_yuan, "shortfall_kg": p.shortfall_kg} for p in curve.points],
        max_feasible_share=None if curve is None else float(curve.max_feasible_share),
    )


# ---------------------------------------------------------------- aggregation


def by_axis(results: list[RunResult], axis: str) -> list[dict]:
    """One row per value of ``axis`` (in expansion order): runs, failures, lost value (mean, min, max)."""
    rows: dict[str, dict] = {}
    for r in results:
        key = r.labels[axis]
        row = rows.setdefault(key, {"value": key, "runs": 0, "failed": 0, "infeasible_runs": 0, "lost": []})
        row["runs"] += 1
        if not r.ok:
            row["failed"] += 1
            continue
        row["lost"].append(r.lost_value_yuan)
        row["infeasible_runs"] += 1 if r.infeasible_days else 0
    out = []
    for row in rows.values():
        lost = row.pop("lost")
        row["lost_mean_yuan"] = sum(lost) / len(lost) if lost else None
        row["lost_min_yuan"] = min(lost) if lost else None
        row["lost_max_yuan"] = max(lost) if lost else None
        out.append(row)
    return out


def failed(results: list[RunResult]) -> list[RunResult]:
    return [r for r in results if not r.ok]


def sorted_results(results: list[RunResult]) -> list[RunResult]:
    return sorted(results, key=lambda r: r.run_id)
