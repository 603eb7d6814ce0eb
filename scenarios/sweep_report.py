"""A sweep's gathered results as one report: HTML, an Excel workbook and ``sweep.json``.

Tables: every run (sorted by id), one table per axis (base, city, episode, what-if: runs,
failures, lost value mean / min / max), the failed runs with their reasons, then each
run's plans (objective, bound, gap) and reductions. The HTML is self-contained and
escapes every name (``scenarios.charts``); every workbook cell goes through
``enterprise_registry.workbook.safe_row``; files are written atomically. ``sweep.json``
holds the numbers only (no timings), so two executions of a sweep — in-process and on a
cluster — can be compared byte for byte (``cmp a/sweep.json b/sweep.json``).
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from openpyxl import Workbook

from emergency.atomic_files import replacing, write_text
from enterprise_registry.workbook import safe_row
from scenarios.charts import bar_chart
from scenarios.report import LEVEL_ZH
from scenarios.sweep import AXES, RunResult, Sweep, by_axis, failed

AXIS_ZH = {"base": "基准情景", "city": "城市/清单", "episode": "预报成员/级别", "whatif": "情景假设"}


def _yuan(v: float | None) -> str:
    return "" if v is None else f"{v:,.0f}"


def _levels(days: dict[str, int]) -> str:
    """Days per level, yellow to red (``黄色2天、橙色1天、红色2天``)."""
    return "、".join(f"{LEVEL_ZH[k]}{days[k]}天" for k in ("yellow", "orange", "red") if days.get(k))


def run_row(r: RunResult) -> list:
    """A run as one row of the summary (HTML and workbook share it)."""
    return [r.run_id, r.labels["base"], r.labels["city"], r.labels["episode"], r.labels["whatif"],
            "成功" if r.ok else "失败", r.enterprises if r.ok else "", r.lost_value_yuan if r.ok else "",
            r.warning_days if r.ok else "", _levels(r.days_by_level) if r.ok else "",
            "" if r.min_achieved_over_required is None else round(r.min_achieved_over_required, 4),
            r.infeasible_days if r.ok else "", r.error or ""]


RUN_HEADERS = ["运行编号", "基准情景", "城市/清单", "预报成员/级别", "情景假设", "状态", "企业数", "累计损失产值(元)",
               "预警天数", "各级别天数", "最小 实减/应减", "不满足目标天数", "失败原因"]
AXIS_HEADERS = ["取值", "运行数", "失败数", "含不满足目标日的运行数", "平均损失产值(元)", "最小损失产值(元)", "最大损失产值(元)"]


def _axis_row(row: dict) -> list:
    return [row["value"], row["runs"], row["failed"], row["infeasible_runs"], row["lost_mean_yuan"], row["lost_min_yuan"],
            row["lost_max_yuan"]]


def _table(headers: list[str], rows: list[list], money: set[int] = frozenset()) -> str:
    def cell(i, c):
        return _yuan(c) if i in money and isinstance(c, (int, float)) else str(c)

    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(cell(i, c))}</td>" for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def write_json(sweep: Sweep, results: list[RunResult], path: Path) -> Path:
    doc = {"sweep": sweep.name, "runs": [r.as_data() for r in results]}
    return write_text(Path(path), json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


def write_html(sweep: Sweep, results: list[RunResult], path: Path, *, where: str = "") -> Path:
    bad = failed(results)
    parts = ["<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>情景批量推演报告</title>",
             "<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto}table{border-collapse:collapse;margin:1em 0}"
             "th,td{border:1px solid #999;padding:3px 8px;font-size:.85em}th{background:#eef}.bad{color:#b00}</style></head><body>",
             f"<h1>情景批量推演：{escape(sweep.name)}</h1>"]
    if sweep.description:
        parts.append(f"<p>{escape(sweep.description)}</p>")
    parts.append(f"<p>共 {len(results)} 个运行，成功 {len(results) - len(bad)} 个，失败 {len(bad)} 个。{escape(where)}</p>")
    if bad:
        parts.append(f"<h2 class='bad'>失败的运行（{len(bad)}）：以下汇总不含这些运行</h2>")
        parts.append(_table(["运行编号", "基准情景", "城市/清单", "预报成员/级别", "情景假设", "错误类型", "原因"],
                            [[r.run_id, *(r.labels[a] for a in AXES), r.error_kind or "", r.error or ""] for r in bad]))
    limited = [r.run_id for r in results if r.limit_reached]
    if limited:
        parts.append(f"<p class='bad'>以下运行的求解达到时间上限，结果在其他机器上可能略有不同：{escape('、'.join(limited))}</p>")
    parts.append("<h2>全部运行</h2>")
    parts.append(_table(RUN_HEADERS, [run_row(r) for r in results], money={7}))
    for axis in AXES:
        rows = by_axis(results, axis)
        parts.append(f"<h2>按{AXIS_ZH[axis]}</h2>")
        parts.append(_table(AXIS_HEADERS, [_axis_row(x) for x in rows], money={4, 5, 6}))
        if len(rows) > 1:
            data = {x["value"]: {"平均": x["lost_mean_yuan"] or 0.0, "最小": x["lost_min_yuan"] or 0.0,
                                 "最大": x["lost_max_yuan"] or 0.0} for x in rows}
            parts.append(bar_chart(data, title=f"累计损失产值（按{AXIS_ZH[axis]}）", y_label="元"))
    parts.append("<h2>各运行的方案（首日及每次调整）</h2>")
    parts.append(_table(["运行编号", "第几天", "级别", "损失产值(元/日)", "下界(元/日)", "相对差距", "满足目标", "措施条数"],
                        [[r.run_id, p["day"], LEVEL_ZH[p["level"]], p["objective_yuan"], p["lower_bound_yuan"] or "",
                          "" if p["gap"] is None else f"{p['gap']:.4%}", "是" if p["feasible"] else "否", p["actions"]]
                         for r in results for p in r.plans], money={3, 4}))
    parts.append("</body></html>")
    return write_text(Path(path), "".join(parts))


def write_workbook(sweep: Sweep, results: list[RunResult], path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "全部运行"
    ws.append(safe_row(ws, RUN_HEADERS))
    for r in results:
        ws.append(safe_row(ws, run_row(r)))
    for axis in AXES:
        sheet = wb.create_sheet(f"按{AXIS_ZH[axis]}".replace("/", "、"))
        sheet.append(safe_row(sheet, AXIS_HEADERS))
        for row in by_axis(results, axis):
            sheet.append(safe_row(sheet, _axis_row(row)))
    bad = wb.create_sheet("失败")
    bad.append(safe_row(bad, ["运行编号", "基准情景", "城市/清单", "预报成员/级别", "情景假设", "错误类型", "原因"]))
    for r in failed(results):
        bad.append(safe_row(bad, [r.run_id, *(r.labels[a] for a in AXES), r.error_kind or "", r.error or ""]))
    plans = wb.create_sheet("方案")
    plans.append(safe_row(plans, ["运行编号", "第几天", "级别", "损失产值(元/日)", "下界(元/日)", "相对差距", "满足目标", "措施条数"]))
    for r in results:
        for p in r.plans:
            plans.append(safe_row(plans, [r.run_id, p["day"], LEVEL_ZH[p["level"]], p["objective_yuan"], p["lower_bound_yuan"],
                                          p["gap"], "是" if p["feasible"] else "否", p["actions"]]))
    days = wb.create_sheet("逐日")
    days.append(safe_row(days, ["运行编号", "日", "日期", "AQI", "级别", "事件", "损失产值(元)", "调整生产线", "满足目标"]))
    for r in results:
        for d in r.days:
            days.append(safe_row(days, [r.run_id, d["day"], d["date"] or "", d["aqi"], LEVEL_ZH[d["level"]], d["event"],
                                        d["lost_value_yuan"], d["lines_changed"], "是" if d["feasible"] else "否"]))
    red = wb.create_sheet("减排量")
    red.append(safe_row(red, ["运行编号", "区域", "污染物", "累计实减(kg)", "累计应减(kg)"]))
    for r in results:
        for x in r.reductions:
            red.append(safe_row(red, [r.run_id, x["area"], x["pollutant"], x["achieved_kg"], x["required_kg"]]))
    if any(r.curve for r in results):
        curve = wb.create_sheet("成本曲线")
        curve.append(safe_row(curve, ["运行编号", "要求减排比例", "是否可行", "损失产值(元/日)", "下界(元/日)", "缺口合计(kg/日)"]))
        for r in results:
            for p in r.curve or []:
                curve.append(safe_row(curve, [r.run_id, p["share"], "是" if p["feasible"] else "否", p["lost_value_yuan"],
                                              p["lower_bound_yuan"], p["shortfall_kg"]]))
    path = Path(path)
    with replacing(path) as tmp:
        wb.save(tmp)
    return path
