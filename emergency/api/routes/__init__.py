"""The HTTP API's routes, one module per area; :data:`router` holds them all."""

from __future__ import annotations

from fastapi import APIRouter

from emergency.api.routes import audit, auth, compliance, notices, plans, registry, users, warnings
from emergency.api.routes import lists  # the list check (清单核算)
from emergency.api.routes import enterprise, receipts  # firms' own accounts; their receipts and reports
from emergency.api.routes import deliveries, evaluation, reports  # closing the loop (issue 17)
from emergency.api.routes import regions  # regional joint response (issue 18)

router = APIRouter()
for _area in (auth, users, registry, lists, plans, warnings, notices, compliance, audit, enterprise, receipts, deliveries, reports, evaluation, regions):
    router.include_router(_area.router)
