"""Regional warnings (placeholder until the regional-warning work lands)."""

from __future__ import annotations


def remind_cities(engine, now, cfg) -> int:
    return 0
