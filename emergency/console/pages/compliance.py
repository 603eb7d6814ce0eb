"""Compliance (落实核查): the electricity upload, a warning's check — totals overall and
per county, the 未落实 list — and its workbook.

The upload is received by :mod:`emergency.api.uploads` (bounded, stored under a
server-chosen name, the client's name kept only as text) and imported by
:func:`emergency.workflow.electricity_readings.import_electricity` (whole file or
nothing; every rejected cell listed with row, column and reason on the error page).
The check is :func:`emergency.workflow.compliance.check_compliance`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import File, Query, Request, UploadFile
from fastapi.responses import Response

from emergency.console.pages._router import area_router
from emergency.console.rendering import render
from emergency.console.session import ComplianceAction, Reader
from emergency.workflow import scope

router = area_router()
Tolerance = Annotated[float | None, Query(ge=0, le=1)]


@router.get("/compliance")
def compliance_home(request: Request, who: Reader):
    from emergency.workflow.electricity_readings import COLUMNS
    from emergency.workflow.lifecycle import list_warnings

    return render(request, "compliance_home.html", who=who, warnings=scope.visible(who, list_warnings(request.app.state.engine))[:50],
                  columns=[shown for shown, _ in COLUMNS.values()], imported=None)


@router.post("/compliance/electricity")
def upload_electricity(request: Request, who: ComplianceAction, file: Annotated[UploadFile, File()]):
    from emergency.api.uploads import client_name, receive, shown_as
    from emergency.workflow.electricity_readings import COLUMNS, import_electricity
    from emergency.workflow.lifecycle import list_warnings

    name = client_name(file)
    with tempfile.TemporaryDirectory(prefix="emergency-upload-") as tmp:
        path = receive(file, Path(tmp), (".csv",))
        with shown_as(path, name):
            summary = import_electricity(request.app.state.engine, path, actor=who.username, source_name=name,
                                         city=scope.city_of(who))
    from emergency.console import plan_view

    for w in list_warnings(request.app.state.engine, active_only=True):  # the checks change with the readings
        plan_view.warm(request.app.state.engine, w.id, plan=False, package=False)
    return render(request, "compliance_home.html", status_code=201, who=who,
                  warnings=scope.visible(who, list_warnings(request.app.state.engine))[:50],
                  columns=[shown for shown, _ in COLUMNS.values()], imported=summary)


def _report(engine, warning_id: int, tolerance: float | None):
    """The check of the warning, cached until the warning changes or electricity is
    imported again (every import is audited: the latest ``compliance.import`` record
    marks the readings' state)."""
    from sqlalchemy import func, select
    from sqlmodel import Session

    from emergency.console import plan_view
    from emergency.console.warning_view import warning
    from emergency.workflow.compliance import check_compliance
    from emergency.workflow.models import AuditRecord

    w = warning(engine, warning_id)
    with Session(engine) as session:
        readings = session.execute(select(func.max(AuditRecord.id)).where(AuditRecord.action == "compliance.import")).scalar()
    key = ("compliance", str(engine.url), warning_id, w.row_version, w.state, readings, tolerance)
    return plan_view.cached(key, lambda: check_compliance(engine, warning_id, tolerance=tolerance))


@router.get("/warnings/{warning_id}/compliance")
def compliance_page(warning_id: int, request: Request, who: Reader, tolerance: Tolerance = None,
                    all_rows: Annotated[bool, Query()] = False):
    from emergency.workflow.compliance import RULE_ZH

    report = _report(request.app.state.engine, warning_id, tolerance)
    rows = report.rows if all_rows else report.failed()
    return render(request, "compliance.html", who=who, report=report, totals=report.totals(), by_county=report.by_county(),
                  rows=rows[:1000], rows_total=len(rows), all_rows=all_rows, rule=RULE_ZH, warning_id=warning_id,
                  tolerance=tolerance)


@router.get("/warnings/{warning_id}/compliance.xlsx")
def compliance_workbook(warning_id: int, request: Request, who: Reader, tolerance: Tolerance = None):
    from emergency.workflow.compliance_workbook import write_workbook

    report = _report(request.app.state.engine, warning_id, tolerance)
    with tempfile.TemporaryDirectory(prefix="emergency-export-") as tmp:
        path = write_workbook(report, Path(tmp) / "check.xlsx")
        data = path.read_bytes()
    name = f"预警{warning_id}_落实核查.xlsx"
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", headers={
        "Content-Disposition": f"attachment; filename=\"compliance-{warning_id}.xlsx\"; filename*=UTF-8''{quote(name)}"})
