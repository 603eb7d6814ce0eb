"""Scenario results as a printed table, a self-contained HTML report and an Excel workbook.

Every workbook row goes through ``enterprise_registry.workbook.safe_row`` (a scenario
named ``=…`` is text, never a live formula); the HTML escapes every name.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from openpyxl import Workbook

from emergency.vocabulary import LEVEL_LABELS_ZH, WarningLevel
from enterprise_registry.workbook import safe_row
from scenarios.charts import bar_chart, line_chart
from scenarios.run import ScenarioOutcome

LEVEL_ZH = {lv.value: LEVEL_LABELS_ZH[lv] for lv in WarningLevel}


def summary_rows(outcomes: list[ScenarioOutcome]) -> list[dict]:
    rows = []
    for o in outcomes:
        sim = o.simulation
        ratios = []
        for area, pols in sim.achieved_vs_required.items():
            for p, (ach, req) in pols.items():
                if req > 0:
                    ratios.append(ach / req)
        rows.append({
            "scenario": o.scenario.name,
            "enterprises": len(o.tables.enterprises["uscc"]),
            "lost_value_yuan": sim.lost_value_yuan,
            "warning_days": sum(v for k, v in sim.days_by_level.items() if k != "none"),
            "days_by_level": sim.days_by_level,
            "min_achieved_over_required": min(ratios) if ratios else None,
            "infeasible_days": sim.infeasible_days,
            "max_feasible_share": o.curve.max_feasible_share if o.curve else None,
        })
    return rows


def _table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def write_html(outcomes: list[ScenarioOutcome], path: Path) -> Path:
    parts = ["<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>情景模拟报告</title>",
             "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse;margin:1em 0}"
             "th,td{border:1px solid #999;padding:3px 8px;font-size:.9em}th{background:#eef}svg{margin:.5em 1em .5em 0}</style></head><body>",
             "<h1>重污染天气情景模拟报告</h1>"]
    rows = summary_rows(outcomes)
    parts.append(_table(
        ["情景", "企业数", "预警期累计损失产值(元)", "预警天数", "各级别天数", "最小 实减/应减", "不满足目标天数", "最大可达减排比例"],
        [[r["scenario"], r["enterprises"], f"{r['lost_value_yuan']:,.0f}", r["warning_days"],
          "、".join(f"{LEVEL_ZH[k]}{v}天" for k, v in sorted(r["days_by_level"].items())),
          "" if r["min_achieved_over_required"] is None else f"{r['min_achieved_over_required']:.2f}", r["infeasible_days"],
          "" if r["max_feasible_share"] is None else f"{r['max_feasible_share']:.1%}"] for r in rows],
    ))
    curves = {o.scenario.name: [(p.share * 100, p.lost_value_yuan) for p in o.curve.points] for o in outcomes if o.curve}
    if curves:
        marks = {f"{o.scenario.name} 上限": [o.curve.max_feasible_share * 100] for o in outcomes if o.curve}
        parts.append("<h2>成本曲线：损失产值与要求减排比例</h2>")
        parts.append(line_chart(curves, title="损失产值（元/日）随要求减排比例变化", x_label="要求减排比例（%）",
                                y_label="损失产值（元/日）", marks=marks))
        parts.append("<p>虚线为不动用豁免企业时清单可达的最大减排比例；超过该比例的点不可行（未画出）。</p>")
    pollutants = ["SO2", "NOx", "PM", "VOCs"]
    for o in outcomes:
        sim = o.simulation
        city = o.tables.version["city"]
        parts.append(f"<h2>情景：{escape(o.scenario.name)}</h2>")
        if o.scenario.description:
            parts.append(f"<p>{escape(o.scenario.description)}</p>")
        parts.append(_table(["日", "日期", "AQI", "级别", "事件", "损失产值(元)", "调整生产线", "满足目标"],
                            [[d.day + 1, d.date or "", "" if d.aqi is None else f"{d.aqi:g}", LEVEL_ZH[d.level.value], d.event,
                              f"{d.lost_value_yuan:,.0f}", d.lines_changed, "是" if d.feasible else "否"] for d in sim.days]))
        red = {p: {"实减": sim.achieved_vs_required.get(city, {}).get(p, [0, 0])[0],
                   "应减": sim.achieved_vs_required.get(city, {}).get(p, [0, 0])[1]} for p in pollutants}
        parts.append(bar_chart(red, title=f"{city}：预警期累计减排量（kg）", y_label="kg"))
        for by, title in (("grade", "按绩效等级"), ("county", "按区县"), ("industry", "按行业")):
            data = {k: {"生产线": v["lines"], "企业": v["firms"]} for k, v in sim.affected.get(by, {}).items()}
            if data:
                parts.append(bar_chart(data, title=f"受管控生产线与企业数（{title}）", y_label="数量"))
    parts.append("</body></html>")
    from emergency.atomic_files import write_text

    return write_text(Path(path), "".join(parts))


def write_workbook(outcomes: list[ScenarioOutcome], path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "情景汇总"
    ws.append(safe_row(ws, ["情景", "企业数", "预警期累计损失产值(元)", "预警天数", "黄色天数", "橙色天数", "红色天数", "不满足目标天数", "最大可达减排比例"]))
    for r in summary_rows(outcomes):
        d = r["days_by_level"]
        ws.append(safe_row(ws, [r["scenario"], r["enterprises"], round(r["lost_value_yuan"], 2), r["warning_days"], d.get("yellow", 0),
                   d.get("orange", 0), d.get("red", 0), r["infeasible_days"], r["max_feasible_share"]]))
    days = wb.create_sheet("逐日")
    days.append(safe_row(days, ["情景", "日", "日期", "AQI", "级别", "事件", "损失产值(元)", "调整生产线", "满足目标"]))
    for o in outcomes:
        for d in o.simulation.days:
            days.append(safe_row(days, [o.scenario.name, d.day + 1, str(d.date or ""), d.aqi, LEVEL_ZH[d.level.value], d.event,
                         round(d.lost_value_yuan, 2), d.lines_changed, "是" if d.feasible else "否"]))
    red = wb.create_sheet("减排量")
    red.append(safe_row(red, ["情景", "区域", "污染物", "累计实减(kg)", "累计应减(kg)"]))
    for o in outcomes:
        for area, pols in o.simulation.achieved_vs_required.items():
            for p, (ach, req) in pols.items():
                red.append(safe_row(red, [o.scenario.name, area, p, round(ach, 3), round(req, 3)]))
    curve = wb.create_sheet("成本曲线")
    curve.append(safe_row(curve, ["情景", "级别", "要求减排比例", "是否可行", "损失产值(元/日)", "下界(元/日)", "缺口合计(kg/日)"]))
    for o in outcomes:
        if o.curve:
            for p in o.curve.points:
                curve.append(safe_row(curve, [o.scenario.name, LEVEL_ZH[o.curve.level.value], p.share, "是" if p.feasible else "否",
                              p.lost_value_yuan, p.lower_bound_yuan, round(p.shortfall_kg, 3)]))
    aff = wb.create_sheet("受影响")
    aff.append(safe_row(aff, ["情景", "维度", "类别", "生产线数", "企业数"]))
    for o in outcomes:
        for by, rows in o.simulation.affected.items():
            for k, v in rows.items():
                aff.append(safe_row(aff, [o.scenario.name, by, k, v["lines"], v["firms"]]))
    from emergency.atomic_files import replacing

    path = Path(path)
    with replacing(path) as tmp:
        wb.save(tmp)
    return path
