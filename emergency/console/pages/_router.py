"""The router every console page module makes (errors as pages, not in the API schema)."""

from __future__ import annotations

from fastapi import APIRouter

from emergency.console.routing import ConsoleRoute


def area_router() -> APIRouter:
    return APIRouter(route_class=ConsoleRoute, include_in_schema=False)
