"""Warnings (预警): evaluation of a forecast under a rule set.

Modules: ``series`` (the AQI series and how forecasts become one), ``conditions``
(the typed trigger rows and their dispatch table), ``runs`` (runs above a threshold and
their durations), ``episodes`` (back-to-back runs merged when the gap does not meet the
release condition: one episode per polluted process), ``evaluation`` (level, trigger,
period, primary pollutant, industrial measures), ``release`` (may an active warning
be released). Rule sets are data: ``config/national/warning_rules/``.

Exceptions::

    EmergencyError                  (emergency.errors)
    ├── WarningError                an empty or invalid AQI series, bad CLI input
    ├── ForecastError               a forecast that cannot be turned into an AQI series
    └── PolicyError                 an unknown or invalid rule set
"""
