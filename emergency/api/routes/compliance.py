"""Compliance (落实核查): electricity uploads and the check of a warning."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile

from emergency.api.routes.deps import Compliance, Reader, engine
from emergency.api.uploads import client_name, receive

router = APIRouter(tags=["compliance"])


@router.get("/warnings/{warning_id}/compliance")
def compliance(
    warning_id: int, request: Request, _: Reader,
    tolerance: Annotated[float | None, Query(ge=0, le=1, description="default: the policy's [compliance] tolerance")] = None,
    only_failed: Annotated[bool, Query(description="rows of the firms judged 未落实 only (totals cover all)")] = False,
) -> dict:
    """Each firm's verdict (落实 / 未落实 / 数据不足) with totals overall and per county.
    The rule is in :mod:`emergency.workflow.compliance`."""
    from emergency.workflow.compliance import check_compliance

    return check_compliance(engine(request), warning_id, tolerance=tolerance).as_dict(only_failed=only_failed)


@router.post("/compliance/electricity", status_code=201)
def electricity(request: Request, user: Compliance, file: Annotated[UploadFile, File()]) -> dict:
    """Daily electricity readings (CSV; columns in :mod:`emergency.workflow.electricity_readings`):
    whole file or nothing; readings of the same enterprise, line and day are replaced."""
    from emergency.workflow import scope
    from emergency.workflow.electricity_readings import import_electricity

    with tempfile.TemporaryDirectory() as tmp:
        path = receive(file, Path(tmp), (".csv",))
        s = import_electricity(engine(request), path, actor=user.username, source_name=client_name(file),
                               city=scope.city_of(user))
    return {"rows": s.rows, "new": s.new, "replaced": s.replaced, "enterprises": s.enterprises, "file": s.file}
