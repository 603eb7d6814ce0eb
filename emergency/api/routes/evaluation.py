"""The API of effect evaluation (效果评估): CEMS readings, station observations, planned vs achieved."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["evaluation"])
