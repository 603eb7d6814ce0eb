"""Security headers of the console's answers (not the JSON API's, not /docs).

Content-Security-Policy: everything from the application itself (``'self'``), no
inline script, no frames, forms post only to the application; inline ``style``
attributes are allowed (bar widths). ``X-Content-Type-Options: nosniff``,
``Referrer-Policy: same-origin``, ``X-Frame-Options: DENY``; pages are not cached
(``Cache-Control: no-store``: a shared office computer's back button must not show a
plan after sign-out).
"""

from __future__ import annotations

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


def csp() -> bytes:
    """The policy, with the configured map tile server's origin allowed for images."""
    from urllib.parse import urlsplit

    from emergency.settings import get_settings

    url = get_settings().map_tile_url
    if url:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            return CSP.replace("img-src 'self' data:", f"img-src 'self' data: {parts.scheme}://{parts.netloc}").encode()
    return CSP.encode()


def _console_path(path: str) -> bool:
    return not (path.startswith("/api/") or path == "/api" or path.startswith("/docs") or path == "/openapi.json")


class ConsoleHeaders:
    """Pure ASGI middleware (no body buffering: downloads stream through)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not _console_path(scope.get("path", "")):
            return await self.app(scope, receive, send)
        static = scope.get("path", "").startswith("/console-static/")
        policy = csp()

        async def with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in [(b"content-security-policy", policy), *HEADERS] if k not in names]
                if not static and b"cache-control" not in names:
                    extra.append((b"cache-control", b"no-store"))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        return await self.app(scope, receive, with_headers)
