"""Receipts and reports of a warning's orders, for the duty officer (回执与落实情况).

``GET /api/warnings/{id}/receipts[?county=]``: per county, every order (firm and plan
version) with its deadlines and what is missing or late — not confirmed, not reported,
late (:func:`emergency.workflow.receipts.board`); ``GET
/api/warnings/{id}/reports/{report_id}/evidence``: a report's evidence file, as an
attachment (never rendered inline). The bureau's roles only.
"""

from __future__ import annotations

from typing import Annotated

from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from emergency.api.routes.deps import Reader, engine
from emergency.workflow import receipts

router = APIRouter(tags=["receipts"])


@router.get("/warnings/{warning_id}/receipts")
def board(warning_id: int, request: Request, _: Reader,
          county: Annotated[str | None, Query(max_length=100, description="One county only")] = None) -> dict:
    return receipts.board_dict(receipts.board(engine(request), warning_id, county), warning_id)


def evidence_response(found: receipts.StoredEvidence, report_id: int) -> Response:
    suffix = found.client_name.rsplit(".", 1)[-1] if "." in found.client_name else "bin"
    ascii_name = f"evidence-{report_id}.{suffix if suffix.isascii() and suffix.isalnum() else 'bin'}"
    return Response(found.data, media_type=found.media_type, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(found.client_name)}",
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'"})


@router.get("/warnings/{warning_id}/reports/{report_id}/evidence")
def evidence(warning_id: int, report_id: int, request: Request, _: Reader) -> Response:
    return evidence_response(receipts.evidence(engine(request), warning_id, report_id), report_id)
