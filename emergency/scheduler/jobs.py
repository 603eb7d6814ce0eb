"""The scheduled jobs: module-level callables, referenced by text in the job store
(``emergency.scheduler.jobs:rotation_orders_job``) so a restart finds them.

A job receives only its configuration (JSON-able, nothing secret); the database is
the one of the running process (``EMERGENCY_DATABASE_URL`` / settings), opened on first
use. Each job is a thin adapter over a service function of this package.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import lru_cache

from emergency.scheduler.config import SchedulerConfig

log = logging.getLogger("emergency.scheduler")


@lru_cache(maxsize=4)
def _engine(url: str):
    from enterprise_registry.db import open_database

    return open_database(url)


def engine():
    from emergency.settings import get_settings

    return _engine(get_settings().resolved_database_url())


def _now(cfg: SchedulerConfig) -> datetime:
    """The one clock (``emergency.clock``: injectable, ``EMERGENCY_NOW``) in the scheduler's zone."""
    from emergency import clock

    return clock.now().astimezone(cfg.tz)


def rotation_orders_job(config: dict) -> int:
    """Dispatch the next day's rotation orders, and every due day not yet dispatched."""
    from emergency.scheduler.dispatch import catch_up

    cfg = SchedulerConfig.model_validate(config)
    outcomes = catch_up(engine(), _now(cfg), cfg)
    log.info("rotation orders: %d day(s) dispatched or recorded", len(outcomes))
    return len(outcomes)


def forecast_poll_job(config: dict) -> int:
    """Evaluate the forecast; suggest a warning to the duty officer, or remind of a release."""
    from emergency.errors import EmergencyError
    from emergency.scheduler.warnings import poll_forecast

    cfg = SchedulerConfig.model_validate(config)
    try:
        return len(poll_forecast(engine(), _now(cfg), cfg))
    except EmergencyError as exc:  # a forecast outage must not kill the scheduler
        log.error("forecast poll failed: %s", exc.message)
        return 0


def reminders_job(config: dict) -> int:
    """Remind of warnings about to expire."""
    from emergency.scheduler.warnings import remind_expiry

    cfg = SchedulerConfig.model_validate(config)
    return len(remind_expiry(engine(), _now(cfg), cfg))


def notice_delivery_job(config: dict) -> int:
    """Send what the delivery outbox holds that is due (new notices, retries with backoff)."""
    from emergency.delivery.config import load_delivery_config
    from emergency.delivery.outbox import deliver_due

    cfg = SchedulerConfig.model_validate(config)
    return deliver_due(engine(), _now(cfg), load_delivery_config(cfg.delivery_config))


def receipt_reminders_job(config: dict) -> int:
    """Remind firms whose 回执 or 落实报告 is overdue; escalate to the county and the duty officer."""
    from emergency.delivery.config import load_delivery_config
    from emergency.delivery.reminders import remind_and_escalate

    cfg = SchedulerConfig.model_validate(config)
    return remind_and_escalate(engine(), _now(cfg), load_delivery_config(cfg.delivery_config))


def daily_report_job(config: dict) -> int:
    """Write the previous day's response report (每日 10:00) of every warning active that day, once."""
    from emergency.reports.daily import run_daily_reports

    cfg = SchedulerConfig.model_validate(config)
    return run_daily_reports(engine(), _now(cfg), cfg)


def regional_reminders_job(config: dict) -> int:
    """Remind the cities of a regional warning that have not yet responded at its level."""
    from emergency.region.service import remind_cities

    cfg = SchedulerConfig.model_validate(config)
    return remind_cities(engine(), _now(cfg), cfg)
