"""The chart of an episode's effect, drawn on the server as inline SVG (no script, prints
on A4), in the manner of :mod:`emergency.console.charts`.

Top: per pollutant (the city's totals), the planned reduction, the part of it covered by
measurements, and the reduction achieved (negative: emissions rose — drawn below the
axis, red). Bottom: per Beijing day of the warning, the forecast AQI beside the observed
AQI, each bar in its HJ 633 category colour; a missing value is written 暂缺.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from emergency.console.charts import colour
from emergency.evaluation.effect import EpisodeEffect, pollutant_zh

WIDTH = 720
PLANNED, COVERED, ACHIEVED, WORSE = "#b8c4d6", "#7d93b3", "#1f7a3a", "#c62828"


def _reductions(rows: list[dict], x0: int, y0: int, w: int, h: int) -> list[str]:
    parts = [f'<text x="{x0}" y="{y0 - 6}" font-size="13" font-weight="bold">减排量：计划、有监测数据部分、实际（全市，kg）</text>']
    rows = [r for r in rows if r["planned_kg"] > 0 or r["achieved_kg"]]
    if not rows:
        parts.append(f'<text x="{x0 + 10}" y="{y0 + 30}" font-size="12">无计划减排量</text>')
        return parts
    top = max(max(r["planned_kg"], r["achieved_kg"] or 0.0) for r in rows) or 1.0
    low = min(0.0, min((r["achieved_kg"] or 0.0) for r in rows))
    span = (top - low) * 1.15 or 1.0
    left = x0 + 40
    plot_w = w - 40
    zero = y0 + h * (top * 1.1 - 0) / span

    def y(v: float) -> float:
        return zero - h * v / span

    parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{zero:.1f}" y2="{zero:.1f}" stroke="#555"/>')
    step = plot_w / len(rows)
    bw = min(36.0, step / 4)
    for i, r in enumerate(rows):
        cx = left + i * step + step / 2
        bars = [(r["planned_kg"], PLANNED, "计划"), (r["planned_covered_kg"], COVERED, "有数据部分计划")]
        a = r["achieved_kg"]
        for j, (v, fill, label) in enumerate(bars):
            x = cx - 1.5 * bw + j * bw
            parts.append(f'<rect x="{x:.1f}" y="{min(y(v), zero):.1f}" width="{bw - 2:.1f}" height="{abs(zero - y(v)):.1f}" '
                         f'fill="{fill}"><title>{escape(pollutant_zh(r["pollutant"]))} {label} {v:,.1f} kg</title></rect>')
        x = cx + 0.5 * bw
        if a is None:
            parts.append(f'<text x="{x + bw / 2:.1f}" y="{zero - 4:.1f}" font-size="10" text-anchor="middle">暂缺</text>')
        else:
            fill = ACHIEVED if a >= 0 else WORSE
            parts.append(f'<rect x="{x:.1f}" y="{min(y(a), zero):.1f}" width="{bw - 2:.1f}" height="{abs(zero - y(a)):.1f}" '
                         f'fill="{fill}"><title>{escape(pollutant_zh(r["pollutant"]))} 实际 {a:,.1f} kg</title></rect>'
                         f'<text x="{x + bw / 2:.1f}" y="{min(y(a), zero) - 3:.1f}" font-size="10" text-anchor="middle">{a:,.0f}</text>')
        parts.append(f'<text x="{cx:.1f}" y="{y0 + h + 16}" font-size="12" text-anchor="middle">'
                     f'{escape(pollutant_zh(r["pollutant"]))}（覆盖 {r["coverage"] * 100:.0f}%）</text>')
    legend = [(PLANNED, "计划"), (COVERED, "有监测数据部分的计划"), (ACHIEVED, "实际减排"), (WORSE, "不降反增")]
    for k, (fill, label) in enumerate(legend):
        lx = x0 + 40 + k * 160
        parts.append(f'<rect x="{lx}" y="{y0 + h + 26}" width="10" height="10" fill="{fill}"/>'
                     f'<text x="{lx + 14}" y="{y0 + h + 35}" font-size="11">{label}</text>')
    return parts


def _aqi(days: list[dict], x0: int, y0: int, w: int, h: int, hatch: str = "fc") -> list[str]:
    parts = [f'<text x="{x0}" y="{y0 - 6}" font-size="13" font-weight="bold">AQI：预报（左，斜线）与实测（右）</text>']
    if not days:
        parts.append(f'<text x="{x0 + 10}" y="{y0 + 30}" font-size="12">无预警日</text>')
        return parts
    values = [v for d in days for v in (d["forecast_aqi"], d["observed_aqi"]) if v is not None]
    y_max = max(350.0, max(values, default=0) * 1.1)
    left = x0 + 40
    plot_w = w - 40

    def y(v: float) -> float:
        return y0 + h * (1 - v / y_max)

    parts.append(f'<defs><pattern id="{hatch}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
                 f'<rect width="6" height="6" fill="#fff" fill-opacity="0.0"/><line x1="0" y1="0" x2="0" y2="6" stroke="#fff" '
                 f'stroke-width="2"/></pattern></defs>')
    parts.append(f'<rect x="{left}" y="{y0}" width="{plot_w}" height="{h}" fill="#fafafa" stroke="#ccc"/>')
    for bound in (100, 150, 200, 300):
        if bound < y_max:
            parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(bound):.1f}" y2="{y(bound):.1f}" stroke="#888" '
                         f'stroke-dasharray="4 3"/><text x="{left - 4}" y="{y(bound) + 4:.1f}" text-anchor="end" font-size="11">{bound}</text>')
    step = plot_w / len(days)
    bw = min(30.0, step / 3)
    for i, d in enumerate(days):
        cx = left + i * step + step / 2
        label = d["day"].strftime("%m-%d") + ("" if len({r["area"] for r in days}) == 1 else f" {d['area']}")
        for j, (key, what) in enumerate((("forecast_aqi", "预报"), ("observed_aqi", "实测"))):
            v = d[key]
            x = cx - bw + j * bw
            if v is None:
                parts.append(f'<text x="{x + bw / 2:.1f}" y="{y0 + h - 4}" font-size="10" text-anchor="middle">暂缺</text>')
                continue
            parts.append(f'<rect x="{x:.1f}" y="{y(v):.1f}" width="{bw - 2:.1f}" height="{y0 + h - y(v):.1f}" fill="{colour(v)}" '
                         f'stroke="#555" stroke-width="0.5"><title>{escape(label)} {what} AQI {v}</title></rect>')
            if key == "forecast_aqi":
                parts.append(f'<rect x="{x:.1f}" y="{y(v):.1f}" width="{bw - 2:.1f}" height="{y0 + h - y(v):.1f}" fill="url(#{hatch})"/>')
            parts.append(f'<text x="{x + bw / 2:.1f}" y="{y(v) - 3:.1f}" font-size="10" text-anchor="middle">{v}</text>')
        parts.append(f'<text x="{cx:.1f}" y="{y0 + h + 16}" font-size="11" text-anchor="middle">{escape(label)}</text>')
    return parts


def episode_chart(effect: EpisodeEffect) -> Markup:
    """Planned vs achieved per pollutant, then forecast vs observed AQI per day."""
    height = 470
    parts = [f'<svg class="chart" role="img" aria-label="预警 {effect.warning_id} 效果评估" viewBox="0 0 {WIDTH} {height}" '
             f'width="100%" xmlns="http://www.w3.org/2000/svg">']
    parts += _reductions(effect.city_rows(), 10, 24, WIDTH - 20, 160)
    parts += _aqi(effect.aqi_days(), 10, 270, WIDTH - 20, 170, hatch=f"fc{effect.warning_id}")
    parts.append("</svg>")
    return Markup("".join(parts))
