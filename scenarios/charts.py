"""Small inline-SVG charts for the self-contained HTML report (no scripts, no network)."""

from __future__ import annotations

from html import escape

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]


def _scale(lo: float, hi: float, a: float, b: float):
    span = (hi - lo) or 1.0
    return lambda v: a + (v - lo) / span * (b - a)


def line_chart(series: dict[str, list[tuple[float, float | None]]], *, title: str, x_label: str, y_label: str,
               width: int = 640, height: int = 320, marks: dict[str, list[float]] | None = None) -> str:
    pts = [p for s in series.values() for p in s if p[1] is not None]
    if not pts:
        return f"<p>{escape(title)}：无数据</p>"
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    x0, x1, y1 = min(xs), max(xs), max(ys) or 1.0
    L, R, T, B = 70, width - 20, 30, height - 45
    fx, fy = _scale(x0, x1, L, R), _scale(0, y1 * 1.05, B, T)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
           f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="14">{escape(title)}</text>',
           f'<line x1="{L}" y1="{B}" x2="{R}" y2="{B}" stroke="#333"/><line x1="{L}" y1="{B}" x2="{L}" y2="{T}" stroke="#333"/>',
           f'<text x="{(L + R) / 2}" y="{height - 8}" text-anchor="middle" font-size="12">{escape(x_label)}</text>',
           f'<text x="14" y="{(T + B) / 2}" font-size="12" transform="rotate(-90 14 {(T + B) / 2})" text-anchor="middle">{escape(y_label)}</text>']
    for k in range(5):
        v = y1 * 1.05 * k / 4
        out.append(f'<text x="{L - 6}" y="{fy(v) + 4}" font-size="10" text-anchor="end">{v:,.3g}</text>')
        out.append(f'<line x1="{L}" y1="{fy(v)}" x2="{R}" y2="{fy(v)}" stroke="#eee"/>')
    for x in sorted(set(xs))[:: max(1, len(set(xs)) // 10)]:
        out.append(f'<text x="{fx(x)}" y="{B + 14}" font-size="10" text-anchor="middle">{x:g}</text>')
    for n, (name, s) in enumerate(series.items()):
        colour = COLOURS[n % len(COLOURS)]
        seg = [f"{fx(x):.1f},{fy(y):.1f}" for x, y in s if y is not None]
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(seg)}"/>')
        for x, y in s:
            if y is not None:
                out.append(f'<circle cx="{fx(x):.1f}" cy="{fy(y):.1f}" r="3" fill="{colour}"/>')
        out.append(f'<text x="{R - 150}" y="{T + 14 + 14 * n}" font-size="11" fill="{colour}">■ {escape(name)}</text>')
    for name, xs_mark in (marks or {}).items():
        for x in xs_mark:
            if x0 <= x <= x1:
                out.append(f'<line x1="{fx(x):.1f}" y1="{T}" x2="{fx(x):.1f}" y2="{B}" stroke="#d62728" stroke-dasharray="4 3"/>'
                           f'<text x="{fx(x) + 3:.1f}" y="{T + 10}" font-size="10" fill="#d62728">{escape(name)}</text>')
    out.append("</svg>")
    return "".join(out)


def bar_chart(groups: dict[str, dict[str, float]], *, title: str, y_label: str, width: int = 640, height: int = 320) -> str:
    """groups: category -> series -> value (grouped bars)."""
    cats = list(groups)
    names = sorted({s for g in groups.values() for s in g})
    vmax = max([v for g in groups.values() for v in g.values()] + [1e-9])
    L, R, T, B = 70, width - 20, 30, height - 55
    fy = _scale(0, vmax * 1.05, B, T)
    slot = (R - L) / max(1, len(cats))
    bw = slot * 0.8 / max(1, len(names))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
           f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="14">{escape(title)}</text>',
           f'<line x1="{L}" y1="{B}" x2="{R}" y2="{B}" stroke="#333"/>',
           f'<text x="14" y="{(T + B) / 2}" font-size="12" transform="rotate(-90 14 {(T + B) / 2})" text-anchor="middle">{escape(y_label)}</text>']
    for k in range(5):
        v = vmax * 1.05 * k / 4
        out.append(f'<text x="{L - 6}" y="{fy(v) + 4}" font-size="10" text-anchor="end">{v:,.3g}</text>')
    for i, c in enumerate(cats):
        for j, n in enumerate(names):
            v = groups[c].get(n, 0.0)
            x = L + i * slot + slot * 0.1 + j * bw
            out.append(f'<rect x="{x:.1f}" y="{fy(v):.1f}" width="{bw:.1f}" height="{B - fy(v):.1f}" fill="{COLOURS[j % len(COLOURS)]}"><title>{escape(c)} {escape(n)}: {v:,.1f}</title></rect>')
        out.append(f'<text x="{L + i * slot + slot / 2:.1f}" y="{B + 14}" font-size="10" text-anchor="middle">{escape(c)}</text>')
    for j, n in enumerate(names):
        out.append(f'<text x="{L + 10 + 110 * j}" y="{height - 10}" font-size="11" fill="{COLOURS[j % len(COLOURS)]}">■ {escape(n)}</text>')
    out.append("</svg>")
    return "".join(out)
