"""A plan version of a warning (减排方案): summary, requirements per area and pollutant,
actions filtered and paged on the server, a firm's explanation, the version history
and what changed from the previous version."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Query, Request

from emergency.console import plan_view
from emergency.console.pages._router import area_router
from emergency.console.rendering import render
from emergency.console.session import Reader

router = area_router()
Filter = Annotated[str, Query(max_length=200)]


def _industry_names() -> dict[str, str]:
    from config.industries import load_industries

    return {code: ind.name_zh for code, ind in load_industries().industries.items()}


def _process_names(industry: str) -> dict[str, str]:
    from config.industries import load_industries

    ind = load_industries().industries.get(industry)
    return dict(ind.processes) if ind else {}


@router.get("/warnings/{warning_id}/plans/{version_no}")
def plan_page(warning_id: int, version_no: int, request: Request, who: Reader, county: Filter = "", industry: Filter = "",
              grade: Filter = "", measure: Filter = "", q: Filter = "", page: Annotated[int, Query(ge=1, le=10**6)] = 1):
    from emergency.console.warning_view import warning_and_versions

    engine = request.app.state.engine
    w, versions = warning_and_versions(engine, warning_id)
    pv, doc = plan_view.document(engine, warning_id, version_no)
    facts = plan_view.firm_facts(engine, doc.registry_version)
    filters = plan_view.Filters(county, industry, grade, measure, q.strip())
    result = plan_view.actions_page(doc, facts, filters, page)
    names = _industry_names()
    query = {k: v for k, v in (("county", county), ("industry", industry), ("grade", grade), ("measure", measure),
                               ("q", q)) if v}
    return render(request, "plan.html", who=who, w=w, pv=pv, doc=doc, versions=versions, result=result, filters=filters,
                  choices=plan_view.choices(doc, facts, pv.sha256), industry_names=names, facts=facts, query=query,
                  changes=json.loads(pv.changes or "{}"), firms=len({a.enterprise_uscc for a in doc.actions}),
                  spared=[s for s in doc.spared if not s.approved_override][:200],
                  spared_total=sum(not s.approved_override for s in doc.spared))


@router.get("/warnings/{warning_id}/plans/{version_no}/firms/{uscc}")
def firm_page(warning_id: int, version_no: int, uscc: str, request: Request, who: Reader):
    from enterprise_registry.service import get_enterprise

    engine = request.app.state.engine
    pv, doc = plan_view.document(engine, warning_id, version_no)
    ent, lines = get_enterprise(engine, uscc, doc.registry_version)
    actions = plan_view.firm_actions(doc, pv.sha256).get(ent.uscc, [])
    spared = [s for s in doc.spared if s.enterprise_uscc == ent.uscc]
    excluded = [x for x in doc.excluded_by_lead_time if str(x.get("line_id", "")).startswith(ent.uscc + "/")]
    return render(request, "firm.html", who=who, warning_id=warning_id, pv=pv, doc=doc, ent=ent, lines=lines,
                  actions=actions, spared=spared, excluded=excluded, industry_names=_industry_names(),
                  processes=_process_names(ent.industry),
                  by_line={a.line_id: a for a in actions})


@router.get("/warnings/{warning_id}/plans/{old}/diff/{new}")
def diff_page(warning_id: int, old: int, new: int, request: Request, who: Reader,
              page: Annotated[int, Query(ge=1, le=10**6)] = 1):
    """What changed, line by line, from version ``old`` to version ``new``."""
    engine = request.app.state.engine
    pv_old, doc_old = plan_view.document(engine, warning_id, old)
    pv_new, doc_new = plan_view.document(engine, warning_id, new)
    changes = plan_view.cached(("diff", pv_old.sha256, pv_new.sha256), lambda: plan_view.diff(doc_old, doc_new))
    size = plan_view.PAGE_SIZE
    pages = max(1, -(-len(changes) // size))
    page = min(page, pages)
    kinds = {k: sum(c.kind == k for c in changes) for k in ("新增", "取消", "调整")}
    return render(request, "plan_diff.html", who=who, warning_id=warning_id, old=pv_old, new=pv_new, kinds=kinds,
                  rows=changes[(page - 1) * size: page * size], total=len(changes), page=page, pages=pages,
                  lost_old=doc_old.objective.lost_value_yuan, lost_new=doc_new.objective.lost_value_yuan)
