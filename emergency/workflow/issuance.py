"""What an issue or adjustment tells the duty officer (签发摘要), and when it may not pass.

One summary for every issue and adjustment, printed by the CLI, returned by the API as
``summary`` and carried by :class:`TargetsNotMet`; a plan short of any target is refused
unless the officer accepted the shortfall.
"""

from __future__ import annotations

from datetime import datetime

from emergency import clock
from emergency.errors import TargetsNotMet
from emergency.plans.document import PlanDocument
from emergency.plans.deviations import summary_facts
from emergency.vocabulary import LEVEL_LABELS_ZH

SHORT_TOLERANCE_KG = 1e-6  # a requirement is met when its shortfall is within this (solver rounding)


def when_zh(dt: datetime | None) -> str | None:
    """A time as printed to the officer: ``2026-12-05 00:00（北京时间）``."""
    return None if dt is None else f"{clock.fmt(dt)}（{clock.zone_label()}）"


def is_met(r) -> bool:
    return r.shortfall_kg <= SHORT_TOLERANCE_KG


def targets_met(doc: PlanDocument) -> bool:
    return doc.feasible and all(is_met(r) for r in doc.requirements)


def issuance_summary(
    doc: PlanDocument,
    *,
    transition: str,
    areas: list[str],
    start: datetime,
    end: datetime,
    effective_from: datetime,
    changes: dict,
    version_no: int,
    sha256: str,
    hours_override: bool = False,
    accepted_shortfall: bool = False,
    warning_id: int | None = None,
) -> dict:
    """What an issue or adjustment orders, as the officer must see it before and after
    (the CLI prints it, the API returns it as ``summary``, TargetsNotMet carries it).

    Times are ISO 8601 in the bureau's zone (``start``) and printed (``start_zh``:
    ``2026-12-05 00:00（北京时间）``). ``requirements``: every area × pollutant with
    required / achieved / shortfall (kg/day) and ``met``; ``targets_met`` is false when
    any is short. ``changes``: lines and firms added / removed / changed / unchanged
    since the previous version (for an issue, everything is added). ``filed_list``: how the
    plan used the list's filed measures and its first deviations from them (None when the
    list files no measures at the level; see ``emergency.plans.deviations``)."""
    reqs = [
        {"area": r.area, "pollutant": r.pollutant.value, "required_kg": r.required_kg, "achieved_kg": r.achieved_kg,
         "shortfall_kg": r.shortfall_kg if not is_met(r) else 0.0, "met": is_met(r)}
        for r in doc.requirements
    ]
    spared = [s for s in doc.spared if not s.approved_override]
    approved = [s for s in doc.spared if s.approved_override]
    excluded = doc.excluded_by_lead_time
    firms = changes.get("firms", {})
    met = targets_met(doc)
    return {
        "warning_id": warning_id,
        "transition": transition,
        "level": doc.level.value,
        "level_zh": LEVEL_LABELS_ZH[doc.level],
        "areas": list(areas),
        "zone": clock.zone_label(),
        "start": clock.iso(start), "end": clock.iso(end), "effective_from": clock.iso(effective_from),
        "start_zh": when_zh(start), "end_zh": when_zh(end), "effective_from_zh": when_zh(effective_from),
        "hours_to_start": doc.hours_to_start,
        "hours_to_start_from": "override" if hours_override else "now",
        "targets_met": met,
        "accepted_shortfall": bool(accepted_shortfall and not met),
        "requirements": reqs,
        "shortfall": [r for r in reqs if not r["met"]],
        "lost_value_yuan": doc.objective.lost_value_yuan,
        "lines_ordered": len(doc.actions),
        "firms_ordered": len({a.enterprise_uscc for a in doc.actions}),
        "spared": {
            "count": len(spared),
            "firms": [{"uscc": s.enterprise_uscc, "name": s.enterprise_name, "reason": s.reason} for s in spared],
        },
        "approved_spared": [{"uscc": s.enterprise_uscc, "name": s.enterprise_name} for s in approved],
        "suggestion": None if doc.suggestion is None else doc.suggestion.model_dump(),
        "excluded_by_lead_time": {
            "count": len(excluded),
            "max_lead_time_h": max((float(x.get("lead_time_h", 0.0)) for x in excluded), default=None),
        },
        "changes": {
            "lines": {k: changes.get(k, 0) for k in ("added", "removed", "changed", "unchanged")},
            "firms": {k: firms.get(k, 0) for k in ("added", "removed", "changed", "unchanged")},
        },
        "filed_list": summary_facts(doc),
        "plan_version": version_no,
        "plan_sha256": sha256,
        "registry_version": doc.registry_version,
        "policy_area": doc.policy_area,
    }


def refuse_short(summary: dict, accept_shortfall: bool) -> None:
    """Nothing is written for a plan short of a target unless the officer accepted it."""
    if summary["targets_met"] or accept_shortfall:
        return
    short = "；".join(f"{r['area']} {r['pollutant']} 缺 {r['shortfall_kg']:,.1f} kg/日" for r in summary["shortfall"])
    s = summary["suggestion"]
    hint = ""
    if s and s["enterprises"]:
        hint = (f"；建议批准纳入管控的豁免企业 {len(s['enterprises'])} 家"
                f"（{'可补足缺口' if s['closes_shortfall'] else '仍不足以补足缺口'}）")
    raise TargetsNotMet(
        f"方案未满足全部减排目标，未发布 (plan short of its targets; nothing issued)：{short}{hint}。"
        "可批准豁免企业纳入管控（approve_spared / approve_suggested），或明确接受缺口（accept_shortfall）",
        summary=summary, suggestion=s,
    )


def audit_facts(summary: dict) -> dict:
    """The summary's facts the audit log keeps (times are added as datetimes by the caller)."""
    return {
        "targets_met": summary["targets_met"],
        "accepted_shortfall": summary["accepted_shortfall"],
        "shortfall": [{k: r[k] for k in ("area", "pollutant", "required_kg", "achieved_kg", "shortfall_kg")}
                      for r in summary["shortfall"]],
        "approved_spared": [f["uscc"] for f in summary["approved_spared"]],
        "lost_value_yuan": summary["lost_value_yuan"],
        "hours_to_start": summary["hours_to_start"], "hours_to_start_from": summary["hours_to_start_from"],
        "excluded_by_lead_time": summary["excluded_by_lead_time"]["count"],
        "version": summary["plan_version"],
    }
