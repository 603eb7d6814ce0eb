"""FastAPI application factory. OpenAPI at /openapi.json, docs at /docs (served offline).

Errors are mapped once, by the tree in ``emergency.errors``: each error carries its
HTTP status and a stable ``code``; the body is ``{"detail", "code", …extra}``
(ImportRejected adds every problem). Messages never show a server path: absolute
paths under the machine's top-level directories (the temporary dir, the data dir, the
package, home…) are cut to their last component (an upload's messages name the
client's file instead, see ``emergency.api.uploads.shown_as``). Request validation
errors are FastAPI's 422 naming the field (control characters in any text field or
parameter, and numbers no database holds, included: see ``routes.deps``; the echoed
input is always valid JSON). A value the database refuses (a text longer
than its column, a number out of range) is a 400. Anything else is a 500 whose body says
nothing about the server. Request bodies are bounded while they stream
(``emergency.api.limits``: 413).
"""

from __future__ import annotations

import logging
import math
import re
import tempfile
from functools import lru_cache
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from emergency.errors import EmergencyError, ImportRejected

log = logging.getLogger("emergency.api")

_PATH_END = r"""[^\s:：，,。；;、）)」』”"'<>\]]"""


@lru_cache(maxsize=1)
def _server_paths() -> re.Pattern:
    """Absolute paths on this machine: under a top-level directory that exists (or the
    temp, data, package and home directories' first components), or a Windows drive."""
    roots: set[str] = set()
    try:
        roots |= {p.name for p in Path("/").iterdir() if p.name}
    except OSError:  # pragma: no cover - no root to list
        pass
    from emergency.settings import get_settings

    for d in (tempfile.gettempdir(), get_settings().data_dir, Path(__file__).parents[2], Path.home()):
        parts = Path(d).expanduser().resolve().parts
        if len(parts) > 1:
            roots.add(parts[1])
    names = "|".join(sorted((re.escape(r) for r in roots if r), key=len, reverse=True)) or "tmp"
    return re.compile(
        rf"(?<![\w./\\-])/(?:{names})(?:/{_PATH_END}*|(?![\w.-]))|(?<![\w])[A-Za-z]:\\{_PATH_END}*"
    )


def scrub(text: str) -> str:
    """``text`` with every absolute server path cut to its last component."""
    def last(m: re.Match) -> str:
        parts = [p for p in re.split(r"[/\\]", m.group()) if p]
        return parts[-1] if len(parts) > 1 else "…"

    return _server_paths().sub(last, text)


def _scrubbed(value):
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: _scrubbed(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrubbed(v) for v in value]
    return value


def _json_safe(value):
    """``value`` (jsonable) with non-finite floats as text: a 422 echoing a client's
    ``Infinity`` must still be valid JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def error_body(exc: EmergencyError) -> dict:
    body = {"detail": scrub(exc.message), "code": exc.code, **_scrubbed(exc.extra)}
    if isinstance(exc, ImportRejected):
        body["problems"] = [
            {"sheet": p.sheet, "row": p.row, "column": p.column, "value": None if p.value is None else str(p.value), "reason": p.reason}
            for p in exc.problems
        ]
    return body


def create_app(database_url: str | None = None) -> FastAPI:
    from sqlalchemy.exc import DataError

    from emergency.api import routes
    from emergency.api.docs import add_docs
    from emergency.api.limits import BodyLimit
    from emergency.api.routes.deps import clean_parameters
    from emergency.api.uploads import upload_limit_bytes
    from enterprise_registry.db import open_database

    app = FastAPI(
        title="重污染天气应急减排决策引擎 API",
        version="0.1.0",
        description="Registry, warnings and their transitions, plans, notices, audit. Bearer tokens from POST /api/auth/token.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.engine = open_database(database_url)
    app.add_middleware(BodyLimit, upload_bytes=upload_limit_bytes())
    add_docs(app)

    @app.exception_handler(EmergencyError)
    async def _emergency_error(_: Request, exc: EmergencyError):  # noqa: ANN202
        headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
        if exc.http_status == 429 and "retry_after_seconds" in exc.extra:
            headers = {"Retry-After": str(int(exc.extra["retry_after_seconds"]))}
        return JSONResponse(error_body(exc), status_code=exc.http_status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError):  # noqa: ANN202
        errors = [{k: v for k, v in e.items() if k != "ctx"} for e in exc.errors()]
        return JSONResponse({"detail": _json_safe(jsonable_encoder(errors))}, status_code=422)

    @app.exception_handler(DataError)
    async def _data_error(request: Request, exc: DataError):  # noqa: ANN202
        log.warning("database refused a value on %s %s: %s", request.method, request.url.path, exc.orig)
        return JSONResponse(
            {"detail": "输入的值超出数据库允许的范围（文字过长、数字过大或含不允许的字符），未保存 (value out of range for the database)",
             "code": "input"},
            status_code=400,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):  # noqa: ANN202
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "服务器内部错误，已记录 (internal error; logged)", "code": "internal"}, status_code=500)

    app.include_router(routes.router, prefix="/api", dependencies=[Depends(clean_parameters)])
    from emergency.console import mount as mount_console

    mount_console(app)  # the duty officer's console (值班台) at /
    return app
