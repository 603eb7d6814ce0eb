"""Hand-made CEMS and station files for the evaluation tests (times typed in Beijing time)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

CEMS_HEADER = "统一社会信用代码,排放口编号,监测时间,污染物,实测浓度(mg/m³),标干流量(m³/h)"
OBS_HEADER = "站点,区县/城市,监测时间,PM2.5,PM10,SO2,NO2,O3,CO"


def day_rows(uscc: str, outlet: str, pollutant: str, day: date, mg: float, flow: float, hours: int = 24) -> list[str]:
    """``hours`` hourly rows from 00:00 Beijing time of ``day``."""
    start = datetime.combine(day, datetime.min.time())
    return [f"{uscc},{outlet},{start + timedelta(hours=h):%Y-%m-%d %H:%M},{pollutant},{mg},{flow}" for h in range(hours)]


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path
