"""What a response package is made from: the warning, its plan versions, the list and
the policy — plain values, read from the workflow records by
``emergency.workflow.package`` (the notices never touch the database).

Times are aware; every time a document prints goes through ``clock.fmt_zh`` (the
bureau's zone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from config.policy import Policy
from emergency.plans.document import PlanDocument
from enterprise_registry.columns import RegistryTables
from emergency.vocabulary import WarningLevel


@dataclass(frozen=True)
class VersionFacts:
    """One plan version. ``effective_from``: when its measures take effect (resolved by
    the caller: the stored value, else the warning start for version 1 and the
    version's creation time for later ones)."""

    no: int
    transition: str  # issue | upgrade | downgrade | extend
    level: WarningLevel
    plan: PlanDocument
    sha256: str
    effective_from: datetime
    created_at: datetime


@dataclass(frozen=True)
class ReleaseFacts:
    at: datetime
    by: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class WarningFacts:
    id: int
    areas: tuple[str, ...]
    rule_set: str
    start: datetime
    end: datetime
    issued_at: datetime  # when the warning was issued (the year of its notice numbers)
    registry_version: str
    forecast: dict | None = None
    release: ReleaseFacts | None = None


@dataclass(frozen=True)
class PackageInput:
    """``versions``: the plan versions 1…n in order, n the version whose package is made;
    for a released warning all versions (the package is the release's)."""

    warning: WarningFacts
    versions: tuple[VersionFacts, ...]
    latest_version: int
    tables: RegistryTables
    policy: Policy
    now: datetime

    @property
    def released(self) -> bool:
        return self.warning.release is not None

    @property
    def city(self) -> str:
        return self.tables.version["city"]
