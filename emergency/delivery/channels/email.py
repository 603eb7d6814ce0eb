"""E-mail over SMTP (``smtplib``): plain, STARTTLS or SSL; login when a user is configured.

The Message-ID is ``<idempotency key@sender's domain>``: every try of an outbox row
carries the same one, so a mailbox or a mail gateway that de-duplicates sees one
message. The point of no return is after the server accepted sender and recipients
(the connection, TLS and login worked): then the DATA goes.
"""

from __future__ import annotations

import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate

from emergency.delivery.channels import Handover, Message
from emergency.delivery.config import ChannelError, EmailChannel, secret


def build(channel: EmailChannel, message: Message) -> EmailMessage:
    msg = EmailMessage()
    domain = channel.from_address.rsplit("@", 1)[1]
    msg["Subject"] = message.subject
    msg["From"] = Address(channel.from_name, addr_spec=channel.from_address)
    msg["To"] = ", ".join(a.strip() for a in message.address.split(",") if a.strip())
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = f"<{message.key}@{domain}>"
    msg["X-Idempotency-Key"] = message.key
    msg.set_content(message.text)
    if message.html:
        msg.add_alternative(message.html, subtype="html")
    return msg


def _tls(channel: EmailChannel) -> ssl.SSLContext:
    """Certificates verified, against the configured CA file when the bureau runs its own."""
    try:
        return ssl.create_default_context(cafile=channel.ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise ChannelError(f"无法读取证书文件 {channel.ca_file}：{exc}", permanent=False) from None


def send(channel: EmailChannel, message: Message, handover: Handover) -> str | None:
    recipients = [a.strip() for a in message.address.split(",") if a.strip()]
    msg = build(channel, message)
    password = secret(channel.password_env, f"{channel.name} 的 SMTP 密码")
    try:
        if channel.security == "ssl":
            smtp = smtplib.SMTP_SSL(channel.host, channel.port, timeout=channel.timeout, context=_tls(channel))
        else:
            smtp = smtplib.SMTP(channel.host, channel.port, timeout=channel.timeout)
    except (OSError, smtplib.SMTPException) as exc:
        raise ChannelError(f"无法连接邮件服务器 {channel.host}:{channel.port}：{exc} (SMTP unreachable)", connect=True) from None
    try:
        try:
            smtp.ehlo()
            if channel.security == "starttls":
                smtp.starttls(context=_tls(channel))
                smtp.ehlo()
            if channel.username:
                smtp.login(channel.username, password or "")
        except (OSError, smtplib.SMTPException) as exc:
            raise ChannelError(f"邮件服务器 {channel.host}:{channel.port} 握手或登录失败：{exc}", connect=True) from None
        try:
            handover()
            refused = smtp.send_message(msg, from_addr=channel.from_address, to_addrs=recipients)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [c for c, _ in exc.recipients.values()]
            raise ChannelError(f"收件地址被拒收：{exc.recipients}", permanent=all(c >= 500 for c in codes)) from None
        except smtplib.SMTPResponseException as exc:
            raise ChannelError(f"邮件服务器拒绝：{exc.smtp_code} {exc.smtp_error!r}", permanent=exc.smtp_code >= 500) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise ChannelError(f"发送邮件失败：{exc}") from None
        if refused:
            raise ChannelError(f"部分收件地址被拒收：{refused}", permanent=True)
        return msg["Message-ID"]
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
