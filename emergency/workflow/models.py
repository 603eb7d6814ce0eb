"""Tables of the workflow. Audit records are append-only (no update path anywhere;
the database refuses UPDATE, DELETE, INSERT OR REPLACE (SQLite) and TRUNCATE (PostgreSQL)).

One active warning per area is enforced by the database: ``active_area`` has the
area as primary key, and a claim row is written in the same transaction as the
warning — a concurrent second issue for the same area fails with an integrity error.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from emergency import clock
from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel



class Role(StrEnum):
    VIEWER = "viewer"
    PLANNER = "planner"
    DUTY_OFFICER = "duty_officer"
    ADMIN = "admin"
    ENTERPRISE = "enterprise"  # a firm's own account, bound to its USCCs (EnterpriseBinding)


class WarningState(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    ADJUSTED = "adjusted"
    RELEASED = "released"


ACTIVE_STATES = (WarningState.ISSUED, WarningState.ADJUSTED)


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    full_name: str | None = Field(default=None, max_length=100)
    role: str = Field(max_length=20)
    password_hash: str = Field(max_length=300)
    active: bool = True
    created_at: datetime = Field(default_factory=clock.now)
    failed_logins: int = 0
    locked_until: datetime | None = None
    city: str | None = Field(default=None, max_length=100)  # the city it acts for; None: every city (province)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    token_sha256: str = Field(max_length=64, unique=True, index=True)
    name: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=clock.now)
    revoked: bool = False
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class WarningRecord(SQLModel, table=True):
    __tablename__ = "warning"

    id: int | None = Field(default=None, primary_key=True)
    state: str = Field(max_length=20, index=True)
    level: str = Field(max_length=10)
    rule_set: str = Field(max_length=20)
    areas: str = Field(sa_column=Column(Text, nullable=False), description="JSON list of area names")
    city: str | None = Field(default=None, max_length=100, index=True, description="the city of its list version")
    start: datetime
    end: datetime
    registry_version: str = Field(max_length=100)
    forecast: str | None = Field(default=None, sa_column=Column(Text), description="JSON evidence")
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=clock.now)
    updated_at: datetime = Field(default_factory=clock.now)
    row_version: int = Field(default=1, description="bumped by every state change (optimistic lock)")
    released_at: datetime | None = None
    released_by: str | None = Field(default=None, max_length=64)
    release_reason: str | None = Field(default=None, sa_column=Column(Text))


class ActiveArea(SQLModel, table=True):
    """One row per area under an active warning; the primary key is the guarantee."""

    __tablename__ = "active_area"

    area: str = Field(primary_key=True, max_length=100)
    warning_id: int = Field(foreign_key="warning.id", index=True)


class PlanVersion(SQLModel, table=True):
    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("warning_id", "version_no"),)

    id: int | None = Field(default=None, primary_key=True)
    warning_id: int = Field(foreign_key="warning.id", index=True)
    version_no: int
    transition: str = Field(max_length=30)
    level: str = Field(max_length=10)
    document: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(max_length=64)
    changes: str | None = Field(default=None, sa_column=Column(Text), description="JSON diff vs previous")
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=clock.now)
    effective_from: datetime | None = Field(default=None, description="when its measures take effect")


class AuditRecord(SQLModel, table=True):
    __tablename__ = "audit_record"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=clock.now, index=True)
    actor: str = Field(max_length=64, index=True)
    action: str = Field(max_length=50, index=True)
    target: str | None = Field(default=None, max_length=100)
    details: str | None = Field(default=None, sa_column=Column(Text))
    plan_sha256: str | None = Field(default=None, max_length=64)


class ElectricityReading(SQLModel, table=True):
    __tablename__ = "electricity_reading"
    __table_args__ = (UniqueConstraint("enterprise_uscc", "line_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    enterprise_uscc: str = Field(max_length=18, index=True)
    line_id: str = Field(default="", max_length=80)
    day: date
    kwh: float


class EnterpriseBinding(SQLModel, table=True):
    """Which firms (统一社会信用代码) an ``enterprise`` account acts for."""

    __tablename__ = "enterprise_binding"
    __table_args__ = (UniqueConstraint("user_id", "uscc"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    uscc: str = Field(max_length=18, index=True)


class EnterpriseInvitation(SQLModel, table=True):
    """A one-time invitation code (stored as its SHA-256) for an enterprise account."""

    __tablename__ = "enterprise_invitation"

    id: int | None = Field(default=None, primary_key=True)
    code_sha256: str = Field(max_length=64, unique=True, index=True)
    username: str = Field(max_length=64)
    full_name: str | None = Field(default=None, max_length=100)
    usccs: str = Field(sa_column=Column(Text, nullable=False), description="JSON list of USCCs")
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=clock.now)
    expires_at: datetime
    redeemed_at: datetime | None = None
    user_id: int | None = Field(default=None, foreign_key="app_user.id")


class NoticeReceipt(SQLModel, table=True):
    """A firm's confirmation (回执) of its order at one plan version of a warning."""

    __tablename__ = "notice_receipt"
    __table_args__ = (UniqueConstraint("warning_id", "version_no", "uscc"),)

    id: int | None = Field(default=None, primary_key=True)
    warning_id: int = Field(foreign_key="warning.id", index=True)
    version_no: int
    uscc: str = Field(max_length=18, index=True)
    confirmed_at: datetime
    confirmed_by: str = Field(max_length=64)


class ExecutionReport(SQLModel, table=True):
    """A firm's report of the measure it took on one line at one plan version (落实情况报告).
    ``reported_at`` is the first report (what lateness is judged by); a correction
    updates the row and ``updated_at``. Evidence is stored under ``evidence_file``, a
    name the server chose; ``evidence_name`` is the client's name, as text only."""

    __tablename__ = "execution_report"
    __table_args__ = (UniqueConstraint("warning_id", "version_no", "uscc", "line_id"),)

    id: int | None = Field(default=None, primary_key=True)
    warning_id: int = Field(foreign_key="warning.id", index=True)
    version_no: int
    uscc: str = Field(max_length=18, index=True)
    line_id: str = Field(max_length=80)
    measure: str = Field(max_length=200)
    taken_at: datetime
    reported_at: datetime
    updated_at: datetime
    reported_by: str = Field(max_length=64)
    evidence_file: str | None = Field(default=None, max_length=100)
    evidence_name: str | None = Field(default=None, max_length=200)
    evidence_sha256: str | None = Field(default=None, max_length=64)
    evidence_bytes: int | None = None
