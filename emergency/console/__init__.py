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

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PREFIX = "/console-static"


def mount(app: FastAPI) -> None:
    """Add the console's pages, its static files and its security headers to ``app``."""
    from emergency.console.headers import ConsoleHeaders
    from emergency.console.pages import router

    app.include_router(router)
    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="console-static")
    app.add_middleware(ConsoleHeaders)
