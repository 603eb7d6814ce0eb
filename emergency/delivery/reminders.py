"""Receipt reminders and escalation (placeholder until the delivery work lands)."""

from __future__ import annotations


def remind_and_escalate(engine, now) -> int:
    return 0
