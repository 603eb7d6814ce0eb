"""Who may do what. One table, checked by the services' callers (API and CLI)."""

from __future__ import annotations

from enum import StrEnum

from emergency.workflow.models import Role


class Permission(StrEnum):
    READ = "read"  # registry, warnings, plans, notices, audit
    REGISTRY_WRITE = "registry_write"  # import a list
    PLAN = "plan"  # compute what-if plans
    WARNING = "warning"  # issue / adjust / release warnings
    COMPLIANCE = "compliance"  # import electricity data, run checks
    USERS = "users"  # manage users


GRANTS: dict[Role, set[Permission]] = {
    Role.VIEWER: {Permission.READ},
    Role.PLANNER: {Permission.READ, Permission.REGISTRY_WRITE, Permission.PLAN},
    Role.DUTY_OFFICER: {Permission.READ, Permission.PLAN, Permission.WARNING, Permission.COMPLIANCE},
    Role.ADMIN: set(Permission),
}


def allowed(role: str, permission: Permission) -> bool:
    try:
        return permission in GRANTS[Role(role)]
    except ValueError:
        return False
