"""Reading a version of the list column-wise, in plain SQL on a DBAPI connection.

The one implementation of "which version" (:func:`resolve_version`) and of the column
reads behind the export, the optimiser's loader and the planning read. It runs on any
DBAPI connection: SQLAlchemy's (``engine.raw_connection()``, PostgreSQL or SQLite) or
the standard library's ``sqlite3`` (:func:`enterprise_registry.db.read_list`), so that a
one-shot ``emergency plan`` on the default SQLite database does not import SQLAlchemy
and the ORM (a third of a second of a two-thousand-firm plan's second).

Values come back as :class:`~enterprise_registry.columns.RegistryTables` documents them
(``bool`` as bool, ``date`` as ``datetime.date``), whatever the driver returns: SQLite
stores booleans as 0/1 and dates as ISO text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from emergency import clock
from emergency.errors import InputError, NotFound
from enterprise_registry import filed
from enterprise_registry.columns import AREA_SHEET, ENTERPRISE_SHEET, FILED_GROUP, LINE_SHEET, RegistryTables

# table names of enterprise_registry.models (tests check they agree)
VERSION_TABLE, AREA_TABLE, ENTERPRISE_TABLE, LINE_TABLE = "list_version", "area", "enterprise", "production_line"
FILED_TABLE = "filed_measure"

AREA_KEYS = [c.key for c in AREA_SHEET.columns]
# columns stored on the enterprise / the line (uscc and enterprise_name of a line come
# from its enterprise; filed measures are rows of filed_measure, read by _filed_columns)
ENTERPRISE_KEYS = [c.key for c in ENTERPRISE_SHEET.columns if c.group != FILED_GROUP]
LINE_KEYS = [c.key for c in LINE_SHEET.columns if c.key not in ("uscc", "enterprise_name") and c.group != FILED_GROUP]

# What planning reads (the builder, the plan document): the rest of the list (contacts,
# coordinates, the three capacities behind the basis…) stays in the database.
PLANNING_ENTERPRISE_KEYS = ["county", "name", "uscc", "industry", "grade", "essential_category",
                            "essential_approved_load", "small_micro"]
PLANNING_LINE_KEYS = ["line_code", "line_name", "process", "capacity_basis", "output_value_yuan", "interruptible",
                      "min_load", "stop_lead_time_h", "so2_kg", "nox_kg", "pm_kg", "vocs_kg"]

_BOOL_KEYS = frozenset(c.key for s in (AREA_SHEET, ENTERPRISE_SHEET, LINE_SHEET) for c in s.columns if c.kind == "bool")
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


@dataclass
class DbReader:
    """A DBAPI connection and its driver's parameter placeholder."""

    connection: Any
    placeholder: str

    @classmethod
    def of(cls, connection: Any, paramstyle: str) -> DbReader:
        if paramstyle not in _PLACEHOLDERS:
            raise ValueError(f"unsupported DBAPI paramstyle {paramstyle!r}")
        return cls(connection, _PLACEHOLDERS[paramstyle])

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        cur = self.connection.cursor()
        try:
            cur.execute(sql.replace("?", self.placeholder), params)
            return cur.fetchall()
        finally:
            cur.close()


class VersionRow(NamedTuple):
    id: int
    name: str
    effective_date: date
    city: str
    notes: str | None
    content_sha256: str | None


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def resolve_version(db: DbReader, version: str | None, city: str | None = None) -> VersionRow:
    """The named version, or ``city``'s latest one in effect today (else its latest).

    One deployment may hold the lists of several cities (a region, a province): without a
    name, a city must be given when more than one city has lists — the latest list of
    "any city" is never a meaningful default. A named version of another city than
    ``city`` is refused."""
    q = f"SELECT id, name, effective_date, city, notes, content_sha256 FROM {VERSION_TABLE}"
    if version is not None:
        rows = db.rows(q + " WHERE name = ?", (version,))
        if not rows:
            names = [r[0] for r in db.rows(f"SELECT name FROM {VERSION_TABLE} ORDER BY id")]
            raise NotFound(f"清单版本“{version}”不存在；现有版本：{'、'.join(names) or '（无）'}")
        row = rows[0]
        if city is not None and row[3] != city:
            raise NotFound(f"清单版本“{version}”属于{row[3]}，不是{city}的清单")
    else:
        order = " ORDER BY effective_date DESC, id DESC"
        where, args = "", ()
        if city is None:
            cities = [r[0] for r in db.rows(f"SELECT DISTINCT city FROM {VERSION_TABLE} ORDER BY city")]
            if len(cities) > 1:
                raise InputError(f"数据库中有多个城市的清单（{'、'.join(cities)}）：请指定城市（--city）或清单版本 "
                                 "(several cities' lists: name a city or a version)")
        else:
            where, args = " WHERE city = ?", (city,)
        today = " AND " if where else " WHERE "
        rows = (db.rows(q + where + today + "effective_date <= ?" + order, args + (clock.today().isoformat(),))
                or db.rows(q + where + order, args))
        if not rows:
            if city is not None:
                raise NotFound(f"数据库中没有{city}的清单")
            raise NotFound("数据库中还没有清单；请先 emergency registry import 或 emergency demo")
        row = rows[0]
    v = VersionRow(*row)
    return v._replace(effective_date=_as_date(v.effective_date))


def cities(db: DbReader) -> list[str]:
    """The cities that have lists in this deployment."""
    return [r[0] for r in db.rows(f"SELECT DISTINCT city FROM {VERSION_TABLE} ORDER BY city")]


def _columns(db: DbReader, table: str, keys: list[str], version_id: int, extra: tuple[str, ...] = ()) -> dict[str, list]:
    names = list(keys) + list(extra)
    rows = db.rows(f"SELECT {', '.join(names)} FROM {table} WHERE version_id = ? ORDER BY id", (version_id,))
    columns = list(zip(*rows)) if rows else [()] * len(names)
    out = {k: list(col) for k, col in zip(names, columns)}
    for k in _BOOL_KEYS.intersection(keys):
        col = out[k]
        out[k] = [None if x is None else bool(x) for x in col] if None in col else list(map(bool, col))
    return out


def _filed_columns(db: DbReader, version_id: int, ents: dict[str, list], ent_pos: dict[int, int],
                   lines: dict[str, list], line_ids: list[int], levels: tuple | None = None) -> None:
    """The version's filed measures as the filed_* columns of ``ents`` and ``lines`` (in
    place), the 企业 sheet's given to the lines (enterprise_registry.filed.expand); no
    columns at all for a version without filed measures. ``levels``: only these levels'
    measures (a plan reads its own level: a third of the rows at 10^5 firms)."""
    only = "" if levels is None else f" AND level IN ({', '.join('?' for _ in levels)})"
    params = (version_id,) + tuple(str(getattr(lv, "value", lv)) for lv in (levels or ()))
    rows = db.rows(f"SELECT enterprise_id, line_id, level, action, share, hours, truck_ban, text, indicator "
                   f"FROM {FILED_TABLE} WHERE version_id = ?{only} ORDER BY id", params)
    if not rows:
        return
    n_e, n_l = len(ent_pos), len(line_ids)
    line_pos = {lid: j for j, lid in enumerate(line_ids)}
    for key in filed.keys():
        ents[key] = [None] * n_e
        lines[key] = [None] * n_l
    names = {}  # level -> its column names, made once (not once per value: 4·10^6 calls at 10^5 firms)
    for eid, lid, level, *values in rows:
        table, i = (ents, ent_pos[eid]) if lid is None else (lines, line_pos[lid])
        values[3] = bool(values[3])  # truck_ban: SQLite gives 0/1
        keys = names.get(level)
        if keys is None:
            keys = names[level] = [filed.column(level, f) for f in filed.FIELDS]
        for key, value in zip(keys, values):
            table[key][i] = value
    filed.expand(ents, lines)


def read_tables(db: DbReader, version: str | None, ent_keys: list[str] = ENTERPRISE_KEYS,
                line_keys: list[str] = LINE_KEYS, filed_levels: tuple | None = None,
                city: str | None = None) -> RegistryTables:
    """A version's areas, enterprises and lines: three column reads.

    Lines are read without a join: each line's enterprise code and name come from the
    enterprises already read (by id), so 250,000 lines do not carry two strings each
    through the driver. A version stored without its content hash is read in full,
    whatever the keys asked, so that the hash can be computed from it. ``filed_levels``
    reads only those levels' filed measures (planning one level), with the same keys."""
    v = resolve_version(db, version, city)
    if not v.content_sha256:
        ent_keys, line_keys, filed_levels = ENTERPRISE_KEYS, LINE_KEYS, None
    areas = _columns(db, AREA_TABLE, AREA_KEYS, v.id)
    ents = _columns(db, ENTERPRISE_TABLE, ent_keys, v.id, ("id",))
    lines = _columns(db, LINE_TABLE, line_keys, v.id, ("enterprise_id", "id"))
    ent_ids = ents.pop("id")
    pos = {eid: i for i, eid in enumerate(ent_ids)}
    at = [pos[eid] for eid in lines.pop("enterprise_id")]
    line_ids = lines.pop("id")
    uscc, name = ents["uscc"], ents["name"]
    lines["uscc"] = [uscc[i] for i in at]
    lines["enterprise_name"] = [name[i] for i in at]
    _filed_columns(db, v.id, ents, pos, lines, line_ids, filed_levels)
    version_row = {"name": v.name, "effective_date": v.effective_date, "city": v.city, "notes": v.notes}
    return RegistryTables(version=version_row, areas=areas, enterprises=ents, lines=lines, content_sha256=v.content_sha256)
