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


class ImportWarning(BaseModel):
    """A located finding that does not refuse the list (e.g. a filed measure below an
    advisory floor, a voluntary measure of an A-grade firm)."""

    model_config = ConfigDict(frozen=True)

    sheet: str
    row: int | None
    column: str | None
    value: str | float | int | None
    reason: str
    message: str  # the whole located line, as the CLI prints it

    @classmethod
    def of(cls, problem) -> "ImportWarning":
        return cls(sheet=problem.sheet, row=problem.row, column=problem.column, value=problem.value,
                   reason=problem.reason, message=str(problem))


class ImportSummary(BaseModel):
    """What an import wrote (in one transaction), and the warnings of its checks."""

    model_config = ConfigDict(frozen=True)

    version: str
    version_id: int
    areas: int
    enterprises: int
    lines: int
    replaced: bool
    warnings: tuple[ImportWarning, ...] = ()
