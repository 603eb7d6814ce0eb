"""Delivery configuration: which channels reach the firms of each area, as data.

A deployment TOML file — its path in ``EMERGENCY_DELIVERY_CONFIG`` (read by the
scheduler's jobs and the API), or ``--config`` on ``emergency delivery`` — with a
``[delivery]`` table (or the same keys at the file's top level, without the
``delivery.`` prefix)::

    [delivery]
    lease_seconds = 120          # a claimed row not recorded by then is another worker's again
    backoff_base_minutes = 1     # retry after 1, 2, 4, … minutes
    backoff_cap_minutes = 60
    max_attempts = 6             # then gave_up, shown loudly
    escalate_after_minutes = 60  # still overdue this long after the deadline's reminder: escalate
    release_window_hours = 24    # 解除通知 of a warning released within this window are sent
    workers_per_channel = 4      # concurrent senders on one channel (each claims its own rows)

    [[delivery.areas]]
    area = "测试市"               # a city or a county (a county's entry wins for its firms)
    [[delivery.areas.channels]]
    name = "email"
    kind = "email"
    host = "smtp.example.gov.cn"
    port = 587
    security = "starttls"        # none | starttls | ssl
    from_address = "yingji@example.gov.cn"
    username = "yingji"
    password_env = "EMERGENCY_SMTP_PASSWORD"     # the NAME of the variable, never the password
    [[delivery.areas.channels]]
    name = "robot"
    kind = "webhook"
    flavor = "dingtalk"          # dingtalk | wecom | feishu
    url_env = "EMERGENCY_DINGTALK_URL"           # the robot URL carries its token: a secret
    secret_env = "EMERGENCY_DINGTALK_SECRET"     # DingTalk 加签 (optional)
    [[delivery.areas.channels]]
    name = "sms"
    kind = "sms"
    provider = "alibaba"         # alibaba (dysmsapi 2017-05-25 SendSms) | tencent (sms 2021-01-11 SendSms)
    sign_name = "某市生态环境局"
    template_code = "SMS_123456789"
    access_key_id_env = "EMERGENCY_SMS_KEY_ID"
    access_key_secret_env = "EMERGENCY_SMS_KEY_SECRET"
    [delivery.areas.escalation]  # the county contact / duty officer
    emails = ["duty@example.gov.cn"]
    phones = ["13800000000"]
    channels = ["email", "sms"]  # which of the area's channels carry escalations

Nothing secret is in the file: passwords, access keys and robot URLs with tokens are
read from the environment variables it names, when a message is sent (a missing one is
a failed attempt saying which variable). The file is validated at load by frozen
pydantic models (``extra="forbid"``); a bad file is a ConfigurationError naming the
file and the field.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from emergency.errors import ConfigurationError

ENV_VAR = "EMERGENCY_DELIVERY_CONFIG"
_NAME = r"^[A-Za-z0-9_.-]{1,50}$"
_ENV = r"^[A-Za-z_][A-Za-z0-9_]*$"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EmailChannel(_Frozen):
    kind: Literal["email"]
    name: str = Field(pattern=_NAME)
    host: str
    port: int = Field(default=25, ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = "starttls"
    from_address: str = Field(pattern=r"^[^@\s<>]+@[^@\s<>]+$")
    from_name: str = "重污染天气应急指挥部办公室"
    username: str | None = None
    password_env: str | None = Field(default=None, pattern=_ENV)
    ca_file: str | None = None  # the bureau's own CA for STARTTLS / SSL (default: the system's)
    timeout: float = Field(default=15.0, gt=0, le=300)


class SmsChannel(_Frozen):
    kind: Literal["sms"]
    name: str = Field(pattern=_NAME)
    provider: Literal["alibaba", "tencent"]
    endpoint: str | None = None  # host[:port]; default the provider's public endpoint
    protocol: Literal["https", "http"] = "https"  # http only for a local test endpoint
    region: str = "cn-hangzhou"
    sign_name: str
    template_code: str  # Alibaba TemplateCode / Tencent TemplateId
    # the template's parameters, in order (Tencent) or by name (Alibaba): provider name -> our field
    template_params: dict[str, Literal["enterprise", "purpose", "level", "warning", "version", "deadline", "county"]] = Field(
        default_factory=lambda: {"name": "enterprise", "purpose": "purpose", "deadline": "deadline"})
    sdk_app_id: str | None = None  # Tencent SmsSdkAppId
    access_key_id_env: str = Field(pattern=_ENV)
    access_key_secret_env: str = Field(pattern=_ENV)
    timeout: float = Field(default=15.0, gt=0, le=300)

    @model_validator(mode="after")
    def _tencent_app(self):
        if self.provider == "tencent" and not self.sdk_app_id:
            raise ValueError("sdk_app_id is required for provider tencent")
        return self


class WebhookChannel(_Frozen):
    kind: Literal["webhook"]
    name: str = Field(pattern=_NAME)
    flavor: Literal["dingtalk", "wecom", "feishu"]
    url: str | None = Field(default=None, pattern=r"^https?://")  # a URL without a token (e.g. a local relay)
    url_env: str | None = Field(default=None, pattern=_ENV)  # a URL with its token: from the environment
    secret_env: str | None = Field(default=None, pattern=_ENV)  # DingTalk 加签 / Feishu 签名校验
    at_mobiles: bool = True  # @ the firm's contact phone (DingTalk, WeCom)
    timeout: float = Field(default=10.0, gt=0, le=300)

    @model_validator(mode="after")
    def _one_url(self):
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give exactly one of url and url_env")
        return self


Channel = Annotated[EmailChannel | SmsChannel | WebhookChannel, Field(discriminator="kind")]


class Escalation(_Frozen):
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)  # names of the area's channels; default all


class AreaDelivery(_Frozen):
    area: str = Field(min_length=1)
    channels: list[Channel] = Field(default_factory=list)
    escalation: Escalation | None = None

    @model_validator(mode="after")
    def _names(self):
        names = [c.name for c in self.channels]
        if len(names) != len(set(names)):
            raise ValueError(f"channel names repeat in area {self.area}: {names}")
        if self.escalation:
            unknown = set(self.escalation.channels) - set(names)
            if unknown:
                raise ValueError(f"escalation.channels {sorted(unknown)} are not channels of area {self.area}")
        return self


class DeliveryConfig(_Frozen):
    lease_seconds: int = Field(default=120, ge=5)  # > twice every channel's timeout (checked)
    backoff_base_minutes: float = Field(default=1.0, gt=0)
    backoff_cap_minutes: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=6, ge=1, le=50)
    escalate_after_minutes: float = Field(default=60.0, ge=0)
    release_window_hours: float = Field(default=24.0, ge=0)
    workers_per_channel: int = Field(default=4, ge=1, le=32)  # concurrent senders on one channel
    areas: list[AreaDelivery] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_areas(self):
        names = [a.area for a in self.areas]
        if len(names) != len(set(names)):
            raise ValueError(f"areas repeat: {names}")
        slow = [f"{a.area}/{c.name} ({c.timeout:g} s)" for a in self.areas for c in a.channels if 2 * c.timeout >= self.lease_seconds]
        if slow:  # a try still running when its lease ends could be claimed again by another worker
            raise ValueError(f"lease_seconds ({self.lease_seconds}) must exceed twice the timeout of {', '.join(slow)}")
        return self

    def area(self, county: str, cities: tuple[str, ...] = ()) -> AreaDelivery | None:
        """The entry for a firm in ``county``: the county's own, else its city's (one of
        ``cities``), else ``"*"``."""
        by = {a.area: a for a in self.areas}
        for name in (county, *cities, "*"):
            if name in by:
                return by[name]
        return None

    def backoff_minutes(self, attempts: int) -> float:
        """Wait after the ``attempts``-th failed try: base · 2^(attempts−1), capped."""
        return min(self.backoff_base_minutes * 2 ** max(attempts - 1, 0), self.backoff_cap_minutes)


def load_delivery_config(path: Path | str | None = None) -> DeliveryConfig | None:
    """The configuration in ``path`` (default ``$EMERGENCY_DELIVERY_CONFIG``); None when
    neither is given (nothing can be sent: callers say so loudly)."""
    path = path or os.environ.get(ENV_VAR)
    if not path:
        return None
    from config.loading import load_toml_model

    return load_toml_model(DeliveryConfig, Path(path), "delivery", ConfigurationError)


def secret(env: str | None, what: str) -> str | None:
    """The value of the environment variable ``env`` (None when not configured); a
    configured but unset variable is an error naming it."""
    if env is None:
        return None
    value = os.environ.get(env)
    if not value:
        raise ChannelError(f"环境变量 {env} 未设置（{what}）(secret not in the environment)", permanent=False)
    return value


class ChannelError(Exception):
    """A try that failed. ``connect``: the channel could not be reached at all (nothing
    left this process): the other rows of the channel wait for the next pass."""

    def __init__(self, message: str, *, permanent: bool = False, connect: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.connect = connect
