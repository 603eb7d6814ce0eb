"""Console pages of notice delivery and the receipts board (送达与回执): the duty
officer's board of a warning — per county, each firm ordered: notice delivered (per
channel), confirmed, reported, overdue, reminded, escalated; each firm's delivery
attempts — with buttons to send now and to retry what gave up (CSRF-checked forms).
All of it is :mod:`emergency.delivery.service`."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse

from emergency.console.pages._router import area_router
from emergency.console.rendering import render
from emergency.console.session import OfficerAction, Reader

router = area_router()


@router.get("/warnings/{warning_id}/deliveries")
def deliveries_page(warning_id: int, request: Request, who: Reader):
    from emergency.delivery.config import load_delivery_config
    from emergency.delivery.models import PURPOSE_ZH, STATUS_ZH
    from emergency.delivery.service import attempts, warning_status
    from emergency.workflow.receipts import STATE_ZH

    engine = request.app.state.engine
    st = warning_status(engine, warning_id)
    tries = {r["id"]: attempts(engine, r["id"]) for c in st["board"] for f in c["firms"] for r in f["deliveries"]
             if r["attempts"]}
    configured = load_delivery_config() is not None
    return render(request, "deliveries.html", who=who, warning_id=warning_id, st=st, tries=tries,
                  status_zh=STATUS_ZH, purpose_zh=PURPOSE_ZH, state_zh=STATE_ZH, configured=configured)


@router.post("/warnings/{warning_id}/deliveries/send")
def send(warning_id: int, request: Request, who: OfficerAction):
    from emergency.delivery.service import send_now
    from emergency.workflow.lifecycle import get_warning

    get_warning(request.app.state.engine, warning_id)
    send_now(request.app.state.engine, warning_id=warning_id, actor=who.username)
    return RedirectResponse(f"/warnings/{warning_id}/deliveries", status_code=303)


@router.post("/warnings/{warning_id}/deliveries/retry")
def retry(warning_id: int, request: Request, who: OfficerAction):
    from emergency.delivery.service import retry as retry_rows

    retry_rows(request.app.state.engine, warning_id, who.username)
    return RedirectResponse(f"/warnings/{warning_id}/deliveries", status_code=303)
