"""Errors on console pages: the one error tree shown as a page in Chinese.

:class:`ConsoleRoute` wraps every console endpoint: no session → a redirect to the
sign-in page (``next`` = the page asked for, only a local path); any other
:class:`~emergency.errors.EmergencyError` → the error page with its message and the
error's HTTP status (403 for a role, 404, 409, 412 …), server paths cut
(:func:`emergency.api.app.scrub`); a form field FastAPI refuses → 422 naming the field;
anything else → 500 saying nothing about the server (logged).
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from emergency.errors import EmergencyError

log = logging.getLogger("emergency.console")

FIELD_ZH = {"csrf": "表单校验", "username": "用户名", "password": "密码", "level": "级别", "start": "开始时间",
            "end": "结束时间", "file": "文件", "values": "日AQI预报", "first_day": "首日"}


def _field_message(exc: RequestValidationError) -> str:
    parts = []
    for e in exc.errors():
        name = str(e.get("loc", ("", ""))[-1])
        parts.append(f"{FIELD_ZH.get(name, name)}：{e.get('msg', '')}")
    return "表单内容有误，未执行任何操作 (invalid form): " + "；".join(parts)


def local_next(path: str | None) -> str:
    """A redirect target from the client: a local path only (never //host or a scheme)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path or any(ord(c) < 32 for c in path):
        return "/"
    return path


class ConsoleRoute(APIRoute):
    def get_route_handler(self):
        handler = super().get_route_handler()

        async def route(request: Request):
            from emergency.api.app import scrub
            from emergency.console.rendering import render
            from emergency.console.session import SignInRequired, signed_in

            try:
                return await handler(request)
            except SignInRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={quote(local_next(target))}", status_code=303)
            except (EmergencyError, RequestValidationError) as exc:
                if isinstance(exc, RequestValidationError):
                    message, status = _field_message(exc), 422
                else:
                    message, status = scrub(exc.message), exc.http_status
                try:
                    who = signed_in(request)
                except EmergencyError:
                    who = None
                problems = getattr(exc, "problems", None) or []
                return render(request, "error.html", status_code=status, who=who, message=message,
                              status=status, problems=problems[:200], problems_total=len(problems))
            except Exception:
                log.exception("console error on %s %s", request.method, request.url.path)
                return render(request, "error.html", status_code=500, who=None, status=500, problems=[], problems_total=0,
                              message="服务器内部错误，已记录，请联系管理员 (internal error; logged)")

        return route
