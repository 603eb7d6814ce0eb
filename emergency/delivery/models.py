"""Tables of notice delivery (created by the alembic revision ``0007_delivery``).

``delivery_outbox``: one row per message to send — key (warning, version, recipient,
channel, purpose), unique, so enqueuing twice inserts nothing. ``recipient`` is the
firm's 统一社会信用代码 for a firm's message, ``county:<区县>`` for an escalation.
``idempotency_key`` (derived from the key) goes out with every try of the row
(Message-ID, OutId / SessionContext, a webhook header). ``payload`` is what is sent,
rendered once at enqueue, so a retry sends the same text.

``delivery_attempt``: one row per try (time, result, error, the provider's id).

``delivery_enqueued``: one row per (warning, version, purpose) whose messages were
enqueued, inserted in the same transaction as the messages: the delivery job enqueues
every version not in it, so the workflow needs no hook.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from emergency import clock

# statuses of an outbox row
PENDING, SENDING, SENT, FAILED, GAVE_UP, NO_ADDRESS, UNCERTAIN = (
    "pending", "sending", "sent", "failed", "gave_up", "no_address", "uncertain")
STATUSES = (PENDING, SENDING, SENT, FAILED, GAVE_UP, NO_ADDRESS, UNCERTAIN)
STATUS_ZH = {PENDING: "待发送", SENDING: "发送中", SENT: "已送达", FAILED: "失败待重试", GAVE_UP: "已放弃（需人工处理）",
             NO_ADDRESS: "无联系方式", UNCERTAIN: "送达不明（需值班员核实）"}

# purposes
NOTICE, RELEASE, REMIND_RECEIPT, REMIND_REPORT, ESCALATE_RECEIPT, ESCALATE_REPORT = (
    "notice", "release", "remind_receipt", "remind_report", "escalate_receipt", "escalate_report")
PURPOSE_ZH = {NOTICE: "管控通知", RELEASE: "解除通知", REMIND_RECEIPT: "回执催办", REMIND_REPORT: "落实报告催办",
              ESCALATE_RECEIPT: "回执逾期上报", ESCALATE_REPORT: "落实报告逾期上报"}

# attempt results
ATTEMPT_STARTED, ATTEMPT_SENT, ATTEMPT_FAILED, ATTEMPT_CRASHED = "started", "sent", "failed", "crashed"


class DeliveryOutbox(SQLModel, table=True):
    __tablename__ = "delivery_outbox"
    __table_args__ = (UniqueConstraint("warning_id", "version_no", "recipient", "channel", "purpose",
                                       name="uq_delivery_outbox_key"),)

    id: int | None = Field(default=None, primary_key=True)
    warning_id: int = Field(foreign_key="warning.id", index=True)
    version_no: int
    recipient: str = Field(max_length=120)  # a firm's USCC, or county:<区县> for an escalation
    uscc: str | None = Field(default=None, max_length=18, index=True)
    county: str = Field(default="", max_length=100)
    area: str = Field(default="", max_length=100)  # the configuration's area entry the channel belongs to
    channel: str = Field(max_length=50)  # the configured channel's name
    kind: str = Field(max_length=20)  # email | sms | webhook
    purpose: str = Field(max_length=30)
    address: str | None = Field(default=None, max_length=500)
    status: str = Field(max_length=20, index=True)
    attempts: int = 0
    next_attempt_at: datetime | None = None
    claim_token: str | None = Field(default=None, max_length=120)
    lease_until: datetime | None = None
    handed_over_at: datetime | None = None  # the point of no return of the current try
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    sent_at: datetime | None = None
    provider_message_id: str | None = Field(default=None, max_length=200)
    idempotency_key: str = Field(max_length=64, unique=True)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=clock.now)
    updated_at: datetime = Field(default_factory=clock.now)


class DeliveryAttempt(SQLModel, table=True):
    __tablename__ = "delivery_attempt"

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="delivery_outbox.id", index=True)
    attempt_no: int
    started_at: datetime
    finished_at: datetime | None = None
    result: str = Field(max_length=20)  # started | sent | failed | crashed
    error: str | None = Field(default=None, sa_column=Column(Text))
    provider_message_id: str | None = Field(default=None, max_length=200)


class DeliveryEnqueued(SQLModel, table=True):
    __tablename__ = "delivery_enqueued"
    __table_args__ = (UniqueConstraint("warning_id", "version_no", "purpose", name="uq_delivery_enqueued_key"),)

    id: int | None = Field(default=None, primary_key=True)
    warning_id: int = Field(foreign_key="warning.id", index=True)
    version_no: int
    purpose: str = Field(max_length=30)
    rows: int = 0
    enqueued_at: datetime = Field(default_factory=clock.now)
