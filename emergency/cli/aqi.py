"""`emergency aqi`: AQI per HJ 633 from JSON lines on stdin.

Input: one JSON object per line (one day) with any of ``date``, ``pm25``, ``pm10``,
``so2``, ``no2`` (µg/m³, 24-h means), ``co`` (mg/m³), ``o3_8h``, ``o3_1h`` (µg/m³).
Output: one JSON line per input line with ``aqi``, ``primary_pollutants``, ``iaqi``,
``standard`` (and ``date``). A bad line stops the command with its line number and
a non-zero exit; the lines before it have been written.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Annotated, Optional

import typer

from emergency.aqi.index import AqiInputError, daily_aqi, table_for


def aqi_command(
    standard: Annotated[
        Optional[str], typer.Option("--standard", help="Force a table: 2012 or 2026 (default: by the date of the data).")
    ] = None,
) -> None:
    for n, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AqiInputError(f"line {n}: not valid JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise AqiInputError(f"line {n}: expected a JSON object")
        day = None
        if obj.get("date") is not None:
            try:
                day = date.fromisoformat(str(obj["date"])[:10])
            except ValueError:
                raise AqiInputError(f"line {n}: bad date {obj['date']!r} (use YYYY-MM-DD)") from None
        values = {k: v for k, v in obj.items() if k != "date" and v is not None}
        try:
            result = daily_aqi(values, table_for(day, standard))
        except AqiInputError as exc:
            raise AqiInputError(f"line {n}: {exc.message}") from None
        out = {
            "aqi": result.aqi,
            "primary_pollutants": result.primary_pollutants,
            "iaqi": result.iaqi,
            "standard": result.standard,
        }
        if day is not None:
            out["date"] = day.isoformat()
        if result.beyond_table:
            out["beyond_table"] = result.beyond_table
        if result.not_used:
            out["not_used"] = result.not_used
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        sys.stdout.flush()
