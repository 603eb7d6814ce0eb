"""SMS through a provider's SDK, behind one adapter interface.

- ``alibaba``: ``alibabacloud-dysmsapi20170525`` ``SendSms`` (PhoneNumbers, SignName,
  TemplateCode, TemplateParam as JSON, ``OutId`` = the row's idempotency key);
- ``tencent``: ``tencentcloud-sdk-python-sms`` 2021-01-11 ``SendSms`` (PhoneNumberSet in
  +86 form, SmsSdkAppId, SignName, TemplateId, TemplateParamSet in the configured order,
  ``SessionContext`` = the idempotency key).

The endpoint (``host[:port]``) and protocol are configurable so tests point the real
SDK at a local HTTP server. Credentials come from the environment variables the
configuration names. SMS carries a template: the notice itself goes by e-mail or robot.
"""

from __future__ import annotations

import json
import re
from typing import Protocol

from emergency.delivery.channels import Handover, Message, probe
from emergency.delivery.config import ChannelError, SmsChannel, secret

MOBILE = re.compile(r"^1[3-9]\d{9}$")
ALIBABA_ENDPOINT = "dysmsapi.aliyuncs.com"
TENCENT_ENDPOINT = "sms.tencentcloudapi.com"


def mobile(phone: str | None) -> str | None:
    """The mainland mobile number in ``phone`` (spaces, dashes, +86 removed), else None."""
    if not phone:
        return None
    digits = re.sub(r"[\s-]", "", phone)
    digits = digits[3:] if digits.startswith("+86") else digits
    return digits if MOBILE.match(digits) else None


class SmsAdapter(Protocol):
    def send(self, phones: list[str], params: dict[str, str], key: str, handover: Handover) -> str | None: ...


def _host_port(endpoint: str, protocol: str) -> tuple[str, int]:
    host, _, port = endpoint.partition(":")
    return host, int(port) if port else (443 if protocol == "https" else 80)


class AlibabaSms:
    def __init__(self, channel: SmsChannel):
        self.channel = channel
        self.endpoint = channel.endpoint or ALIBABA_ENDPOINT

    def send(self, phones, params, key, handover):
        from alibabacloud_dysmsapi20170525 import models
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.utils_models import Config
        from darabonba.runtime import RuntimeOptions

        c = self.channel
        client = Client(Config(access_key_id=secret(c.access_key_id_env, "短信 AccessKey ID"),
                               access_key_secret=secret(c.access_key_secret_env, "短信 AccessKey Secret"),
                               endpoint=self.endpoint, protocol=c.protocol, region_id=c.region))
        request = models.SendSmsRequest(phone_numbers=",".join(phones), sign_name=c.sign_name, template_code=c.template_code,
                                        template_param=json.dumps(params, ensure_ascii=False), out_id=key)
        ms = int(c.timeout * 1000)
        probe(*_host_port(self.endpoint, c.protocol), c.timeout)
        handover()
        try:
            response = client.send_sms_with_options(request, RuntimeOptions(connect_timeout=ms, read_timeout=ms, autoretry=False))
        except Exception as exc:  # noqa: BLE001 — the SDK raises its own exception types
            raise ChannelError(f"阿里云短信接口出错：{str(exc)[:300]}") from None
        body = response.body
        if body is None or body.code != "OK":
            code = getattr(body, "code", None)
            raise ChannelError(f"阿里云短信拒绝：{code} {getattr(body, 'message', '')}",
                               permanent=bool(code) and code.startswith("isv.") and "LIMIT" not in code)
        return body.biz_id


class TencentSms:
    def __init__(self, channel: SmsChannel):
        self.channel = channel
        self.endpoint = channel.endpoint or TENCENT_ENDPOINT

    def send(self, phones, params, key, handover):
        from tencentcloud.common import credential
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import models, sms_client

        c = self.channel
        cred = credential.Credential(secret(c.access_key_id_env, "短信 SecretId"), secret(c.access_key_secret_env, "短信 SecretKey"))
        profile = ClientProfile(httpProfile=HttpProfile(endpoint=self.endpoint, protocol=c.protocol, reqTimeout=int(c.timeout)))
        client = sms_client.SmsClient(cred, c.region, profile)
        request = models.SendSmsRequest()
        request.from_json_string(json.dumps({
            "PhoneNumberSet": [f"+86{p}" for p in phones], "SmsSdkAppId": c.sdk_app_id, "SignName": c.sign_name,
            "TemplateId": c.template_code, "TemplateParamSet": list(params.values()), "SessionContext": key,
        }, ensure_ascii=False))
        probe(*_host_port(self.endpoint, c.protocol), c.timeout)
        handover()
        try:
            response = client.SendSms(request)
        except TencentCloudSDKException as exc:
            raise ChannelError(f"腾讯云短信接口出错：{exc.code} {exc.message}") from None
        except Exception as exc:  # noqa: BLE001
            raise ChannelError(f"腾讯云短信接口出错：{str(exc)[:300]}") from None
        bad = [s for s in response.SendStatusSet or [] if s.Code != "Ok"]
        if bad or not response.SendStatusSet:
            raise ChannelError("腾讯云短信拒绝：" + "; ".join(f"{s.PhoneNumber} {s.Code} {s.Message}" for s in bad),
                               permanent=all("Invalid" in (s.Code or "") for s in bad) and bool(bad))
        return ",".join(s.SerialNo for s in response.SendStatusSet if s.SerialNo)


ADAPTERS: dict[str, type] = {"alibaba": AlibabaSms, "tencent": TencentSms}


def send(channel: SmsChannel, message: Message, handover: Handover) -> str | None:
    phones = [p.strip() for p in message.address.split(",") if p.strip()]
    params = {name: message.sms_params.get(field, "") for name, field in channel.template_params.items()}
    return ADAPTERS[channel.provider](channel).send(phones, params, message.key, handover)
