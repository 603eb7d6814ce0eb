"""Retries with backoff: unit tests on httpx.MockTransport, and a real local socket server."""

import socket

import httpx
import pytest

from emergency.errors import ForecastError
from emergency.forecast.http import RetryPolicy, get_with_retries

URL = "http://forecast.test/v1/air-quality"


def scripted(*steps):
    """A MockTransport answering with the given steps in order: a status code or an exception."""
    calls = []

    def handler(request):
        calls.append(request)
        step = steps[min(len(calls) - 1, len(steps) - 1)]
        if isinstance(step, Exception):
            raise step
        status, headers = (step, {}) if isinstance(step, int) else step
        return httpx.Response(status, headers=headers, json={"ok": status == 200})

    return httpx.MockTransport(handler), calls


def test_retries_5xx_with_exponential_backoff_then_succeeds():
    transport, calls = scripted(500, 502, 503, 200)
    sleeps = []
    r = get_with_retries(URL, transport=transport, retry=RetryPolicy(retries=3, backoff_seconds=0.5), sleep=sleeps.append)
    assert r.status_code == 200 and len(calls) == 4
    assert sleeps == [0.5, 1.0, 2.0]


def test_backoff_is_capped():
    transport, _ = scripted(503)
    sleeps = []
    with pytest.raises(ForecastError, match="HTTP 503.*gave up after 6 attempts"):
        get_with_retries(URL, transport=transport, retry=RetryPolicy(retries=5, backoff_seconds=1, max_backoff_seconds=4), sleep=sleeps.append)
    assert sleeps == [1, 2, 4, 4, 4]


def test_429_honours_retry_after():
    transport, calls = scripted((429, {"Retry-After": "3"}), 200)
    sleeps = []
    get_with_retries(URL, transport=transport, sleep=sleeps.append)
    assert sleeps == [3.0] and len(calls) == 2


def test_connect_errors_are_retried():
    transport, calls = scripted(httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), 200)
    sleeps = []
    assert get_with_retries(URL, transport=transport, sleep=sleeps.append).status_code == 200
    assert len(calls) == 3 and sleeps == [0.5, 1.0]


def test_client_errors_are_not_retried_and_carry_the_reason():
    def handler(request):
        return httpx.Response(400, json={"error": True, "reason": "Latitude must be in range of -90 to 90°. Given: 137.0."})

    with pytest.raises(ForecastError, match="HTTP 400: Latitude must be in range"):
        get_with_retries(URL, transport=httpx.MockTransport(handler), sleep=lambda s: pytest.fail("no retry on 400"))


def test_query_parameters_are_sent():
    transport, calls = scripted(200)
    get_with_retries(URL, params={"latitude": 37.87, "hourly": "pm2_5,pm10"}, transport=transport)
    assert calls[0].url.params["latitude"] == "37.87" and calls[0].url.params["hourly"] == "pm2_5,pm10"


def test_connection_refused_on_a_real_socket():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps = []
    with pytest.raises(ForecastError, match="connection failed.*gave up after 3 attempts"):
        get_with_retries(f"http://127.0.0.1:{port}/", retry=RetryPolicy(retries=2), sleep=sleeps.append)
    assert sleeps == [0.5, 1.0]


def test_retry_on_503_then_success_on_a_real_server(server):
    s = server((503, "busy", {"Retry-After": "1"}), (200, {"ok": True}))
    sleeps = []
    r = get_with_retries(s.url + "/x", sleep=sleeps.append)
    assert r.json() == {"ok": True} and len(s.paths) == 2 and sleeps == [1.0]


def test_timeout_on_a_real_server(server):
    s = server(stall=True)  # accepts, never answers (until the test ends)
    with pytest.raises(ForecastError, match="timed out after 0.2 s"):
        get_with_retries(s.url, timeout=0.2, retry=RetryPolicy(retries=1), sleep=lambda _: None)
    assert len(s.paths) == 2  # a read timeout is retried too (GET is idempotent)


def test_unusable_url():
    with pytest.raises(ForecastError, match="not a usable URL"):
        get_with_retries("ftp://example.org/x")
