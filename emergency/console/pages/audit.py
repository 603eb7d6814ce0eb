"""The audit log (审计日志), read only: newest first, filtered by actor, action prefix and
target, paged. The records are :mod:`emergency.workflow.audit`'s (append-only); server
paths in their details are shown cut to their last component, as the API's errors are."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Query, Request
from sqlalchemy import func, select
from sqlmodel import Session

from emergency.console.pages._router import area_router
from emergency.console.rendering import render
from emergency.console.session import Reader
from emergency.workflow.models import AuditRecord

router = area_router()
Filter = Annotated[str, Query(max_length=100)]
PAGE = 100


def brief(details: dict) -> str:
    """The record's top-level facts on one line (key: value; nested objects as {…}), the
    whole record stays one click away."""
    parts = []
    for key, value in details.items():
        if isinstance(value, dict):
            value = "{…}"
        elif isinstance(value, list):
            value = "、".join(str(v) for v in value[:6]) + ("…" if len(value) > 6 else "") \
                if all(not isinstance(v, (dict, list)) for v in value) else f"[{len(value)} 项]"
        parts.append(f"{key}: {value}")
    text = "；".join(parts)
    return text[:300] + ("…" if len(text) > 300 else "")


@router.get("/audit")
def audit_page(request: Request, who: Reader, actor: Filter = "", action: Filter = "", target: Filter = "",
               page: Annotated[int, Query(ge=1, le=10**6)] = 1):
    q = select(AuditRecord)
    if actor:
        q = q.where(AuditRecord.actor == actor)
    if action:
        q = q.where(AuditRecord.action.startswith(action, autoescape=True))
    if target:
        q = q.where(AuditRecord.target == target)
    from emergency.workflow import scope

    if (actors := scope.audit_actors(request.app.state.engine, who)) is not None:  # a city's account: its city's records
        q = q.where(AuditRecord.actor.in_(actors))
    with Session(request.app.state.engine) as session:
        total = session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        rows = session.execute(q.order_by(AuditRecord.id.desc()).offset((page - 1) * PAGE).limit(PAGE)).scalars().all()
    from emergency.api.app import scrub

    records = []
    for r in rows:
        try:
            parsed = json.loads(r.details or "{}")
            details = json.dumps(parsed, ensure_ascii=False)
        except ValueError:
            parsed, details = None, r.details or ""
        details = scrub(details)  # a policy file's absolute path shows as its name only
        records.append({"id": r.id, "at": r.at, "actor": r.actor, "action": r.action, "target": r.target or "",
                        "brief": scrub(brief(parsed)) if isinstance(parsed, dict) else "",
                        "details": details[:600] + ("…" if len(details) > 600 else ""), "sha": r.plan_sha256 or ""})
    query = {k: v for k, v in (("actor", actor), ("action", action), ("target", target)) if v}
    return render(request, "audit.html", who=who, records=records, total=total, page=page,
                  pages=max(1, -(-total // PAGE)), filters={"actor": actor, "action": action, "target": target}, query=query)
