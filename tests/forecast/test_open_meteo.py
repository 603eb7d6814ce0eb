"""Open-Meteo client against a local HTTP server serving the real payload format."""

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from emergency.errors import ForecastError
from emergency.forecast import open_meteo
from emergency.warning.series import rolling_aqi_series

UNITS = {k: "μg/m³" for k in open_meteo.VARIABLES}


def payload(hours=72, pm25=180.0, co_ug=1500.0):
    t0 = datetime(2026, 12, 1)
    times = [(t0 + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M") for h in range(hours)]
    hourly = {"time": times}
    for k in open_meteo.VARIABLES:
        hourly[k] = [10.0] * hours
    hourly["pm2_5"] = [pm25] * hours
    hourly["carbon_monoxide"] = [co_ug] * hours
    return {
        "latitude": 37.875, "longitude": 112.5, "generationtime_ms": 0.5, "utc_offset_seconds": 28800,
        "timezone": "Asia/Shanghai", "timezone_abbreviation": "CST", "elevation": 780.0,
        "hourly_units": {"time": "iso8601", **UNITS}, "hourly": hourly,
    }


class Server:
    def __init__(self, responses):
        self.responses = list(responses)
        self.requests = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.requests.append(self.path)
                status, body = outer.responses.pop(0) if len(outer.responses) > 1 else outer.responses[0]
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


@pytest.fixture
def server():
    servers = []

    def make(*responses):
        s = Server(responses)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.close()


def test_fetch_converts_units_and_evaluates(server):
    s = server((200, payload()))
    hs = open_meteo.fetch(37.87, 112.55, base_url=s.url, retries=0)
    assert "hourly=pm2_5" in s.requests[0].replace("%2C", ",") and "latitude=37.87" in s.requests[0]
    assert hs.values["co"][0] == pytest.approx(1.5)  # 1500 µg/m³ -> 1.5 mg/m³
    series = rolling_aqi_series(hs)
    # PM2.5 180 µg/m³ over 24 h: 200 + 100 × 30/100 = 230 (2012 table? no: Dec 2026 -> 2026 table, same above 115)
    assert series.values[0] == 230 and len(series.values) == 72 - 23


def test_retry_on_503_then_success(server):
    s = server((503, b"busy"), (200, payload()))
    open_meteo.fetch(37.0, 112.0, base_url=s.url, retries=2, )
    assert len(s.requests) == 2


def test_gives_up_with_a_clear_error(server):
    s = server((503, b"busy"))
    with pytest.raises(ForecastError, match="HTTP 503"):
        open_meteo.fetch(37.0, 112.0, base_url=s.url, retries=1)


def test_unreachable_server():
    with pytest.raises(ForecastError, match="connection failed"):
        open_meteo.fetch(37.0, 112.0, base_url="http://127.0.0.1:9", retries=0)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda p: p["hourly"].pop("ozone"), "missing 'hourly.ozone'"),
        (lambda p: p["hourly"]["pm10"].pop(), "values for 72 hours"),
        (lambda p: p["hourly_units"].__setitem__("carbon_monoxide", "mg/m³"), "expected µg/m³"),
        (lambda p: p["hourly"].__setitem__("pm2_5", [None] * 72), "missing hours"),
        (lambda p: p.pop("hourly"), "no 'hourly.time'"),
    ],
)
def test_malformed_payloads(mutate, message):
    p = payload()
    mutate(p)
    with pytest.raises(ForecastError, match=message):
        open_meteo.parse_payload(p)
