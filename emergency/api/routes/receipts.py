"""Receipts and reports of a warning's orders, for the duty officer (回执与落实情况).

``GET /api/warnings/{id}/receipts[?county=]``: per county, every order (firm and plan
version) with its deadlines and what is missing or late — not confirmed, not reported,
late (:func:`emergency.workflow.receipts.board`). The bureau's roles only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from emergency.api.routes.deps import Reader, engine
from emergency.workflow import receipts

router = APIRouter(tags=["receipts"])


@router.get("/warnings/{warning_id}/receipts")
def board(warning_id: int, request: Request, _: Reader,
          county: Annotated[str | None, Query(max_length=100, description="One county only")] = None) -> dict:
    return receipts.board_dict(receipts.board(engine(request), warning_id, county), warning_id)
