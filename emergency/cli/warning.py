"""`emergency warning`: evaluate a forecast under a rule set (and, later, the lifecycle)."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from config.warning_rules import load_rule_set
from emergency.errors import WarningError
from emergency.warning.evaluation import AqiSeries, evaluate

app = typer.Typer(no_args_is_help=True)


def load_forecast(
    daily_aqi: str | None, forecast: str | None, source: str | None, lat: float | None, lon: float | None,
    base_url: str | None, standard: str | None,
) -> AqiSeries:
    """One of --daily-aqi, --forecast FILE|URL, --source open-meteo → an AQI series."""
    given = [x for x in (daily_aqi, forecast, source) if x]
    if len(given) != 1:
        raise WarningError("give exactly one of --daily-aqi, --forecast or --source")
    if daily_aqi:
        try:
            values = [float(x) for x in daily_aqi.split(",") if x.strip()]
        except ValueError:
            raise WarningError(f"--daily-aqi: {daily_aqi!r} is not a comma-separated list of numbers") from None
        return AqiSeries(values, 24.0)
    from emergency.aqi.averaging import HourlySeries
    from emergency.warning.series import rolling_aqi_series

    if forecast:
        from emergency.forecast.files import load

        data = load(forecast)
    else:
        if source != "open-meteo":
            raise WarningError(f"unknown source {source!r}; supported: open-meteo")
        if lat is None or lon is None:
            raise WarningError("--source open-meteo needs --lat and --lon")
        from emergency.forecast import open_meteo

        data = open_meteo.fetch(lat, lon, base_url=base_url or open_meteo.DEFAULT_BASE_URL)
    return rolling_aqi_series(data, standard) if isinstance(data, HourlySeries) else data


@app.command("evaluate")
def evaluate_command(
    rules: Annotated[str, typer.Option("--rules", help="Rule set: 2019 or 2024.")] = "2024",
    daily_aqi: Annotated[Optional[str], typer.Option("--daily-aqi", help="Daily AQI forecast, e.g. 210,220,150.")] = None,
    forecast: Annotated[Optional[str], typer.Option("--forecast", help="CSV/JSON file or URL.")] = None,
    source: Annotated[Optional[str], typer.Option("--source", help="open-meteo")] = None,
    lat: Annotated[Optional[float], typer.Option("--lat")] = None,
    lon: Annotated[Optional[float], typer.Option("--lon")] = None,
    base_url: Annotated[Optional[str], typer.Option("--base-url", help="Open-Meteo base URL.")] = None,
    standard: Annotated[Optional[str], typer.Option("--standard", help="Force HJ 633 table 2012 or 2026.")] = None,
) -> None:
    """Evaluate a forecast: level (none/yellow/orange/red), trigger and period, as JSON."""
    rule_set = load_rule_set(rules)
    series = load_forecast(daily_aqi, forecast, source, lat, lon, base_url, standard)
    result = evaluate(series, rule_set).as_dict()
    result["series"] = {
        "step_hours": series.step_hours,
        "n": len(series.values),
        "max_aqi": max(series.values),
        "start": series.start.isoformat() if series.start else None,
    }
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
