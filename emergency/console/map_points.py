"""The listed firms as map points, coloured by the measure they take at a plan's level.

A firm's colour is its strongest measure in the plan (the largest output cut of its
lines): 停产 (100 %), 限产 ≥ 50 %, 限产 < 50 %, 管控运输等（0 % output cut: a truck
ban, a measure that cuts no output), 豁免 (spared), 无措施. Without a plan every firm is
清单企业. Points are sent column-wise (longitude, latitude, category, code) so 10^5 firms
are a few MB; county labels sit at the mean position of the county's firms (the list
has no county outlines).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Engine, select

from emergency.plans.document import PlanDocument

CATEGORIES = [  # (label, colour)
    ("停产", "#b3261e"),
    ("限产≥50%", "#ef7d00"),
    ("限产<50%", "#e0b400"),
    ("管控运输等", "#7b61ff"),
    ("豁免", "#1b7a3a"),
    ("无措施", "#8a94a3"),
    ("清单企业", "#1f5fa8"),
]
_INDEX = {label: i for i, (label, _) in enumerate(CATEGORIES)}


def category(cut: float | None, spared: bool) -> int:
    if spared:
        return _INDEX["豁免"]
    if cut is None:
        return _INDEX["无措施"]
    if cut >= 1.0 - 1e-9:
        return _INDEX["停产"]
    if cut >= 0.5:
        return _INDEX["限产≥50%"]
    if cut > 0:
        return _INDEX["限产<50%"]
    return _INDEX["管控运输等"]


def points(engine: Engine, registry_version: str | None, doc: PlanDocument | None) -> dict:
    """The firms of ``registry_version`` (default: today's) with coordinates, as columns."""
    from enterprise_registry.models import Enterprise, ListVersion
    from enterprise_registry.service import latest_version

    name = registry_version or latest_version(engine).name
    with engine.connect() as conn:
        rows = conn.execute(
            select(Enterprise.uscc, Enterprise.longitude, Enterprise.latitude, Enterprise.county)
            .join(ListVersion, Enterprise.version_id == ListVersion.id).where(ListVersion.name == name)
            .order_by(Enterprise.id)
        ).all()
    cut: dict[str, float] = {}
    spared: set[str] = set()
    if doc is not None:
        for a in doc.actions:
            if a.output_cut > cut.get(a.enterprise_uscc, -1.0):
                cut[a.enterprise_uscc] = a.output_cut
        spared = {s.enterprise_uscc for s in doc.spared if not s.approved_override}
    lon, lat, cat, code = [], [], [], []
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    missing = 0
    for u, x, y, county in rows:
        if x is None or y is None:
            missing += 1
            continue
        lon.append(round(x, 5))
        lat.append(round(y, 5))
        cat.append(_INDEX["清单企业"] if doc is None else category(cut.get(u), u in spared))
        code.append(u)
        s = sums[county]
        s[0] += x
        s[1] += y
        s[2] += 1
    counts = [0] * len(CATEGORIES)
    for c in cat:
        counts[c] += 1
    return {
        "version": name,
        "categories": [{"label": label, "colour": colour, "count": counts[i]} for i, (label, colour) in enumerate(CATEGORIES)],
        "counties": [{"name": c, "lon": s[0] / s[2], "lat": s[1] / s[2]} for c, s in sorted(sums.items())],
        "lon": lon, "lat": lat, "cat": cat, "uscc": code,
        "missing": missing,
    }
