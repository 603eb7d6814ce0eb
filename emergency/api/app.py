"""FastAPI application factory. OpenAPI at /openapi.json, docs at /docs.

Errors are mapped once: NotFound 404, Conflict 409, AuthenticationFailed 401,
PermissionDenied 403, ImportRejected 422 (with every problem), other user errors 400;
request validation errors are FastAPI's 422 naming the field.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from emergency.errors import AuthenticationFailed, Conflict, EmergencyError, ImportRejected, NotFound, PermissionDenied

STATUS = {NotFound: 404, Conflict: 409, AuthenticationFailed: 401, PermissionDenied: 403, ImportRejected: 422}


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
        status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)
        body = {"detail": exc.message}
        if isinstance(exc, ImportRejected):
            body["problems"] = [
                {"sheet": p.sheet, "row": p.row, "column": p.column, "value": None if p.value is None else str(p.value), "reason": p.reason}
                for p in exc.problems
            ]
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(body, status_code=status, headers=headers)

    app.include_router(routes.router, prefix="/api")
    return app
