"""Forecast ingestion.

Exceptions (all :class:`emergency.errors.ForecastError`): a source that cannot be
reached after retries, an HTTP error status, a malformed or partial payload, wrong
units. Sources: ``open_meteo`` (the Open-Meteo air-quality API) and ``files``
(generic CSV / JSON from a path or a URL).
"""
