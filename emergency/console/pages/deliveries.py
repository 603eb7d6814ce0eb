"""Console pages of notice delivery and the receipts board (送达与回执)."""

from __future__ import annotations

from emergency.console.pages._router import area_router

router = area_router()
