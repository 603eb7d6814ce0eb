"""Warnings over the rotation calendar: on a warning day a rotating line does the
stricter of the two (its rotation stop, or the warning's measure for it).

Works on the plan document (JSON) so the scheduler and `show` need nothing else:

- :func:`line_action` — what a line does on a day, and why;
- :func:`orders_for_day` — the orders of a day for every line that is stopped or
  changes state (starts a block, resumes production), grouped by enterprise.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from emergency.rotation.document import stop_dates

ROTATION_STOP = "rotation_stop"
WHOLE_STOP = "whole_stop"
WARNING_STOP = "warning_stop"
WARNING_CUT = "warning_cut"
RUN = "run"

ACTION_ZH = {
    ROTATION_STOP: "错峰停产",
    WHOLE_STOP: "错峰期间全时段停产",
    WARNING_STOP: "预警停产",
    WARNING_CUT: "预警限产",
    RUN: "正常生产",
}


@dataclass(frozen=True)
class LineAction:
    line_id: str
    day: date
    action: str
    output_cut: float  # 0–1, the stricter of the two
    rotation_stop: bool
    warning_cut: float  # the warning measure's cut that day (0 if none)
    warning: str | None  # the warning's name, when one is in force

    @property
    def action_zh(self) -> str:
        if self.action == WARNING_CUT:
            return f"{ACTION_ZH[WARNING_CUT]}{self.output_cut:.0%}"
        return ACTION_ZH[self.action]


@dataclass(frozen=True)
class Order:
    day: date
    uscc: str
    enterprise: str
    line_id: str
    line_name: str
    county: str
    action: str
    action_zh: str
    change: str  # start | continue | resume
    block: tuple[date, date] | None  # the stop block containing the day
    warning: str | None

    def as_dict(self) -> dict:
        d = asdict(self)
        d["day"] = self.day.isoformat()
        d["block"] = None if self.block is None else [self.block[0].isoformat(), self.block[1].isoformat()]
        return d


def _warning_on(doc: dict, line_id: str, day: date) -> tuple[float, str | None]:
    best, name = 0.0, None
    for w in doc.get("warnings", []):
        if date.fromisoformat(w["start"]) <= day <= date.fromisoformat(w["end"]):
            cut = float(w.get("cuts", {}).get(line_id, 0.0))
            if name is None or cut > best:
                best, name = cut, w.get("name") or w.get("level")
    return best, name


def line_action(doc: dict, rec: dict, day: date, stops: set[date] | None = None) -> LineAction:
    """The stricter of the rotation calendar and the warning measures for ``rec`` on ``day``."""
    if stops is None:
        stops = stop_dates({"lines": [rec]})[rec["line_id"]]
    rot = day in stops
    cut, warning = _warning_on(doc, rec["line_id"], day)
    if rot:
        action = WHOLE_STOP if rec["role"] == "whole" else ROTATION_STOP
        if rec["role"] != "whole" and cut >= 1.0 - 1e-9 and rec.get("warning_days", 0) and _is_forced(doc, rec, day):
            action = WARNING_STOP
        return LineAction(rec["line_id"], day, action, 1.0, True, cut, warning)
    if cut >= 1.0 - 1e-9:
        return LineAction(rec["line_id"], day, WARNING_STOP, 1.0, False, cut, warning)
    if cut > 0:
        return LineAction(rec["line_id"], day, WARNING_CUT, cut, False, cut, warning)
    return LineAction(rec["line_id"], day, RUN, 0.0, False, 0.0, warning)


def _is_forced(doc: dict, rec: dict, day: date) -> bool:
    for w in doc.get("warnings", []):
        if date.fromisoformat(w["start"]) <= day <= date.fromisoformat(w["end"]) and rec["line_id"] in w.get("stopped_lines", []):
            return True
    return False


def _block_of(rec: dict, day: date) -> tuple[date, date] | None:
    for a, b in rec["blocks"]:
        a, b = date.fromisoformat(a), date.fromisoformat(b)
        if a <= day <= b:
            return a, b
    return None


def orders_for_day(doc: dict, day: date) -> list[Order]:
    """Orders of ``day`` for the rotation's lines: every line stopped that day (block
    start or continuing), every line resuming production that day, and every
    rotating line under a warning cut; exempt lines are the warning notices' business."""
    out: list[Order] = []
    prev = day - timedelta(days=1)
    all_stops = stop_dates(doc)
    for rec in doc.get("lines", []):
        if rec["role"] == "exempt":
            continue
        stops = all_stops[rec["line_id"]]
        act = line_action(doc, rec, day, stops)
        was = line_action(doc, rec, prev, stops)
        stopped_now = act.output_cut >= 1.0 - 1e-9
        stopped_before = was.output_cut >= 1.0 - 1e-9
        if stopped_now:
            change = "continue" if stopped_before else "start"
        elif stopped_before:
            change = "resume"
        elif act.action == WARNING_CUT:
            change = "continue" if was.action == WARNING_CUT else "start"
        else:
            continue
        out.append(Order(
            day=day, uscc=rec["uscc"], enterprise=rec["enterprise"], line_id=rec["line_id"],
            line_name=rec["line_name"], county=rec["county"], action=act.action,
            action_zh=act.action_zh, change=change, block=_block_of(rec, day), warning=act.warning,
        ))
    return out


def held_lines(doc: dict, days: list[date]) -> dict[str, str]:
    """Line id -> why, for every line the rotation calendar stops on each of ``days``
    (a warning's Beijing days): the warning need not order them, and its plan marks
    them ``held`` (issue 15.4: rotation already stopping a line). A line stopped on only
    some of the days is not held: the warning's measure covers the other days."""
    if not days:
        return {}
    wanted = set(days)
    out: dict[str, str] = {}
    for lid, stops in stop_dates(doc).items():
        if wanted <= stops:
            out[lid] = f"{doc.get('area', '')}{doc.get('season', '')}错峰生产方案已安排停产（{min(days)}至{max(days)}）"
    return out
