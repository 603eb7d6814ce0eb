"""Delivery channels: e-mail (SMTP), SMS (Alibaba Cloud / Tencent Cloud SDK), webhook
robots (DingTalk / WeCom / Feishu).

Every channel is one function ``send(channel, message, handover) -> provider id`` over a
:class:`Message`. It calls ``handover()`` at its point of no return — when the channel
has been reached and the message is about to leave — and raises
:class:`~emergency.delivery.config.ChannelError` on failure (``connect=True`` when the
channel could not be reached, before any handover: nothing was sent).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from emergency.delivery.config import ChannelError


@dataclass(frozen=True)
class Message:
    key: str  # the idempotency key (from the outbox row)
    address: str  # e-mail addresses or phone numbers, comma-separated; for a robot the phones to @
    subject: str
    text: str
    html: str | None = None
    sms_params: dict[str, str] = field(default_factory=dict)


Handover = Callable[[], None]


def probe(host: str, port: int, timeout: float) -> None:
    """Reach ``host:port`` (TCP) or raise a connect ChannelError: a channel that is down
    is known before anything is handed over."""
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        raise ChannelError(f"无法连接 {host}:{port}：{exc} (channel unreachable)", connect=True) from None


def send(channel, message: Message, handover: Handover) -> str | None:
    """Send ``message`` through ``channel`` (a configured EmailChannel / SmsChannel / WebhookChannel)."""
    from emergency.delivery.channels import email, sms, webhook

    return {"email": email.send, "sms": sms.send, "webhook": webhook.send}[channel.kind](channel, message, handover)
