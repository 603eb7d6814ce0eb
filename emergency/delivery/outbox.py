"""The delivery outbox (placeholder until the delivery work lands)."""

from __future__ import annotations


def deliver_due(engine, now) -> int:
    return 0
