"""Forecasts to AQI series for evaluation: hourly concentrations → rolling 24-h AQI."""

from __future__ import annotations

from datetime import timedelta

from emergency.aqi.averaging import HourlySeries, aqi_of, rolling_daily_values
from emergency.aqi.index import table_for
from emergency.errors import ForecastError
from emergency.warning.evaluation import AqiSeries


def rolling_aqi_series(series: HourlySeries, standard: str | None = None) -> AqiSeries:
    """AQI over the trailing 24 h at every hour from the 24th; step 1 h.

    The HJ 633 table is chosen by the date of the data unless ``standard`` forces one.
    """
    rows = rolling_daily_values(series)
    values, primary = [], []
    for i, row in enumerate(rows):
        table = table_for(series.times[i + 23].date(), standard)
        result = aqi_of(row, table)
        if result is None:
            raise ForecastError(f"no valid 24-h window ending {series.times[i + 23]}")
        values.append(float(result.aqi))
        primary.append(result.primary_pollutants)
    if not values:
        raise ForecastError("the forecast is shorter than 24 hours")
    # value i describes the 24 h ending at times[i + 23]; its step "starts" one hour before the end
    start = series.times[23] + timedelta(hours=1) - timedelta(hours=1)
    return AqiSeries(values, 1.0, start, primary)
