"""Console pages of the enterprise's own pages (企业端): its notices, receipts, reports, filed measures, rotation blocks, compliance."""

from __future__ import annotations

from emergency.console.pages._router import area_router

router = area_router()
