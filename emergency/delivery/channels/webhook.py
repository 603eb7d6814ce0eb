"""Enterprise messaging robots (群机器人): DingTalk, WeCom (企业微信), Feishu (飞书).

Each flavour's JSON body, the firm's contact phone @-mentioned where the robot can
(DingTalk ``at.atMobiles``, WeCom ``mentioned_mobile_list``), DingTalk 加签 (timestamp
and HMAC-SHA256 signature in the URL) and Feishu 签名校验 (in the body) when a secret
is configured. Every try carries the row's idempotency key in ``X-Idempotency-Key``.
A robot answers HTTP 200 with its own error code: anything but 0 is a failure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse

import httpx

from emergency.delivery.channels import Handover, Message, probe
from emergency.delivery.config import ChannelError, WebhookChannel, secret

WECOM_TEXT_MAX = 2048  # bytes of text.content


def _phones(message: Message) -> list[str]:
    return [p.strip() for p in message.address.split(",") if p.strip()]


def _clip(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    tail = "\n…（全文见邮件）"
    return data[: limit - len(tail.encode())].decode(errors="ignore") + tail


def body(channel: WebhookChannel, message: Message, now: float | None = None) -> tuple[dict, dict]:
    """(JSON body, extra URL query) of ``message`` for the robot."""
    phones = _phones(message) if channel.at_mobiles else []
    at = "".join(f" @{p}" for p in phones)
    key = secret(channel.secret_env, f"{channel.name} 的机器人签名密钥")
    now = time.time() if now is None else now
    if channel.flavor == "dingtalk":
        query = {}
        if key:
            ts = str(int(now * 1000))
            sign = base64.b64encode(hmac.new(key.encode(), f"{ts}\n{key}".encode(), hashlib.sha256).digest()).decode()
            query = {"timestamp": ts, "sign": sign}
        text = f"### {message.subject}\n\n{message.text}{at}"
        return ({"msgtype": "markdown", "markdown": {"title": message.subject, "text": text},
                 "at": {"atMobiles": phones, "isAtAll": False}}, query)
    if channel.flavor == "wecom":
        return ({"msgtype": "text", "text": {"content": _clip(f"{message.subject}\n{message.text}", WECOM_TEXT_MAX),
                                             "mentioned_mobile_list": phones}}, {})
    out: dict = {"msg_type": "text", "content": {"text": f"{message.subject}\n{message.text}"}}
    if key:
        ts = str(int(now))
        out["timestamp"] = ts
        out["sign"] = base64.b64encode(hmac.new(f"{ts}\n{key}".encode(), b"", hashlib.sha256).digest()).decode()
    return out, {}


def _answer(flavor: str, response: httpx.Response) -> str | None:
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code >= 400 or not isinstance(data, dict):
        raise ChannelError(f"机器人接口返回 HTTP {response.status_code}：{response.text[:200]}",
                           permanent=400 <= response.status_code < 500 and response.status_code != 429)
    code = data.get("errcode", data.get("code", data.get("StatusCode", 0)))
    if code not in (0, "0"):
        raise ChannelError(f"机器人拒绝：{code} {data.get('errmsg') or data.get('msg') or ''}")
    return response.headers.get("x-request-id") or None


_clients: dict[float, httpx.Client] = {}
_clients_lock = threading.Lock()


def _client(timeout: float) -> httpx.Client:
    """One client per timeout for the process (making one costs ~40 ms: its TLS context);
    httpx clients are safe to share between the lanes' threads."""
    with _clients_lock:
        if timeout not in _clients:
            _clients[timeout] = httpx.Client(timeout=timeout)
        return _clients[timeout]


def send(channel: WebhookChannel, message: Message, handover: Handover) -> str | None:
    url = channel.url or secret(channel.url_env, f"{channel.name} 的机器人地址")
    payload, query = body(channel, message)
    if query:
        url = f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode(query)}"
    parsed = httpx.URL(url)
    probe(parsed.host, parsed.port or (443 if parsed.scheme == "https" else 80), channel.timeout)
    headers = {"X-Idempotency-Key": message.key, "Content-Type": "application/json; charset=utf-8"}
    handover()
    try:
        response = _client(channel.timeout).post(url, content=json.dumps(payload, ensure_ascii=False).encode(), headers=headers)
    except httpx.ConnectError as exc:
        raise ChannelError(f"无法连接机器人接口：{exc}", connect=True) from None
    except httpx.HTTPError as exc:
        raise ChannelError(f"机器人接口出错：{exc}") from None
    return _answer(channel.flavor, response)
