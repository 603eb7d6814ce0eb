"""Regions of cities (区域): which cities a regional warning (区域预警提示) obliges, and how
long each has to respond — policy as data, each fact with its source and confidence.

One TOML file per region under ``config/regions/`` (``EMERGENCY_POLICY_DIR`` overrides the
packaged directory, as for every policy file)::

    name = "fenwei"                 # the key (file stem); the Chinese name in name_zh
    name_zh = "汾渭平原"
    kind = "region"                 # or "province"
    source = "…"                    # where the membership comes from
    confidence = "to_verify"
    [response]                      # the time a city has to respond to a regional notice
    within_hours = 24
    source = "…"
    confidence = "project"
    [targets]                       # optional regional reduction shares (joint plans)
    shares = { SO2 = 0.2, NOx = 0.2 }
    source = "…"
    confidence = "project"
    [[cities]]                      # each member city, with its province and confidence
    name = "晋中市"
    province = "山西省"
    confidence = "to_verify"

:func:`load_region` and :func:`regions` give frozen :class:`Region` objects (the contract the
joint plans use). An unknown name is :class:`~emergency.errors.NotFound` naming the known ones.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from config import default_policy_dir
from config.common import Confidence, Frozen
from config.loading import read_toml, validate_data
from emergency.errors import NotFound, PolicyError
from emergency.vocabulary import Pollutant

REGIONS_DIR = "regions"
RegionKind = Literal["province", "region"]


class CityEntry(Frozen):
    name: str = Field(min_length=1, max_length=100)
    province: str = Field(min_length=1, max_length=50)
    confidence: Confidence
    note: str | None = None


class ResponseRule(Frozen):
    within_hours: float = Field(gt=0, le=240, description="a city issues at least the regional level within (h)")
    source: str = Field(min_length=1)
    confidence: Confidence
    note: str | None = None


class TargetShares(Frozen):
    shares: dict[Pollutant, float]
    source: str = Field(min_length=1)
    confidence: Confidence

    @model_validator(mode="after")
    def _shares(self) -> "TargetShares":
        bad = [f"{p.value}={v}" for p, v in self.shares.items() if not 0 < v < 1]
        if bad:
            raise ValueError(f"shares must be in (0, 1): {', '.join(bad)}")
        return self


class RegionFile(Frozen):
    """A region file as written (validated once, at load)."""

    name: str = Field(pattern=r"^[a-z0-9_]+$")
    name_zh: str = Field(min_length=1)
    kind: RegionKind
    source: str = Field(min_length=1)
    confidence: Confidence
    notes: str | None = None
    response: ResponseRule
    targets: TargetShares | None = None
    cities: tuple[CityEntry, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> "RegionFile":
        names = [c.name for c in self.cities]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"cities listed twice: {', '.join(twice)}")
        return self


class Region(Frozen):
    """A region: its cities, the time each has to respond, optional regional targets."""

    name: str
    name_zh: str
    kind: RegionKind
    cities: tuple[str, ...]
    provinces: dict[str, str]  # city -> province
    city_confidence: dict[str, Confidence]  # city -> how sure its membership is
    response_within_hours: float
    response_source: str
    response_confidence: Confidence
    targets: dict[Pollutant, float] | None = None
    targets_source: str | None = None
    targets_confidence: Confidence | None = None
    source: str
    confidence: Confidence
    notes: str | None = None
    file: str  # the file that defined it, relative to the policy directory

    @property
    def label(self) -> str:
        return f"{self.name_zh}（{len(self.cities)} 个城市）"

    def to_verify(self) -> list[str]:
        """The cities whose membership the project could not confirm."""
        return [c for c in self.cities if self.city_confidence[c] == Confidence.TO_VERIFY]


def _region(f: RegionFile, shown: str) -> Region:
    return Region(
        name=f.name, name_zh=f.name_zh, kind=f.kind, cities=tuple(c.name for c in f.cities),
        provinces={c.name: c.province for c in f.cities}, city_confidence={c.name: c.confidence for c in f.cities},
        response_within_hours=f.response.within_hours, response_source=f.response.source,
        response_confidence=f.response.confidence,
        targets=dict(f.targets.shares) if f.targets else None, targets_source=f.targets.source if f.targets else None,
        targets_confidence=f.targets.confidence if f.targets else None,
        source=f.source, confidence=f.confidence, notes=f.notes, file=shown,
    )


@lru_cache(maxsize=8)
def _load_all(policy_dir: Path) -> tuple[Region, ...]:
    folder = policy_dir / REGIONS_DIR
    out: list[Region] = []
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        shown = f"{REGIONS_DIR}/{path.name}"
        f = validate_data(RegionFile, read_toml(path, shown), shown)
        if f.name != path.stem:
            raise PolicyError(f"{shown}: name = \"{f.name}\" must equal the file's name \"{path.stem}\"")
        out.append(_region(f, shown))
    names = [r.name_zh for r in out]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise PolicyError(f"{REGIONS_DIR}/: two regions are called {', '.join(twice)}")
    return tuple(out)


def regions(policy_dir: Path | None = None) -> list[Region]:
    """Every region defined in the policy directory, by key."""
    return list(_load_all(Path(policy_dir or default_policy_dir()).resolve()))


def load_region(name: str, policy_dir: Path | None = None) -> Region:
    """The region called ``name`` (its key, e.g. ``fenwei``, or its Chinese name, 汾渭平原)."""
    key = (name or "").strip()
    known = regions(policy_dir)
    for r in known:
        if key in (r.name, r.name_zh):
            return r
    listed = "、".join(f"{r.name_zh}（{r.name}）" for r in known) or "（无）"
    raise NotFound(f"没有区域“{key}”；已定义的区域：{listed} (unknown region)")


def regions_of_city(city: str, policy_dir: Path | None = None) -> list[Region]:
    """The regions ``city`` belongs to."""
    return [r for r in regions(policy_dir) if city in r.cities]
