"""`emergency warning evaluate`: the warning level a forecast calls for, as JSON.

Exactly one forecast source:

- ``--daily-aqi 210,220,150`` (optionally ``--start 2026-12-01``, the first day);
- ``--forecast FILE|URL``: CSV / JSON (columns in ``emergency.forecast.files``);
- ``--source open-meteo --lat .. --lon ..`` (``--base-url`` or
  ``EMERGENCY_OPEN_METEO_URL`` to point elsewhere, e.g. a mirror or a test server).

The rule set is ``--rules`` (2019, 2024); with ``--area`` it is taken from the area's
effective policy (a locality may have tightened it), ``--rules`` then choosing among
its rule sets and defaulting to the one the area applies.

Output: ``level``, ``trigger`` (id, wording_zh), ``period`` (step indices, hours,
ISO start / end when the forecast is dated), ``episode`` (the polluted runs the period
is made of: ``merged``, ``runs``, ``gaps``, ``gap_hours``, ``counted_hours``,
``merges`` per threshold, and the merged episode's ``release_index`` / ``release_at``;
null without a warning), ``issue_by``, ``primary_pollutants``,
``industrial_measures``, ``rules`` (with ``merge_episodes``), ``fired`` (every trigger
that fired, each with ``merged``), ``release``, ``notes`` (one per merge, Chinese /
English) and ``series`` (a summary of the AQI series evaluated).
"""

from __future__ import annotations

import json
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from config.warning_rules import WarningRuleSet, load_rule_set
from emergency.errors import WarningError
from emergency.forecast.http import RetryPolicy
from emergency.warning.evaluation import evaluate
from emergency.warning.series import AqiSeries, daily_series, to_aqi_series

app = typer.Typer(no_args_is_help=True)

DEFAULT_RULES = "2024"


class Source(str, Enum):
    open_meteo = "open-meteo"


def parse_daily_aqi(text: str) -> list[float]:
    parts = [p.strip() for p in text.split(",")]
    try:
        values = [float(p) for p in parts if p]
    except ValueError:
        raise WarningError(f"--daily-aqi: {text!r} is not a comma-separated list of AQI values, e.g. 210,220,150") from None
    if not values:
        raise WarningError("--daily-aqi: no value given")
    return values


def rule_set(rules: str | None, area: str | None, policy_dir: Path | None) -> WarningRuleSet:
    if area is None:
        return load_rule_set(rules or DEFAULT_RULES, policy_dir)
    from config.policy import load_policy

    policy = load_policy(area, policy_dir)
    name = rules or policy.rule_set
    if name not in policy.warning_rules:
        raise WarningError(f"--rules {name!r}: area {area!r} knows {', '.join(sorted(policy.warning_rules))}")
    return policy.warning_rules[name]


def forecast_series(
    *,
    daily_aqi: str | None,
    start: date | None,
    forecast: str | None,
    source: Source | None,
    lat: float | None,
    lon: float | None,
    base_url: str | None,
    days: int,
    standard: str | None,
    retry: RetryPolicy,
    timeout: float,
) -> AqiSeries:
    """The AQI series of the one forecast source given."""
    given = [name for name, value in (("--daily-aqi", daily_aqi), ("--forecast", forecast), ("--source", source)) if value]
    if len(given) != 1:
        raise WarningError("give exactly one of --daily-aqi, --forecast or --source" + (f" (got {', '.join(given)})" if given else ""))
    if start is not None and not daily_aqi:
        raise WarningError("--start dates a --daily-aqi series; files and Open-Meteo carry their own times")
    if daily_aqi:
        return daily_series(parse_daily_aqi(daily_aqi), start)
    if forecast:
        from emergency.forecast.files import load

        data = load(forecast, timeout=timeout, retry=retry)
    else:
        if lat is None or lon is None:
            raise WarningError("--source open-meteo needs --lat and --lon")
        from emergency.forecast import open_meteo

        data = open_meteo.fetch(
            lat, lon, base_url=base_url or open_meteo.DEFAULT_BASE_URL, forecast_days=days, timeout=timeout, retry=retry
        )
    return to_aqi_series(data, standard)


@app.command("evaluate")
def evaluate_command(
    rules: Annotated[Optional[str], typer.Option("--rules", help="Rule set: 2019 or 2024 (default 2024, or the area's).")] = None,
    area: Annotated[Optional[str], typer.Option("--area", help="Use this area's effective rule set (overrides applied).")] = None,
    daily_aqi: Annotated[Optional[str], typer.Option("--daily-aqi", help="Daily AQI forecast, e.g. 210,220,150.")] = None,
    start: Annotated[Optional[str], typer.Option("--start", help="First day of --daily-aqi (YYYY-MM-DD).")] = None,
    forecast: Annotated[Optional[str], typer.Option("--forecast", help="CSV / JSON forecast file or URL.")] = None,
    source: Annotated[Optional[Source], typer.Option("--source", help="Forecast service.")] = None,
    lat: Annotated[Optional[float], typer.Option("--lat", help="Latitude (WGS84).")] = None,
    lon: Annotated[Optional[float], typer.Option("--lon", help="Longitude (WGS84).")] = None,
    base_url: Annotated[
        Optional[str], typer.Option("--base-url", envvar="EMERGENCY_OPEN_METEO_URL", help="Open-Meteo base URL.")
    ] = None,
    days: Annotated[int, typer.Option("--days", help="Open-Meteo forecast days (1–7).")] = 5,
    standard: Annotated[Optional[str], typer.Option("--standard", help="Force HJ 633 table 2012 or 2026.")] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="HTTP timeout, seconds.")] = 10.0,
    retries: Annotated[int, typer.Option("--retries", help="HTTP retries on connection errors, 429 and 5xx.")] = 3,
    policy_dir: Annotated[Optional[Path], typer.Option("--policy-dir", help="Policy directory (default: config/).")] = None,
) -> None:
    """Evaluate a forecast: level (none/yellow/orange/red), trigger, period, release, as JSON."""
    try:
        first_day = None if start is None else date.fromisoformat(start)
    except ValueError:
        raise WarningError(f"--start {start!r} is not YYYY-MM-DD") from None
    if retries < 0 or timeout <= 0:
        raise WarningError("--retries must be ≥ 0 and --timeout > 0")
    rule_set_ = rule_set(rules, area, policy_dir)
    series = forecast_series(
        daily_aqi=daily_aqi,
        start=first_day,
        forecast=forecast,
        source=source,
        lat=lat,
        lon=lon,
        base_url=base_url,
        days=days,
        standard=standard,
        retry=RetryPolicy(retries=retries),
        timeout=timeout,
    )
    result = evaluate(series, rule_set_).as_dict()
    result["series"] = series.summary()
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
