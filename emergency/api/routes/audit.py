"""The audit log (审计日志), read only."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request

from emergency import clock
from emergency.api.routes.deps import Reader, engine
from emergency.workflow import audit as audit_log_

router = APIRouter(tags=["audit"])


@router.get("/audit")
def audit(request: Request, user: Reader, target: str | None = None, actor: str | None = None, action: str | None = None,
          offset: Annotated[int, Query(ge=0)] = 0,
          limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict]:
    """The audit log (a city's account: the records of its city's accounts)."""
    from emergency.workflow import scope

    actors = scope.audit_actors(engine(request), user)
    return [
        {"id": a.id, "at": clock.iso(a.at), "actor": a.actor, "action": a.action, "target": a.target,
         "details": json.loads(a.details) if a.details else None, "plan_sha256": a.plan_sha256}
        for a in audit_log_.audit_log(engine(request), target=target, actor=actor, action=action, offset=offset,
                                      limit=limit, actors=actors)
    ]
