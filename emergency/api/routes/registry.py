"""The list (应急减排清单): versions, enterprises, import."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile

from emergency.api.routes.deps import Reader, RegistryWriter, engine
from emergency.errors import RegistryError
from emergency.workflow import audit
from enterprise_registry import service as registry

router = APIRouter(tags=["registry"])


@router.get("/registry/versions")
def versions(request: Request, _: Reader) -> list[dict]:
    return registry.list_versions(engine(request))


@router.get("/registry/enterprises")
def enterprises(
    request: Request, _: Reader, county: str | None = None, industry: str | None = None, grade: str | None = None,
    version: str | None = None, offset: Annotated[int, Query(ge=0)] = 0, limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> dict:
    total, items = registry.list_enterprises(engine(request), version=version, county=county, industry=industry,
                                             grade=grade, offset=offset, limit=limit)
    return {"total": total, "items": [e.model_dump(exclude={"id", "version_id"}) for e in items]}


@router.get("/registry/enterprises/{uscc}")
def enterprise(uscc: str, request: Request, _: Reader, version: str | None = None) -> dict:
    ent, lines = registry.get_enterprise(engine(request), uscc, version)
    return {**ent.model_dump(exclude={"id", "version_id"}),
            "lines": [ln.model_dump(exclude={"id", "version_id", "enterprise_id"}) for ln in lines]}


@router.post("/registry/import", status_code=201)
def import_list(request: Request, user: RegistryWriter, file: Annotated[UploadFile, File()], replace: bool = False) -> dict:
    if not (file.filename or "").lower().endswith(".xlsx"):
        raise RegistryError("请上传 .xlsx 清单文件 (upload an .xlsx list)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.xlsx"
        path.write_bytes(file.file.read())
        summary = registry.import_list_file(engine(request), path, replace=replace)
    audit.write(engine(request), user.username, "registry.import", summary.version,
                {"file": file.filename, "enterprises": summary.enterprises, "lines": summary.lines})
    return summary.__dict__
