"""Local sinks for delivery tests: an SMTP server (aiosmtpd) and an HTTP server that
answers like a robot webhook or an SMS provider, each counting what it received."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """Every message accepted: (envelope recipients, parsed message)."""

    def __init__(self, port: int | None = None, tls_context=None):
        """``tls_context``: offer STARTTLS with it, and require it before MAIL."""
        self.messages: list[tuple[list[str], email.message.Message]] = []
        outer = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                outer.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=email.policy.default)))
                return "250 OK"

        self.port = port or free_port()
        tls = {"tls_context": tls_context, "require_starttls": True} if tls_context else {}
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **tls)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for _, m in self.messages]


class HttpSink:
    """Records each POST (path, headers, body) and answers like ``flavor``: dingtalk /
    wecom / feishu robots, ``alibaba`` / ``tencent`` SMS."""

    def __init__(self, flavor: str = "dingtalk", delay: float = 0.0):
        """``delay``: seconds between receiving a message (counted) and answering."""
        self.requests: list[tuple[str, dict, bytes]] = []
        self.fail_next = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                if outer.fail_next:
                    outer.fail_next -= 1
                    data = {"errcode": 310000, "errmsg": "keywords not in content"}
                else:
                    outer.requests.append((self.path, dict(self.headers), body))
                    data = {"dingtalk": {"errcode": 0, "errmsg": "ok"}, "wecom": {"errcode": 0, "errmsg": "ok"},
                            "feishu": {"code": 0, "msg": "success"},
                            "alibaba": {"Code": "OK", "Message": "OK", "BizId": f"biz-{len(outer.requests)}", "RequestId": "r"},
                            "tencent": {"Response": {"SendStatusSet": [{"SerialNo": f"sn-{len(outer.requests)}",
                                        "PhoneNumber": "+86", "Code": "Ok", "Message": "send success"}], "RequestId": "r"}},
                            }[flavor]
                if delay:
                    time.sleep(delay)
                out = json.dumps(data).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/robot/send?access_token=t"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def keys(self) -> list[str]:
        return [h.get("X-Idempotency-Key") for _, h, _ in self.requests]

    def json(self, i: int) -> dict:
        return json.loads(self.requests[i][2])

    def query(self, i: int) -> dict:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.requests[i][0]).query))
