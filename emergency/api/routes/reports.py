"""The API of reports upward (上报): the daily response report, the episode summary and
on-site inspections. The bureau's roles only (an enterprise account is refused).

``GET /api/warnings/{id}/daily-reports``: the Beijing days the warning's measures were
in force and the reports the scheduler wrote; ``GET
/api/warnings/{id}/daily-report?day=2026-12-05&format=json|xlsx|html``: the report of a day;
``GET /api/warnings/{id}/summary?format=json|xlsx|html``: the episode summary
(总结评估报告); ``GET /api/warnings/{id}/inspections[?day=]``; ``POST
/api/warnings/{id}/inspections`` (one inspection, JSON) and ``POST
/api/warnings/{id}/inspections/import`` (a CSV or .xlsx file, whole or nothing): duty
officers and administrators (the compliance permission), audited.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import Field

from emergency.api.routes.deps import Compliance, In, Reader, engine

router = APIRouter(tags=["reports"])
Format = Annotated[Literal["json", "xlsx", "html"], Query(description="json (default), xlsx or html (printable, A4)")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def report_response(r, fmt: str, zh_name: str):
    if fmt == "xlsx":
        return Response(r.xlsx, media_type=XLSX, headers={
            "Content-Disposition": f"attachment; filename=\"{r.stem}.xlsx\"; filename*=UTF-8''{quote(zh_name + '.xlsx')}"})
    if fmt == "html":
        return HTMLResponse(r.html, headers={"Content-Security-Policy": HTML_CSP, "X-Content-Type-Options": "nosniff"})
    return r.document


@router.get("/warnings/{warning_id}/daily-reports")
def daily_reports(warning_id: int, request: Request, _: Reader) -> dict:
    """The days a daily report can be made for, and those the scheduler wrote."""
    from emergency.reports import figures
    from emergency.reports.daily import stored_reports

    inp = figures.load_inputs(engine(request), warning_id)
    return {"warning_id": warning_id, "days": [d.isoformat() for d in figures.active_days(inp)],
            "written": stored_reports(engine(request), warning_id)}


@router.get("/warnings/{warning_id}/daily-report")
def daily_report(warning_id: int, request: Request, _: Reader,
                 day: Annotated[date, Query(description="the Beijing calendar day reported, 2026-12-05")],
                 format: Format = "json"):
    """The daily response report of a Beijing calendar day (figures: emergency.reports.figures)."""
    from emergency.reports.daily import daily_report as make

    return report_response(make(engine(request), warning_id, day), format, f"预警{warning_id}_每日报告_{day.isoformat()}")


@router.get("/warnings/{warning_id}/summary")
def summary(warning_id: int, request: Request, _: Reader, format: Format = "json"):
    """The episode summary (总结评估报告); before the release, an interim statement (said in it)."""
    from emergency.reports.summary import summary_report

    return report_response(summary_report(engine(request), warning_id), format, f"预警{warning_id}_总结评估报告")


class InspectionBody(In):
    uscc: str = Field(min_length=1, max_length=18)
    inspected_at: datetime = Field(description="ISO 8601; without an offset it is Beijing time")
    inspector: str = Field(min_length=1, max_length=100)
    result: str = Field(min_length=1, max_length=20, description="落实 / 未落实 / 停产 / 无法核实 (or compliant, non_compliant, stopped, unverified)")
    line_id: str | None = Field(default=None, max_length=80)
    note: str | None = Field(default=None, max_length=1000)


@router.get("/warnings/{warning_id}/inspections")
def inspections(warning_id: int, request: Request, _: Reader,
                day: Annotated[date | None, Query(description="one Beijing day only")] = None) -> dict:
    from emergency.reports.inspections import as_dict, list_inspections

    return {"warning_id": warning_id, "inspections": [as_dict(i) for i in list_inspections(engine(request), warning_id, day)]}


@router.post("/warnings/{warning_id}/inspections", status_code=201)
def add_inspection(warning_id: int, body: InspectionBody, request: Request, user: Compliance) -> dict:
    from emergency.reports.inspections import InspectionIn, record_inspection

    return record_inspection(engine(request), warning_id, InspectionIn(
        body.uscc, body.inspected_at, body.inspector, body.result, body.line_id, body.note), user.username)


@router.post("/warnings/{warning_id}/inspections/import", status_code=201)
def import_inspections(warning_id: int, request: Request, user: Compliance, file: Annotated[UploadFile, File()]) -> dict:
    """A CSV or .xlsx of inspections (columns in emergency.reports.inspections): whole file or nothing."""
    from emergency.api.uploads import client_name, receive, shown_as
    from emergency.reports.inspections import import_inspections as run

    name = client_name(file)
    with tempfile.TemporaryDirectory(prefix="emergency-upload-") as tmp:
        path = receive(file, Path(tmp), (".csv", ".xlsx"))
        with shown_as(path, name):
            return run(engine(request), warning_id, path, user.username, source_name=name).as_dict()
