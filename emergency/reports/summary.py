"""The episode summary (总结评估报告 with its 应急响应情况统计表): what the warning was
(period, levels, 启动 / 调整 / 解除 with their times), the response per county (firms,
receipts, reports, inspections, non-compliance; by measure and grade), the reductions
planned — and achieved, with forecast against observed AQI and the episode chart, from
:mod:`emergency.evaluation` when it is there (else the page says 效果评估数据暂缺) — the
lost output, and when the summary is due (release + ``[deadlines] summary_within_days``
of ``config/reports``). Before the release it is marked as an interim statement.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from emergency import clock
from emergency.reports import figures as F
from emergency.reports import render
from emergency.reports.daily import Report
from emergency.reports.shapes import load_shapes


def summary_report(engine: Engine, warning_id: int, evaluate: bool = True) -> Report:
    inp = F.load_inputs(engine, warning_id)
    shapes = load_shapes(inp.area)
    fig = F.summary_figures(engine, inp, shapes.deadlines.summary_within_days, evaluate=evaluate)
    shape = shapes.summary
    title = shape.title.replace("{city}", inp.city)
    levels = "→".join(dict.fromkeys(F.level_zh(v.level) for v in inp.versions))
    hours = (fig.end - fig.start).total_seconds() / 3600
    meta = [
        ("预警", f"第 {warning_id} 号预警（{'、'.join(inp.areas) or inp.city}），级别 {levels}"),
        ("发布时间", clock.fmt(fig.issued_at)),
        ("预警时段", f"{clock.fmt(fig.start)} 至 {clock.fmt(fig.end)}（{max(hours, 0):.0f} 小时，{clock.zone_label()}）"),
        ("解除时间", clock.fmt(fig.released_at) if fig.released_at else "尚未解除"),
        ("总结报送时限", (f"{clock.fmt(fig.due_at)} 前（解除后 {shapes.deadlines.summary_within_days:g} 日内）"
                     if fig.due_at else "解除后确定")),
    ]
    sheets = render.tables("summary", shape, fig.rows)
    warnings = [n for n in fig.notes if n.startswith("预警尚未解除") or n.startswith(F.EVALUATION_MISSING)]
    doc = {**fig.as_dict(), "kind": "summary", "title": title, "meta": [list(m) for m in meta],
           "evaluation": fig.evaluation}
    xlsx = render.workbook_bytes(title, meta, sheets, fig.notes)
    page = render.html(shape, {"title": title, "meta": meta, "sheets": sheets, "notes": fig.notes,
                               "generated_at": clock.fmt(fig.generated_at), "warnings": warnings, "chart": fig.chart,
                               "evaluation_missing": next((n for n in fig.notes if n.startswith(F.EVALUATION_MISSING)),
                                                          F.EVALUATION_MISSING)})
    return Report(doc, xlsx, page, f"warning-{warning_id}-summary")


def write_summary(engine: Engine, warning_id: int, out_dir: Path) -> list[Path]:
    r = summary_report(engine, warning_id)
    return render.write(Path(out_dir), r.stem, r.xlsx, r.html)
