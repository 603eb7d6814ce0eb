"""`emergency serve`: the HTTP API."""

from __future__ import annotations

from typing import Annotated

import typer

from emergency.cli.options import DatabaseOption


def serve(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    database: DatabaseOption = None,
) -> None:
    """Run the HTTP API (OpenAPI at /docs)."""
    import uvicorn

    from emergency.api.app import create_app

    uvicorn.run(create_app(database), host=host, port=port)
