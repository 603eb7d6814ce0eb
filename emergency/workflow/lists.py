"""List imports as the workflow sees them (清单导入): audited, and never under a warning.

Every import — CLI, API, demo — goes through :func:`import_list_file`:

- a missing file is a located InputError (exit 14), not a traceback;
- a version used by an active warning cannot be replaced (``--replace``): Conflict
  (exit 9 / HTTP 409) naming the warnings. The check runs inside the import's
  transaction with the old version locked, so no warning can start using it between
  the check and the delete (and an issue that planned from it re-checks it in its own
  transaction, see :mod:`emergency.workflow.lifecycle`);
- every import is recorded in the audit log: who, which file (as the user named it,
  never a server path), which version, how many firms and lines, whether it replaced.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Connection, Engine, select

from emergency.errors import Conflict, InputError
from emergency.workflow import audit
from emergency.workflow.models import ACTIVE_STATES, WarningRecord
from enterprise_registry import service as registry


def refuse_if_in_use(conn: Connection, version: str) -> None:
    """Conflict if an active warning uses list version ``version`` (its plans and
    notices were made from that content)."""
    rows = conn.execute(
        select(WarningRecord.id, WarningRecord.level, WarningRecord.areas)
        .where(WarningRecord.registry_version == version, WarningRecord.state.in_([s.value for s in ACTIVE_STATES]))
        .order_by(WarningRecord.id)
    ).all()
    if rows:
        named = "、".join(f"预警 {r.id}（{'、'.join(json.loads(r.areas))}）" for r in rows)
        raise Conflict(
            f"清单版本“{version}”正被生效中的{named}使用，不能覆盖；请以新的版本名导入，或先解除预警 "
            f"(list version in use by active warnings {', '.join(str(r.id) for r in rows)}; import it under a new name)",
            warnings=[r.id for r in rows], version=version,
        )


def import_list_file(engine: Engine, path: Path, *, replace: bool = False, actor: str = "system",
                     source_name: str | None = None, progress=None) -> registry.ImportSummary:
    """Import the list file at ``path`` (whole file or nothing) and audit it.
    ``source_name``: the file's name as the user gave it (an upload's client name), for
    messages and the audit log; the server path is never shown to API clients."""
    path = Path(path)
    shown = source_name or str(path)
    if not path.exists():
        raise InputError(f"{shown}: 清单文件不存在 (file not found)")
    summary = registry.import_list_file(engine, path, replace=replace, progress=progress, guard=refuse_if_in_use,
                                        source_file=source_name or path.name)
    audit.write(engine, actor, "registry.import", summary.version, {
        "file": source_name or path.name, "enterprises": summary.enterprises, "lines": summary.lines,
        "replaced": summary.replaced,
    })
    return summary
