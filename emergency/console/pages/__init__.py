"""The console's pages, one module per area; :data:`router` holds them all.

Every route is a thin adapter: check the session and role (:mod:`emergency.console.session`),
call one service, render one template. Errors are pages (:mod:`emergency.console.routing`).
"""

from __future__ import annotations

from fastapi import APIRouter

from emergency.console.pages import audit, auth, compliance, home, map, notices, plans, registry, rotation, scenarios, users, warnings
from emergency.console.pages import deliveries, evaluation, firm, reports  # closing the loop (issue 17)
from emergency.console.pages import regions  # regional joint response (issue 18)

router = APIRouter(include_in_schema=False)
for _area in (auth, home, warnings, plans, notices, compliance, registry, map, rotation, scenarios, audit, users, deliveries, reports, evaluation, firm, regions):
    router.include_router(_area.router)
