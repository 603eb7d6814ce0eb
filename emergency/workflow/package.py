"""The response package of a warning, from its records (the glue between the workflow
and :mod:`emergency.notices`).

Which package:

- a released warning: the release package (解除 announcement, a 解除通知 to every firm
  with measures in the latest version) — never notices to take measures; asking for
  a plan version of a released warning is a Conflict;
- an active warning: the package of the latest plan version, or of ``version_no``:
  version 1 the issue (启动), a later one its upgrade / downgrade / extension, with
  notices only to the firms whose measures changed.

Times: a version's measures take effect at its ``effective_from``; rows without one
take the warning start (version 1) or the version's creation time. A release happened
at ``released_at`` (else the warning's last update).
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine

from emergency import clock
from emergency.errors import Conflict, NotFound
from emergency.notices import render
from emergency.notices.inputs import PackageInput, ReleaseFacts, VersionFacts, WarningFacts
from emergency.plans.document import PlanDocument
from emergency.plans.service import policy_for
from emergency.workflow.lifecycle import get_warning
from emergency.workflow.models import WarningState
from enterprise_registry.service import export_tables
from emergency.vocabulary import WarningLevel


def _forecast(text: str | None) -> dict | None:
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def package_input(engine: Engine, warning_id: int, version_no: int | None = None) -> PackageInput:
    """What the package of ``warning_id`` (at ``version_no``) is made from."""
    w, versions = get_warning(engine, warning_id)
    if not versions:
        raise NotFound(f"预警 {warning_id} 没有方案版本 (no plan version)")
    latest = versions[-1].version_no
    released = w.state == WarningState.RELEASED.value
    if released and version_no is not None:
        raise Conflict(
            f"预警 {warning_id} 已解除：只生成解除材料（解除公告和解除通知），不再生成第 {version_no} 版的管控通知；"
            f"历史方案见 emergency warning show {warning_id} (released: only the release package)",
            warning=warning_id, state=w.state,
        )
    if version_no is not None and not any(v.version_no == version_no for v in versions):
        raise NotFound(f"预警 {warning_id} 没有方案版本 {version_no}（现有 1–{latest}）")
    upto = [v for v in versions if version_no is None or v.version_no <= version_no]
    facts = tuple(
        VersionFacts(
            no=v.version_no, transition=v.transition, level=WarningLevel(v.level),
            plan=PlanDocument.model_validate_json(v.document), sha256=v.sha256,
            effective_from=clock.as_utc(v.effective_from or (w.start if v.version_no == 1 else v.created_at)),
            created_at=clock.as_utc(v.created_at),
        )
        for v in upto
    )
    release = None
    if released:
        release = ReleaseFacts(at=clock.as_utc(w.released_at or w.updated_at), by=w.released_by, reason=w.release_reason)
    warning = WarningFacts(
        id=w.id, areas=tuple(json.loads(w.areas)), rule_set=w.rule_set, start=clock.as_utc(w.start),
        end=clock.as_utc(w.end), issued_at=clock.as_utc(w.created_at), registry_version=w.registry_version,
        forecast=_forecast(w.forecast), release=release,
    )
    tables = export_tables(engine, w.registry_version)
    return PackageInput(warning, facts, latest, tables, policy_for(tables), clock.now())


def package(engine: Engine, warning_id: int, version_no: int | None = None) -> render.Package:
    return render.build(package_input(engine, warning_id, version_no))


def write_notices(engine: Engine, warning_id: int, out: Path, version_no: int | None = None) -> dict:
    """Write the package (see the module's rules) into ``out``; a summary."""
    return render.write(package(engine, warning_id, version_no), Path(out))


def notice_html(engine: Engine, warning_id: int, uscc: str, version_no: int | None = None) -> str:
    """The firm's notice in the package: its 解除通知 after release; at an active version
    the notice it received at that version — or, when its measures did not change then,
    the notice it still follows (from the version that issued it)."""
    pkg = package(engine, warning_id, version_no)
    if any(n.uscc == uscc for n in pkg.notices) or pkg.frame.released:
        return render.notice_html(pkg, render.find_notice(pkg, uscc))
    for c in pkg.continuing:
        if c.uscc == uscc:
            earlier = _noticed_at(pkg, uscc)
            return notice_html(engine, warning_id, uscc, earlier)
    raise NotFound(f"预警 {warning_id} 第 {pkg.frame.version_no} 版方案中没有企业 {uscc} 的管控措施或通知")


def _noticed_at(pkg: render.Package, uscc: str) -> int:
    from emergency.notices.changes import last_notices

    return last_notices([v.plan for v in pkg.input.versions[: pkg.version.no - 1]])[uscc]


def announcement_text(engine: Engine, warning_id: int, version_no: int | None = None) -> str:
    return package(engine, warning_id, version_no).announcement
