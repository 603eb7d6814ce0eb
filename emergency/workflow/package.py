"""Render the response package of a warning's plan version (the glue between the
workflow records and the notice templates)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine

from emergency.notices.render import WarningInfo, render_package
from emergency.plans.document import PlanDocument
from emergency.plans.service import policy_for
from emergency.workflow.lifecycle import get_warning, plan_version
from enterprise_registry.service import export_tables
from enterprise_registry.vocab import POLLUTANTS, WarningLevel


def write_notices(engine: Engine, warning_id: int, out: Path, version_no: int | None = None) -> dict:
    w, _ = get_warning(engine, warning_id)
    pv = plan_version(engine, warning_id, version_no)
    doc = PlanDocument.model_validate_json(pv.document)
    tables = export_tables(engine, w.registry_version)
    level = WarningLevel(pv.level)
    policy = policy_for(tables)
    info = WarningInfo(w.id, level, w.start, w.end, w.rule_set, json.loads(w.areas), pv.version_no, pv.sha256)
    ratios = {p.value: policy.reduction.ratio(level, p) for p in POLLUTANTS}
    return render_package(info, doc, tables, out, ratios=ratios)
