"""AQI per HJ 633 (the 2012 and 2026 editions, chosen by the date of the data).

Each edition is data (``config/aqi/hj633_<year>.toml``): its breakpoints, its daily and
real-time item sets, what happens above the top of a short row, rounding, AQI range
and the NA rule. HJ 633-2012 governs data up to 2026-02-28, HJ 633-2026 from 2026-03-01.

Modules:

- ``index``: IAQI of one concentration, AQI and primary pollutants of a day (daily
  report) or an hour (real-time report), under an edition's rules;
- ``averaging``: hourly concentrations → rolling 24-h values and calendar-day values
  (24-h means, O3 daily maximum 8-h mean and maximum 1-h value), with GB 3095 data
  validity;
- ``errors``: the error raised for bad input.

The tables themselves are data (``config/aqi/``, loaded by ``config.aqi_tables``).

Exceptions::

    EmergencyError                  (emergency.errors)
    ├── AqiInputError               a value that cannot be graded: not a number, negative,
    │                               unknown pollutant key, a fall-back value missing,
    │                               inconsistent hourly series
    └── PolicyError                 a table in config/aqi/ is invalid, or an unknown --standard
"""
