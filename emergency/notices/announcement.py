"""The public announcement (预警信息发布) of a transition: 启动, 升级, 降级, 延长 or 解除.

Built from the forecast stored at issue (:mod:`emergency.notices.forecast`): the AQI
range over the warning's days and its HJ 633 category, the primary pollutant — only
what the forecast holds, nothing invented — with the areas, the level and its
response, Beijing times, the level's reduction target, the firms under measures (and,
at an adjustment, how many changed and how many continue), health advice and the
hotline. A downgrade or a release gives no forecast figure (the stored forecast is the
one that started the warning); a release names its reason when one was given.

Plain text (``announcement.txt.j2``); the HTML page and the index embed it escaped.
"""

from __future__ import annotations

from emergency import clock
from emergency.notices import forecast, templates
from emergency.notices.frame import Frame
from emergency.notices.inputs import PackageInput, VersionFacts


def _period(start, end) -> str:
    """The warning's calendar days in the bureau's zone: '12月05日至12月07日' for
    [12-05 00:00, 12-08 00:00) — the end day is the last day touched."""
    days = clock.days_between(start, end)
    first, last = days[0], days[-1]
    return f"{first:%m月%d日}" if first == last else f"{first:%m月%d日}至{last:%m月%d日}"


def text(inp: PackageInput, f: Frame, version: VersionFacts, n_notices: int, n_continuing: int) -> str:
    w = inp.warning
    # the forecast stored at issue backs an issue, an upgrade or an extension; a downgrade
    # or a release is not described by the episode forecast that started the warning
    fc = forecast.facts(w.forecast, w.start, w.end) if f.kind in ("issue", "upgrade", "extend") else forecast.ForecastFacts()
    firms = {a.enterprise_uscc for a in version.plan.actions}
    return templates.render_text(
        "announcement.txt.j2", f=f, fc=fc,
        period=_period(w.start, w.end),
        plan_name=inp.policy.documents.text(inp.policy.documents.plan_name_zh, f.city),
        laws="、".join(inp.policy.documents.law_zh),
        n_enterprises=len(firms), n_lines=len(version.plan.actions), n_notices=n_notices, n_continuing=n_continuing,
    )
