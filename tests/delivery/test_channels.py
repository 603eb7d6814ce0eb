"""Channels in detail: the real SMS SDKs (Alibaba dysmsapi 2017-05-25, Tencent sms
2021-01-11) pointed at a local HTTP endpoint, robot bodies and DingTalk signing, the
configuration's errors, and 联系邮箱 checked on import."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
from datetime import timedelta

import pytest

from emergency import clock
from emergency.delivery import models as m, outbox
from emergency.delivery.channels import Message, webhook
from emergency.delivery.config import DeliveryConfig, WebhookChannel, load_delivery_config
from emergency.errors import ConfigurationError
from tests.delivery.sinks import HttpSink
from tests.delivery.test_delivery import rows
from tests.enterprise.city import C1, C2, C3, NOW


def _sms_config(sink: HttpSink, provider: str) -> DeliveryConfig:
    ch = {"kind": "sms", "name": "sms", "provider": provider, "endpoint": f"127.0.0.1:{sink.port}", "protocol": "http",
          "sign_name": "测试市生态环境局", "template_code": "SMS_1" if provider == "alibaba" else "1234",
          "access_key_id_env": "TEST_SMS_ID", "access_key_secret_env": "TEST_SMS_SECRET", "timeout": 3}
    if provider == "tencent":
        ch["sdk_app_id"] = "1400000000"
    return DeliveryConfig.model_validate({"areas": [{"area": "测试市", "channels": [ch]}]})


@pytest.mark.parametrize("provider", ["alibaba", "tencent"])
def test_sms_through_the_provider_sdk(warning, provider, monkeypatch):
    engine, wid, _ = warning
    monkeypatch.setenv("TEST_SMS_ID", "id")
    monkeypatch.setenv("TEST_SMS_SECRET", "secret")
    with HttpSink(provider) as sink:
        with clock.use_clock(NOW):
            assert outbox.deliver_due(engine, NOW, _sms_config(sink, provider)) == 2  # C3 has a landline only
        keys = {u: outbox.idempotency_key(wid, 1, u, "sms", "notice") for u in (C1, C2)}
        if provider == "alibaba":
            sent = [dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(p).query)) for p, _, _ in sink.requests]
            assert sorted((q["PhoneNumbers"], q["OutId"]) for q in sent) == [("13800000001", keys[C1]), ("13800000002", keys[C2])]
            assert all(q["TemplateCode"] == "SMS_1" and json.loads(q["TemplateParam"])["purpose"] == "管控通知" for q in sent)
        else:
            sent = [json.loads(b) for _, _, b in sink.requests]
            assert sorted((q["PhoneNumberSet"][0], q["SessionContext"]) for q in sent) == [
                ("+8613800000001", keys[C1]), ("+8613800000002", keys[C2])]
    by = {r["uscc"]: r for r in rows(engine, channel="sms")}
    assert by[C3]["status"] == m.NO_ADDRESS
    assert by[C1]["status"] == m.SENT and by[C1]["provider_message_id"]


def test_a_missing_secret_is_a_failed_try_naming_the_variable(warning, monkeypatch):
    engine, _, _ = warning
    monkeypatch.delenv("TEST_SMS_ID", raising=False)
    with HttpSink("alibaba") as sink:
        with clock.use_clock(NOW):
            assert outbox.deliver_due(engine, NOW, _sms_config(sink, "alibaba")) == 0
        assert sink.requests == []
    assert {r["status"] for r in rows(engine, channel="sms") if r["address"]} == {m.FAILED}
    assert all("TEST_SMS_ID" in r["last_error"] for r in rows(engine, channel="sms") if r["address"])


def test_dingtalk_signature_and_mentions(monkeypatch):
    monkeypatch.setenv("DT_SECRET", "SEC-test")
    ch = WebhookChannel(kind="webhook", name="r", flavor="dingtalk", url="http://127.0.0.1/robot", secret_env="DT_SECRET")
    body, query = webhook.body(ch, Message(key="k", address="13800000001", subject="标题", text="正文"), now=1700000000.123)
    # the documented recipe: base64(HMAC-SHA256(secret, f"{timestamp}\n{secret}")), timestamp in ms
    expected = base64.b64encode(hmac.new(b"SEC-test", b"1700000000123\nSEC-test", hashlib.sha256).digest()).decode()
    assert query == {"timestamp": "1700000000123", "sign": expected}
    assert body["at"]["atMobiles"] == ["13800000001"] and "@13800000001" in body["markdown"]["text"]
    wecom = WebhookChannel(kind="webhook", name="w", flavor="wecom", url="http://127.0.0.1/robot")
    body, _ = webhook.body(wecom, Message(key="k", address="13800000001", subject="标题", text="长" * 2000))
    assert len(body["text"]["content"].encode()) <= 2048 and body["text"]["mentioned_mobile_list"] == ["13800000001"]


def test_a_bad_configuration_names_the_file_and_the_field(tmp_path):
    p = tmp_path / "d.toml"
    p.write_text('[delivery]\nmax_attempts = 0\n[[delivery.areas]]\narea = "测试市"\n'
                 '[[delivery.areas.channels]]\nkind = "email"\nname = "e"\nhost = "h"\nfrom_address = "a@b.cn"\npassword = "x"\n',
                 encoding="utf-8")
    with pytest.raises(ConfigurationError) as e:
        load_delivery_config(p)
    assert str(p) in e.value.message and "max_attempts" in e.value.message and "password" in e.value.message
    with pytest.raises(ConfigurationError, match="not found"):
        load_delivery_config(tmp_path / "missing.toml")
    assert load_delivery_config(None) is None  # nothing configured: callers say so loudly
    p.write_text('[delivery]\nlease_seconds = 20\n[[delivery.areas]]\narea = "测试市"\n[[delivery.areas.channels]]\n'
                 'kind = "webhook"\nname = "r"\nflavor = "feishu"\nurl = "http://x"\ntimeout = 10\n', encoding="utf-8")
    with pytest.raises(ConfigurationError, match="lease_seconds"):  # a try could outlive its lease
        load_delivery_config(p)


def test_a_claim_of_an_earlier_incarnation_of_this_pid_is_dead():
    """A restarted container's scheduler may get the same pid: its predecessor's claims
    are free at once, not after the lease."""
    import os

    from emergency.delivery.outbox import HOST, INCARNATION, _alive, _token

    assert _alive(_token())
    assert not _alive(f"{HOST}:{os.getpid()}:{'0' * 8 if INCARNATION != '0' * 8 else '1' * 8}:abc")
    assert _alive(f"another-host:{os.getpid()}:x:abc")  # another host: its lease decides


def test_contact_email_is_checked_on_import(tmp_path):
    import shutil
    from pathlib import Path

    from emergency.errors import ImportRejected
    from enterprise_registry.service import check_list_file

    hand = Path(__file__).parents[1] / "registry" / "data" / "jinzhong"
    folder = tmp_path / "list"
    shutil.copytree(hand, folder)
    ents = folder / "enterprises.csv"
    lines = ents.read_text(encoding="utf-8-sig").splitlines()
    lines[0] += ",联系邮箱"
    values = ["huanbao@jz-cement.example.com", "张三 <a@b.cn>", " ok@example.com ", ""]
    lines[1:] = [f"{ln},{v}" for ln, v in zip(lines[1:], values)]
    ents.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as e:
        check_list_file(folder)
    problems = [(p.row, p.column, p.value) for p in e.value.problems]
    assert problems == [(3, "联系邮箱", "张三 <a@b.cn>")]  # the header is row 1
    lines[2] = lines[2].rsplit(",", 1)[0] + ",li@example.com"
    ents.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tables = check_list_file(folder)
    assert tables.enterprises["contact_email"] == ["huanbao@jz-cement.example.com", "li@example.com", "ok@example.com", None]


def test_starttls_verifies_the_server_against_the_configured_ca(warning, tmp_path):
    import ssl
    import subprocess

    from tests.delivery.sinks import SmtpSink

    engine, wid, _ = warning
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)

    def cfg(**tls):
        return DeliveryConfig.model_validate({"workers_per_channel": 1, "areas": [{"area": "测试市", "channels": [
            {"kind": "email", "name": "email", "host": "127.0.0.1", "port": smtp.port, "security": "starttls",
             "from_address": "yingji@bureau.example.com", "timeout": 5, **tls}]}]})

    with SmtpSink(tls_context=server) as smtp:
        with clock.use_clock(NOW):
            outbox.deliver_due(engine, NOW, cfg())  # the system's CAs do not know this server
        assert smtp.messages == []
        failed = [r for r in rows(engine, channel="email") if r["status"] == m.FAILED]
        assert len(failed) == 1 and "CERTIFICATE_VERIFY_FAILED" in failed[0]["last_error"]
        later = NOW + timedelta(minutes=5)
        with clock.use_clock(later):
            assert outbox.drain(engine, later, cfg(ca_file=str(cert))).sent == 2
        assert sorted(r for r, _ in smtp.messages) == [["c1@firm.example.com"], ["c2@firm.example.com"]]
