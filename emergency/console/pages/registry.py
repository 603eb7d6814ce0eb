"""The list (应急减排清单): versions, enterprises filtered and paged on the server, a
firm's page (lines, grade, its measures and notices in the active warnings), and the
upload of a list file with the located error report.

Calls :mod:`enterprise_registry.service` (versions, enterprises, a firm) and
:func:`emergency.workflow.lists.import_list_file` (audited, whole file or nothing) —
what ``emergency registry …`` and ``/api/registry/…`` call.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import File, Form, Query, Request, Response, UploadFile

from emergency.console import plan_view
from emergency.console.pages._router import area_router
from emergency.console.rendering import render
from emergency.console.session import Reader, RegistryAction
from emergency.errors import EmergencyError
from emergency.workflow import scope

router = area_router()
Filter = Annotated[str, Query(max_length=200)]
PAGE = 50
NO_FILTERS = {"version": "", "county": "", "industry": "", "grade": ""}


def _industries() -> dict[str, str]:
    from config.industries import load_industries

    return {code: ind.name_zh for code, ind in load_industries().industries.items()}


def _versions(engine, who=None) -> list[dict]:
    """The list versions the account may see (its city's; the province's: all), newest first."""
    from enterprise_registry.service import list_versions

    out = scope.visible_versions(who, list_versions(engine)) if who is not None else list_versions(engine)
    for v in out:
        if v.get("source_file"):
            v["source_file"] = v["source_file"].replace("\\", "/").rsplit("/", 1)[-1]  # a name, never a server path
    return list(reversed(out))


@router.get("/registry")
def registry_page(request: Request, who: Reader, version: Filter = "", county: Filter = "", industry: Filter = "",
                  grade: Filter = "", page: Annotated[int, Query(ge=1, le=10**6)] = 1):
    from enterprise_registry.service import list_enterprises

    engine = request.app.state.engine
    versions = _versions(engine, who)
    version = _chosen(engine, who, version, versions)
    if not versions:
        return render(request, "registry.html", who=who, versions=[], total=0, items=[], page=1, pages=1,
                      filters=NO_FILTERS, query={}, industries=_industries(), counties=[], imported=None)
    total, items = list_enterprises(engine, version=version or None, county=county or None, industry=industry or None,
                                    grade=grade or None, offset=(page - 1) * PAGE, limit=PAGE)
    pages = max(1, -(-total // PAGE))
    query = {k: v for k, v in (("version", version), ("county", county), ("industry", industry), ("grade", grade)) if v}
    return render(request, "registry.html", who=who, versions=versions, total=total, items=items, page=page, pages=pages,
                  filters={"version": version, "county": county, "industry": industry, "grade": grade}, query=query,
                  industries=_industries(), counties=_counties(engine, version), imported=None)


def _chosen(engine, who, version: str, versions: list[dict]) -> str:
    """The version a page shows: the one asked for (within the account's city), else the
    account's city's in effect; the province, with several cities' lists and none asked
    for, sees the newest (named on the page, with the others to choose from)."""
    if not versions:
        return version
    chosen = scope.version_for(engine, who, version or None)
    if chosen is None and len({v["city"] for v in versions}) > 1:
        chosen = versions[0]["name"]
    return chosen or ""


def _counties(engine, version: str) -> list[str]:
    from emergency.console.list_view import areas

    return [name for name, parent in areas(engine, version or None) if parent]


@router.get("/registry/firms/{uscc}")
def firm_page(uscc: str, request: Request, who: Reader, version: Filter = ""):
    from emergency.console.warning_view import warning_and_versions
    from enterprise_registry.service import get_enterprise
    from emergency.workflow.lifecycle import list_warnings

    engine = request.app.state.engine
    ent, lines = get_enterprise(engine, uscc, _chosen(engine, who, version, _versions(engine, who)) or None)
    in_warnings = []
    for w in scope.visible(who, list_warnings(engine, active_only=True)):
        _, versions = warning_and_versions(engine, w.id)
        if not versions:
            continue
        try:
            _, doc = plan_view.document(engine, w.id, versions[-1].version_no)
        except EmergencyError:
            continue
        actions = [a for a in doc.actions if a.enterprise_uscc == ent.uscc]
        spared = [s for s in doc.spared if s.enterprise_uscc == ent.uscc]
        if actions or spared:
            in_warnings.append({"w": w, "version": versions[-1].version_no, "actions": actions, "spared": spared,
                                "areas": "、".join(json.loads(w.areas))})
    return render(request, "registry_firm.html", who=who, ent=ent, lines=lines, industries=_industries(),
                  in_warnings=in_warnings, version=version)


@router.post("/registry/import")
def import_list(request: Request, who: RegistryAction, file: Annotated[UploadFile, File()],
                replace: Annotated[str, Form(max_length=5)] = ""):
    from emergency.api import uploads
    from emergency.workflow.lists import import_list_file

    engine = request.app.state.engine
    name = uploads.client_name(file)
    with tempfile.TemporaryDirectory(prefix="emergency-upload-") as tmp:
        path = uploads.receive(file, Path(tmp), (".xlsx",))
        with uploads.shown_as(path, name):
            scope.check_import(engine, who, path)
            summary = import_list_file(engine, path, replace=replace == "1", actor=who.username, source_name=name)
    versions = _versions(engine, who)
    return render(request, "registry.html", status_code=201, who=who, versions=versions, total=0, items=[], page=1,
                  pages=1, filters=NO_FILTERS, query={}, industries=_industries(), counties=[], imported=summary)


def _check(engine, version: str, who=None):
    """The list check of ``version`` (default: the version in effect), cached by the version's content hash."""
    from emergency.lists.check import check_list
    from emergency.plans.service import policy_for
    from enterprise_registry.service import latest_version, load_planning_tables

    version = _chosen(engine, who, version, _versions(engine, who)) if who is not None else version
    name = version or latest_version(engine).name
    sha = next((v.get("content_sha256") for v in _versions(engine) if v["name"] == name), None)

    def run():
        tables = load_planning_tables(engine, name)
        return check_list(tables, policy_for(tables))

    return plan_view.cached(("list-check", str(engine.url), name, sha), run)


@router.get("/registry/check")
def check_page(request: Request, who: Reader, version: Filter = ""):
    """The list check per level (清单核算): what the filed measures deliver against each
    area's requirement — :func:`emergency.lists.check.check_list`, what
    ``emergency registry check`` prints."""
    return render(request, "registry_check.html", who=who, check=_check(request.app.state.engine, version, who),
                  industries=_industries(), version=version)


@router.get("/registry/check.xlsx")
def check_workbook(request: Request, who: Reader, version: Filter = ""):
    """The list check as the workbook ``emergency registry check --out`` writes
    (:func:`emergency.lists.workbook.write_check_workbook`)."""
    from emergency.lists.workbook import write_check_workbook

    check = _check(request.app.state.engine, version, who)
    with tempfile.TemporaryDirectory(prefix="emergency-export-") as tmp:
        data = write_check_workbook(check, Path(tmp) / "check.xlsx").read_bytes()
    name = f"清单核算_{check.registry_version}.xlsx"
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", headers={
        "Content-Disposition": f"attachment; filename=\"list-check.xlsx\"; filename*=UTF-8''{quote(name)}"})
