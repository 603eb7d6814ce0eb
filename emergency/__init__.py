"""Heavy-pollution emergency-response decision engine (重污染天气应急减排决策引擎).

Sub-packages:
- ``emergency.aqi``: AQI per HJ 633.
- ``emergency.warning``: warning evaluation from forecasts.
- ``emergency.forecast``: forecast ingestion (httpx).
- ``emergency.optimization``: the measure-selection model and its solvers.
- ``emergency.cli``: the ``emergency`` command.
"""

__version__ = "0.1.0"
