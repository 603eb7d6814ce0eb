"""Cities kept apart: what an account may see and touch in a deployment serving many cities.

An account's city (``app_user.city``) names the one city it acts for; ``None`` is every
city (the province, the region, a deployment's administrators). A warning belongs to the
city of its list version (``warning.city``); a list version, its enterprises, its map
and its rotation plans belong to the version's ``city``.

- A city's account sees its city only: another city's warning, plan, notices, receipts,
  reports, evaluation, list version, firm or rotation plan is *not found* for it
  (:class:`~emergency.errors.NotFound`, 404 — never 403, which would tell it the id
  exists), and lists leave other cities' rows out.
- The province sees every city; the routes take an optional ``city`` to narrow a list
  (:func:`chosen_city`) and, where one list must be picked (issuing a warning, a plan
  preview, the registry page, the map), the province names the city — unless the
  deployment holds one city's lists, which behaves exactly as before.

Every route and service entry that reads or changes a warning, or picks a list version,
asks here: :func:`check_warning` (by id), :func:`visible` (lists of warnings),
:func:`version_for` (the list version a request acts on), :func:`visible_versions`.
The API's and the console's permission dependencies apply :func:`check_warning` to
every route with a ``{warning_id}`` in its path, so a new route of that shape is
scoped without a line of its own.
"""

from __future__ import annotations

from typing import Iterable, TypeVar

from sqlalchemy import select
from sqlalchemy.engine import Engine

from emergency.errors import Conflict, InputError, NotFound, PermissionDenied


W = TypeVar("W")


def city_of(user) -> str | None:
    """The city an account acts for (a console ``Who`` or a ``User``); None: every city."""
    user = getattr(user, "user", user)
    return getattr(user, "city", None) or None


def check_city(user, city: str | None, what: str = "") -> None:
    """NotFound unless ``user`` may see ``city``'s data (``what`` names the thing looked for)."""
    mine = city_of(user)
    if mine is not None and city != mine:
        raise NotFound(what or "没有这个对象 (not found)")


def chosen_city(user, city: str | None = None) -> str | None:
    """The city a request acts for: a city account's own (naming another is not found);
    the province's choice (``None``: every city)."""
    city = (city or "").strip() or None
    mine = city_of(user)
    if mine is None:
        return city
    if city is not None and city != mine:
        raise NotFound(f"没有城市“{city}”的数据 (no such city)")
    return mine


def warning_city(engine: Engine, warning_id: int) -> str | None:
    from emergency.workflow.models import WarningRecord

    with engine.connect() as conn:
        row = conn.execute(select(WarningRecord.city).where(WarningRecord.id == warning_id)).first()
    if row is None:
        raise NotFound(f"预警 {warning_id} 不存在 (no such warning)")
    return row[0]


def check_warning(engine: Engine, user, warning_id: int) -> None:
    """NotFound — the very answer for an id that does not exist — when ``warning_id`` is
    another city's warning for ``user``; nothing for the province."""
    if city_of(user) is None:
        return
    city = warning_city(engine, warning_id)
    check_city(user, city, f"预警 {warning_id} 不存在 (no such warning)")


def visible(user, warnings: Iterable[W], city: str | None = None) -> list[W]:
    """The warnings ``user`` may see, narrowed to ``city`` (the province's choice)."""
    c = chosen_city(user, city)
    return [w for w in warnings if c is None or getattr(w, "city", None) == c]


def visible_versions(user, versions: Iterable[dict], city: str | None = None) -> list[dict]:
    """List versions (``registry.list_versions`` dicts) of the cities ``user`` may see."""
    c = chosen_city(user, city)
    return [v for v in versions if c is None or v.get("city") == c]


def version_for(engine: Engine, user, version: str | None = None, city: str | None = None) -> str | None:
    """The list version a request acts on, by name: ``version`` if given (another city's
    is not found for a city's account); else the latest of the account's city (or the
    province's chosen ``city``); else None — the registry's own default, which a
    deployment holding several cities' lists refuses, asking for a city."""
    from enterprise_registry import service as registry

    c = chosen_city(user, city)
    if version:
        with engine.connect() as conn:
            row = registry.resolve_version(conn, version)
        if c is not None and row.city != c:
            raise NotFound(f"没有清单版本“{version}” (no such list version)")
        return version
    if c is None:
        return None
    return registry.latest_version(engine, c).name


def known_city(engine: Engine, city: str | None) -> str | None:
    """``city`` checked against the cities that have lists (None: every city, the province)."""
    from enterprise_registry import service as registry

    city = (city or "").strip() or None
    if city is None:
        return None
    known = registry.cities(engine)
    if city not in known:
        raise InputError(f"城市“{city}”没有清单（已有：{'、'.join(known) or '无'}）(unknown city)", field="city")
    return city


def city_label(user) -> str:
    """How the console names an account's reach: its city, or 全省 (every city)."""
    return city_of(user) or "全部城市"


def check_user(engine: Engine, admin, username: str) -> None:
    """A city's administrator manages its city's accounts only (another's is not found)."""
    from emergency.workflow.models import User

    if city_of(admin) is None:
        return
    with engine.connect() as conn:
        row = conn.execute(select(User.city).where(User.username == username)).first()
    check_city(admin, row[0] if row else None, f"没有用户 {username} (no such user)")


def visible_accounts(admin, accounts: Iterable[W]) -> list[W]:
    """The accounts an administrator may manage: every one, or its city's."""
    mine = city_of(admin)
    return [a for a in accounts if mine is None or getattr(a, "city", None) == mine]


def audit_actors(engine: Engine, user) -> list[str] | None:
    """Whose audit records a city's account reads: its city's accounts' (None: everyone's,
    for the province). Records of the province, the scheduler or another city are left out."""
    from emergency.workflow.models import User

    mine = city_of(user)
    if mine is None:
        return None
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(select(User.username).where(User.city == mine)).all()]


def _file_version(path) -> tuple[str | None, str | None]:
    """(version name, city) from a list workbook's 清单版本 sheet alone (cheap: one small
    sheet of a bounded upload); (None, None) when it cannot be read — the import then
    reports the file's problems itself."""
    from python_calamine import CalamineWorkbook

    from enterprise_registry.cells import header_key, is_blank
    from enterprise_registry.columns import VERSION_SHEET
    from enterprise_registry.listfiles import locate_header
    from enterprise_registry.workbook import check_workbook

    try:
        check_workbook(path, [VERSION_SHEET.title])
        wb = CalamineWorkbook.from_path(str(path))
        names = {n.strip(): n for n in wb.sheet_names}
        cells = wb.get_sheet_by_name(names[VERSION_SHEET.title]).to_python(skip_empty_area=False)
        sheet = locate_header(VERSION_SHEET, VERSION_SHEET.title, cells)
    except Exception:  # noqa: BLE001 - an unreadable file is the import's to report, cell by cell
        return None, None
    keys = [header_key(h) for h in sheet.header]
    if not sheet.rows:
        return None, None

    def value(spec_key: str) -> str | None:
        col = next(c for c in VERSION_SHEET.columns if c.key == spec_key)
        at = keys.index(header_key(col.header)) if header_key(col.header) in keys else None
        row = sheet.rows[0]
        v = row[at] if at is not None and at < len(row) else None
        return None if is_blank(v) else str(v).strip()

    return value("name"), value("city")


def check_import(engine: Engine, user, path) -> None:
    """A city's account imports its own city's lists only, and never under a version
    name another city's list holds (``--replace`` would delete that list)."""
    from enterprise_registry.models import ListVersion

    mine = city_of(user)
    if mine is None:
        return
    name, city = _file_version(path)
    if city is None:  # not read from the one sheet: the full check (which rejects a broken file, cell by cell)
        from enterprise_registry.service import check_list_file

        version = check_list_file(path).version
        name, city = version.get("name"), version.get("city")
    if city != mine:
        raise PermissionDenied(f"您的账户属于{mine}，只能导入{mine}的清单（文件“清单版本”表中的城市为{city}）"
                               "(a city's account imports its own city's lists)")
    if name is not None:
        with engine.connect() as conn:
            row = conn.execute(select(ListVersion.city).where(ListVersion.name == name)).first()
        if row is not None and row[0] != mine:
            raise Conflict(f"清单版本名“{name}”已被使用，请换一个版本名 (version name taken)")
