"""A warning and its plan versions without their documents.

:func:`emergency.workflow.lifecycle.get_warning` loads every version's plan document
(10^8 bytes each at province scale); the console's pages need only the versions'
facts, so this reads the same rows without the ``document`` column.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlmodel import Session

from emergency.errors import NotFound
from emergency.workflow.models import PlanVersion, WarningRecord


@dataclass(frozen=True)
class VersionFacts:
    version_no: int
    transition: str
    level: str
    sha256: str
    effective_from: datetime | None
    created_by: str
    created_at: datetime
    changes: str | None


def warning(engine: Engine, warning_id: int) -> WarningRecord:
    with Session(engine) as session:
        w = session.get(WarningRecord, warning_id)
        if w is None:
            raise NotFound(f"预警 {warning_id} 不存在 (no such warning)")
        session.expunge(w)
        return w


def warning_and_versions(engine: Engine, warning_id: int) -> tuple[WarningRecord, list[VersionFacts]]:
    w = warning(engine, warning_id)
    P = PlanVersion
    with Session(engine) as session:
        rows = session.execute(
            select(P.version_no, P.transition, P.level, P.sha256, P.effective_from, P.created_by, P.created_at, P.changes)
            .where(P.warning_id == warning_id).order_by(P.version_no)
        ).all()
    return w, [VersionFacts(*r) for r in rows]
