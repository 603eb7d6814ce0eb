"""Forecast ingestion.

Modules: ``http`` (GET with timeout and retries, ``RetryPolicy``), ``open_meteo``
(the Open-Meteo air-quality API: request, payload checks, units), ``files`` (generic
CSV / JSON from a path or a URL). Every source yields one of the forecast types of
``emergency.warning.series`` (``AqiSeries``, ``WindowSeries``, ``HourlySeries``), turned
into an AQI series by ``emergency.warning.series.to_aqi_series``.

Exceptions::

    EmergencyError                  (emergency.errors)
    └── ForecastError               unreachable after retries, an HTTP error status, a
                                    timeout, a malformed or partial payload (missing key,
                                    length mismatch, no values, unknown units), a bad
                                    file or cell, too few valid hours inside the forecast
"""
