"""A local HTTP server for tests: serves queued responses, records request paths.

``payload()`` builds an answer in the real Open-Meteo air-quality format (parallel
hourly arrays, ``hourly_units`` with the Greek-mu ``μg/m³`` the API sends).
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OPEN_METEO_VARIABLES = ("pm10", "pm2_5", "carbon_monoxide", "nitrogen_dioxide", "sulphur_dioxide", "ozone")


def payload(hours: int = 72, start: datetime = datetime(2026, 12, 1), **series: list) -> dict:
    """An Open-Meteo answer; every variable 10.0 µg/m³ unless given (a list of ``hours`` values)."""
    times = [(start + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M") for h in range(hours)]
    hourly: dict = {"time": times}
    for name in OPEN_METEO_VARIABLES:
        hourly[name] = list(series.get(name, [10.0] * hours))
    return {
        "latitude": 37.875,
        "longitude": 112.5,
        "generationtime_ms": 0.61,
        "utc_offset_seconds": 28800,
        "timezone": "Asia/Shanghai",
        "timezone_abbreviation": "GMT+8",
        "elevation": 781.0,
        "hourly_units": {"time": "iso8601", **{name: "μg/m³" for name in OPEN_METEO_VARIABLES}},
        "hourly": hourly,
    }


class LocalServer:
    """Answers GETs from ``responses`` in order (the last one repeats).

    A response is ``(status, body)`` or ``(status, body, headers)``; body bytes, str or
    JSON-able. ``stall`` makes the handler wait (until ``close``) before answering.
    """

    def __init__(self, *responses, stall: bool = False) -> None:
        self.responses = list(responses)
        self.paths: list[str] = []
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.paths.append(self.path)
                if stall:
                    outer.release.wait(30)
                    return
                item = outer.responses.pop(0) if len(outer.responses) > 1 else outer.responses[0]
                status, body, headers = (item + ({},))[:3]
                if isinstance(body, (dict, list)):
                    data, ctype = json.dumps(body).encode(), "application/json; charset=utf-8"
                else:
                    data, ctype = (body.encode() if isinstance(body, str) else body), "text/plain; charset=utf-8"
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
