"""Service functions over the list: one call = one unit of work.

Used by the CLI, the HTTP API and the optimiser. Bulk writes and reads go through
SQLAlchemy Core (executemany / column-wise selects), not one ORM object per row:
a 250,000-line list must import in seconds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

from sqlalchemy import Engine, delete, func, insert, select

from config.industries import load_industries
from emergency.errors import ImportRejected, NotFound, RegistryError
from enterprise_registry.columns import AREA_SHEET, ENTERPRISE_SHEET, LINE_SHEET, RegistryTables
from enterprise_registry.listfiles import read_list_file
from enterprise_registry.models import Area, Enterprise, ListVersion, ProductionLine
from enterprise_registry.validation import validate_sheets

Progress = Callable[[str, int, int], None]  # (stage, done, total)
BATCH = 20000

_AREA_KEYS = [c.key for c in AREA_SHEET.columns]
_ENT_KEYS = [c.key for c in ENTERPRISE_SHEET.columns]
_LINE_KEYS = [c.key for c in LINE_SHEET.columns if c.key not in ("uscc", "enterprise_name")]


@dataclass(frozen=True)
class ImportSummary:
    version: str
    version_id: int
    areas: int
    enterprises: int
    lines: int
    replaced: bool


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    path = Path(path)
    files = [path] if path.is_file() else sorted(path.glob("*.csv"))
    for f in files:
        h.update(f.read_bytes())
    return h.hexdigest()


def tables_sha256(tables: RegistryTables) -> str:
    """Content hash of a list (version row, then every column in key order, values by repr)."""
    import json

    h = hashlib.sha256(json.dumps(tables.version, sort_keys=True, default=str, ensure_ascii=False).encode())
    for part in (tables.areas, tables.enterprises, tables.lines):
        for key in sorted(part):
            h.update(key.encode())
            h.update("\x1f".join(map(repr, part[key])).encode())
    return h.hexdigest()


def check_list_file(path: Path) -> RegistryTables:
    """Read and check a list file; raise ImportRejected listing every problem."""
    raw = read_list_file(path)
    tables, problems = validate_sheets(raw, load_industries())
    if problems:
        raise ImportRejected(
            f"{path}: {len(problems)} 处错误，未导入任何数据 (nothing was imported)", problems
        )
    return tables


def _rows(table: dict[str, list], keys: list[str], extra: dict) -> list[dict]:
    cols = [table.get(k) or [None] * (len(next(iter(table.values())))) for k in keys]
    return [dict(zip(keys, vals), **extra) for vals in zip(*cols)]


def import_tables(
    engine: Engine,
    tables: RegistryTables,
    *,
    replace: bool = False,
    source_file: str | None = None,
    content_sha256: str | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Write a checked list as a new version, in one transaction (all or nothing)."""
    v = tables.version
    n_e, n_l = tables.n_rows("enterprises"), tables.n_rows("lines")
    if content_sha256 is None:
        content_sha256 = tables_sha256(tables)
    with engine.begin() as conn:
        existing = conn.execute(select(ListVersion.id).where(ListVersion.name == v["name"])).scalar()
        if existing is not None:
            if not replace:
                raise RegistryError(
                    f"清单版本“{v['name']}”已存在；如需覆盖请加 --replace (version exists; use --replace)"
                )
            conn.execute(delete(ProductionLine).where(ProductionLine.version_id == existing))
            conn.execute(delete(Enterprise).where(Enterprise.version_id == existing))
            conn.execute(delete(Area).where(Area.version_id == existing))
            conn.execute(delete(ListVersion).where(ListVersion.id == existing))
        vid = conn.execute(
            insert(ListVersion).returning(ListVersion.id),
            [
                {
                    "name": v["name"],
                    "effective_date": v["effective_date"],
                    "city": v["city"],
                    "notes": v.get("notes"),
                    "source_file": source_file,
                    "content_sha256": content_sha256,
                }
            ],
        ).scalar_one()
        conn.execute(insert(Area), _rows(tables.areas, _AREA_KEYS, {"version_id": vid}))
        ent_rows = _rows(tables.enterprises, _ENT_KEYS, {"version_id": vid})
        for start in range(0, len(ent_rows), BATCH):
            conn.execute(insert(Enterprise), ent_rows[start : start + BATCH])
            if progress:
                progress("enterprises", min(start + BATCH, n_e), n_e)
        ids = dict(conn.execute(select(Enterprise.uscc, Enterprise.id).where(Enterprise.version_id == vid)).all())
        line_rows = _rows(tables.lines, _LINE_KEYS, {"version_id": vid})
        for row, code in zip(line_rows, tables.lines["uscc"]):
            row["enterprise_id"] = ids[code]
        for start in range(0, len(line_rows), BATCH):
            conn.execute(insert(ProductionLine), line_rows[start : start + BATCH])
            if progress:
                progress("lines", min(start + BATCH, n_l), n_l)
    return ImportSummary(v["name"], vid, tables.n_rows("areas"), n_e, n_l, existing is not None)


def import_list_file(engine: Engine, path: Path, *, replace: bool = False, progress: Progress | None = None) -> ImportSummary:
    tables = check_list_file(path)
    return import_tables(
        engine, tables, replace=replace, source_file=str(path), content_sha256=file_sha256(path), progress=progress
    )


# ---------------------------------------------------------------- reading


def resolve_version(conn, version: str | None):
    """The named version, or the latest one in effect today (else the latest)."""
    q = select(
        ListVersion.id, ListVersion.name, ListVersion.effective_date, ListVersion.city, ListVersion.notes,
        ListVersion.content_sha256,
    )
    if version is not None:
        row = conn.execute(q.where(ListVersion.name == version)).first()
        if row is None:
            names = conn.execute(select(ListVersion.name)).scalars().all()
            raise NotFound(f"清单版本“{version}”不存在；现有版本：{'、'.join(names) or '（无）'}")
        return row
    order = (ListVersion.effective_date.desc(), ListVersion.id.desc())
    row = conn.execute(q.where(ListVersion.effective_date <= date.today()).order_by(*order)).first()
    row = row or conn.execute(q.order_by(*order)).first()
    if row is None:
        raise NotFound("数据库中还没有清单；请先 emergency registry import 或 emergency demo")
    return row


def _columns(conn, table, keys: list[str], where, order) -> dict[str, list]:
    cols = [getattr(table, k) for k in keys]
    rows = conn.execute(select(*cols).where(where).order_by(*order)).all()
    columns = list(zip(*rows)) if rows else [()] * len(keys)
    return {k: list(col) for k, col in zip(keys, columns)}


def export_tables(engine: Engine, version: str | None = None) -> RegistryTables:
    """A version of the list, column-wise (the optimiser's fast loader too)."""
    with engine.connect() as conn:
        v = resolve_version(conn, version)
        areas = _columns(conn, Area, _AREA_KEYS, Area.version_id == v.id, [Area.id])
        ents = _columns(conn, Enterprise, _ENT_KEYS, Enterprise.version_id == v.id, [Enterprise.id])
        line_keys = _LINE_KEYS + ["capacity_basis"]
        cols = [getattr(ProductionLine, k) for k in line_keys if k != "capacity_basis"] + [
            ProductionLine.capacity_basis,
            Enterprise.uscc,
            Enterprise.name,
        ]
        rows = conn.execute(
            select(*cols)
            .join(Enterprise, Enterprise.id == ProductionLine.enterprise_id)
            .where(ProductionLine.version_id == v.id)
            .order_by(ProductionLine.id)
        ).all()
        keys = [k for k in line_keys if k != "capacity_basis"] + ["capacity_basis", "uscc", "enterprise_name"]
        columns = list(zip(*rows)) if rows else [()] * len(keys)
        lines = {k: list(col) for k, col in zip(keys, columns)}
    version_row = {"name": v.name, "effective_date": v.effective_date, "city": v.city, "notes": v.notes}
    return RegistryTables(version=version_row, areas=areas, enterprises=ents, lines=lines, content_sha256=v.content_sha256)


load_registry_frame = export_tables


def list_versions(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        counts = dict(
            conn.execute(select(Enterprise.version_id, func.count()).group_by(Enterprise.version_id)).all()
        )
        return [
            {
                "name": v.name,
                "effective_date": v.effective_date,
                "city": v.city,
                "enterprises": counts.get(v.id, 0),
                "imported_at": v.imported_at,
            }
            for v in conn.execute(
                select(ListVersion.id, ListVersion.name, ListVersion.effective_date, ListVersion.city, ListVersion.imported_at)
                .order_by(ListVersion.effective_date)
            )
        ]


def list_enterprises(
    engine: Engine,
    *,
    version: str | None = None,
    county: str | None = None,
    industry: str | None = None,
    grade: str | None = None,
    essential: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[Enterprise]]:
    from sqlmodel import Session

    with Session(engine) as session:
        v = resolve_version(session.connection(), version)
        q = select(Enterprise).where(Enterprise.version_id == v.id)
        for col, val in ((Enterprise.county, county), (Enterprise.industry, industry), (Enterprise.grade, grade), (Enterprise.essential_category, essential)):
            if val is not None:
                q = q.where(col == val)
        total = session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        items = session.execute(q.order_by(Enterprise.id).offset(offset).limit(limit)).scalars().all()
        return total, list(items)


def get_enterprise(engine: Engine, uscc: str, version: str | None = None) -> tuple[Enterprise, list[ProductionLine]]:
    from sqlmodel import Session

    with Session(engine) as session:
        v = resolve_version(session.connection(), version)
        ent = session.execute(
            select(Enterprise).where(Enterprise.version_id == v.id, Enterprise.uscc == uscc)
        ).scalar_one_or_none()
        if ent is None:
            raise NotFound(f"清单版本“{v.name}”中没有统一社会信用代码为 {uscc} 的企业")
        lines = session.execute(
            select(ProductionLine).where(ProductionLine.enterprise_id == ent.id).order_by(ProductionLine.id)
        ).scalars().all()
        return ent, list(lines)
