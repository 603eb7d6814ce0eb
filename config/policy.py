"""The effective policy of an area: national base + province → city → county overrides.

Layout::

    config/national/policy.toml              base policy (reduction, options, sparing, rotation …)
    config/national/measures/<industry>.toml grade × level measure tables
    config/national/warning_rules/<name>.toml warning rule sets
    config/local/<province>.toml             partial documents merged on top, in order
    config/local/<province>/<city>.toml
    config/local/<province>/<city>/<county>.toml

Merging: dicts merge key by key; lists and scalars REPLACE the parent's value. The
merged document is validated once into a frozen :class:`Policy`; an error names the
file that set the offending key and the key path. An area is named by its path
(``shanxi/taiyuan``) or by its Chinese name (``太原市``).
"""

from __future__ import annotations

import copy
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, model_validator

from config import default_policy_dir
from config.common import Confidence, Frozen
from config.industries import IndustryCatalog, load_industries
from config.listing import ListingPolicy
from config.loading import read_toml
from config.measures import IndustryMeasures, LEVELS, Measure
from config.warning_rules import WarningRuleSet
from emergency.errors import PolicyError
from emergency.vocabulary import EssentialCategory, Grade, Pollutant, WarningLevel

OWN_MEASURE_GRADES = {Grade.A_PLUS, Grade.A, Grade.LEADER}


class CombinedMode(StrEnum):
    REPLACE = "replace"  # the group's own rows are dropped at its levels: the city may shift the split
    ADD = "add"  # the group's sum is required on top of each pollutant's own row


class CombinedTarget(Frozen):
    """A combined target over a group of pollutants, in every requirement area, at ``levels``:

        Σ_{p ∈ pollutants} achieved_p  ≥  ratio × Σ_{p ∈ pollutants} base_p × listed_share_p

    ``mode = "replace"`` (default; Hebei: a city may shift the split between SO2 and NOx
    as long as the two together meet the requirement) drops the individual rows of
    these pollutants at these levels; ``"add"`` keeps them as well."""

    pollutants: list[Pollutant] = Field(min_length=2)
    levels: list[WarningLevel] = Field(min_length=1)
    ratio: Annotated[float, Field(ge=0.0, le=1.0)]
    mode: CombinedMode = CombinedMode.REPLACE
    source: str = Field(min_length=1)
    confidence: Confidence
    notes: str | None = None

    @model_validator(mode="after")
    def _check(self) -> "CombinedTarget":
        if len(set(self.pollutants)) != len(self.pollutants):
            raise ValueError(f"combined target {self.name}: a pollutant is named twice")
        if WarningLevel.NONE in self.levels:
            raise ValueError("combined target: levels are yellow, orange and red only")
        return self

    @property
    def name(self) -> str:
        """Row label, pollutants in the vocabulary's order: ``SO2+NOx``."""
        return "+".join(p.value for p in Pollutant if p in self.pollutants)

    @property
    def members(self) -> tuple[Pollutant, ...]:
        return tuple(p for p in Pollutant if p in self.pollutants)


class ReductionPolicy(Frozen):
    """Required reductions per warning level: one row per pollutant (``ratios``, which may
    differ by pollutant, e.g. VOCs 15 % while the others are 20 %) and optional combined
    rows (``combined``, see :class:`CombinedTarget`)."""

    source: str = Field(min_length=1)
    confidence: Confidence
    notes: str | None = None
    areas: list[str] = Field(default=["city", "county"])
    ratios: dict[WarningLevel, dict[Pollutant, Annotated[float, Field(ge=0.0, le=1.0)]]]
    combined: list[CombinedTarget] = Field(default_factory=list)

    @model_validator(mode="after")
    def _complete(self) -> "ReductionPolicy":
        for level in LEVELS:
            row = self.ratios.get(level)
            if row is None or set(row) != set(Pollutant):
                raise ValueError(f"ratios.{level.value} must give SO2, NOx, PM and VOCs")
            if any(not 0.0 <= v <= 1.0 for v in row.values()):
                raise ValueError(f"ratios.{level.value}: ratios must lie in [0, 1]")
        if not set(self.areas) <= {"city", "county"} or not self.areas:
            raise ValueError("areas must be a non-empty subset of ['city', 'county']")
        for level in LEVELS:
            seen: set[Pollutant] = set()
            for c in self.combined_at(level):
                if seen & set(c.pollutants):
                    raise ValueError(f"combined targets at {level.value} share a pollutant ({c.name}): "
                                     "each pollutant may be in one combined target per level")
                seen |= set(c.pollutants)
        return self

    def ratio(self, level: WarningLevel, pollutant: Pollutant) -> float:
        """The pollutant's own ratio (also when a combined target replaces its row)."""
        if level is WarningLevel.NONE:
            return 0.0
        return self.ratios[level][pollutant]

    def combined_at(self, level: WarningLevel) -> list[CombinedTarget]:
        """The combined targets in force at ``level``, in the policy's order."""
        return [c for c in self.combined if level in c.levels]

    def individual_ratio(self, level: WarningLevel, pollutant: Pollutant) -> float:
        """The ratio of the pollutant's own row at ``level``: 0 when a combined target in
        ``replace`` mode takes its place."""
        if any(c.mode is CombinedMode.REPLACE and pollutant in c.pollutants for c in self.combined_at(level)):
            return 0.0
        return self.ratio(level, pollutant)


class CokingParams(Frozen):
    normal_hours: float = Field(gt=0)
    source: str
    confidence: Confidence
    notes: str | None = None


class GradeFallback(Frozen):
    model_config = Frozen.model_config | {"extra": "allow"}
    source: str
    confidence: Confidence

    def mapping(self) -> dict[Grade, list[Grade]]:
        """Grade -> the grades to try, in order, when its own row is missing."""
        extra = self.model_extra or {}
        return {Grade(k): [Grade(x) for x in (v if isinstance(v, list) else [v])] for k, v in extra.items()}

    @model_validator(mode="after")
    def _grades(self) -> "GradeFallback":
        try:
            self.mapping()
        except ValueError as exc:
            raise ValueError(f"grade_fallback: {exc}") from None
        return self


class OptionLadder(Frozen):
    deeper_cuts: list[float] = Field(default_factory=list)
    allow_stop: bool = True
    grades: list[Grade]
    source: str
    confidence: Confidence

    @model_validator(mode="after")
    def _cuts(self) -> "OptionLadder":
        if any(not 0.0 < c < 1.0 for c in self.deeper_cuts):
            raise ValueError("deeper_cuts must lie strictly between 0 and 1")
        return self


class SparingEffect(StrEnum):
    OWN_MEASURES = "own_measures"  # no mandated measure; the firm acts on its own
    EXEMPT = "exempt"  # no measure at all
    APPROVED_LOAD = "approved_load"  # run at the approved load, never below
    SLOW_DOWN_ONLY = "slow_down_only"  # the table's measure, but at most a slow-down
    EXEMPT_AT_LEVELS = "exempt_at_levels"  # exempt at the listed levels only


SPARED_EFFECTS = {SparingEffect.OWN_MEASURES, SparingEffect.EXEMPT}


class SparingRule(Frozen):
    id: str
    grades: list[Grade] | None = None
    essential: list[EssentialCategory] | None = None
    processes: list[str] | None = None
    small_micro: bool | None = None
    effect: SparingEffect
    levels: list[WarningLevel] | None = None
    reason_zh: str
    source: str = Field(min_length=1)
    confidence: Confidence

    @model_validator(mode="after")
    def _has_condition(self) -> "SparingRule":
        if not any(x is not None for x in (self.grades, self.essential, self.processes, self.small_micro)):
            raise ValueError("a sparing rule needs at least one condition (grades/essential/processes/small_micro)")
        if self.effect is SparingEffect.EXEMPT_AT_LEVELS and not self.levels:
            raise ValueError("effect 'exempt_at_levels' needs 'levels'")
        return self

    def matches(self, grade: str, essential: str, small_micro: bool, process: str, level: WarningLevel) -> bool:
        if self.grades is not None and grade not in self.grades:
            return False
        if self.essential is not None and essential not in self.essential:
            return False
        if self.processes is not None and process not in self.processes:
            return False
        if self.small_micro is not None and bool(small_micro) != self.small_micro:
            return False
        if self.effect is SparingEffect.EXEMPT_AT_LEVELS and level not in (self.levels or []):
            return False
        return True


class SparingPolicy(Frozen):
    source: str
    rules: list[SparingRule]

    def rule_for(
        self, grade: str, essential: str, small_micro: bool, process: str, level: WarningLevel
    ) -> SparingRule | None:
        """The first rule (in file order) that applies, or None."""
        for rule in self.rules:
            if rule.matches(grade, essential, small_micro, process, level):
                return rule
        return None


_MMDD = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")


class RotationWindow(Frozen):
    """A heating-season window (MM-DD … MM-DD, inclusive; may cross the new year) and
    where it comes from: a window no text was found for says so (``to_verify``)."""

    provinces: list[str]
    start: str
    end: str
    source: str = Field(min_length=1)
    confidence: Confidence
    notes: str | None = None

    @model_validator(mode="after")
    def _dates(self) -> "RotationWindow":
        for d in (self.start, self.end):
            if not _MMDD.match(d):
                raise ValueError(f"{d!r} is not MM-DD")
        if self.confidence is Confidence.TO_VERIFY and not (self.notes and self.notes.strip()):
            raise ValueError("a to_verify window must say in 'notes' what would confirm it")
        return self


class QuarterMinimum(Frozen):
    months: list[int]
    min_days: int = Field(ge=0)


class LivelihoodTreatment(StrEnum):
    EXEMPT = "exempt"  # not in rotation at all
    MAX_LOAD_MAKEUP = "max_load_makeup"  # runs at its verified maximum load, makes up a share of the days later
    SHIFT = "shift"  # 错峰置换: its stop days move out of the window (into the non-heating season)


class LivelihoodRotation(Frozen):
    """Lines of livelihood (保民生) firms in rotation: exempt, or run at the verified
    maximum load during the window and make up ``makeup_share`` of the skipped stop
    days later (Shanxi cement 2018–19: 70 %), or move their stop days outside the
    window (错峰置换, Shandong). ``categories``: the essential categories treated so."""

    treatment: LivelihoodTreatment
    makeup_share: float = Field(default=0.0, ge=0.0, le=1.0)
    categories: list[EssentialCategory] = Field(default_factory=lambda: [EssentialCategory.LIVELIHOOD])
    source: str = Field(min_length=1)
    confidence: Confidence

    @model_validator(mode="after")
    def _share(self) -> "LivelihoodRotation":
        if self.treatment is LivelihoodTreatment.EXEMPT and self.makeup_share:
            raise ValueError("an exempt treatment makes up no days: drop makeup_share")
        if self.treatment is not LivelihoodTreatment.EXEMPT and self.makeup_share <= 0:
            raise ValueError(f"treatment {self.treatment.value!r} needs makeup_share > 0 (e.g. 0.7; 1.0 for 错峰置换)")
        return self


class IndustryRotation(Frozen):
    """One industry's own rotation rules in an area, where its text differs from the
    area's general rule (Jinzhong 2020–21: brick, ceramics, refractory and lime exempt
    B and B- from rotation, which rotate elsewhere)."""

    exempt_grades: list[Grade] | None = None
    stop_days: dict[Grade, int | str] | None = None
    livelihood: LivelihoodRotation | None = None
    source: str = Field(min_length=1)
    confidence: Confidence

    @model_validator(mode="after")
    def _check(self) -> "IndustryRotation":
        for grade, days in (self.stop_days or {}).items():
            if isinstance(days, str) and days != "whole":
                raise ValueError(f"stop_days.{grade.value}: give a number of days or 'whole'")
        return self


class DailyBand(Frozen):
    """A hard band on the share of an industry's capacity stopped each day, set only
    where a locality's text sets one, and applied only to groups (an industry in an
    area) with at least ``min_lines`` rotating lines — a county whose industry has one
    or two lines cannot hold a band on any day."""

    share_min: float = Field(ge=0, le=1)
    share_max: float = Field(ge=0, le=1)
    areas: list[str] = Field(default_factory=lambda: ["city", "county"])
    min_lines: int = Field(default=5, ge=1)
    source: str = Field(min_length=1)
    confidence: Confidence

    @model_validator(mode="after")
    def _check(self) -> "DailyBand":
        if self.share_min > self.share_max:
            raise ValueError("share_min exceeds share_max")
        if not set(self.areas) <= {"city", "county"} or not self.areas:
            raise ValueError("areas: 'city' and/or 'county'")
        return self


class SpreadPreference(Frozen):
    """The engine's own preference for spreading stops evenly over the season: for each
    industry in each area, the share stopped on its heaviest day, weighted by ``weight``
    (soft: never makes a calendar infeasible)."""

    weight: int = Field(ge=0)
    areas: list[str] = Field(default_factory=lambda: ["city", "county"])
    source: str = Field(min_length=1)
    confidence: Confidence


class RotationPolicy(Frozen):
    source: str
    confidence: Confidence
    window: str
    windows: dict[str, RotationWindow]
    industries: list[str]
    min_block_days: int = Field(ge=1)
    spread: SpreadPreference
    daily_band: DailyBand | None = None
    count_warning_days: bool
    yearly_cap_days: int = Field(ge=0)
    quarterly_minimums: list[QuarterMinimum] = Field(default_factory=list)
    exempt_grades: list[Grade]
    exempt_essential: list[EssentialCategory] = Field(
        description="essential categories exempt from rotation (an uninterruptible process is not one: rotation exists for it)")
    exempt_ultra_low_filed: bool
    stop_days: dict[Grade, int | str]
    livelihood: LivelihoodRotation
    by_industry: dict[str, IndustryRotation] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> "RotationPolicy":
        if self.window not in self.windows:
            raise ValueError(f"window {self.window!r} is not one of {sorted(self.windows)}")
        for grade, days in self.stop_days.items():
            if isinstance(days, str) and days != "whole":
                raise ValueError(f"stop_days.{grade.value}: give a number of days or 'whole'")
        for industry in self.by_industry:
            if industry not in self.industries:
                raise ValueError(f"by_industry.{industry}: not one of the rotation industries {self.industries}")
        return self


class ReplanningPolicy(Frozen):
    change_penalty_yuan: float = Field(ge=0)
    source: str
    confidence: Confidence


class DocumentsPolicy(Frozen):
    """What the bureau's documents say besides the plan: who issues them, on what legal
    and plan basis, whom a firm calls, how fast it must confirm and report.
    ``{city}`` in a text is replaced by the list's city."""

    issuer_zh: str = Field(min_length=1, description="发文单位, e.g. {city}重污染天气应急指挥部办公室")
    plan_name_zh: str = Field(min_length=1, description="the city's emergency plan, e.g. {city}重污染天气应急预案")
    plan_article_zh: str | None = Field(default=None, description="the plan's article on enterprise measures, e.g. 第5.2条")
    law_zh: list[str] = Field(min_length=1, description="legal basis cited on notices and announcements")
    contact_office_zh: str | None = Field(default=None, description="the office a firm calls (应急办值班室)")
    contact_phone: str | None = None
    hotline: str | None = Field(default=None, description="public report hotline (12369)")
    confirm_within_hours: float = Field(gt=0, description="a firm confirms receipt within (h)")
    report_within_hours: float = Field(gt=0, description="a firm reports execution within (h)")
    source: str
    confidence: Confidence

    def text(self, template: str | None, city: str) -> str | None:
        return None if template is None else template.replace("{city}", city)


class CompliancePolicy(Frozen):
    """How compliance is judged from daily electricity use (用电量核查)."""

    electricity_drop: dict[str, Annotated[float, Field(ge=0.0, le=1.0)]] = Field(
        description="expected drop of a line's electricity use per unit of output cut, by measure (action code)")
    baseline_days: int = Field(ge=1, le=60, description="days before the warning that make the baseline")
    tolerance: float = Field(ge=0.0, le=1.0, description="a firm is 未落实 when observed < expected − tolerance")
    source: str
    confidence: Confidence

    def drop_factor(self, measure: str) -> float:
        """Expected electricity drop per unit output cut of ``measure`` (0 when not listed)."""
        return self.electricity_drop.get(measure, 0.0)


class Policy(Frozen):
    area: str = Field(description="area path, '' for national")
    name_zh: str
    chain: list[str] = Field(description="files merged, national first")
    rule_set: str
    reduction: ReductionPolicy
    coking: CokingParams
    grade_fallback: GradeFallback
    options: OptionLadder
    sparing: SparingPolicy
    rotation: RotationPolicy
    replanning: ReplanningPolicy
    documents: DocumentsPolicy
    compliance: CompliancePolicy
    listing: ListingPolicy = Field(description="how filed measures are checked at import (config/listing.py)")
    measures: dict[str, IndustryMeasures]
    warning_rules: dict[str, WarningRuleSet]
    industries: IndustryCatalog = Field(
        exclude=True, description="the policy directory's own industries.toml; measures are checked against it")

    @model_validator(mode="after")
    def _cross_references(self) -> "Policy":
        if self.rule_set not in self.warning_rules:
            raise ValueError(f"rule_set {self.rule_set!r} is not one of {sorted(self.warning_rules)}")
        catalog = self.industries
        for industry, table in self.measures.items():
            if industry not in catalog.industries:
                raise ValueError(f"measures.{industry}: unknown industry (industries.toml)")
            if table.industry != industry:
                raise ValueError(f"measures.{industry}: file says industry = {table.industry!r}")
            ind = catalog.industries[industry]
            for process, grades in table.processes.items():
                if process != "*" and process not in ind.processes:
                    raise ValueError(f"measures.{industry}.processes.{process}: unknown process for {industry}")
                for grade in grades:
                    if grade not in ind.grades:
                        raise ValueError(
                            f"measures.{industry}.processes.{process}.{grade.value}: grade not used by "
                            f"{ind.grading!r} industries"
                        )
        for industry in self.rotation.industries:
            if industry not in catalog.industries:
                raise ValueError(f"rotation.industries: unknown industry {industry!r}")
        self._check_complete(catalog)
        return self

    def _check_complete(self, catalog: IndustryCatalog) -> None:
        """Every (industry, process, grade) that is not own-measures resolves to a measure."""
        for code, ind in catalog.industries.items():
            for process in ind.processes:
                for grade in ind.grades - OWN_MEASURE_GRADES:
                    if self._resolve(code, process, grade) is None:
                        raise ValueError(
                            f"measures.{code}: no measure for process {process!r}, grade {grade.value!r} "
                            "(add it, a '*' process row, or a grade_fallback)"
                        )

    def _resolve(self, industry: str, process: str, grade: Grade):
        table = self.measures.get(industry)
        if table is None:
            return None
        fallback = self.grade_fallback.mapping()
        queue, seen = [grade], set()
        while queue:
            g = queue.pop(0)
            if g in seen:
                continue
            seen.add(g)
            for key in (process, "*"):
                row = table.processes.get(key, {}).get(g)
                if row is not None:
                    return table, row, g
            queue.extend(fallback.get(g, []))
        return None

    # ----------------------------------------------------------------- lookups

    def floor(self, industry: str, process: str, grade: str, level: WarningLevel) -> tuple[Measure, str]:
        """Mandated measure (the floor) and its source, for a line of this kind."""
        g = Grade(grade)
        if g in OWN_MEASURE_GRADES:
            return Measure(action="own_measures"), "环办大气函〔2020〕340号"
        resolved = self._resolve(industry, process, g)
        if resolved is None:  # pragma: no cover - excluded by _check_complete
            raise PolicyError(f"no measure for {industry}/{process}/{grade}")
        table, row, used_grade = resolved
        measure = row.at(level)
        source = measure.source or table.source
        if used_grade != g:
            source += f"（{g.value}参照{used_grade.value}：{self.grade_fallback.source}）"
        return measure, source

    def confidence_of(self, industry: str, process: str, grade: str, level: WarningLevel) -> Confidence:
        resolved = self._resolve(industry, process, Grade(grade))
        if resolved is None:
            return Confidence.CONFIRMED
        table, row, _ = resolved
        return row.at(level).confidence or table.confidence

    @property
    def warning_rule_set(self) -> WarningRuleSet:
        return self.warning_rules[self.rule_set]


# --------------------------------------------------------------------- loading


def _merge(base: dict, top: dict, source: str, prov: dict[tuple, str], path: tuple = ()) -> dict:
    for key, value in top.items():
        here = path + (key,)
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value, source, prov, here)
        else:
            base[key] = copy.deepcopy(value)
            prov[here] = source
            _mark(value, source, prov, here)
    return base


def _mark(value: Any, source: str, prov: dict[tuple, str], path: tuple) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            prov[path + (k,)] = source
            _mark(v, source, prov, path + (k,))


def _shown(policy_dir: Path, f: Path) -> str:
    """How messages and provenance name a policy file: relative to the policy directory
    (``local/demo/demo_city.toml``), never the server's absolute path."""
    try:
        return Path(f).relative_to(policy_dir).as_posix()
    except ValueError:
        return Path(f).name


def _read(policy_dir: Path, f: Path) -> tuple[dict, str]:
    shown = _shown(policy_dir, f)
    return read_toml(f, shown), shown


def _national(policy_dir: Path, prov: dict[tuple, str]) -> dict:
    data, shown = _read(policy_dir, policy_dir / "national" / "policy.toml")
    doc = _merge({}, data, shown, prov)
    doc["measures"] = {}
    for f in sorted((policy_dir / "national" / "measures").glob("*.toml")):
        data, shown = _read(policy_dir, f)
        _merge(doc["measures"], {f.stem: data}, shown, prov, ("measures",))
    doc["warning_rules"] = {}
    for f in sorted((policy_dir / "national" / "warning_rules").glob("*.toml")):
        data, shown = _read(policy_dir, f)
        _merge(doc["warning_rules"], {f.stem: data}, shown, prov, ("warning_rules",))
    return doc


def local_areas(policy_dir: Path | None = None) -> dict[str, str]:
    """Area path -> Chinese name, for every locality file.

    Every locality file is read (its ``name_zh`` is how an area is found): one that
    cannot be read — bad TOML, not UTF-8, a ``name_zh`` that is not text — is an
    error naming it, never skipped, since it may be the very area asked for."""
    policy_dir = Path(policy_dir or default_policy_dir())
    root = policy_dir / "local"
    out = {}
    for f in sorted(root.rglob("*.toml")):
        path = f.relative_to(root).with_suffix("").as_posix()
        data, shown = _read(policy_dir, f)
        name = data.get("name_zh", path)
        if not isinstance(name, str) or not name.strip():
            raise PolicyError(f"{shown} -> name_zh: must be the area's Chinese name (text), got {name!r}")
        out[path] = name
    return out


def find_area(area: str | None, policy_dir: Path | None = None) -> str | None:
    """The path of the locality file for an area name or path ('' = national), or None
    when no locality file names it. Ambiguity and unreadable files are errors."""
    if not area or area in ("national", "全国"):
        return ""
    areas = local_areas(policy_dir)
    if area.strip("/") in areas:
        return area.strip("/")
    matches = [p for p, name in areas.items() if name == area]
    if len(matches) > 1:
        raise PolicyError(f"area {area!r} is ambiguous: {', '.join(matches)}; give the path")
    return matches[0] if matches else None


def resolve_area(area: str | None, policy_dir: Path | None = None) -> str:
    """Normalise an area name or path to its path ('' = national); an area without a
    locality file is an error listing the known ones."""
    path = find_area(area, policy_dir)
    if path is None:
        known = "、".join(f"{n}（{p}）" for p, n in local_areas(policy_dir).items())
        raise PolicyError(f"no policy file for area {area!r}; known areas: {known}")
    return path


def _located(exc: ValidationError, prov: dict[tuple, str]) -> str:
    lines = [f"policy invalid: {exc.error_count()} problem(s)"]
    for err in exc.errors():
        loc = tuple(str(p) for p in err["loc"])
        m = re.match(r"(?:Value error, )?([^\s:]+):", err["msg"])
        if m and "." in m.group(1):  # a model-level check naming a key path below ``loc``
            sub = tuple(m.group(1).split("."))
            loc = sub if loc == () or sub[0] == "measures" else loc + sub
        elif loc == ():  # a whole-policy check whose message starts with the key (``rule_set '2099' is …``)
            w = re.match(r"(?:Value error, )?([A-Za-z_]+)\b", err["msg"])
            if w and (w.group(1),) in prov:
                loc = (w.group(1),)
        source = None
        for n in range(len(loc), 0, -1):
            source = prov.get(loc[:n])
            if source:
                break
        lines.append(f"  {source or '<merged policy>'} -> {'.'.join(loc) or '<root>'}: {err['msg']}")
    return "\n".join(lines)


def load_policy(area: str | None = None, policy_dir: Path | None = None) -> Policy:
    """The effective, validated policy for an area after overrides."""
    policy_dir = Path(policy_dir or default_policy_dir())
    path = resolve_area(area, policy_dir)
    prov: dict[tuple, str] = {}
    doc = _national(policy_dir, prov)
    chain = [str(policy_dir / "national")]
    parts = path.split("/") if path else []
    for i in range(1, len(parts) + 1):
        f = policy_dir / "local" / ("/".join(parts[:i]) + ".toml")
        if f.exists():
            data, shown = _read(policy_dir, f)
            _merge(doc, data, shown, prov)
            chain.append(str(f))
    doc["area"] = path
    doc["chain"] = chain
    doc.setdefault("name_zh", "全国")
    doc["industries"] = load_industries(policy_dir)
    try:
        return Policy.model_validate(doc)
    except ValidationError as exc:
        raise PolicyError(_located(exc, prov)) from None


def provenance(area: str | None = None, policy_dir: Path | None = None) -> dict[str, str]:
    """Key path -> the file that set it, for `policy show`."""
    policy_dir = Path(policy_dir or default_policy_dir())
    path = resolve_area(area, policy_dir)
    prov: dict[tuple, str] = {}
    doc = _national(policy_dir, prov)
    parts = path.split("/") if path else []
    for i in range(1, len(parts) + 1):
        f = policy_dir / "local" / ("/".join(parts[:i]) + ".toml")
        if f.exists():
            data, shown = _read(policy_dir, f)
            _merge(doc, data, shown, prov)
    return {".".join(k): v for k, v in prov.items()}
