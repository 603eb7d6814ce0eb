"""Request bodies bounded before anything reads them whole.

:class:`BodyLimit` is an ASGI middleware in front of the app: a request whose
``Content-Length`` is beyond the limit is answered 413 at once, unread; a body sent
without a length (chunked, streamed) is counted as it arrives and the request is
answered 413 as soon as it passes the limit — before the multipart parser has spooled
the rest of it to disk. Uploads (``multipart/form-data``) may be as large as the setting
``max_upload_mb`` (``EMERGENCY_MAX_UPLOAD_MB``, default 50); every other body (JSON) at
most :data:`JSON_LIMIT_BYTES` (and never more than the upload limit).

Every upload route needs a signed-in user, and FastAPI parses a body before it checks
who sent it: an upload without an ``Authorization`` header (or, for the console's
forms, its session cookie) is answered 401 here, unread, so an anonymous client cannot
make the server spool anything.

The 413 body is the API's error shape: ``{"detail", "code": "too_large", "limit_bytes"}``.
"""

from __future__ import annotations

import json

from emergency.errors import AuthenticationFailed, EmergencyError, InputError, TooLarge

JSON_LIMIT_BYTES = 2 << 20
SESSION_COOKIE = b"emergency_session="  # the console's (emergency.console.session.COOKIE)


def _credentials(headers: dict[bytes, bytes]) -> bool:
    """An Authorization header, or the console's session cookie, is present (checked later)."""
    if headers.get(b"authorization", b"").strip():
        return True
    return any(part.strip().startswith(SESSION_COOKIE) and len(part.strip()) > len(SESSION_COOKIE)
               for part in headers.get(b"cookie", b"").split(b";"))


class _Over(Exception):
    pass


def _json(status: int, exc: EmergencyError) -> tuple[dict, bytes]:
    body = json.dumps({"detail": exc.message, "code": exc.code, **exc.extra}, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    return {"type": "http.response.start", "status": status, "headers": headers}, body


class BodyLimit:
    """ASGI middleware: refuse request bodies beyond ``upload_bytes`` (multipart) or
    ``json_bytes`` (anything else) with 413, counting while they stream."""

    def __init__(self, app, upload_bytes: int, json_bytes: int | None = None) -> None:
        self.app = app
        self.upload_bytes = int(upload_bytes)
        self.json_bytes = min(int(json_bytes if json_bytes is not None else JSON_LIMIT_BYTES), self.upload_bytes)

    def limit_for(self, content_type: str) -> int:
        return self.upload_bytes if content_type.lower().startswith("multipart/form-data") else self.json_bytes

    @staticmethod
    def too_large(limit: int) -> TooLarge:
        return TooLarge(
            f"请求内容超过 {limit / 1048576:.3g} MB 上限，未处理 (request body larger than {limit} bytes)",
            limit_bytes=limit,
        )

    async def refuse(self, send, exc: EmergencyError, status: int) -> None:
        start, body = _json(status, exc)
        await send(start)
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        limit = self.limit_for(content_type)
        if content_type.lower().startswith("multipart/form-data") and not _credentials(headers):
            await self.refuse(send, AuthenticationFailed(
                "需要登录：请在 Authorization 头中提供 Bearer 令牌 (credentials required)"), 401)
            return
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
                if length < 0:
                    raise ValueError
            except ValueError:
                await self.refuse(send, InputError("Content-Length 无效 (invalid Content-Length)"), 400)
                return
            if length > limit:
                await self.refuse(send, self.too_large(limit), 413)
                return

        received = 0
        over = False
        started = False

        async def counted_receive():
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    raise _Over
            return message

        async def guarded_send(message) -> None:
            nonlocal started
            if over:  # whatever the app made of the interrupted body, the answer is 413
                if not started and message["type"] == "http.response.start":
                    started = True
                    await self.refuse(send, self.too_large(limit), 413)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not over:
                raise
        if over and not started:
            await self.refuse(send, self.too_large(limit), 413)
