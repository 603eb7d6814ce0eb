"""The list (应急减排清单): versions, enterprises, import."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile

from emergency.api import uploads
from emergency.api.routes.deps import Reader, RegistryWriter, engine
from emergency.workflow import lists, scope
from enterprise_registry import service as registry

router = APIRouter(tags=["registry"])


@router.get("/registry/versions")
def versions(request: Request, user: Reader, city: str | None = None) -> list[dict]:
    """The list versions (of the account's city; the province's: every city's, or
    ``city``'s); ``source_file`` is the imported file's name only (never a path on the
    server)."""
    out = scope.visible_versions(user, registry.list_versions(engine(request)), city)
    for v in out:
        if v.get("source_file"):
            v["source_file"] = v["source_file"].replace("\\", "/").rsplit("/", 1)[-1]
    return out


@router.get("/registry/enterprises")
def enterprises(
    request: Request, user: Reader, county: str | None = None, industry: str | None = None, grade: str | None = None,
    version: str | None = None, city: str | None = None, offset: Annotated[int, Query(ge=0, le=10**9)] = 0, limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> dict:
    version = scope.version_for(engine(request), user, version, city)
    total, items = registry.list_enterprises(engine(request), version=version, county=county, industry=industry,
                                             grade=grade, offset=offset, limit=limit)
    return {"total": total, "items": [e.model_dump(exclude={"id", "version_id"}) for e in items]}


@router.get("/registry/enterprises/{uscc}")
def enterprise(uscc: str, request: Request, user: Reader, version: str | None = None, city: str | None = None) -> dict:
    ent, lines = registry.get_enterprise(engine(request), uscc, scope.version_for(engine(request), user, version, city))
    return {**ent.model_dump(exclude={"id", "version_id"}),
            "lines": [ln.model_dump(exclude={"id", "version_id", "enterprise_id"}) for ln in lines]}


@router.post("/registry/import", status_code=201)
def import_list(request: Request, user: RegistryWriter, file: Annotated[UploadFile, File()], replace: bool = False) -> dict:
    """Import an .xlsx list (whole file or nothing; 422 with every rejected cell). The
    upload is stored under a server-chosen name; messages and the audit log name the
    client's file. 413 if the file or one of its sheets is beyond the limits."""
    name = uploads.client_name(file)
    with tempfile.TemporaryDirectory(prefix="emergency-upload-") as tmp:
        path = uploads.receive(file, Path(tmp), (".xlsx",))
        with uploads.shown_as(path, name):
            scope.check_import(engine(request), user, path)
            summary = lists.import_list_file(engine(request), path, replace=replace, actor=user.username,
                                             source_name=name)
    return summary.__dict__
