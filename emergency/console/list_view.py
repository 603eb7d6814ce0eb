"""The list's areas as the console's forms need them: one select of two columns (the
planning loader reads 10^5 enterprises to give the same names)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from enterprise_registry.models import Area, ListVersion


def areas(engine: Engine, version: str | None = None) -> list[tuple[str, str | None]]:
    """(name, parent) of the areas of ``version`` (default: the version in effect today), in list order."""
    from enterprise_registry.service import latest_version

    name = version or latest_version(engine).name
    with engine.connect() as conn:
        rows = conn.execute(select(Area.name, Area.parent).join(ListVersion, Area.version_id == ListVersion.id)
                            .where(ListVersion.name == name).order_by(Area.id)).all()
    return [(n, p) for n, p in rows]
