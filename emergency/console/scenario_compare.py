"""Two scenario reports side by side: the rows of :func:`scenarios.report.summary_rows`
(the report's own model) as metrics with B − A, the cost curves on one chart, and each
scenario's days and reductions in its own column. Charts are :mod:`scenarios.charts`'s
inline SVG (every name escaped there)."""

from __future__ import annotations

from markupsafe import Markup

from emergency.vocabulary import LEVEL_LABELS_ZH, WarningLevel

POLLUTANTS = ("SO2", "NOx", "PM", "VOCs")
EVENT_ZH = {"issue": "发布", "upgrade": "升级", "downgrade": "降级", "hold": "维持", "release": "解除", "none": ""}


def _levels(days_by_level: dict[str, int]) -> str:
    return "、".join(f"{LEVEL_LABELS_ZH[WarningLevel(k)]}{v}天" for k, v in sorted(days_by_level.items())) or "—"


def metrics(rows: list[dict]) -> list[dict]:
    """One row per metric: label, A and B as shown, and B − A where the metric is a number."""
    a, b = rows

    def diff(key: str, fmt: str) -> str:
        x, y = a[key], b[key]
        if x is None or y is None:
            return ""
        d = y - x
        return "0" if d == 0 else ("+" if d > 0 else "−") + format(abs(d), fmt)

    def show(r: dict, key: str, fmt: str) -> str:
        return "—" if r[key] is None else format(r[key], fmt)

    out = []
    for key, label, fmt in (("enterprises", "企业数", ","), ("lost_value_yuan", "预警期累计损失产值（元）", ",.0f"),
                            ("warning_days", "预警天数", "d"), ("min_achieved_over_required", "最小 实减/应减", ".2f"),
                            ("infeasible_days", "不满足目标天数", "d"), ("max_feasible_share", "最大可达减排比例", ".1%")):
        out.append({"key": key, "label": label, "a": show(a, key, fmt), "b": show(b, key, fmt), "diff": diff(key, fmt)})
    out.insert(3, {"key": "days_by_level", "label": "各级别天数", "a": _levels(a["days_by_level"]),
                   "b": _levels(b["days_by_level"]), "diff": ""})
    return out


def comparison(outcomes: list) -> dict:
    """The template context of the comparison page of two :class:`scenarios.run.ScenarioOutcome`."""
    from scenarios.charts import bar_chart, line_chart
    from scenarios.report import summary_rows

    rows = summary_rows(outcomes)
    curves = {o.scenario.name: [(p.share * 100, p.lost_value_yuan) for p in o.curve.points] for o in outcomes if o.curve}
    curve = None
    if curves:
        marks = {f"{o.scenario.name} 上限": [o.curve.max_feasible_share * 100] for o in outcomes if o.curve}
        curve = Markup(line_chart(curves, title="损失产值（元/日）随要求减排比例变化", x_label="要求减排比例（%）",
                                  y_label="损失产值（元/日）", marks=marks))
    sides = []
    for label, o in zip("AB", outcomes):
        sim, city = o.simulation, o.tables.version["city"]
        got = sim.achieved_vs_required.get(city, {})
        reductions = {p: {"实减": got.get(p, [0, 0])[0], "应减": got.get(p, [0, 0])[1]} for p in POLLUTANTS}
        sides.append({"label": label, "scenario": o.scenario, "city": city, "days": sim.days,
                      "reductions": Markup(bar_chart(reductions, title=f"{city}：预警期累计减排量（kg）", y_label="kg",
                                                     width=520, height=280))})
    return {"names": [o.scenario.name for o in outcomes], "metrics": metrics(rows), "curve": curve, "sides": sides,
            "event_zh": EVENT_ZH, "level_zh": {lv.value: LEVEL_LABELS_ZH[lv] for lv in WarningLevel}}
