"""Service functions over the list: one call = one unit of work.

Used by the CLI, the HTTP API and the optimiser. Bulk writes and reads go through
SQLAlchemy Core (executemany / column-wise selects), not one ORM object per row:
a 250,000-line list must import in seconds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from config.industries import IndustryCatalog, load_industries
from emergency.errors import ImportRejected, NotFound, RegistryError
from emergency.vocabulary import LEVELS
from enterprise_registry import filed, reading
from enterprise_registry.cells import Problem
from enterprise_registry.columns import RegistryTables, tables_sha256
from enterprise_registry.db import dbapi_reader
from enterprise_registry.models import Area, Enterprise, FiledMeasure, ListVersion, ProductionLine, make_line_id
from enterprise_registry.reading import PLANNING_ENTERPRISE_KEYS, PLANNING_LINE_KEYS, DbReader
from enterprise_registry.schemas import EnterprisePublic, ImportSummary, ImportWarning, ListVersionPublic, ProductionLinePublic
from enterprise_registry.uscc import uscc_problem

if TYPE_CHECKING:
    from config.policy import Policy

Progress = Callable[[str, int, int], None]  # (stage, done, total)
# Called inside a replacing import's transaction, with the old version's row locked:
# (connection, version name). Raising refuses the replace; nothing is written.
ReplaceGuard = Callable[[Connection, str], None]
BATCH = 20000

_AREA_KEYS, _ENT_KEYS, _LINE_KEYS = reading.AREA_KEYS, reading.ENTERPRISE_KEYS, reading.LINE_KEYS


def file_sha256(path: Path) -> str:
    """Hash of a list file (a workbook, or a CSV directory's files in name order)."""
    h = hashlib.sha256()
    path = Path(path)
    files = [path] if path.is_file() else sorted(path.glob("*.csv"))
    for f in files:
        h.update(f.read_bytes())
    return h.hexdigest()


@dataclass
class CheckedList:
    """A list file that passed every check, and the warnings that do not refuse it."""

    tables: RegistryTables
    warnings: list[Problem]


def list_policy(tables: RegistryTables) -> Policy:
    """The policy a list's filed measures are checked against: its city's locality file
    when there is one (by the 清单版本 city's Chinese name), else the national policy."""
    from config.policy import find_area, load_policy

    return load_policy(find_area(tables.version.get("city")) or "")


def check_list(path: Path, catalog: IndustryCatalog | None = None, policy: Policy | None = None) -> CheckedList:
    """Read and check a list file — cells, sheets, and its filed measures against policy
    (``policy``, default :func:`list_policy`; loaded only for a list with filed
    measures); raise ImportRejected listing every error."""
    from enterprise_registry.listfiles import read_list_file  # openpyxl/calamine: only for files
    from enterprise_registry.validation import filed_locator, validate_sheets

    raw = read_list_file(path)
    catalog = catalog or load_industries()
    warnings: list[Problem] = []
    tables, problems = validate_sheets(raw, catalog, warnings)
    if filed.has_filed(tables.lines):
        from enterprise_registry.filed_checks import check_filed

        names = {code: name for ind in catalog.industries.values() for code, name in ind.processes.items()}
        checks = check_filed(tables, policy or list_policy(tables), filed_locator(raw, tables), names)
        problems = sorted(problems + checks.errors, key=_problem_order(raw))
        warnings = sorted(warnings + checks.warnings, key=_problem_order(raw))
    if problems:
        raise ImportRejected(
            f"{path}: {len(problems)} 处错误，未导入任何数据 (nothing was imported)", problems
        )
    return CheckedList(tables, warnings)


def _problem_order(raw):
    from enterprise_registry.validation import _reading_order

    return _reading_order(raw)


def check_list_file(path: Path, catalog: IndustryCatalog | None = None, policy: Policy | None = None) -> RegistryTables:
    """Read and check a list file; raise ImportRejected listing every problem (the
    warnings of :func:`check_list` are not returned: use it where they are shown)."""
    return check_list(path, catalog, policy).tables


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
    guard: ReplaceGuard | None = None,
) -> ImportSummary:
    """Write a checked list as a new version, in one transaction (all or nothing).

    A version name that exists is refused unless ``replace`` (then the old version
    is deleted in the same transaction). Before anything is deleted the old version's
    row is locked (a write: SQLite's write lock, PostgreSQL's row lock) and
    ``guard(connection, name)`` is called, so its check and the delete are atomic (the
    workflow refuses to replace a version an active warning uses). Rows go in with Core
    ``executemany`` in batches of ``BATCH``; ``progress(stage, done, total)`` is called
    after each. ``content_sha256`` defaults to :func:`tables_sha256`.
    """
    if content_sha256 is None:
        content_sha256 = tables_sha256(tables)
    try:
        return _write_version(engine, tables, replace, source_file, content_sha256, progress, guard)
    except IntegrityError as exc:  # e.g. a concurrent import of the same version name
        raise RegistryError(f"清单版本“{tables.version['name']}”未能写入（数据库约束冲突）：{exc.orig}") from None


def _write_version(engine, tables, replace, source_file, content_sha256, progress, guard=None) -> ImportSummary:
    v = tables.version
    n_e, n_l = tables.n_rows("enterprises"), tables.n_rows("lines")
    with engine.begin() as conn:
        existing = conn.execute(select(ListVersion.id).where(ListVersion.name == v["name"])).scalar()
        if existing is not None:
            if not replace:
                raise RegistryError(
                    f"清单版本“{v['name']}”已存在；如需覆盖请加 --replace (version exists; use --replace)"
                )
            # lock the old version first: a no-op write takes SQLite's write lock and
            # PostgreSQL's row lock, so nothing can start using it between check and delete
            conn.execute(update(ListVersion).where(ListVersion.id == existing).values(name=ListVersion.name))
            if guard is not None:
                guard(conn, v["name"])
            conn.execute(delete(FiledMeasure).where(FiledMeasure.version_id == existing))
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
        _write_filed(conn, tables, vid, ids)
    return ImportSummary(
        version=v["name"], version_id=vid, areas=tables.n_rows("areas"), enterprises=n_e, lines=n_l,
        replaced=existing is not None,
    )


def _write_filed(conn: Connection, tables: RegistryTables, vid: int, ent_ids: dict[str, int]) -> None:
    """The filed measures as FiledMeasure rows: the 企业 sheet's at the enterprise, each
    line's own at the line (inherited values are not repeated: enterprise_registry.filed)."""
    ents, lines = tables.enterprises, filed.own_lines(tables.lines)
    if not (filed.has_filed(ents) or filed.has_filed(lines)):
        return
    line_ids = {
        (eid, code): lid
        for lid, eid, code in conn.execute(
            select(ProductionLine.id, ProductionLine.enterprise_id, ProductionLine.line_code)
            .where(ProductionLine.version_id == vid)
        ).all()
    }
    rows = []
    for level in LEVELS:
        cols = {f: filed.column(level, f) for f in filed.FIELDS}
        for owner, table in (("enterprise", ents), ("line", lines)):
            actions = table.get(cols["action"]) or []
            for i, action in enumerate(actions):
                if action is None:
                    continue
                eid = ent_ids[table["uscc"][i]]
                rows.append({
                    "version_id": vid, "enterprise_id": eid,
                    "line_id": line_ids[eid, table["line_code"][i]] if owner == "line" else None,
                    "level": level.value, "action": str(action), "share": table[cols["share"]][i],
                    "hours": table[cols["hours"]][i], "truck_ban": bool(table[cols["truck_ban"]][i]),
                    "text": table[cols["text"]][i], "indicator": table[cols["indicator"]][i],
                })
    for start in range(0, len(rows), BATCH):
        conn.execute(insert(FiledMeasure), rows[start : start + BATCH])


def import_list_file(engine: Engine, path: Path, *, replace: bool = False, progress: Progress | None = None,
                     guard: ReplaceGuard | None = None, source_file: str | None = None) -> ImportSummary:
    """Check a list file and import it (raises ImportRejected with every problem); the
    summary carries the warnings (e.g. a filed measure below an advisory floor).
    ``source_file``: the name recorded with the version (default the path)."""
    checked = check_list(path)
    summary = import_tables(
        engine, checked.tables, replace=replace, source_file=source_file or str(path),
        content_sha256=file_sha256(path), progress=progress, guard=guard,
    )
    return summary.model_copy(update={"warnings": tuple(ImportWarning.of(w) for w in checked.warnings)})


# ---------------------------------------------------------------- reading
# The column reads and "which version" are in enterprise_registry.reading (plain SQL on a
# DBAPI connection); these wrap them for an engine.


def resolve_version(conn, version: str | None, city: str | None = None) -> reading.VersionRow:
    """The named version, or ``city``'s latest one in effect today (else its latest), on an
    open SQLAlchemy connection (:func:`enterprise_registry.reading.resolve_version`)."""
    return reading.resolve_version(DbReader.of(conn.connection.dbapi_connection, conn.dialect.paramstyle), version, city)


def cities(engine: Engine) -> list[str]:
    """The cities with lists in this deployment (one, for a city's own deployment)."""
    with dbapi_reader(engine) as db:
        return reading.cities(db)


def export_tables(engine: Engine, version: str | None = None, city: str | None = None) -> RegistryTables:
    """A version of the list, column-wise, every column (the export format)."""
    with dbapi_reader(engine) as db:
        return reading.read_tables(db, version, city=city)


def load_planning_tables(engine: Engine, version: str | None = None, city: str | None = None) -> RegistryTables:
    """A version of the list with only the columns planning needs.

    A third fewer values through the driver than :func:`export_tables` (a province's
    list: 4·10^6 instead of 6·10^6). The result is not a full list: do not export it.
    Its ``content_sha256`` is the stored hash of the whole version; a version stored
    without one is read in full (so the hash can be computed). Without an engine at
    hand, ``with db.read_list(url) as r: reading.read_tables(r, version,
    PLANNING_ENTERPRISE_KEYS, PLANNING_LINE_KEYS)`` does the same."""
    with dbapi_reader(engine) as db:
        return reading.read_tables(db, version, PLANNING_ENTERPRISE_KEYS, PLANNING_LINE_KEYS, city=city)


def load_registry_frame(engine: Engine, version: str | None = None, city: str | None = None) -> RegistryTables:
    """The optimiser's loader: a version's areas, enterprises and lines, column-wise.

    Same columns as the exchange format (codes, fractions); a line's id for plans is
    ``make_line_id(lines["uscc"][i], lines["line_code"][i])``. Three selects, no ORM
    objects: 250,000 lines load in a few seconds.
    """
    return export_tables(engine, version, city)


def _version_public(row, counts: dict[int, tuple[int, int]]) -> ListVersionPublic:
    n_e, n_l = counts.get(row.id, (0, 0))
    return ListVersionPublic(
        name=row.name, effective_date=row.effective_date, city=row.city, notes=row.notes,
        imported_at=row.imported_at, source_file=row.source_file, content_sha256=row.content_sha256,
        enterprises=n_e, lines=n_l,
    )


def _counts(conn) -> dict[int, tuple[int, int]]:
    ents = dict(conn.execute(select(Enterprise.version_id, func.count()).group_by(Enterprise.version_id)).all())
    lines = dict(conn.execute(select(ProductionLine.version_id, func.count()).group_by(ProductionLine.version_id)).all())
    return {vid: (ents.get(vid, 0), lines.get(vid, 0)) for vid in ents.keys() | lines.keys()}


def latest_version(engine: Engine, city: str | None = None) -> ListVersionPublic:
    """``city``'s version in effect today (latest effective date not after today), else its
    latest (``city`` may be omitted when the deployment holds one city's lists)."""
    with engine.connect() as conn:
        row = resolve_version(conn, None, city)
        full = conn.execute(select(ListVersion).where(ListVersion.id == row.id)).one()
        return _version_public(full, _counts(conn))


def get_version(engine: Engine, name: str) -> ListVersionPublic:
    with engine.connect() as conn:
        row = resolve_version(conn, name)
        full = conn.execute(select(ListVersion).where(ListVersion.id == row.id)).one()
        return _version_public(full, _counts(conn))


def list_versions(engine: Engine) -> list[dict]:
    """Every version, oldest effective date first, with its counts (JSON-ready dicts)."""
    with engine.connect() as conn:
        counts = _counts(conn)
        rows = conn.execute(select(ListVersion).order_by(ListVersion.effective_date, ListVersion.id)).all()
        return [_version_public(v, counts).model_dump(mode="json") for v in rows]


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
) -> tuple[int, list[EnterprisePublic]]:
    """(total matching, one page) of a version's enterprises in list order.

    Filters are exact: county name, industry code or Chinese name, grade, essential
    category label.
    """
    with engine.connect() as conn:
        v = resolve_version(conn, version)
        if industry is not None:
            industry = load_industries().by_name_zh().get(industry, industry)
        q = select(Enterprise).where(Enterprise.version_id == v.id)
        for col, val in (
            (Enterprise.county, county), (Enterprise.industry, industry),
            (Enterprise.grade, grade), (Enterprise.essential_category, essential),
        ):
            if val is not None:
                q = q.where(col == val)
        total = conn.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        rows = conn.execute(q.order_by(Enterprise.id).offset(offset).limit(limit)).mappings().all()
        return total, [EnterprisePublic.model_validate(dict(r)) for r in rows]


def get_enterprise(
    engine: Engine, uscc: str, version: str | None = None
) -> tuple[EnterprisePublic, list[ProductionLinePublic]]:
    """One enterprise of a version and its production lines (in list order)."""
    code = uscc.strip().upper()
    reason = uscc_problem(code)
    if reason:
        raise RegistryError(f"“{uscc}”不是有效的统一社会信用代码：{reason}")
    with engine.connect() as conn:
        v = resolve_version(conn, version)
        ent = conn.execute(
            select(Enterprise).where(Enterprise.version_id == v.id, Enterprise.uscc == code)
        ).mappings().first()
        if ent is None:
            raise NotFound(f"清单版本“{v.name}”中没有统一社会信用代码为 {code} 的企业")
        lines = conn.execute(
            select(ProductionLine).where(ProductionLine.enterprise_id == ent["id"]).order_by(ProductionLine.id)
        ).mappings().all()
        return EnterprisePublic.model_validate(dict(ent)), [
            ProductionLinePublic.model_validate({**ln, "uscc": code, "line_id": make_line_id(code, ln["line_code"])})
            for ln in lines
        ]
