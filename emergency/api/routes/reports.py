"""The API of reports upward (上报): daily response report, episode summary, inspections."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["reports"])
