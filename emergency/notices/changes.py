"""Who gets a notice at which version, what changed for them, and notice numbers.

A firm's measures in a plan version are its lines with an action, each with its measure
code and output cut. Between two versions a firm's measures *changed* when a line was
added, lifted, or took another measure or cut (cuts compared to 1e-9).

Notices, per version of a warning:

- version 1 (issue): every firm with measures;
- version n > 1 (upgrade, downgrade, extension): only the firms whose measures changed
  since version n − 1, including firms whose measures were all lifted; the others
  *continue their measures* (继续执行原措施) under the notice they last received;
- release: a 解除通知 to every firm with measures in the latest version.

Numbers (文号), stable per warning and version: ``〔Y〕第{warning}-{n}号`` where Y is the
year (bureau's calendar) the warning was issued and n the plan version the notice
belongs to; a release notice takes n = latest version + 1 (a released warning has no
later version). "本通知替代〔Y〕第{warning}-{m}号" cites the last notice the firm
received before (m < n).
"""

from __future__ import annotations

from dataclasses import dataclass

from emergency.plans.document import Action, PlanDocument


def number(year: int, warning_id: int, version: int) -> str:
    """The notice number of ``version`` of warning ``warning_id`` issued in ``year``."""
    return f"〔{year}〕第{warning_id}-{version}号"


def by_firm(plan: PlanDocument | None) -> dict[str, dict[str, Action]]:
    """A plan's actions per firm, per line id."""
    out: dict[str, dict[str, Action]] = {}
    for a in plan.actions if plan is not None else ():
        out.setdefault(a.enterprise_uscc, {})[a.line_id] = a
    return out


def _key(a: Action) -> tuple[str, float]:
    return a.measure, round(a.output_cut, 9)


def same_measures(before: dict[str, Action] | None, after: dict[str, Action] | None) -> bool:
    before, after = before or {}, after or {}
    return before.keys() == after.keys() and all(_key(before[k]) == _key(after[k]) for k in before)


@dataclass(frozen=True)
class LineChange:
    line_id: str
    line_name: str
    before: Action | None  # None: the line had no measure
    after: Action | None  # None: its measure is lifted


def changes(before: dict[str, Action] | None, after: dict[str, Action] | None) -> list[LineChange]:
    """The lines of one firm whose measure differs, in line order."""
    before, after = before or {}, after or {}
    out = []
    for line_id in sorted(before.keys() | after.keys()):
        b, a = before.get(line_id), after.get(line_id)
        if b is not None and a is not None and _key(b) == _key(a):
            continue
        name = (a or b).line_name or line_id.rsplit("/", 1)[-1]
        out.append(LineChange(line_id, name, b, a))
    return out


def noticed_firms(previous: PlanDocument | None, plan: PlanDocument) -> set[str]:
    """The firms that get a notice at ``plan``'s version (``previous`` None: the issue)."""
    now = by_firm(plan)
    if previous is None:
        return set(now)
    before = by_firm(previous)
    return {u for u in before.keys() | now.keys() if not same_measures(before.get(u), now.get(u))}


def last_notices(plans: list[PlanDocument]) -> dict[str, int]:
    """For versions 1…len(plans) (in order): the version of the last notice each firm received."""
    last: dict[str, int] = {}
    previous = None
    for n, plan in enumerate(plans, start=1):
        for u in noticed_firms(previous, plan):
            last[u] = n
        previous = plan
    return last
