"""The API of effect evaluation (效果评估): CEMS readings, station observations, planned vs achieved.

Imports are the compliance officer's (duty officer, administrator): bounded uploads
(:mod:`emergency.api.uploads`), whole file or nothing, every rejected cell listed (422).
The evaluation is read by any bureau role; an enterprise account is refused everywhere.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile

from emergency.api.routes.deps import Compliance, Reader, engine
from emergency.api.uploads import client_name, receive
from emergency.workflow import scope

router = APIRouter(tags=["evaluation"])
SUFFIXES = (".csv", ".xlsx")


@router.post("/evaluation/cems", status_code=201)
def cems(request: Request, user: Compliance, file: Annotated[UploadFile, File()],
         replace: Annotated[bool, Query(description="stored values that differ take the file's")] = False) -> dict:
    """CEMS hourly readings (CSV / .xlsx; columns in :mod:`emergency.evaluation.cems`): the
    summary with ``quality`` (hours present and missing per outlet, pollutant and day)."""
    from emergency.evaluation.cems import import_cems

    with tempfile.TemporaryDirectory() as tmp:
        path = receive(file, Path(tmp), SUFFIXES)
        s = import_cems(engine(request), path, actor=user.username, source_name=client_name(file), replace=replace,
                        city=scope.city_of(user))
    return s.as_dict()


@router.post("/evaluation/observations", status_code=201)
def observations(request: Request, user: Compliance, file: Annotated[UploadFile, File()],
                 replace: Annotated[bool, Query(description="stored values that differ take the file's")] = False) -> dict:
    """Station hourly observations (CSV / .xlsx; columns in :mod:`emergency.evaluation.observations`)."""
    from emergency.evaluation.observations import import_observations

    with tempfile.TemporaryDirectory() as tmp:
        path = receive(file, Path(tmp), SUFFIXES)
        s = import_observations(engine(request), path, actor=user.username, source_name=client_name(file), replace=replace)
    return s.as_dict()


@router.get("/warnings/{warning_id}/evaluation")
def evaluation(warning_id: int, request: Request, _: Reader) -> dict:
    """Planned vs achieved per county, pollutant and firm; 不降反增; forecast vs observed
    AQI; lost output; coverage (:mod:`emergency.evaluation.effect`)."""
    from emergency.evaluation.effect import evaluate_episode

    return evaluate_episode(engine(request), warning_id).as_dict()
