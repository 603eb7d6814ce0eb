"""`emergency aqi`: AQI per HJ 633 from JSON lines on stdin.

Input: one JSON object per line with an optional ``date`` (YYYY-MM-DD; a ``time``
such as ``2026-03-01T08:00`` is read as its date) choosing the edition in force that
day — today's (Beijing) without one — unless ``--standard`` forces one; ``null``
means not measured. Blank lines are skipped. The keys are the items of the edition's
report:

==================  ==========================================  ======================================
report              HJ 633-2012 (to 2026-02-28)                 HJ 633-2026 (from 2026-03-01)
==================  ==========================================  ======================================
daily (default)     ``pm25 pm10 so2 no2 co`` 24-h means,        the same without ``o3_1h``
                    ``o3_8h`` daily max 8-h, ``o3_1h`` daily
                    max 1-h
``--realtime``      ``so2_1h no2_1h co_1h o3_1h``, ``o3_8h``,   ``pm25_1h pm10_1h so2_1h no2_1h co_1h
                    ``pm25 pm10`` 24-h moving means,            o3_1h`` (the six 1-h means; PM on the
                    ``so2_24h`` (read for the SO2 fall-back)    24-h rows)
==================  ==========================================  ======================================

µg/m³, CO mg/m³. A key of the other edition's report is ignored (listed in
``ignored``): an O3 1-h value on a 2026 day does not raise its AQI.

Output: one JSON line per input line: ``date`` (when given), ``aqi`` (``"NA"`` under
HJ 633-2026 when an item is missing and the AQI is not above 100), ``primary_pollutants``
(keys as input; empty when AQI ≤ 50 or NA), ``iaqi`` (per item graded), ``standard``;
and, only when not empty, ``beyond_table`` (capped at 500), ``not_used`` (2012: SO2 1-h
or O3 8-h above 800, the other row reported), ``above_top`` (2026 注 b/c: counted as
200 / 300), ``to_verify``, ``missing`` (2026: items of the report not given) and
``ignored``. Under HJ 633-2026 concentrations are rounded before grading (integers,
CO one decimal); HJ 633-2012 grades them as given.

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
from emergency.aqi.index import ReportKind, aqi_of

_DATE_KEYS = ("date", "time")


def _day(value: Any, n: int) -> date:
    text = str(value)
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise AqiInputError(f"line {n}: date {value!r} is not YYYY-MM-DD") from None
    from emergency import clock

    return clock.local_day(moment) if moment.tzinfo is not None else moment.date()  # the bureau's day of a zoned time


def grade_line(line: str, n: int, standard: str | None, kind: ReportKind = "daily") -> dict[str, Any]:
    """The output object of input line ``n``."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise AqiInputError(f"line {n}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise AqiInputError(f"line {n}: expected a JSON object such as {{\"date\": \"2026-01-10\", \"pm25\": 116}}")
    stamp = next((k for k in _DATE_KEYS if obj.get(k) is not None), None)
    day = None if stamp is None else _day(obj[stamp], n)
    values = {k: v for k, v in obj.items() if k not in _DATE_KEYS}
    try:
        result = aqi_of(values, table_for(day, standard), kind)
    except AqiInputError as exc:
        raise AqiInputError(f"line {n}: {exc.message}") from None
    out: dict[str, Any] = {} if stamp is None else {stamp: obj[stamp] if stamp == "time" else day.isoformat()}
    out.update(result.as_dict())
    return out


def aqi_command(
    standard: Annotated[
        Optional[str],
        typer.Option("--standard", help="Force an edition: 2012 or 2026 (default: the edition in force on each line's date)."),
    ] = None,
    realtime: Annotated[
        bool, typer.Option("--realtime", help="Grade real-time (hourly) reports instead of daily reports.")
    ] = False,
) -> None:
    """Read one JSON object per line (date and the report's items); write AQI, IAQI, primary pollutants."""
    if standard is not None:
        table_for(None, standard)  # an unknown --standard fails before any input is read
    kind: ReportKind = "realtime" if realtime else "daily"
    for n, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        sys.stdout.write(json.dumps(grade_line(line, n, standard, kind), ensure_ascii=False) + "\n")
        sys.stdout.flush()
