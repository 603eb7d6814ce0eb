"""The daily response report (placeholder until the reports work lands)."""

from __future__ import annotations


def run_daily_reports(engine, now, cfg) -> int:
    return 0
