"""Console pages of effect evaluation (效果评估): the CEMS and station uploads (every
rejected cell listed with row, column and reason on the error page; gaps reported on the
result), a warning's effect page (the chart, coverage said at the top, per county and
pollutant, per firm, 不降反增, forecast vs observed AQI) and its workbook.

Uploads are received by :mod:`emergency.api.uploads` (bounded, a server-chosen name) and
imported by :func:`emergency.evaluation.cems.import_cems` /
:func:`emergency.evaluation.observations.import_observations`; the page is
:func:`emergency.evaluation.effect.evaluate_episode`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import File, Request, UploadFile
from fastapi.responses import Response

from emergency.console.pages._router import area_router
from emergency.console.rendering import render
from emergency.console.session import ComplianceAction, Reader
from emergency.workflow import scope

router = area_router()
SUFFIXES = (".csv", ".xlsx")


def _home(request: Request, who, status_code: int = 200, cems=None, observations=None):
    from emergency.evaluation import cems as cems_mod
    from emergency.evaluation import observations as obs_mod
    from emergency.workflow.lifecycle import list_warnings

    return render(request, "evaluation_home.html", status_code=status_code, who=who,
                  warnings=scope.visible(who, list_warnings(request.app.state.engine))[:50],
                  cems_columns=cems_mod.columns_help(), observation_columns=obs_mod.columns_help(),
                  cems=cems, observations=observations)


@router.get("/evaluation")
def evaluation_home(request: Request, who: Reader):
    return _home(request, who)


@router.post("/evaluation/cems")
def upload_cems(request: Request, who: ComplianceAction, file: Annotated[UploadFile, File()]):
    from emergency.api.uploads import client_name, receive, shown_as
    from emergency.evaluation.cems import import_cems

    name = client_name(file)
    with tempfile.TemporaryDirectory(prefix="emergency-upload-") as tmp:
        path = receive(file, Path(tmp), SUFFIXES)
        with shown_as(path, name):
            summary = import_cems(request.app.state.engine, path, actor=who.username, source_name=name,
                                  city=scope.city_of(who))
    return _home(request, who, 201, cems=summary)


@router.post("/evaluation/observations")
def upload_observations(request: Request, who: ComplianceAction, file: Annotated[UploadFile, File()]):
    from emergency.api.uploads import client_name, receive, shown_as
    from emergency.evaluation.observations import import_observations

    name = client_name(file)
    with tempfile.TemporaryDirectory(prefix="emergency-upload-") as tmp:
        path = receive(file, Path(tmp), SUFFIXES)
        with shown_as(path, name):
            summary = import_observations(request.app.state.engine, path, actor=who.username, source_name=name)
    return _home(request, who, 201, observations=summary)


@router.get("/warnings/{warning_id}/evaluation")
def evaluation_page(warning_id: int, request: Request, who: Reader):
    from emergency.evaluation.charts import episode_chart
    from emergency.evaluation.effect import SOURCE_ZH, evaluate_episode, pollutant_zh

    effect = evaluate_episode(request.app.state.engine, warning_id)
    firms = effect.firm_rows()
    return render(request, "evaluation.html", who=who, effect=effect, chart=episode_chart(effect),
                  counties=effect.county_rows(), firms=firms[:1000], firms_total=len(firms), flags=effect.increase_flags(),
                  days=effect.aqi_days(), coverage=effect.coverage_lines(), source_zh=SOURCE_ZH, pollutant_zh=pollutant_zh)


@router.get("/warnings/{warning_id}/evaluation.xlsx")
def evaluation_workbook(warning_id: int, request: Request, who: Reader):
    from emergency.evaluation.effect import evaluate_episode
    from emergency.evaluation.workbook import write_workbook

    effect = evaluate_episode(request.app.state.engine, warning_id)
    with tempfile.TemporaryDirectory(prefix="emergency-export-") as tmp:
        data = write_workbook(effect, Path(tmp) / "effect.xlsx").read_bytes()
    name = f"预警{warning_id}_效果评估.xlsx"
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", headers={
        "Content-Disposition": f"attachment; filename=\"evaluation-{warning_id}.xlsx\"; filename*=UTF-8''{quote(name)}"})
