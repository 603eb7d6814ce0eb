"""Console pages of reports upward (上报): a warning's reports page — the daily response
report of each day its measures were in force (printable page, workbook), the episode
summary (总结评估报告), the on-site inspections with an entry form and a file upload
(duty officer, administrator; CSRF-checked). Everything is computed by
:mod:`emergency.reports` (the CLI's and the API's service functions). The printable
pages are served with a Content-Security-Policy that runs no script.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from emergency.console.pages._router import area_router
from emergency.console.rendering import render
from emergency.console.session import ComplianceAction, Reader

router = area_router()
Fmt = Annotated[Literal["html", "xlsx"], Query()]
DOCUMENT_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
                    "X-Content-Type-Options": "nosniff"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(request: Request, who, warning_id: int, status_code: int = 200, recorded=None, imported=None, error=None):
    from emergency.reports.daily import stored_reports
    from emergency.reports.inspections import as_dict, list_inspections
    from emergency.reports.models import RESULTS
    from emergency.workflow.lifecycle import get_warning

    engine = request.app.state.engine
    w, versions = get_warning(engine, warning_id)
    days = []
    if versions:
        from emergency.workflow.plan_periods import plan_periods

        days = sorted({d for p in plan_periods(w, versions) if not p.empty for d in p.days() if p.hours_on(d) > 0})
    written = {r["day"]: r for r in stored_reports(engine, warning_id)}
    inspections = [as_dict(i) for i in list_inspections(engine, warning_id)]
    return render(request, "reports.html", status_code=status_code, who=who, w=w, days=days, written=written,
                  inspections=inspections[-200:], inspections_total=len(inspections), results=RESULTS,
                  recorded=recorded, imported=imported, error=error)


@router.get("/warnings/{warning_id}/reports")
def reports_page(warning_id: int, request: Request, who: Reader):
    return _page(request, who, warning_id)


def _document(r, fmt: str, zh_name: str):
    if fmt == "xlsx":
        return Response(r.xlsx, media_type=XLSX, headers={
            "Content-Disposition": f"attachment; filename=\"{r.stem}.xlsx\"; filename*=UTF-8''{quote(zh_name + '.xlsx')}"})
    return HTMLResponse(r.html, headers=DOCUMENT_HEADERS)


@router.get("/warnings/{warning_id}/reports/daily")
def daily_page(warning_id: int, request: Request, who: Reader, day: Annotated[date, Query()], format: Fmt = "html"):
    from emergency.reports.daily import daily_report

    return _document(daily_report(request.app.state.engine, warning_id, day), format,
                     f"预警{warning_id}_每日报告_{day.isoformat()}")


@router.get("/warnings/{warning_id}/reports/summary")
def summary_page(warning_id: int, request: Request, who: Reader, format: Fmt = "html"):
    from emergency.reports.summary import summary_report

    return _document(summary_report(request.app.state.engine, warning_id), format, f"预警{warning_id}_总结评估报告")


@router.post("/warnings/{warning_id}/inspections")
def add_inspection(
    warning_id: int, request: Request, who: ComplianceAction,
    uscc: Annotated[str, Form(max_length=18)], inspected_at: Annotated[str, Form(max_length=40)],
    inspector: Annotated[str, Form(max_length=100)], result: Annotated[str, Form(max_length=20)],
    line_id: Annotated[str, Form(max_length=80)] = "", note: Annotated[str, Form(max_length=1000)] = "",
):
    from emergency import clock
    from emergency.reports.inspections import InspectionIn, record_inspection

    when = clock.parse(inspected_at.replace("T", " "), "检查时间") if inspected_at.strip() else clock.now()
    row = record_inspection(request.app.state.engine, warning_id, InspectionIn(
        uscc.strip(), when, inspector, result, line_id.strip() or None, note.strip() or None), who.username)
    return _page(request, who, warning_id, status_code=201, recorded=row)


@router.post("/warnings/{warning_id}/inspections/import")
def import_inspections(warning_id: int, request: Request, who: ComplianceAction, file: Annotated[UploadFile, File()]):
    from emergency.api.uploads import client_name, receive, shown_as
    from emergency.reports.inspections import import_inspections as run

    name = client_name(file)
    with tempfile.TemporaryDirectory(prefix="emergency-upload-") as tmp:
        path = receive(file, Path(tmp), (".csv", ".xlsx"))
        with shown_as(path, name):
            summary = run(request.app.state.engine, warning_id, path, who.username, source_name=name)
    return _page(request, who, warning_id, status_code=201, imported=summary)


