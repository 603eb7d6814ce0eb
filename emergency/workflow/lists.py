"""List imports as the workflow sees them (清单导入): audited, and never under a warning.

Every import — CLI, API, demo — goes through :func:`import_list_file`, which records
who imported which file as which version in the audit log. (Issue 13: a version used by
an active warning cannot be replaced.)
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from emergency.workflow import audit
from enterprise_registry import service as registry


def import_list_file(engine: Engine, path: Path, *, replace: bool = False, actor: str = "system",
                     source_name: str | None = None, progress=None) -> registry.ImportSummary:
    """Import the list file at ``path`` (whole file or nothing) and audit it.
    ``source_name``: the file's name as the user gave it (an upload's client name), for
    messages and the audit log; the server path is never shown to API clients."""
    summary = registry.import_list_file(engine, Path(path), replace=replace, progress=progress)
    audit.write(engine, actor, "registry.import", summary.version, {
        "file": source_name or Path(path).name, "enterprises": summary.enterprises, "lines": summary.lines,
        "replaced": summary.replaced,
    })
    return summary
