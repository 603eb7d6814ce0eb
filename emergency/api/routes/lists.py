"""The list check (清单核算) of a stored list version: GET /registry/versions/{version}/check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi import APIRouter

from emergency.api.routes.deps import Reader, engine
from emergency.errors import InputError
from emergency.lists.check import ListCheck, check_list
from emergency.plans.service import policy_for
from emergency.vocabulary import LEVELS, WarningLevel
from enterprise_registry import service as registry

router = APIRouter(tags=["registry"])


@router.get("/registry/versions/{version}/check")
def check(version: str, request: Request, user: Reader,
          level: Annotated[list[WarningLevel] | None, Query(max_length=3)] = None) -> ListCheck:
    """Per level (default all three), area and column: baseline, required, what the filed
    measures deliver and the shortfall; firms without filed measures, spared firms, filed
    measures below the floor, lost output. 404 for an unknown version. A short level is
    an answer, not an error: ``levels[i].rows[j].shortfall_kg`` says it."""
    levels = tuple(dict.fromkeys(level or LEVELS))
    if WarningLevel.NONE in levels:
        raise InputError("level none: no warning level to check")
    from emergency.workflow import scope

    tables = registry.load_planning_tables(engine(request), scope.version_for(engine(request), user, version))
    return check_list(tables, policy_for(tables), levels)
