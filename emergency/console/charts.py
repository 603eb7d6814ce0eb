"""Charts drawn on the server as inline SVG (no script, no external library, prints).

:func:`aqi_bars`: a daily AQI forecast as bars coloured by the HJ 633 category of each
value (the standard's colours), with the category bounds 150 / 200 / 300 as dashed
lines and each bar labelled with its value and day.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from markupsafe import Markup, escape

# HJ 633-2012 表2 colours (unchanged in HJ 633-2026) for 优 … 严重污染.
CATEGORY_COLOURS = ((50, "#00e400", "优"), (100, "#ffff00", "良"), (150, "#ff7e00", "轻度污染"),
                    (200, "#ff0000", "中度污染"), (300, "#99004c", "重度污染"), (math.inf, "#7e0023", "严重污染"))


def colour(aqi: float) -> str:
    v = math.ceil(aqi - 1e-9)
    return next(c for top, c, _ in CATEGORY_COLOURS if v <= top)


def aqi_bars(values: list[float], first_day: date | None, period: tuple[int, int] | None = None,
             width: int = 720, height: int = 240) -> Markup:
    """The bar chart of a daily AQI series (``first_day``: the day of the first value);
    ``period``: the first and last step (inclusive) of the warning period, shaded."""
    if not values:
        return Markup("")
    left, right, top, bottom = 40, 10, 14, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    y_max = max(350.0, max(values) * 1.1)
    n = len(values)
    step = plot_w / n
    bar_w = max(2.0, step * 0.7)

    def y(v: float) -> float:
        return top + plot_h * (1 - v / y_max)

    parts = [f'<svg class="chart" role="img" aria-label="AQI预报" viewBox="0 0 {width} {height}" '
             f'width="100%" xmlns="http://www.w3.org/2000/svg">',
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#ccc"/>']
    if period is not None:
        a, b = max(0, period[0]), min(n - 1, period[1])
        if a <= b:
            parts.append(f'<rect class="period" x="{left + a * step:.1f}" y="{top}" width="{(b - a + 1) * step:.1f}" '
                         f'height="{plot_h}" fill="#e3ecf7"><title>预警时段</title></rect>'
                         f'<text x="{left + (a + b + 1) * step / 2:.1f}" y="{top + 12}" text-anchor="middle" '
                         f'font-size="11" fill="#1f5fa8">预警时段</text>')
    for bound in (100, 150, 200, 300):
        if bound < y_max:
            parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(bound):.1f}" y2="{y(bound):.1f}" '
                         f'stroke="#888" stroke-dasharray="4 3"/><text x="{left - 4}" y="{y(bound) + 4:.1f}" '
                         f'text-anchor="end" font-size="11">{bound}</text>')
    label_every = max(1, math.ceil(n / 16))
    for i, v in enumerate(values):
        x = left + i * step + (step - bar_w) / 2
        parts.append(f'<rect x="{x:.1f}" y="{y(v):.1f}" width="{bar_w:.1f}" height="{top + plot_h - y(v):.1f}" '
                     f'fill="{colour(v)}" stroke="#555" stroke-width="0.5"><title>{escape(_day(first_day, i))} AQI '
                     f'{v:.0f}</title></rect>')
        if i % label_every == 0:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y(v) - 3:.1f}" text-anchor="middle" font-size="11">{v:.0f}</text>')
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                         f'font-size="11">{escape(_day(first_day, i))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _day(first: date | None, i: int) -> str:
    return f"第{i + 1}日" if first is None else (first + timedelta(days=i)).strftime("%m-%d")


def rotation_grid(lines: list[dict], first: date, days: int, warning_days: set[date] | None = None,
                  width: int = 900, row: int = 16) -> Markup:
    """Lines × days of a rotation calendar: each line's stop blocks as bars (inclusive
    ISO day pairs), warning days shaded, a tick each week."""
    if not lines or days <= 0:
        return Markup("")
    left, top = 260, 22
    step = (width - left - 10) / days
    height = top + row * len(lines) + 6
    parts = [f'<svg class="chart grid" role="img" aria-label="错峰生产日历" viewBox="0 0 {width} {height}" width="100%" '
             f'xmlns="http://www.w3.org/2000/svg">']
    for i in range(days):
        day = first + timedelta(days=i)
        if warning_days and day in warning_days:
            parts.append(f'<rect x="{left + i * step:.1f}" y="{top}" width="{step:.2f}" height="{row * len(lines)}" fill="#fde2e1"/>')
        if day.weekday() == 0:
            x = left + i * step
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 4}" y2="{height - 6}" stroke="#ddd"/>')
            if x + 28 <= width:  # a label that would be cut at the right edge is left out
                parts.append(f'<text x="{x:.1f}" y="{top - 8}" font-size="10">{day:%m-%d}</text>')
    for r, rec in enumerate(lines):
        y = top + r * row
        label = f"{rec.get('enterprise', '')} {rec.get('line_name', '')}"
        parts.append(f'<text x="4" y="{y + row - 4}" font-size="11">{escape(label[:24])}</text>')
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y + row}" y2="{y + row}" stroke="#eee"/>')
        for a, b in rec.get("blocks", []):
            da, db = date.fromisoformat(a), date.fromisoformat(b)
            i0, i1 = (da - first).days, (db - first).days
            parts.append(f'<rect x="{left + i0 * step:.1f}" y="{y + 3}" width="{(i1 - i0 + 1) * step:.1f}" height="{row - 6}" '
                         f'fill="#1f5fa8"><title>{escape(label)}：{escape(a)} 至 {escape(b)} 停产</title></rect>')
    parts.append("</svg>")
    return Markup("".join(parts))
