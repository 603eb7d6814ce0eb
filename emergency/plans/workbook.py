"""Export a plan document to an Excel workbook (Chinese headers), for people to read.

Sheets: 概要 (summary: level, version, objective, bound, gap, solver), 减排目标
(requirements: baseline / required / achieved per area and pollutant), 减排措施
(one row per line with a measure), 豁免企业 (spared firms and why), and, when the
lead time excluded options, 提前量不足 (what could not be ordered in time).

Every cell goes through ``enterprise_registry.workbook`` (safe_row / neutralise): a
firm or line named ``=HYPERLINK(…)`` is text here, never a live formula.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from emergency.plans.document import PlanDocument
from enterprise_registry.workbook import neutralise, safe_row
from emergency.vocabulary import LEVEL_LABELS_ZH, POLLUTANT_LABELS_ZH, POLLUTANTS



def _requirement_label(r) -> str:
    """A pollutant's row (``颗粒物``), a combined row (``SO2+NOx合计``) or a row a combined
    target replaces (``SO2(并入SO2+NOx合计)``, its required 0)."""
    label = "+".join(POLLUTANT_LABELS_ZH[p] for p in r.pollutant.value.split("+"))
    if "+" in r.pollutant.value:
        return f"{label}合计"
    return f"{label}(并入{r.replaced_by}合计)" if r.replaced_by else label


_BASIS_ZH = {"floor": "绩效分级规定措施(底线)", "optimised": "优化选择"}
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_SHORT_FILL = PatternFill("solid", fgColor="F8CBAD")


def _cell(ws, value, fill=None, header=False):
    cell = WriteOnlyCell(ws, value=value)
    neutralise(cell)
    if header:
        cell.font = _HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    if fill is not None:
        cell.fill = fill
    return cell


def _sheet(wb: Workbook, title: str, headers: list[str], rows, widths=None, highlight=None):
    """A sheet streamed row by row (write-only: a province's 2·10^5 actions in a fraction of
    the time and memory). ``highlight(row)``: whether to colour a row as a shortfall."""
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    for i, header in enumerate(headers, start=1):
        width = (widths or {}).get(header, max(10, min(40, len(header) * 2 + 2)))
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.append([_cell(ws, h, _HEADER_FILL, header=True) for h in headers])
    for row in rows:
        if highlight is not None and highlight(row):
            ws.append([_cell(ws, v, _SHORT_FILL) for v in row])
        else:
            ws.append(safe_row(ws, row))
    return ws


def write_plan_workbook(plan: PlanDocument, path: Path) -> Path:
    wb = Workbook(write_only=True)

    summary = [
        ["预警级别", LEVEL_LABELS_ZH[plan.level]],
        ["清单版本", plan.registry_version],
        ["政策区域", plan.policy_area or ""],
        ["预警规则", plan.rule_set or ""],
        ["生成时间", plan.created_at.isoformat(timespec="seconds")],
        ["距预警开始(小时)", plan.hours_to_start if plan.hours_to_start is not None else ""],
        ["是否满足全部减排目标", "是" if plan.feasible else "否"],
        ["损失产值(元/日)", round(plan.objective.lost_value_yuan, 2)],
        ["理论下界(元/日)", "" if plan.objective.lower_bound_yuan is None else round(plan.objective.lower_bound_yuan, 2)],
        ["最优性差距", "" if plan.objective.gap is None else f"{plan.objective.gap:.4%}"],
        ["求解状态", plan.solver.status],
        ["求解方法", plan.solver.method or ""],
        ["求解用时(秒)", round(plan.solver.seconds, 3)],
        ["涉及生产线数", len(plan.actions)],
        ["涉及企业数", len({a.enterprise_uscc for a in plan.actions})],
        ["豁免企业数", len(plan.spared)],
    ]
    if plan.filed is not None:  # a list with filed measures (一厂一策): how the plan used it
        from emergency.plans.deviations import summary_zh

        summary += [["按清单备案措施", summary_zh(plan.filed)], ["与备案措施不一致(条)", len(plan.deviations)]]
    _sheet(wb, "概要", ["项目", "内容"], summary, {"项目": 24, "内容": 40})

    req_rows = []
    for r in plan.requirements:
        req_rows.append(
            [
                r.area,
                _requirement_label(r),
                round(r.baseline_kg, 3),
                round(r.required_kg, 3),
                round(r.achieved_kg, 3),
                round(r.shortfall_kg, 3),
                "" if r.dual_yuan_per_kg is None else round(r.dual_yuan_per_kg, 4),
            ]
        )
    _sheet(
        wb,
        "减排目标",
        ["区域", "污染物", "基准排放量(kg/d)", "应减排量(kg/d)", "实际减排量(kg/d)", "缺口(kg/d)", "边际成本(元/kg)"],
        req_rows,
        highlight=lambda row: bool(row[5]) and row[5] > 0,
    )

    act_rows = []
    for a in plan.actions:
        act_rows.append(
            [
                a.county or "",
                a.enterprise_name or "",
                a.enterprise_uscc,
                a.line_id,
                a.line_name or "",
                a.measure_zh or a.measure,
                round(a.output_cut * 100, 2),
                *(round(a.reduction_kg.get(p, 0.0), 3) for p in POLLUTANTS),
                round(a.lost_value_yuan, 2),
                _BASIS_ZH.get(a.basis, a.basis),
                a.reason,
                plan.sources.get(a.source, a.source) if a.source else "",
                *([a.filed_measure or "（未备案）", a.deviation or ""] if plan.filed is not None else []),
            ]
        )
    _sheet(
        wb,
        "减排措施",
        [
            "区县",
            "企业名称",
            "统一社会信用代码",
            "生产线编号",
            "生产线",
            "措施",
            "限产比例(%)",
            *(f"{POLLUTANT_LABELS_ZH[p.value]}减排量(kg/d)" for p in POLLUTANTS),
            "损失产值(元/日)",
            "依据",
            "理由",
            "政策来源",
            *(["备案措施", "与备案措施不一致原因"] if plan.filed is not None else []),
        ],
        act_rows,
        {"企业名称": 30, "理由": 60, "政策来源": 40, "措施": 30},
    )

    spared_rows = [
        [s.enterprise_name or "", s.enterprise_uscc, s.reason, "是" if s.approved_override else "否"]
        for s in plan.spared
    ]
    _sheet(wb, "豁免企业", ["企业名称", "统一社会信用代码", "豁免理由", "已批准纳入管控"], spared_rows, {"企业名称": 30, "豁免理由": 50})

    if plan.filed is not None:
        from emergency.plans.deviations import KIND_ZH

        _sheet(wb, "与备案措施不一致", ["区县", "企业名称", "统一社会信用代码", "生产线编号", "生产线", "类型", "备案措施", "本次措施", "原因"],
               [[d.county or "", d.enterprise_name or "", d.enterprise_uscc, d.line_id, d.line_name or "", KIND_ZH[d.kind],
                 d.filed_measure or "（未备案）", d.ordered_measure or "未下达", d.reason] for d in plan.deviations],
               {"企业名称": 30, "原因": 60})

    if plan.excluded_by_lead_time:
        keys = sorted({k for row in plan.excluded_by_lead_time for k in row})
        _sheet(wb, "提前量不足", keys, [[row.get(k, "") for k in keys] for row in plan.excluded_by_lead_time])

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
