"""Console pages of effect evaluation (效果评估)."""

from __future__ import annotations

from emergency.console.pages._router import area_router

router = area_router()
