"""The API of regions and regional warnings (区域预警提示) and the cities' responses."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["regions"])
