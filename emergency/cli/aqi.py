"""`emergency aqi`: AQI per HJ 633 from JSON lines on stdin."""

from __future__ import annotations


def aqi_command() -> None:
    raise NotImplementedError
