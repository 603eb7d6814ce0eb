"""Typed outcomes of a rotation solve. Raw CP-SAT codes never leave this package.

:class:`RotationResult` carries the status, objective, best bound, gap and time, the
calendar (a bool matrix lines × days with the problem's line table), the violations
of the relaxation when the rules cannot all hold, and the soft rules the calendar
goes against (preferences not honoured).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

import numpy as np

from emergency.optimization.result import relative_gap
from emergency.rotation.problem import ROLE_ZH, Role, RotationProblem


class RotationStatus(StrEnum):
    OPTIMAL = "optimal"  # proven optimal
    FEASIBLE = "feasible"  # every rule holds; the objective gap is reported
    INFEASIBLE = "infeasible"  # the rules cannot all hold: see ``violations`` (relaxed calendar attached)
    NOT_SOLVED = "not_solved"  # no calendar found within the time limit

    @property
    def label_zh(self) -> str:
        return {"optimal": "最优", "feasible": "可行", "infeasible": "不可行", "not_solved": "未求解"}[self.value]


RULE_ZH = {
    "quota_short": "错峰天数不足",
    "quota_over": "错峰天数超出（停产块长度或已发生的停产所致）",
    "share_short": "当日停产产能占比低于下限",
    "share_excess": "当日停产产能占比超过上限（保供）",
    "period_short": "分期（季度/月）最低停产天数不足",
}


@dataclass(frozen=True)
class Violation:
    """A rule the relaxation had to break: where, on which days, by how much."""

    rule: str
    area: str | None
    industry: str | None
    line_id: str | None
    enterprise: str | None
    days: tuple[tuple[date, date], ...]  # runs of consecutive days (inclusive)
    amount: float  # days (quota, period) or, for shares, the largest shortfall/excess in capacity units
    share_points: float | None  # for shares: the largest shortfall/excess in percentage points of the group
    unit: str
    message_zh: str
    industry_code: str | None = None
    scope: str | None = None  # city / county, for share rules

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "industry_code": self.industry_code,
            "scope": self.scope,
            "rule_zh": RULE_ZH.get(self.rule, self.rule),
            "area": self.area,
            "industry": self.industry,
            "line_id": self.line_id,
            "enterprise": self.enterprise,
            "days": [[a.isoformat(), b.isoformat()] for a, b in self.days],
            "amount": self.amount,
            "share_points": self.share_points,
            "unit": self.unit,
            "message_zh": self.message_zh,
        }


@dataclass(frozen=True)
class SoftMiss:
    """A soft preference the calendar goes against (holiday or request)."""

    name: str
    line_id: str
    days: tuple[tuple[date, date], ...]
    message_zh: str


def runs(days: list[date]) -> tuple[tuple[date, date], ...]:
    """Consecutive runs of sorted dates, as (first, last) pairs."""
    out: list[tuple[date, date]] = []
    for d in sorted(days):
        if out and d == out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return tuple(out)


@dataclass
class RotationCalendar:
    """Stop days of every in-scope line (rows follow ``problem``'s lines)."""

    problem: RotationProblem
    stops: np.ndarray  # bool (L, T)

    @property
    def days(self) -> tuple[date, ...]:
        return self.problem.days

    def blocks(self, l: int) -> tuple[tuple[date, date], ...]:
        return runs([self.problem.days[t] for t in np.nonzero(self.stops[l])[0]])

    def stop_dates(self, l: int) -> list[date]:
        return [self.problem.days[t] for t in np.nonzero(self.stops[l])[0]]

    def lines_of(self, uscc: str) -> list[int]:
        return [i for i, u in enumerate(self.problem.uscc) if u == uscc]

    def enterprises(self) -> list[str]:
        seen: dict[str, None] = {}
        for u in self.problem.uscc:
            seen.setdefault(u, None)
        return list(seen)

    def stopped_on(self, d: date) -> list[int]:
        t = self.problem.day_index(d)
        if not 0 <= t < self.problem.n_days:
            return []
        return [int(i) for i in np.nonzero(self.stops[:, t])[0]]

    def line_record(self, l: int) -> dict:
        p = self.problem
        role = Role(int(p.role[l]))
        counted = int((self.stops[l] & p.counts[l]).sum()) if role == Role.ROTATE else int(self.stops[l].sum())
        return {
            "line_id": p.line_id[l],
            "uscc": p.uscc[l],
            "enterprise": p.enterprise[l],
            "line_name": p.line_name[l],
            "county": p.county[l],
            "industry": p.industry[l],
            "grade": p.grade[l],
            "capacity": float(p.capacity[l]),
            "unit": p.unit[l],
            "role": role.name.lower(),
            "role_zh": ROLE_ZH[role],
            "reason": p.reason[l],
            "required_days": int(p.quota[l]) if role == Role.ROTATE else (p.n_days if role == Role.WHOLE else 0),
            "deferred_days": int(p.deferred[l]),
            "makeup_days": int(p.makeup_days[l]),
            "max_load": None if np.isnan(p.max_load[l]) else float(p.max_load[l]),
            "stop_days": int(self.stops[l].sum()),
            "counted_days": counted,
            "warning_days": int(p.forced[l].sum()),
            "blocks": [[a.isoformat(), b.isoformat()] for a, b in self.blocks(l)],
        }


@dataclass
class RotationResult:
    status: RotationStatus
    objective: float | None
    best_bound: float | None
    seconds: float
    calendar: RotationCalendar | None  # for INFEASIBLE: the relaxation's calendar (rules broken as listed)
    violations: list[Violation] = field(default_factory=list)
    soft_misses: list[SoftMiss] = field(default_factory=list)
    info: dict = field(default_factory=dict)  # model size, solver branches, phases
    joint: object | None = field(default=None, repr=False, compare=False)  # joint_bound.JointLift, resumable

    @property
    def gap(self) -> float | None:
        return relative_gap(self.objective, self.best_bound)  # the objective is a sum of peaks, ≥ 0

    @property
    def feasible(self) -> bool:
        return self.status in (RotationStatus.OPTIMAL, RotationStatus.FEASIBLE)
