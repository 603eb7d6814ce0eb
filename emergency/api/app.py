"""FastAPI application factory. OpenAPI at /openapi.json, docs at /docs.

Errors are mapped once, by the tree in ``emergency.errors``: each error carries its
HTTP status and a stable ``code``; the body is ``{"detail", "code", …extra}``
(ImportRejected adds every problem). Request validation errors are FastAPI's 422
naming the field. Anything else is a 500 whose body says nothing about the server.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from emergency.errors import EmergencyError, ImportRejected

log = logging.getLogger("emergency.api")


def error_body(exc: EmergencyError) -> dict:
    body = {"detail": exc.message, "code": exc.code, **exc.extra}
    if isinstance(exc, ImportRejected):
        body["problems"] = [
            {"sheet": p.sheet, "row": p.row, "column": p.column, "value": None if p.value is None else str(p.value), "reason": p.reason}
            for p in exc.problems
        ]
    return body


def create_app(database_url: str | None = None) -> FastAPI:
    from emergency.api import routes
    from enterprise_registry.db import open_database

    app = FastAPI(
        title="重污染天气应急减排决策引擎 API",
        version="0.1.0",
        description="Registry, warnings and their transitions, plans, notices, audit. Bearer tokens from POST /api/auth/token.",
    )
    app.state.engine = open_database(database_url)

    @app.exception_handler(EmergencyError)
    async def _emergency_error(_: Request, exc: EmergencyError):  # noqa: ANN202
        headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
        return JSONResponse(error_body(exc), status_code=exc.http_status, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):  # noqa: ANN202
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "服务器内部错误，已记录 (internal error; logged)", "code": "internal"}, status_code=500)

    app.include_router(routes.router, prefix="/api")
    return app
