"""`emergency aqi`: AQI per HJ 633 from JSON lines on stdin.

Input: one JSON object per line (one day) with any of ``date`` (YYYY-MM-DD),
``pm25``, ``pm10``, ``so2``, ``no2`` (24-h means, µg/m³), ``co`` (24-h mean, mg/m³),
``o3_8h`` (daily maximum 8-h mean), ``o3_1h`` (daily maximum 1-h value), µg/m³;
``null`` means not measured. Blank lines are skipped.

Output: one JSON line per input line: ``date`` (when given), ``aqi``,
``primary_pollutants`` (keys as input; empty when AQI ≤ 50), ``iaqi`` (per pollutant,
keys as input), ``standard`` ("HJ 633-2012" / "HJ 633-2026": by the date, the table in
force that day — today's without a date — unless ``--standard`` forces one); and, only
when not empty, ``beyond_table`` (capped at 500), ``not_used`` (O3 8-h > 800) and
``to_verify`` (graded on a row whose values are not confirmed).

A malformed line stops the command: the message names the line number, the exit
code is non-zero, and the lines before it have already been written (each output
line is flushed as soon as it is computed), so the output is always the answer to a
prefix of the input.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from typing import Annotated, Any, Optional

import typer

from config.aqi_tables import table_for
from emergency.aqi.errors import AqiInputError
from emergency.aqi.index import daily_aqi


def _day(value: Any, n: int) -> date:
    text = str(value)
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        raise AqiInputError(f"line {n}: date {value!r} is not YYYY-MM-DD") from None


def grade_line(line: str, n: int, standard: str | None) -> dict[str, Any]:
    """The output object of input line ``n``."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise AqiInputError(f"line {n}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise AqiInputError(f"line {n}: expected a JSON object such as {{\"date\": \"2026-01-10\", \"pm25\": 116}}")
    day = None if obj.get("date") is None else _day(obj["date"], n)
    values = {k: v for k, v in obj.items() if k != "date"}
    try:
        result = daily_aqi(values, table_for(day, standard))
    except AqiInputError as exc:
        raise AqiInputError(f"line {n}: {exc.message}") from None
    out: dict[str, Any] = {} if day is None else {"date": day.isoformat()}
    out.update(result.as_dict())
    return out


def aqi_command(
    standard: Annotated[
        Optional[str],
        typer.Option("--standard", help="Force a table: 2012 or 2026 (default: the table in force on each line's date)."),
    ] = None,
) -> None:
    """Read one JSON object per line (date, pm25, pm10, so2, no2, co, o3_8h, o3_1h); write AQI, IAQI, primary pollutants."""
    if standard is not None:
        table_for(None, standard)  # an unknown --standard fails before any input is read
    for n, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        sys.stdout.write(json.dumps(grade_line(line, n, standard), ensure_ascii=False) + "\n")
        sys.stdout.flush()
