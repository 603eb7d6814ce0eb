"""Documents of a warning (通知与公告): a firm's notice, the public announcement.

Both follow the package rules of ``emergency.workflow.package``: after release the
notice is the firm's 解除通知 and the announcement the 解除 one (``?version=`` on a
released warning: 409); on an active warning the latest version's documents or those
of ``?version=``. A firm whose measures did not change at that version gets the notice
it still follows. Notices are served with a Content-Security-Policy that runs no script.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse

from emergency.api.routes.deps import Reader, engine

router = APIRouter(tags=["notices"])

NO_SCRIPT = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'",
             "X-Content-Type-Options": "nosniff"}
Version = Annotated[int | None, Query(ge=1, description="Plan version (default: the latest; not for a released warning)")]


@router.get("/warnings/{warning_id}/notices/{uscc}", response_class=HTMLResponse)
def notice(warning_id: int, uscc: str, request: Request, _: Reader, version: Version = None) -> HTMLResponse:
    from emergency.workflow.package import notice_html

    return HTMLResponse(notice_html(engine(request), warning_id, uscc, version), headers=NO_SCRIPT)


@router.get("/warnings/{warning_id}/announcement", response_class=PlainTextResponse)
def announcement(warning_id: int, request: Request, _: Reader, version: Version = None) -> PlainTextResponse:
    from emergency.workflow.package import announcement_text

    return PlainTextResponse(announcement_text(engine(request), warning_id, version), headers={"X-Content-Type-Options": "nosniff"})
