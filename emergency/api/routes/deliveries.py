"""The API of notice delivery (通知送达): a warning's delivery status and board (any
bureau reader), send now and retry (duty officers). Enterprise accounts are refused:
the board names every county's firms (their own orders are under /api/enterprise)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from emergency.api.routes.deps import Officer, Reader, engine

router = APIRouter(tags=["deliveries"])


class RetryBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rows: list[int] | None = Field(default=None, max_length=10000,
                                   description="Outbox row ids (default: every row of the warning that gave up or is uncertain).")


@router.get("/warnings/{warning_id}/deliveries")
def status(warning_id: int, request: Request, _: Reader) -> dict:
    """Per version and channel counts; rows needing attention with reasons; the board."""
    from emergency.delivery.service import warning_status

    return warning_status(engine(request), warning_id)


@router.get("/warnings/{warning_id}/deliveries/attempts")
def attempts(warning_id: int, request: Request, _: Reader, row_id: Annotated[int, Query(alias="row", ge=1)]) -> list[dict]:
    """Every try of one outbox row of the warning (time, result, error, provider id)."""
    from emergency.delivery.service import attempts as row_attempts, outbox_rows
    from emergency.errors import NotFound

    if not any(r["id"] == row_id for r in outbox_rows(engine(request), warning_id)):
        raise NotFound(f"预警 {warning_id} 没有送达记录 {row_id}")
    return row_attempts(engine(request), row_id)


@router.post("/warnings/{warning_id}/deliveries/send")
def send(warning_id: int, request: Request, user: Officer) -> dict:
    """Enqueue and send now (every warning's due messages); what this warning still lacks."""
    from emergency.delivery.service import send_now
    from emergency.workflow.lifecycle import get_warning

    get_warning(engine(request), warning_id)
    s = send_now(engine(request), warning_id=warning_id, actor=user.username)
    return {"enqueued": s.enqueued, "reminders": s.reminders, "sent": s.result.sent, "failed": s.result.failed,
            "gave_up": s.result.gave_up, "held": s.result.held, "ok": s.ok,
            "channels_down": [{"area": lane.area, "channel": lane.channel, "error": lane.down} for lane in s.result.lanes if lane.down],
            "attention": len(s.open_rows)}


@router.post("/warnings/{warning_id}/deliveries/retry")
def retry(warning_id: int, body: RetryBody, request: Request, user: Officer) -> dict:
    from emergency.delivery.service import retry as retry_rows

    return {"requeued": retry_rows(engine(request), warning_id, user.username, body.rows)}
