"""Who may do what. One table, checked by the services' callers (the API's ``require``).

    role          read  registry_write  plan  warning  compliance  users
    viewer         x
    planner        x         x           x
    duty_officer   x                     x       x         x
    admin          x         x           x       x         x         x

    role          own_firms
    enterprise        x

An ``enterprise`` account (a firm's own, bound to its 统一社会信用代码) has none of the
bureau's permissions: it reads and acts only on its own firms (``own_firms``: its
notices, orders, receipts and reports, its filed measures and lines, rotation blocks
and compliance) through ``/api/enterprise/…``, and every other route refuses it. No
bureau role has ``own_firms``.

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
    OWN_FIRMS = "own_firms"  # an enterprise account: its own firms' notices, receipts, reports


GRANTS: dict[Role, set[Permission]] = {
    Role.VIEWER: {Permission.READ},
    Role.PLANNER: {Permission.READ, Permission.REGISTRY_WRITE, Permission.PLAN},
    Role.DUTY_OFFICER: {Permission.READ, Permission.PLAN, Permission.WARNING, Permission.COMPLIANCE},
    Role.ADMIN: set(Permission) - {Permission.OWN_FIRMS},
    Role.ENTERPRISE: {Permission.OWN_FIRMS},
}


def allowed(role: str, permission: Permission) -> bool:
    try:
        return permission in GRANTS[Role(role)]
    except ValueError:
        return False
