"""The audit log (审计日志): who did what, when, on which list version and plan.

Append-only: nothing in the code updates or deletes a record, and the database refuses
UPDATE, DELETE, INSERT OR REPLACE (SQLite) and TRUNCATE (PostgreSQL). Details are JSON
with times in the bureau's zone (``+08:00``), whatever zone the caller used.
"""

from __future__ import annotations

import json

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from emergency import clock
from emergency.workflow.models import AuditRecord


def record(session: Session, actor: str, action: str, target: str | None, details: dict, sha: str | None = None) -> None:
    """Add one audit record to ``session`` (committed with the change it records)."""
    session.add(AuditRecord(actor=actor, action=action, target=target,
                            details=json.dumps(details, ensure_ascii=False, default=clock.json_default), plan_sha256=sha))


def write(engine: Engine, actor: str, action: str, target: str | None, details: dict, sha: str | None = None) -> None:
    """One audit record in its own transaction (for actions whose change is elsewhere)."""
    with Session(engine) as session:
        record(session, actor, action, target, details, sha)
        session.commit()


def audit_log(engine: Engine, *, target: str | None = None, actor: str | None = None, action: str | None = None,
              limit: int = 200, offset: int = 0, actors: list[str] | None = None) -> list[AuditRecord]:
    """Records in the order they were written; ``action`` matches a prefix (``warning.``);
    ``actors``: only these accounts' records (a city's account sees its city's)."""
    with Session(engine) as session:
        q = select(AuditRecord).order_by(AuditRecord.id)
        if actors is not None:
            q = q.where(AuditRecord.actor.in_(sorted(actors)))
        if target:
            q = q.where(AuditRecord.target == target)
        if actor:
            q = q.where(AuditRecord.actor == actor)
        if action:
            q = q.where(AuditRecord.action.startswith(action, autoescape=True))
        return list(session.execute(q.offset(offset).limit(limit)).scalars().all())


def count_audit(engine: Engine) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(AuditRecord)).scalar_one()
