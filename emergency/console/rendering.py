"""The console's template environment: autoescape always on, strict undefined, and
the filters every page uses (times in the bureau's zone through :mod:`emergency.clock`,
levels and pollutants in Chinese from :mod:`emergency.vocabulary`, numbers)."""

from __future__ import annotations

import math
from datetime import datetime
from functools import lru_cache

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

from emergency import clock
from emergency.vocabulary import LEVEL_LABELS_ZH, POLLUTANT_LABELS_ZH, Pollutant, WarningLevel

STATE_ZH = {"draft": "草稿", "issued": "已发布", "adjusted": "已调整", "released": "已解除"}
TRANSITION_ZH = {"issue": "发布", "upgrade": "升级", "downgrade": "降级", "extend": "延长", "release": "解除"}


def when(dt: datetime | str | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A time (aware, or ISO text) in the bureau's zone; '' for None."""
    if dt is None or dt == "":
        return ""
    if isinstance(dt, str):
        dt = clock.parse(dt)
    return clock.fmt(dt, pattern)


def until(dt: datetime | str | None) -> str:
    """How long until ``dt`` from now, in words: 还有 1天3小时 / 已过 5小时."""
    if dt is None:
        return ""
    if isinstance(dt, str):
        dt = clock.parse(dt)
    hours = clock.hours_until(dt)
    h = abs(hours)
    days, rest = divmod(int(h + 0.5), 24)
    text = (f"{days}天" if days else "") + (f"{rest}小时" if rest or not days else "")
    if h < 1:
        text = f"{int(h * 60 + 0.5)}分钟"
    return f"还有{text}" if hours >= 0 else f"已过{text}"


def level_zh(level: str | WarningLevel | None) -> str:
    if level is None:
        return ""
    try:
        return LEVEL_LABELS_ZH[WarningLevel(level)]
    except ValueError:
        return str(level)


def pollutant_zh(p: str) -> str:
    parts = str(p).split("+")
    try:
        return "与".join(POLLUTANT_LABELS_ZH[Pollutant(x)] for x in parts) + ("合计" if len(parts) > 1 else "")
    except ValueError:
        return str(p)


def num(x: float | int | None, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    return f"{x:,.{digits}f}"


def pct(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{x * 100:.{digits}f}%"


@lru_cache(maxsize=1)
def env() -> Environment:
    e = Environment(loader=PackageLoader("emergency.console", "templates"), autoescape=True, undefined=StrictUndefined,
                    trim_blocks=True, lstrip_blocks=True)
    e.filters.update(when=when, until=until, level_zh=level_zh, pollutant_zh=pollutant_zh, num=num, pct=pct,
                     state_zh=lambda s: STATE_ZH.get(s, s), transition_zh=lambda t: TRANSITION_ZH.get(t, t))
    e.globals.update(zone=clock.zone_label, static="/console-static")
    return e


def render(request: Request, name: str, status_code: int = 200, **context) -> HTMLResponse:
    """The page ``name`` (a template of this package) with ``context``; ``who`` and
    ``now`` are always there (``who`` None on the sign-in page)."""
    context.setdefault("who", None)
    context.setdefault("path", request.url.path)
    html = env().get_template(name).render(now=clock.now(), **context)
    return HTMLResponse(html, status_code=status_code)
