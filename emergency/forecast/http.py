"""One GET with timeouts and retries with exponential backoff (connect errors, 429, 5xx)."""

from __future__ import annotations

import time

import httpx

from emergency.errors import ForecastError

RETRY_STATUS = {429, 500, 502, 503, 504}


def get_with_retries(
    url: str,
    *,
    params: dict | None = None,
    timeout: float = 10.0,
    retries: int = 3,
    backoff: float = 0.5,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Response:
    last: str = ""
    with httpx.Client(timeout=timeout, transport=transport, follow_redirects=True) as client:
        for attempt in range(retries + 1):
            try:
                response = client.get(url, params=params)
            except (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError) as exc:
                last = f"connection failed: {exc}"
            except httpx.TimeoutException:
                last = f"timed out after {timeout:g} s"
            else:
                if response.status_code in RETRY_STATUS:
                    last = f"HTTP {response.status_code}"
                elif response.status_code >= 400:
                    raise ForecastError(f"{url}: HTTP {response.status_code}: {response.text[:200]}")
                else:
                    return response
            if attempt < retries:
                time.sleep(backoff * 2**attempt)
    raise ForecastError(f"{url}: {last} (after {retries + 1} attempts)")
