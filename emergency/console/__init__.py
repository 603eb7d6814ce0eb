"""The duty officer's console (值班台): the night in a browser, served by the API's own
application, offline and in Chinese.

Server-rendered pages (Jinja2, autoescape always on) over the same service functions
the CLI and the JSON API call (``emergency.workflow``, ``emergency.plans``,
``emergency.notices``, ``enterprise_registry.service``) — never a second
implementation. Every asset (CSS, the little script) is served from
``/console-static/`` by the application itself; charts are inline SVG drawn on the
server. Pages, one module per area, are in :mod:`emergency.console.pages`.

- :mod:`~emergency.console.session`: sign-in with a cookie that carries an API token
  (the token rules of :mod:`emergency.workflow.accounts`: expiry, revocation, lockout,
  the per-address throttle of the API's sign-in), the CSRF token of every form, the
  roles of :mod:`emergency.workflow.roles`;
- :mod:`~emergency.console.rendering`: the template environment and its filters (times
  in the bureau's zone through :mod:`emergency.clock`);
- :mod:`~emergency.console.routing`: errors of the one tree shown as a page in Chinese;
- :mod:`~emergency.console.headers`: the security headers of every console answer.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PREFIX = "/console-static"


def mount(app: FastAPI) -> None:
    """Add the console's pages, its static files and its security headers to ``app``."""
    from emergency.console.headers import ConsoleHeaders
    from emergency.console.pages import router

    app.include_router(router)
    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="console-static")
    app.add_middleware(ConsoleHeaders)
    app.add_exception_handler(StarletteHTTPException, _not_found_page)


async def _not_found_page(request: Request, exc: StarletteHTTPException):
    """A GET of an address nobody serves, outside the API, is the console's 404 page in
    Chinese; everything else is FastAPI's answer as before (the API keeps its JSON)."""
    from fastapi.exception_handlers import http_exception_handler

    path = request.url.path
    if exc.status_code != 404 or request.method != "GET" or path.startswith(("/api/", "/docs", "/console-static/")):
        return await http_exception_handler(request, exc)
    from emergency.console.rendering import render

    return render(request, "error.html", status_code=404, who=None, status=404, problems=[], problems_total=0,
                  message="没有这个页面，请从值班台进入 (no such page)")
