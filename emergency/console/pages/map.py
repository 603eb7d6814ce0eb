"""The map (企业分布图): the listed firms from their coordinates, coloured by their
measure in a warning's plan (:mod:`emergency.console.map_points`), clickable to the
firm. The vendored Leaflet (``static/leaflet``, BSD-2-Clause) pans and zooms; the
points are one canvas layer of our own (``static/console-map.js``: 10^5 points drawn
in milliseconds, where Leaflet's per-marker layers took half a minute); a tile layer
only when ``EMERGENCY_MAP_TILE_URL`` is set (the bureau's own 天地图 service, say),
else a plain background with county labels."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from emergency.console import map_points, plan_view
from emergency.console.pages._router import area_router
from emergency.console.rendering import render
from emergency.console.session import Reader
from emergency.workflow import scope

router = area_router()
WarningId = Annotated[int | None, Query(ge=1, le=2**62)]
CityParam = Annotated[str, Query(max_length=100)]


def _plan(engine, warning_id: int | None):
    if warning_id is None:
        return None, None, None
    from emergency.console.warning_view import warning_and_versions

    w, versions = warning_and_versions(engine, warning_id)
    if not versions:
        return w, None, None
    facts, doc = plan_view.document(engine, warning_id, versions[-1].version_no)
    return w, facts, doc


@router.get("/map")
def map_page(request: Request, who: Reader, warning: WarningId = None, city: CityParam = ""):
    from emergency.settings import get_settings
    from emergency.workflow.lifecycle import list_warnings

    engine = request.app.state.engine
    if warning is not None:
        scope.check_warning(engine, who, warning)
    w, facts, _ = _plan(engine, warning)
    return render(request, "map.html", who=who, w=w, facts=facts, warnings=scope.visible(who, list_warnings(engine), city or None)[:30],
                  tile_url=get_settings().map_tile_url or "", categories=map_points.CATEGORIES)


def points_body(engine, warning_id: int | None, version: str | None = None) -> bytes:
    """The map's points as JSON bytes (cached per plan and list version; warmed with the
    warning). Without a warning: the firms of ``version`` (default: the list in effect)."""
    w, facts, doc = _plan(engine, warning_id)
    version = w.registry_version if w else version
    key = ("map", str(engine.url), warning_id, facts.sha256 if facts else None, version)
    return plan_view.cached(key, lambda: json.dumps(
        map_points.points(engine, version, doc), ensure_ascii=False,
        separators=(",", ":")).encode("utf-8"))


@router.get("/map/points.json")
def points(request: Request, who: Reader, warning: WarningId = None, city: CityParam = ""):
    """The firms of the warning's list (one of the account's city's), or of the account's
    city's list (the province's: the chosen ``city``'s)."""
    engine = request.app.state.engine
    if warning is not None:
        scope.check_warning(engine, who, warning)
        body = points_body(engine, warning)
    else:
        body = points_body(engine, None, scope.version_for(engine, who, city=city or None))
    return Response(body, media_type="application/json", headers={"Cache-Control": "private, max-age=60"})
