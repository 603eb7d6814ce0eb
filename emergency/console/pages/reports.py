"""Console pages of reports upward (每日报告、总结评估报告)."""

from __future__ import annotations

from emergency.console.pages._router import area_router

router = area_router()
