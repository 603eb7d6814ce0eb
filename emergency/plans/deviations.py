"""Where a warning's plan departs from the filed list (与清单备案措施不一致), and why.

During a warning the firms carry out the measures they filed for the level (DOMAIN §7): the
plan starts from them and every line whose ordered measure differs is marked, explained
and listed. The rules (decided for issue 15 item 4):

- **The filed measures suffice** when the filed measures of the lines in scope that can
  start in time (lead time ≤ hours to the start, or a measure already in effect), spared
  firms' excluded, meet every requirement row (area × pollutant, and combined targets) of
  the level: Σ_{l ∈ a, filed, in time, not spared} filed_reduction_lk ≥ required_ak.
- **The floor still binds.** Each line's floor is its filed measure where that is at least
  as strong as the grade floor (after the sparing rules: an essential firm's approved
  load), else the grade floor — a ``floor_above_filed`` deviation (so is a filed measure
  that lacks the floor's truck ban: ordered with the ban added; the floor's 禁止公路运输, which
  the list's format has no column for, is carried over unmarked); a line of a filed list
  that files nothing at the level takes the grade floor — ``not_filed``.
- **The plan is the list where the floors suffice**: every line takes its floor, the
  optimiser does not run (``emergency.plans.service.make_plan``). Otherwise the optimiser
  only adds measures above the floors (never weakens one): each line it tightens is a
  ``tightened`` deviation naming the targets the floors miss in the line's areas.
- **Lead time** is the only thing that weakens a filed measure: a filed measure with an
  effect whose line cannot stop or cut in time is not ordered — ``lead_time``.
- **Spared firms' filed measures** (A/A+/引领性 own measures, exempt firms, not approved by the
  officer) are neither ordered nor counted, as the list check does: not a deviation; the
  plan's spared entry shows what the firm filed.
- **Another order already stopping a line** (the heating-season rotation, 错峰生产; the
  ``held`` lines of ``make_plan``): the line is ordered stopped and counted; its filed
  measure, covered by the stop, is a ``held`` deviation.
- Lines outside an area-limited warning are not in the plan at all (not deviations).

Reasons are zh-CN and carry no optimiser economics (they are printed on notices).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emergency.optimization.builder import BuildReport
from emergency.optimization.problem import MeasureProblem
from emergency.plans.document import Action, Deviation, FiledListUse, FiledShortfall
from emergency.vocabulary import LEVEL_LABELS_ZH, POLLUTANT_LABELS_ZH, WarningLevel
from enterprise_registry.columns import RegistryTables

_TOL = 1e-6
KIND_ZH = {  # how documents name each kind of deviation
    "tightened": "加严（备案措施不足以完成减排目标）",
    "floor_above_filed": "按规定底线措施执行（备案措施弱于底线）",
    "not_filed": "清单未备案本级措施",
    "lead_time": "提前量不足，备案措施未下达",
    "held": "已按错峰生产停产",
}
_MAX_ROWS_IN_REASON = 3


@dataclass
class FiledOutcome:
    """Per line of the problem: the filed text (None: nothing filed) and the deviation
    reason of a line with an action (None: as filed); the plan-level summary; the
    lead-time deviations (lines without an action); spared firms' filed texts."""

    filed_text: np.ndarray  # (L,) object
    deviation: np.ndarray  # (L,) object
    kind: np.ndarray  # (L,) object: "" or a DeviationKind
    use: FiledListUse
    lead_time: list[Deviation]
    spared_filed: dict[int, str]  # enterprise index -> the text it filed


def floors_meet_targets(problem: MeasureProblem) -> bool:
    """Every requirement row met when every line takes its floor (option 0)."""
    achieved = problem.achieved(problem.floor_choice())
    return bool(np.all(achieved >= problem.required - _TOL * (1.0 + problem.required)))


def _area_pollutant_zh(problem: MeasureProblem, a: int, k: int) -> str:
    name = problem.pollutants[k]
    label = "+".join(POLLUTANT_LABELS_ZH.get(p, p) for p in name.split("+"))
    return f"{problem.area_names[a]}{label}"


def outcome(tables: RegistryTables, level: WarningLevel, problem: MeasureProblem, report: BuildReport,
            choice: np.ndarray, hours_to_start: float | None, optimised: bool) -> FiledOutcome | None:
    """The filed-list outcome of a plan; None when the list files no measures at the level."""
    if not report.filed_list:
        return None
    L = problem.n_lines
    level_zh = LEVEL_LABELS_ZH[level]
    labels = np.array([m.describe_zh() for m in report.floor_measures] + [None], dtype=object)
    filed = report.filed & ~report.spared_line
    filed_text = np.where(filed, labels[report.filed_index], None)
    filed_cut = np.nan_to_num(report.filed_cut, nan=0.0)
    lost_to_lead = filed & report.lead_time_blocked & (filed_cut > 1e-12)
    in_time = filed & ~report.lead_time_blocked

    # do the filed measures alone meet every row?
    K = len(problem.pollutants)
    filed_red = report.filed_reduction if report.filed_reduction is not None else np.zeros((L, K))
    filed_kg = problem.area_sum(np.where(in_time[:, None], filed_red, 0.0))
    short = problem.required - filed_kg
    short_rows = [(a, k) for a in range(len(problem.area_names)) for k in range(K)
                  if short[a, k] > _TOL * (1.0 + problem.required[a, k])]
    suffice = not short_rows

    # what the floors miss, per row (the reason a line is tightened)
    floor_short = problem.required - problem.achieved(problem.floor_choice())
    floor_short_rows = floor_short > _TOL * (1.0 + problem.required)

    floor_j = problem.line_start[:-1]
    tightened = choice != floor_j
    cut = problem.output_cut[choice]
    measures = report.floor_measures
    flags = np.array([bool(m.truck_ban or m.no_road_haulage) for m in measures], dtype=bool)[report.floor_index]
    has_action = ((cut > 0) | (flags & ~report.lead_time_blocked)) & ~report.spared_line
    held = filed & report.held & has_action
    weak = filed & ~report.floor_from_filed & has_action & ~held
    flags_added = filed & report.filed_flags_added & has_action & ~held
    unfiled = ~report.filed & has_action & ~report.held

    kind = np.full(L, "", dtype=object)
    kind[unfiled] = "not_filed"
    kind[weak | flags_added] = "floor_above_filed"
    kind[tightened & has_action] = "tightened"
    kind[held] = "held"
    deviation = np.full(L, None, dtype=object)
    ents, lines = tables.enterprises, tables.lines
    grade = np.asarray(ents["grade"], dtype=object)
    floor_texts: dict[tuple, str] = {}

    def floor_text(l: int, g: str) -> str:  # once per distinct (floor measure, rule, approval, grade, floor cut)
        key = (int(report.floor_index[l]), int(report.rule_index[l]), bool(report.approved[l]), g,
               float(problem.output_cut[problem.line_start[l]]))
        text = floor_texts.get(key)
        if text is None:
            text = floor_texts[key] = _floor_text(report, problem, l, g, level_zh)
        return text

    for l in np.nonzero(kind != "")[0].tolist():
        e = int(report.enterprise[l])
        parts = []
        if held[l]:
            parts.append(f"该生产线已按错峰生产安排停产，备案措施“{filed_text[l]}”由停产涵盖")
        elif weak[l]:
            parts.append(f"备案措施“{filed_text[l]}”弱于{floor_text(l, grade[e])}，底线措施仍须执行")
        elif flags_added[l]:
            parts.append(f"备案措施“{filed_text[l]}”未含{grade[e]}级企业{level_zh}预警规定的禁用国四及以下重型柴油货车运输，一并执行")
        elif unfiled[l]:
            parts.append(f"清单未备案本级措施，按{floor_text(l, grade[e])}执行")
        if tightened[l]:
            rows = [(int(a), k) for a in problem.incidence.areas_of(l) for k in range(K) if floor_short_rows[a, k]]
            named = "、".join(f"{_area_pollutant_zh(problem, a, k)}（缺口{floor_short[a, k]:,.1f}kg/日）"
                             for a, k in rows[:_MAX_ROWS_IN_REASON]) + ("等" if len(rows) > _MAX_ROWS_IN_REASON else "")
            base = "备案措施" if report.floor_from_filed[l] else "规定措施"
            parts.append(f"按清单措施执行不能完成{named or '本区域'}{level_zh}预警减排目标，在{base}之上加严")
        deviation[l] = "；".join(parts)

    lead_time = []
    lead = np.asarray(lines["stop_lead_time_h"], dtype=float)
    for l in np.nonzero(lost_to_lead)[0].tolist():
        e, li = int(report.enterprise[l]), int(report.line_index[l])
        lead_time.append(Deviation(
            enterprise_uscc=ents["uscc"][e], enterprise_name=ents["name"][e], county=ents["county"][e],
            line_id=str(problem.line_ids[l]), line_name=lines["line_name"][li], kind="lead_time",
            filed_measure=filed_text[l], ordered_measure=None,
            reason=f"备案措施需提前{lead[li]:g}小时落实，距预警开始仅{(hours_to_start or 0.0):.1f}小时，本次无法按时落实，未下达",
        ))
    spared_filed: dict[int, str] = {}
    spared_with = report.filed & report.spared_line
    for l in np.nonzero(spared_with)[0].tolist():
        spared_filed.setdefault(int(report.enterprise[l]), str(labels[report.filed_index[l]]))

    counts = {k: int((kind == k).sum()) for k in ("tightened", "floor_above_filed", "not_filed", "held")}
    counts["lead_time"] = len(lead_time)
    as_filed = filed & report.floor_from_filed & ~report.filed_flags_added & ~tightened & ~lost_to_lead & ~report.held
    use = FiledListUse(
        lines_filed=int(filed.sum()),
        lines_as_filed=int(as_filed.sum()),
        suffice=suffice,
        floors_suffice=not floor_short_rows.any(),
        optimised=optimised,
        shortfall=[FiledShortfall(area=problem.area_names[a], pollutant=problem.pollutants[k],
                                  required_kg=float(problem.required[a, k]), filed_kg=float(filed_kg[a, k]),
                                  shortfall_kg=float(short[a, k])) for a, k in short_rows],
        deviations={k: v for k, v in counts.items() if v},
        spared_filed_lines=int(spared_with.sum()),
    )
    return FiledOutcome(filed_text, deviation, kind, use, lead_time, spared_filed)


def _floor_text(report: BuildReport, problem: MeasureProblem, l: int, grade: str, level_zh: str) -> str:
    """The floor that binds, as a reason cites it."""
    rule = report.sparing_rule(l)
    if rule is not None and rule.effect.value == "approved_load" and not report.approved[l]:
        return f"保障类企业核定负荷（减产{problem.output_cut[problem.line_start[l]]:.0%}）"
    return f"{grade}级企业{level_zh}预警规定措施“{report.floor_measure(l).describe_zh()}”"


def deviation_list(actions: list[Action], lead_time: list[Deviation], kind_of: dict[str, str]) -> list[Deviation]:
    """The plan's deviations: each action with a deviation (its ordered measure as printed),
    then the lead-time ones, in the order of the actions (county, firm, line)."""
    out = Deviation.trusted_rows(  # typed already (the actions'): no re-validation of 10^5 rows
        {"enterprise_uscc": a.enterprise_uscc, "enterprise_name": a.enterprise_name, "county": a.county,
         "line_id": a.line_id, "line_name": a.line_name, "kind": kind_of[a.line_id],
         "filed_measure": a.filed_measure, "ordered_measure": a.measure_zh or a.measure, "reason": a.deviation}
        for a in actions if a.deviation
    )
    return out + lead_time


def summary_zh(use: FiledListUse) -> str:
    """One line for the CLI and the issuance summary: how the plan used the filed list."""
    verdict = ("备案措施足以完成全部减排目标" if use.suffice else
               "备案措施不足以完成全部减排目标" + ("（加上规定底线措施后满足）" if use.floors_suffice else ""))
    how = "方案即清单措施，未优化" if not use.optimised else "在清单措施之上优化加严"
    counts = "、".join(f"{KIND_ZH[k].split('（')[0]} {n} 条" for k, n in use.deviations.items())
    spared = f"；豁免企业备案措施 {use.spared_filed_lines} 条不下达、不计入" if use.spared_filed_lines else ""
    return (f"按清单备案措施：备案 {use.lines_filed} 条生产线，照备案执行 {use.lines_as_filed} 条；{verdict}，{how}；"
            f"与备案不一致 {sum(use.deviations.values())} 条" + (f"（{counts}）" if counts else "") + spared)


def summary_facts(doc, shown: int = 20) -> dict | None:
    """The filed-list facts of a plan for the issuance summary (None: the list files none)."""
    if doc.filed is None:
        return None
    return {
        **doc.filed.model_dump(exclude={"shortfall"}),
        "summary_zh": summary_zh(doc.filed),
        "count": len(doc.deviations),
        "deviations": [d.model_dump() for d in doc.deviations[:shown]],
    }
