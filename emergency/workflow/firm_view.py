"""What an enterprise account sees of its own firms (and nothing of any other):
its firms and lines in the list in effect with their filed measures (备案措施), its
lines' rotation blocks (错峰生产) in the rotation plan in effect, its firms' rows of a
warning's compliance check. Every function takes the account's USCCs
(``accounts.usccs_of``) and filters by them before anything leaves.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from emergency.errors import NotFound


def firms(engine: Engine, usccs: tuple[str, ...]) -> list[dict]:
    """Each bound firm in the list in effect: its record, lines and filed measures. A
    firm no longer in that list is listed with ``in_list`` false."""
    from enterprise_registry.models import Enterprise, FiledMeasure, ProductionLine
    from enterprise_registry.service import get_enterprise, resolve_version

    out = []
    for uscc in usccs:
        try:
            ent, lines = get_enterprise(engine, uscc)
        except NotFound:
            out.append({"uscc": uscc, "in_list": False})
            continue
        with engine.connect() as conn:
            version_id = resolve_version(conn, None).id
            ent_id = conn.execute(select(Enterprise.id).where(Enterprise.version_id == version_id,
                                                              Enterprise.uscc == uscc)).scalar_one()
            codes = dict(conn.execute(select(ProductionLine.id, ProductionLine.line_code)
                                      .where(ProductionLine.enterprise_id == ent_id)).all())
            filed = conn.execute(select(FiledMeasure).where(FiledMeasure.enterprise_id == ent_id)
                                 .order_by(FiledMeasure.line_id, FiledMeasure.level)).scalars().all()
        out.append({
            **ent.model_dump(mode="json", exclude={"id", "version_id"}), "in_list": True,
            "lines": [ln.model_dump(mode="json", exclude={"id", "version_id", "enterprise_id"}) for ln in lines],
            "filed_measures": [
                {"line_code": codes.get(f.line_id) if f.line_id is not None else None, "level": f.level, "action": f.action,
                 "share": f.share, "hours": f.hours, "truck_ban": f.truck_ban, "text": f.text, "indicator": f.indicator}
                for f in filed
            ],
        })
    return out


def rotation_blocks(engine: Engine, usccs: tuple[str, ...]) -> dict:
    """The bound firms' lines in the rotation plan in effect (``plan`` None if there is none)."""
    from emergency.rotation.service import load_plan

    try:
        plan_id, doc = load_plan(engine)
    except NotFound:
        return {"plan": None, "lines": []}
    keep = ("uscc", "enterprise", "line_id", "line_name", "county", "role", "reason", "required_days", "counted_days", "blocks")
    return {
        "plan": {"id": plan_id, "season": doc.get("season"), "area": doc.get("area"), "created_at": doc.get("created_at")},
        "lines": [{k: r.get(k) for k in keep} for r in doc.get("lines", []) if r.get("uscc") in usccs],
    }


def compliance(engine: Engine, warning_id: int, usccs: tuple[str, ...]) -> dict:
    """The bound firms' rows of the warning's compliance check (no totals of other firms)."""
    from emergency.workflow.compliance import check_compliance

    report = check_compliance(engine, warning_id)
    return {"warning_id": warning_id, "tolerance": report.tolerance,
            "warning_days": [d.isoformat() for d in report.warning_days],
            "rows": [r.as_dict() for r in report.rows if r.enterprise_uscc in usccs]}
