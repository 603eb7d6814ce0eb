"""The API of notice delivery (通知送达): channels, outbox, attempts; receipts board reminders."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["deliveries"])
