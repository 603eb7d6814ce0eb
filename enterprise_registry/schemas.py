"""Public (I/O) schemas of the list: what the service returns to the CLI and the API.

Built on the ``*Base`` classes of :mod:`enterprise_registry.models`, so a field is
declared once; no database keys leak out (lines are named by ``line_id``,
enterprises by their USCC, versions by name).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from enterprise_registry.models import AreaBase, EnterpriseBase, ListVersionBase, ProductionLineBase


class ListVersionPublic(ListVersionBase):
    imported_at: datetime
    source_file: str | None = None
    content_sha256: str | None = None
    enterprises: int = 0
    lines: int = 0


class AreaPublic(AreaBase):
    pass


class EnterprisePublic(EnterpriseBase):
    pass


class ProductionLinePublic(ProductionLineBase):
    line_id: str  # "<uscc>/<line_code>", the id plans use
    uscc: str


class EnterpriseDetail(EnterprisePublic):
    lines: list[ProductionLinePublic]


class EnterprisePage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[EnterprisePublic]


class ImportSummary(BaseModel):
    """What an import wrote (in one transaction)."""

    model_config = ConfigDict(frozen=True)

    version: str
    version_id: int
    areas: int
    enterprises: int
    lines: int
    replaced: bool
