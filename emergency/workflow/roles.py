"""Who may do what. One table, checked by the services' callers (the API's ``require``).

    role          read  registry_write  plan  warning  compliance  users
    viewer         x
    planner        x         x           x
    duty_officer   x                     x       x         x
    admin          x         x           x       x         x         x

User administration (add, list, revoke tokens, deactivate) is the administrator's
alone. The CLI acts with the database's own rights: whoever holds the database URL is
trusted as an administrator there (``--actor`` names them in the audit log).
"""

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
