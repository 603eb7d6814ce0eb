"""Notices and documents (通知与公告) of a warning version: the package per county,
printable, one firm's notice, the announcement, the whole package as one .zip.

The package is :func:`emergency.workflow.package.package` — what ``emergency notices``
writes to a folder — rendered by :func:`emergency.notices.render.files`; the console
serves those same files (so the printed pages equal the CLI's). Documents are served
with a Content-Security-Policy that runs no script (as the API serves notices).
"""

from __future__ import annotations

import io
import zipfile
from typing import Annotated
from urllib.parse import quote

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from emergency.console import plan_view
from emergency.console.pages._router import area_router
from emergency.console.rendering import render
from emergency.console.session import Reader
from emergency.errors import NotFound

router = area_router()
Version = Annotated[int | None, Query(ge=1, le=10**6)]
DOCUMENT_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'",
                    "X-Content-Type-Options": "nosniff"}


def _package(engine, warning_id: int, version: int | None):
    """The package (its documents built, not yet rendered) — cached per warning state
    (every change bumps the warning's row_version)."""
    from emergency.console.warning_view import warning
    from emergency.workflow.package import package

    w = warning(engine, warning_id)
    return plan_view.cached(plan_view.package_key(engine, w, version), lambda: package(engine, warning_id, version))


def _files(engine, warning_id: int, version: int | None) -> dict[str, bytes]:
    """Every file of the package, rendered (:func:`emergency.notices.render.files`, as the CLI writes them)."""
    from emergency.console.warning_view import warning
    from emergency.notices import render as documents

    w = warning(engine, warning_id)
    key = ("files", str(engine.url), warning_id, version, w.row_version, w.state)
    return plan_view.cached(key, lambda: documents.files(_package(engine, warning_id, version)))


def _by_county(pkg) -> dict[str, list]:
    """The notices per county, counties in the order of the package's ``按区县打印`` files."""
    out: dict[str, list] = {}
    for n in pkg.notices:
        out.setdefault(n.county, []).append(n)
    return dict(sorted(out.items()))


@router.get("/warnings/{warning_id}/notices")
def notices_page(warning_id: int, request: Request, who: Reader, version: Version = None):
    pkg = _package(request.app.state.engine, warning_id, version)
    counties = [{"index": i, "file": county or "未注明区县", "notices": len(notices)}
                for i, (county, notices) in enumerate(_by_county(pkg).items())]
    return render(request, "notices.html", who=who, pkg=pkg, f=pkg.frame, warning_id=warning_id, version=version,
                  counties=counties, notices=pkg.notices[:500], notices_total=len(pkg.notices),
                  continuing=len(pkg.continuing))


def _q(version: int | None) -> str:
    return f"?version={version}" if version else ""


@router.get("/warnings/{warning_id}/notices/county/{index}")
def county_print(warning_id: int, index: int, request: Request, who: Reader, version: Version = None):
    """A county's notices, one A4 page per firm: the package's ``按区县打印/<区县>.html``,
    rendered by the same template with the same values (only this county's)."""
    from emergency.notices.templates import render_html

    pkg = _package(request.app.state.engine, warning_id, version)
    counties = list(_by_county(pkg).items())
    if not 0 <= index < len(counties):
        raise NotFound(f"预警 {warning_id} 的本次材料中没有第 {index + 1} 个区县的打印文件")
    county, notices = counties[index]
    return HTMLResponse(render_html("county.html.j2", f=pkg.frame, county=county, notices=notices), headers=DOCUMENT_HEADERS)


@router.get("/warnings/{warning_id}/notices/firm/{uscc}")
def firm_notice(warning_id: int, uscc: str, request: Request, who: Reader, version: Version = None):
    from emergency.workflow.package import notice_html

    return HTMLResponse(notice_html(request.app.state.engine, warning_id, uscc.strip().upper()[:18], version),
                        headers=DOCUMENT_HEADERS)


@router.get("/warnings/{warning_id}/announcement")
def announcement(warning_id: int, request: Request, who: Reader, version: Version = None):
    from emergency.notices.render import announcement_html

    return HTMLResponse(announcement_html(_package(request.app.state.engine, warning_id, version)), headers=DOCUMENT_HEADERS)


@router.get("/warnings/{warning_id}/notices.zip")
def package_zip(warning_id: int, request: Request, who: Reader, version: Version = None):
    """The whole package as one file: the folder ``emergency notices`` writes, zipped."""
    engine = request.app.state.engine
    pkg, files = _package(engine, warning_id, version), _files(engine, warning_id, version)
    folder = f"预警{warning_id}_{pkg.frame.kind_zh}_第{pkg.frame.version_no}版"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in files.items():
            z.writestr(f"{folder}/{path}", data)
    name = f"{folder}.zip"
    return Response(buf.getvalue(), media_type="application/zip", headers={
        "Content-Disposition": f"attachment; filename=\"warning-{warning_id}.zip\"; filename*=UTF-8''{quote(name)}",
        "X-Content-Type-Options": "nosniff"})
