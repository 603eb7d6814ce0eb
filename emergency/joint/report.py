"""The province's report of a joint plan (省级联合减排方案报告): rows, JSON and a workbook.

One set of rows (:func:`city_rows`, :func:`county_rows`, :func:`summary_facts`) feeds the
CLI table, the JSON and the .xlsx, so the three always agree. Money in 万元/日 in tables,
yuan/day in JSON; reductions in kg/day. Every workbook cell goes through ``safe_row`` and
the file is written atomically.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from emergency.joint.service import RegionPlan
from emergency.joint.solve import CityOutcome, ModeResult
from emergency.vocabulary import LEVEL_LABELS_ZH
MODE_NAMES = {"joint": "联合方案", "separate": "各市单独", "compare": "联合与单独对比"}
STATUS_NAMES = {"optimal": "最优（在容差内）", "feasible": "可行", "infeasible": "无可行方案", "not_solved": "未求解",
                "targets_not_met": "未达标"}

CITY_HEADERS = ("城市", "政策文件", "生产线数", "单独：损失（万元/日）", "联合：损失（万元/日）", "联合节省（万元/日）",
                "单独：本市目标最低完成率", "联合：本市目标最低完成率", "联合：承担区域减排份额（SO2/NOx/PM/VOCs）",
                "联合比单独多减（kg/日，SO2/NOx/PM/VOCs）")
COUNTY_HEADERS = ("城市", "区县", "污染物", "本地要求（kg/日）", "联合方案须完成（kg/日）", "单独：完成（kg/日）", "联合：完成（kg/日）")


def _wan(v: float | None) -> float | None:
    return None if v is None else round(v / 1e4, 2)


def _four(values: np.ndarray | None, fmt: str) -> str:
    return "—" if values is None else "/".join(format(float(v), fmt) for v in values[:4])


def _by_city(result: ModeResult | None) -> dict[str, CityOutcome]:
    return {} if result is None else {c.city: c for c in result.cities}


def city_rows(plan: RegionPlan) -> list[dict]:
    """Per city: lost output and reductions in both modes, who carries what."""
    sep, joint = _by_city(plan.separate), _by_city(plan.joint)
    regional = plan.joint.regional_achieved if plan.joint is not None else None
    rows = []
    for name in plan.region.cities:
        s, j = sep.get(name), joint.get(name)
        any_ = s or j
        st, jt = (s.total(s.achieved) if s else None), (j.total(j.achieved) if j else None)
        share = None if jt is None or regional is None else np.where(regional[:4] > 0, jt[:4] / np.maximum(regional[:4], 1e-300), 0.0)
        rows.append({
            "city": name,
            "policy_area": any_.policy_area or "national",
            "version": any_.version,
            "lines": any_.lines,
            "separate_lost_output_yuan": None if s is None else s.lost_output,
            "separate_bound_yuan": None if s is None else s.bound,
            "separate_status": None if s is None else s.status.value,
            "joint_lost_output_yuan": None if j is None else j.lost_output,
            "saving_yuan": None if s is None or j is None or s.lost_output is None or j.lost_output is None
            else s.lost_output - j.lost_output,
            "separate_coverage": None if s is None else s.coverage(),
            "joint_coverage": None if j is None else j.coverage(),
            "columns": list(any_.columns),
            "separate_reduction_kg": None if st is None else [float(v) for v in st],
            "joint_reduction_kg": None if jt is None else [float(v) for v in jt],
            "joint_share_of_region": None if share is None else [float(v) for v in share],
            "separate_lines_beyond_floor": None if s is None else s.beyond_floor,
            "joint_lines_beyond_floor": None if j is None else j.beyond_floor,
        })
    return rows


def county_rows(plan: RegionPlan) -> list[dict]:
    """Per (city, area, column): own requirement, what the joint plan had to meet, achieved."""
    sep, joint = _by_city(plan.separate), _by_city(plan.joint)
    rows = []
    for name in plan.region.cities:
        s, j = sep.get(name), joint.get(name)
        any_ = s or j
        for a, area in enumerate(any_.areas):
            for k, col in enumerate(any_.columns):
                rows.append({
                    "city": name, "area": area, "column": col,
                    "required_kg": float(any_.required[a, k]),
                    "joint_must_meet_kg": None if j is None else float(j.must_meet[a, k]),
                    "separate_achieved_kg": None if s is None or s.achieved is None else float(s.achieved[a, k]),
                    "joint_achieved_kg": None if j is None or j.achieved is None else float(j.achieved[a, k]),
                })
    return rows


def _mode_json(m: ModeResult | None) -> dict | None:
    if m is None:
        return None
    return {
        "mode": m.mode.value, "status": m.status.value, "lost_output_yuan": m.objective, "bound_yuan": m.bound,
        "relative_gap": m.gap, "seconds": round(m.seconds, 3), "columns": list(m.columns),
        "regional_required_kg": None if m.regional_required is None else [float(v) for v in m.regional_required],
        "regional_achieved_kg": None if m.regional_achieved is None else [float(v) for v in m.regional_achieved],
        "unmet": m.unmet,
    }


def to_json(plan: RegionPlan) -> dict:
    """The whole report as JSON-ready data (yuan/day, kg/day)."""
    return {
        "region": plan.region.name,
        "cities": list(plan.region.cities),
        "level": plan.level.value,
        "mode": plan.mode.value,
        "lines": plan.lines,
        "pooling": {"floor_share": plan.pooling.floor_share, "cities": plan.pooling.cities,
                    "source": plan.pooling.source, "confidence": plan.pooling.confidence.value, "file": plan.pooling.file},
        "regional_targets": plan.region.targets,
        "regional_targets_source": plan.region.targets_source,
        "separate": _mode_json(plan.separate),
        "joint": _mode_json(plan.joint),
        "saving_yuan": plan.saving,
        "proven_saving_at_least_yuan": plan.proven_saving,
        "phases_seconds": {k: round(v, 3) for k, v in plan.phases.items()},
        "by_city": city_rows(plan),
        "by_area": county_rows(plan),
    }


def summary_facts(plan: RegionPlan) -> list[tuple[str, str]]:
    """(label, text) lines of the summary, in zh-CN."""
    facts = [("区域", f"{plan.region.name}（{len(plan.region.cities)} 个城市，{plan.lines:,} 条生产线）"),
             ("预警级别", LEVEL_LABELS_ZH[plan.level]),
             ("方式", MODE_NAMES[plan.mode.value])]
    for m in (plan.separate, plan.joint):
        if m is None:
            continue
        name = MODE_NAMES[m.mode.value]
        gap = "—" if m.gap is None else f"{m.gap:.4%}"
        lost = "—" if m.objective is None else f"{m.objective / 1e4:,.2f} 万元/日"
        bound = "—" if m.bound is None else f"{m.bound / 1e4:,.2f} 万元/日"
        facts.append((name, f"{STATUS_NAMES.get(m.status.value, m.status.value)}；停限产损失 {lost}；下界 {bound}；相对差距 {gap}；"
                            f"求解 {m.seconds:.1f} 秒"))
        if m.regional_achieved is not None:
            facts.append((f"{name}：区域减排量", "；".join(f"{c} {v:,.0f} kg/日" for c, v in zip(m.columns, m.regional_achieved))))
        if m.regional_required is not None:
            facts.append((f"{name}：区域要求", "；".join(f"{c} ≥ {v:,.0f} kg/日" for c, v in zip(m.columns, m.regional_required))))
        for row in m.unmet[:20]:
            facts.append((f"{name}：无法满足", row))
    if plan.saving is not None:
        facts.append(("联合方案节省", f"{plan.saving / 1e4:,.2f} 万元/日（按两种方案的实际结果；"
                                   f"确证至少 {plan.proven_saving / 1e4:,.2f} 万元/日 = 各市单独下界之和 − 联合方案损失）"))
    facts.append(("统筹规则", f"各市至少完成本市及各区县要求的 {plan.pooling.floor_share:.0%}，区域总量不低于各市单独要求之和"
                          f"（{plan.pooling.file}，{plan.pooling.confidence.value}）：{plan.pooling.source}"))
    if plan.region.targets:
        facts.append(("区域目标", "；".join(f"{p} {s:.0%}" for p, s in plan.region.targets.items())
                      + (f"（{plan.region.targets_source}）" if plan.region.targets_source else "")))
    return facts


def table_rows(plan: RegionPlan) -> list[list[str]]:
    """The city table as text cells (CLI)."""
    out = []
    for r in city_rows(plan):
        fmt = lambda v: "—" if v is None else f"{v / 1e4:,.2f}"  # noqa: E731
        cov = lambda v: "—" if v is None else f"{v:.0%}"  # noqa: E731
        delta = (None if r["joint_reduction_kg"] is None or r["separate_reduction_kg"] is None
                 else np.array(r["joint_reduction_kg"]) - np.array(r["separate_reduction_kg"]))
        out.append([r["city"], r["policy_area"], f"{r['lines']:,}", fmt(r["separate_lost_output_yuan"]),
                     fmt(r["joint_lost_output_yuan"]), fmt(r["saving_yuan"]), cov(r["separate_coverage"]),
                     cov(r["joint_coverage"]),
                     _four(None if r["joint_share_of_region"] is None else np.array(r["joint_share_of_region"]) * 100, ".1f") + " %",
                     _four(delta, ",.0f")])
    return out


def write_workbook(plan: RegionPlan, path: Path) -> Path:
    """The province's report as .xlsx: 汇总, 城市, 区县, 措施变化 (the lines whose measure differs
    between the two plans); every cell through safe_row; written atomically."""
    from openpyxl import Workbook

    from emergency.atomic_files import replacing
    from enterprise_registry.workbook import safe_row

    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 120
    for label, text in summary_facts(plan):
        ws.append(safe_row(ws, [label, text]))
    cs = wb.create_sheet("城市")
    cs.append(safe_row(cs, list(CITY_HEADERS)))
    for row in table_rows(plan):
        cs.append(safe_row(cs, row))
    ks = wb.create_sheet("区县")
    ks.append(safe_row(ks, list(COUNTY_HEADERS)))
    r2 = lambda v: None if v is None else round(v, 1)  # noqa: E731
    for r in county_rows(plan):
        ks.append(safe_row(ks, [r["city"], r["area"], r["column"], r2(r["required_kg"]), r2(r["joint_must_meet_kg"]),
                                r2(r["separate_achieved_kg"]), r2(r["joint_achieved_kg"])]))
    ms = wb.create_sheet("措施变化")
    ms.append(safe_row(ms, list(MOVES_HEADERS)))
    for row in moves(plan):
        ms.append(safe_row(ms, row))
    with replacing(Path(path)) as tmp:
        wb.save(tmp)
    return Path(path)


def write_json(plan: RegionPlan, path: Path) -> Path:
    import json

    from emergency.atomic_files import write_text

    return write_text(Path(path), json.dumps(to_json(plan), ensure_ascii=False, indent=1, default=float))


MOVES_HEADERS = ("城市", "生产线", "单独：措施", "单独：减产比例", "联合：措施", "联合：减产比例")


def moves(plan: RegionPlan) -> list[list]:
    """The lines whose measure differs between the two plans (who carries what, line by line)."""
    if plan.separate is None or plan.joint is None or not (plan.separate.feasible and plan.joint.feasible):
        return []
    out = []
    for s, j in zip(plan.separate.cities, plan.joint.cities):
        for l in np.nonzero(np.abs(s.output_cut - j.output_cut) > 1e-12)[0].tolist():
            out.append([s.city, s.line_ids[l], s.option_code[l], round(float(s.output_cut[l]), 4), j.option_code[l],
                        round(float(j.output_cut[l]), 4)])
    return out

