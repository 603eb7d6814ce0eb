"""Database tables of the list (SQLModel). One version of the list = one ListVersion.

Every Area, Enterprise and ProductionLine row belongs to a version; a new yearly
list is imported as a new version and plans record the version they used.
Shares (listed_share, min_load, essential_approved_load) are stored as fractions 0–1.
Industry and process are stored as codes of ``config/industries.toml``; grade and
essential category as their enum values (the strings used in published lists).

Each entity has a ``*Base`` class with its data fields (shared with the public
schemas in :mod:`enterprise_registry.schemas`) and a table class adding the keys.
Filed per-level measures (一厂一策 published in the list) are rows of FiledMeasure, one
per (enterprise or line, level): a measure the 企业 sheet gives for every line of the
firm is stored once, at the enterprise (``line_id`` NULL), as the list publishes it.

A change here needs an alembic revision in ``enterprise_registry/migrations``
(``tests/registry/test_migrations.py`` compares the two).
"""

from __future__ import annotations

from datetime import date, datetime

from emergency import clock
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from enterprise_registry.columns import make_line_id  # noqa: F401 (re-exported)



class ListVersionBase(SQLModel):
    name: str = Field(index=True, unique=True, max_length=100)
    effective_date: date
    city: str = Field(max_length=100)
    notes: str | None = None


class ListVersion(ListVersionBase, table=True):
    __tablename__ = "list_version"

    id: int | None = Field(default=None, primary_key=True)
    imported_at: datetime = Field(default_factory=clock.now)
    source_file: str | None = None
    content_sha256: str | None = Field(default=None, max_length=64)


class AreaBase(SQLModel):
    name: str = Field(max_length=100)
    parent: str | None = Field(default=None, max_length=100)
    base_so2: float  # whole-society emission base (全社会排放基数), kg/day
    base_nox: float
    base_pm: float
    base_vocs: float
    listed_share_so2: float  # share of the reduction assigned to listed firms, 0–1
    listed_share_nox: float
    listed_share_pm: float
    listed_share_vocs: float


class Area(AreaBase, table=True):
    __tablename__ = "area"
    __table_args__ = (UniqueConstraint("version_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="list_version.id", index=True, ondelete="CASCADE")


class EnterpriseBase(SQLModel):
    seq: int | None = None
    uscc: str = Field(max_length=18, index=True)
    name: str = Field(max_length=200)
    county: str = Field(max_length=100, index=True)
    industry: str = Field(max_length=50, index=True)
    grade: str = Field(max_length=10, index=True)
    essential_category: str = Field(default="无", max_length=20)
    essential_approved_load: float | None = None  # fraction of the capacity basis
    small_micro: bool = False
    ultra_low_filed: bool = False
    longitude: float | None = None
    latitude: float | None = None
    contact_person: str | None = Field(default=None, max_length=50)
    contact_phone: str | None = Field(default=None, max_length=30)
    contact_email: str | None = Field(default=None, max_length=254)  # notices by email (emergency.delivery)
    heavy_trucks_per_day: int | None = None


class Enterprise(EnterpriseBase, table=True):
    __tablename__ = "enterprise"
    __table_args__ = (UniqueConstraint("version_id", "uscc"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="list_version.id", index=True, ondelete="CASCADE")


class ProductionLineBase(SQLModel):
    seq: int | None = None
    line_code: str = Field(max_length=50)
    line_name: str = Field(max_length=200)
    process: str = Field(max_length=50)
    capacity_unit: str = Field(max_length=20)
    capacity_eia: float  # daily averages, in capacity_unit
    capacity_permit: float
    capacity_actual: float
    capacity_basis: float  # min of the three: what a percentage cut applies to
    output_value_yuan: float  # per day at the capacity basis
    interruptible: bool
    min_load: float  # fraction of the capacity basis
    stop_lead_time_h: float
    so2_kg: float  # kg/day at the capacity basis
    nox_kg: float
    pm_kg: float
    vocs_kg: float


class ProductionLine(ProductionLineBase, table=True):
    __tablename__ = "production_line"
    __table_args__ = (UniqueConstraint("enterprise_id", "line_code"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="list_version.id", index=True, ondelete="CASCADE")
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True, ondelete="CASCADE")

    @staticmethod
    def make_line_id(uscc: str, line_code: str) -> str:
        """The stable id plans use for a line: ``<uscc>/<line_code>``."""
        return make_line_id(uscc, line_code)


class FiledMeasure(SQLModel, table=True):
    """A measure filed in the list for one level (enterprise_registry.filed): at an
    enterprise (``line_id`` NULL: every line of the firm that files none of its own) or
    at one line. ``action`` is a config.measures.Action value; ``share`` a fraction 0–1."""

    __tablename__ = "filed_measure"

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="list_version.id", index=True, ondelete="CASCADE")
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True, ondelete="CASCADE")
    line_id: int | None = Field(default=None, foreign_key="production_line.id", index=True, ondelete="CASCADE")
    level: str = Field(max_length=10)
    action: str = Field(max_length=30)
    share: float | None = None
    hours: float | None = None
    truck_ban: bool = False
    text: str | None = Field(default=None, max_length=1000)
    indicator: str | None = Field(default=None, max_length=100)
