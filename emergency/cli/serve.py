"""`emergency serve`: the HTTP API."""

from __future__ import annotations

from typing import Annotated

import typer

from emergency.cli.options import DatabaseOption


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (0.0.0.0: every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    database: DatabaseOption = None,
) -> None:
    """Run the HTTP API. OpenAPI at /openapi.json; the interactive docs at /docs work
    without internet (Swagger UI is served by the API itself). Uploads are limited to
    EMERGENCY_MAX_UPLOAD_MB (default 50) MB, other request bodies to 2 MB. The server
    does not name itself in its answers (no Server header)."""
    import uvicorn

    from emergency.api.app import create_app

    uvicorn.run(create_app(database), host=host, port=port, server_header=False)
