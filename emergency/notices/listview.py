"""The package's workbook: for an active warning the level's list view
(应急减排清单_<级别>预警.xlsx: one row per line with a measure, the notice in force for
each firm), the spared firms, the notices of this package and, at an adjustment, the
firms that continue their measures; for a release the 解除通知 issued
(解除通知清单.xlsx).

On a plan from a list with filed measures (一厂一策) the list view also gives each line's
filed measure and why the ordered one differs, and a sheet 与备案措施不一致 lists every
deviation of the plan (including filed measures not ordered for lead time, whose firms
may get no notice); the spared sheet shows what a spared firm filed (neither ordered nor
counted). A plan from a list without filed measures gives the workbook as before.

Every row goes through ``enterprise_registry.workbook.safe_row``: a firm named
``=HYPERLINK(…)`` stays text, control characters never reach the file.
"""

from __future__ import annotations

import io

from openpyxl import Workbook

from config.industries import load_industries
from emergency.notices.frame import Frame
from emergency.notices.notice import ContinuingFirm, NoticeDoc
from emergency.plans.document import PlanDocument
from enterprise_registry.columns import RegistryTables
from enterprise_registry.workbook import safe_row

KIND_ZH = {"issue": "管控通知", "change": "调整通知", "release": "解除通知"}


def file_name(f: Frame) -> str:
    return "解除通知清单.xlsx" if f.released else f"应急减排清单_{f.level_zh}预警.xlsx"


def _notices_sheet(wb: Workbook, title: str, notices: list[NoticeDoc]) -> None:
    ws = wb.create_sheet(title)
    ws.append(safe_row(ws, ["序号", "区县", "企业名称", "统一社会信用代码", "通知类型", "文号", "替代/依据文号", "生产线数", "文件"]))
    for k, n in enumerate(notices, start=1):
        ws.append(safe_row(ws, [k, n.county, n.name, n.uscc, KIND_ZH[n.kind], n.number, n.replaces or "", n.lines, n.file]))


def workbook_bytes(
    f: Frame, plan: PlanDocument, tables: RegistryTables, notices: list[NoticeDoc],
    continuing: list[ContinuingFirm], in_force: dict[str, str], drops: dict[str, float],
) -> bytes:
    """The workbook as .xlsx bytes. ``in_force``: the notice number each firm follows;
    ``drops``: its expected electricity drop (0…1)."""
    wb = Workbook(write_only=True)
    if f.released:
        _notices_sheet(wb, "解除通知", notices)
    else:
        _list_view(wb, f, plan, tables, in_force, drops)
        filed = plan.filed is not None
        sp = wb.create_sheet("豁免及保障类企业")
        sp.append(safe_row(sp, ["序号", "企业名称", "统一社会信用代码", "理由"] + (["备案措施（不下达、不计入）"] if filed else [])))
        for k, s in enumerate(plan.spared, start=1):
            sp.append(safe_row(sp, [k, s.enterprise_name, s.enterprise_uscc, s.reason] + ([s.filed_measure or ""] if filed else [])))
        if filed:
            _deviations_sheet(wb, plan)
        _notices_sheet(wb, "本次通知", notices)
        if f.kind != "issue":
            ws = wb.create_sheet("继续执行原措施")
            ws.append(safe_row(ws, ["序号", "区县", "企业名称", "统一社会信用代码", "生产线数", "执行通知文号", "说明"]))
            for k, c in enumerate(continuing, start=1):
                ws.append(safe_row(ws, [k, c.county, c.name, c.uscc, c.lines, c.number, "措施未调整，继续执行原措施"]))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _deviations_sheet(wb: Workbook, plan: PlanDocument) -> None:
    from emergency.plans.deviations import KIND_ZH

    ws = wb.create_sheet("与备案措施不一致")
    ws.append(safe_row(ws, ["序号", "区县", "企业名称", "统一社会信用代码", "生产线", "类型", "备案措施", "本次措施", "原因"]))
    for k, d in enumerate(plan.deviations, start=1):
        ws.append(safe_row(ws, [k, d.county, d.enterprise_name, d.enterprise_uscc, d.line_name, KIND_ZH[d.kind],
                                d.filed_measure or "（未备案）", d.ordered_measure or "未下达", d.reason]))


def _list_view(wb: Workbook, f: Frame, plan: PlanDocument, tables: RegistryTables,
               in_force: dict[str, str], drops: dict[str, float]) -> None:
    ents = tables.enterprises
    e_idx = {u: i for i, u in enumerate(ents["uscc"])}
    catalog = load_industries().industries
    filed = plan.filed is not None
    ws = wb.create_sheet(f"{f.level_zh}预警")
    ws.append(safe_row(ws, [
        "序号", "区县", "企业名称", "统一社会信用代码", "行业类别", "绩效等级", "生产线", f"{f.level_zh}预警管控措施",
        "限产比例(%)", "SO2减排量(kg/d)", "NOx减排量(kg/d)", "颗粒物减排量(kg/d)", "VOCs减排量(kg/d)",
        "核查指标", "应降用电比例(%)", "执行通知文号", "联系人", "联系电话",
    ] + (["备案措施", "与备案措施不一致原因"] if filed else [])))
    for k, a in enumerate(plan.actions, start=1):
        i = e_idx.get(a.enterprise_uscc)
        industry = ents["industry"][i] if i is not None else ""
        ind = catalog.get(industry)
        ws.append(safe_row(ws, [
            k, ents["county"][i] if i is not None else a.county, ents["name"][i] if i is not None else a.enterprise_name,
            a.enterprise_uscc, ind.name_zh if ind else industry, ents["grade"][i] if i is not None else "",
            a.line_name, a.measure_zh, round(a.output_cut * 100, 1),
            round(a.reduction_kg["SO2"], 2), round(a.reduction_kg["NOx"], 2), round(a.reduction_kg["PM"], 2),
            round(a.reduction_kg["VOCs"], 2), "日用电量", round(drops.get(a.enterprise_uscc, 0.0) * 100, 1),
            in_force.get(a.enterprise_uscc, ""),
            ents["contact_person"][i] if i is not None else "", ents["contact_phone"][i] if i is not None else "",
        ] + ([a.filed_measure or "（未备案）", a.deviation or ""] if filed else [])))
