"""Compliance (落实核查): electricity uploads and the check of a warning."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile

from emergency.api.routes.deps import Compliance, Reader, engine

router = APIRouter(tags=["compliance"])


@router.get("/warnings/{warning_id}/compliance")
def compliance(warning_id: int, request: Request, _: Reader, tolerance: Annotated[float, Query(ge=0, le=1)] = 0.1) -> list[dict]:
    from emergency.workflow.compliance import check_compliance

    return [r.__dict__ for r in check_compliance(engine(request), warning_id, tolerance=tolerance)]


@router.post("/compliance/electricity", status_code=201)
def electricity(request: Request, user: Compliance, file: Annotated[UploadFile, File()]) -> dict:
    from emergency.workflow.compliance import import_electricity

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / (file.filename or "electricity.csv")
        path.write_bytes(file.file.read())
        return {"rows": import_electricity(engine(request), path, actor=user.username)}
