"""One HTTP GET with a timeout and retries with exponential backoff.

httpx's own ``HTTPTransport(retries=n)`` retries only failed connections
(``ConnectError`` / ``ConnectTimeout``), immediately and never on a status code, so
this module runs a small loop instead. Retried: any transport error (connection
refused or reset, connect or read timeout — a GET is idempotent) and the statuses of
``RetryPolicy.statuses`` (429, 500, 502, 503, 504). The wait before retry n is
``backoff · 2^(n−1)`` seconds, capped, or the server's ``Retry-After`` (seconds) when
it sends one, capped the same way. Any other 4xx/5xx fails at once.

Errors: every failure is a :class:`emergency.errors.ForecastError` naming the URL and
the last problem (``HTTP 503``, ``timed out after 10 s``, ``connection failed: …``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import httpx

from emergency.errors import ForecastError


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 3  # attempts after the first
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 8.0
    statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})

    def delay(self, retry: int, response: httpx.Response | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (1-based)."""
        if response is not None:
            after = response.headers.get("Retry-After", "")
            if after.strip().isdigit():
                return min(float(after), self.max_backoff_seconds)
        return min(self.backoff_seconds * 2 ** (retry - 1), self.max_backoff_seconds)


def _reason(response: httpx.Response) -> str:
    """The server's own explanation: Open-Meteo answers ``{"error": true, "reason": "..."}``."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip()
    if isinstance(body, dict) and body.get("reason"):
        return str(body["reason"])
    return response.text[:200].strip()


def get_with_retries(
    url: str,
    *,
    params: dict | None = None,
    timeout: float = 10.0,
    retry: RetryPolicy = RetryPolicy(),
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> httpx.Response:
    """GET ``url``; the first 2xx/3xx-followed response, or :class:`ForecastError`."""
    last = ""
    with httpx.Client(timeout=httpx.Timeout(timeout), transport=transport, follow_redirects=True) as client:
        for attempt in range(retry.retries + 1):
            response = None
            try:
                response = client.get(url, params=params)
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                raise ForecastError(f"{url}: not a usable URL ({exc})") from None
            except httpx.TimeoutException:
                last = f"timed out after {timeout:g} s"
            except httpx.TransportError as exc:
                last = f"connection failed: {exc or type(exc).__name__}"
            else:
                if response.is_success:
                    return response
                last = f"HTTP {response.status_code}: {_reason(response)}"
                if response.status_code not in retry.statuses:
                    raise ForecastError(f"{url}: {last}")
            if attempt < retry.retries:
                sleep(retry.delay(attempt + 1, response))
    raise ForecastError(f"{url}: {last} (gave up after {retry.retries + 1} attempts)")
