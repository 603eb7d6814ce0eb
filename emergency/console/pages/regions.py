"""Console pages of regions: regional warnings (区域预警提示) and which cities have responded."""

from __future__ import annotations

from emergency.console.pages._router import area_router

router = area_router()
