"""Grade × level measure tables (分级管控措施) and what each measure does to a line.

A table entry is a typed measure: a primary ``action`` plus flags (truck ban, no road
haulage). Each action has an effect rule in ``EFFECTS`` (a dispatch table), vectorised
over lines: :func:`output_cuts` gives the share of output each line's measure cuts,
given whether the line can stop, its minimum load and (for ``stop_share_of_lines``)
its firm, process, capacity and emissions; :func:`emission_cuts` the share of each
pollutant. A stop on an uninterruptible line becomes a slow-down to the minimum load
(DOMAIN §5, "processes that cannot be interrupted … cannot be stopped, only slowed").
This is the only implementation: the measure builder, the list check and the scalar
``Measure.effect`` all use it.

How sure a value is: each measure takes the file's ``confidence`` unless it carries
its own. A value tagged ``to_verify`` (itself or through its file) must say what
would confirm it: its own ``notes`` or the file's ``to_verify_notes`` (refused
otherwise, with the value's place in the table).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Callable, Sequence

import numpy as np
from pydantic import Field, model_validator

from config.common import Confidence, Frozen
from emergency.vocabulary import LEVELS, POLLUTANTS, Grade, Pollutant, WarningLevel


class Action(StrEnum):
    OWN_MEASURES = "own_measures"  # 自主减排 (A, A+, 引领性)
    NONE = "none"  # 无强制措施
    TRUCK_BAN = "truck_ban"  # 禁用国四及以下重型柴油货车 (no stationary effect)
    CUT_OUTPUT = "cut_output"  # 限产 share of the capacity basis
    STOP = "stop"  # 停产
    STOP_KEEP_WARM = "stop_keep_warm"  # 停产保窑
    STOP_SHARE_OF_LINES = "stop_share_of_lines"  # 停产 share of the firm's lines of the process
    COKING_TIME_EXTENSION = "coking_time_extension"  # 延长结焦时间 to `hours`
    SLOW_DOWN = "slow_down"  # 降至最低负荷 (uninterruptible)


ACTION_LABELS_ZH = {
    Action.OWN_MEASURES: "自主减排",
    Action.NONE: "无强制停限产措施",
    Action.TRUCK_BAN: "禁用国四及以下重型柴油货车运输",
    Action.CUT_OUTPUT: "限产{share:.0%}",
    Action.STOP: "停产",
    Action.STOP_KEEP_WARM: "停产保窑",
    Action.STOP_SHARE_OF_LINES: "停产{share:.0%}生产线",
    Action.COKING_TIME_EXTENSION: "结焦时间延长至{hours:g}小时",
    Action.SLOW_DOWN: "降至最低负荷运行",
}


class Measure(Frozen):
    action: Action
    share: float | None = Field(default=None, ge=0.0, le=1.0)
    hours: float | None = Field(default=None, gt=0.0, description="coking time target (h)")
    truck_ban: bool = False
    no_road_haulage: bool = False
    emission_cut: dict[Pollutant, float] | None = Field(
        default=None, description="Override of the emission cut per pollutant (default = output cut)."
    )
    label_zh: str | None = None
    source: str | None = None
    confidence: Confidence | None = None
    notes: str | None = Field(default=None, description="why this value; for to_verify: what would confirm it")

    @model_validator(mode="after")
    def _parameters(self) -> "Measure":
        needs_share = {Action.CUT_OUTPUT, Action.STOP_SHARE_OF_LINES}
        if self.action in needs_share and self.share is None:
            raise ValueError(f"action {self.action.value!r} needs a 'share' in [0, 1]")
        if self.action not in needs_share and self.share is not None:
            raise ValueError(f"action {self.action.value!r} takes no 'share'")
        if self.action is Action.COKING_TIME_EXTENSION and self.hours is None:
            raise ValueError("action 'coking_time_extension' needs 'hours'")
        if self.emission_cut and any(not 0.0 <= v <= 1.0 for v in self.emission_cut.values()):
            raise ValueError("emission_cut values must lie in [0, 1]")
        return self

    def describe_zh(self) -> str:
        if self.label_zh:
            return self.label_zh
        text = ACTION_LABELS_ZH[self.action].format(share=self.share or 0.0, hours=self.hours or 0.0)
        if self.truck_ban and self.action is not Action.TRUCK_BAN:
            text += "，禁用国四及以下重型柴油货车运输"
        if self.no_road_haulage:
            text += "，禁止公路运输"
        return text

    def output_cut(self, interruptible: bool, min_load: float, normal_coking_hours: float) -> float:
        """Share of output this measure cuts on one line (see :func:`output_cuts`)."""
        return self.effect(interruptible, min_load, normal_coking_hours)[0]

    def effect(
        self, interruptible: bool, min_load: float, normal_coking_hours: float = 20.0
    ) -> tuple[float, dict[Pollutant, float]]:
        """(output cut, emission cut per pollutant) of this measure on a line that is the
        only line of its process in its firm (:func:`output_cuts` on one line)."""
        lines = LineFacts.single(interruptible, min_load)
        cut = output_cuts(MeasureArrays.of([self]), lines, normal_coking_hours)
        emission = emission_cuts(MeasureArrays.of([self]), cut)
        return float(cut[0]), {p: float(emission[0, i]) for i, p in enumerate(POLLUTANTS)}


# ---------------------------------------------------------------------- effects
# The one implementation of what a measure does to a line, over arrays of lines:
# the measure builder, the list check and Measure.effect all call output_cuts().

ACTION_CODES: tuple[Action, ...] = tuple(Action)  # an action's code is its position here


@dataclass(frozen=True)
class MeasureArrays:
    """Measures as arrays, one row per line (or per distinct measure, broadcast by index).

    ``action`` holds codes into :data:`ACTION_CODES`; ``share`` and ``hours`` are NaN where
    not given; ``emission`` (n, P) is the per-pollutant override of the emission cut
    (NaN = the output cut)."""

    action: np.ndarray  # (n,) int64
    share: np.ndarray  # (n,) float
    hours: np.ndarray  # (n,) float
    emission: np.ndarray  # (n, P) float

    @classmethod
    def of(cls, measures: Sequence[Measure]) -> "MeasureArrays":
        n = len(measures)
        emission = np.full((n, len(POLLUTANTS)), np.nan)
        for i, m in enumerate(measures):
            for p, v in (m.emission_cut or {}).items():
                emission[i, POLLUTANTS.index(p)] = v
        return cls(
            np.array([ACTION_CODES.index(m.action) for m in measures], dtype=np.int64).reshape(n),
            np.array([np.nan if m.share is None else m.share for m in measures], dtype=float).reshape(n),
            np.array([np.nan if m.hours is None else m.hours for m in measures], dtype=float).reshape(n),
            emission,
        )

    def take(self, index: np.ndarray) -> "MeasureArrays":
        """Rows ``index`` (e.g. distinct measures broadcast to lines)."""
        return MeasureArrays(self.action[index], self.share[index], self.hours[index], self.emission[index])


@dataclass(frozen=True)
class LineFacts:
    """What a measure's effect depends on, per line.

    ``can_stop``: the line may stop (interruptible, and no sparing rule restricts it to a
    slow-down); ``min_load``: the lowest load it can run at; ``enterprise``, ``process``,
    ``capacity`` and ``emission`` (total kg/day) decide which lines a
    ``stop_share_of_lines`` stops."""

    can_stop: np.ndarray  # (n,) bool
    min_load: np.ndarray  # (n,) float
    enterprise: np.ndarray  # (n,) int
    process: np.ndarray  # (n,) object
    capacity: np.ndarray  # (n,) float
    emission: np.ndarray  # (n,) float

    @classmethod
    def single(cls, interruptible: bool, min_load: float) -> "LineFacts":
        """One line, alone in its process."""
        return cls(np.array([bool(interruptible)]), np.array([float(min_load)]), np.zeros(1, dtype=np.int64),
                   np.array(["*"], dtype=object), np.ones(1), np.ones(1))

    @property
    def max_cut(self) -> np.ndarray:
        """(n,) the deepest cut: 1 where the line can stop, else down to its minimum load."""
        return np.where(self.can_stop, 1.0, self.slow_down)

    @property
    def slow_down(self) -> np.ndarray:
        """(n,) the cut of running at the minimum load: 1 − min_load, within [0, 1]."""
        return np.clip(1.0 - self.min_load, 0.0, 1.0)


def _no_effect(m: MeasureArrays, lines: LineFacts, normal: float) -> np.ndarray:
    """own measures, none, truck ban: no effect on the line's output."""
    return np.zeros(len(m.action))


def _cut(m: MeasureArrays, lines: LineFacts, normal: float) -> np.ndarray:
    """cut to a share: min(share, max_cut) — an uninterruptible line cuts at most to its minimum load."""
    return np.minimum(np.nan_to_num(m.share), lines.max_cut)


def _stop(m: MeasureArrays, lines: LineFacts, normal: float) -> np.ndarray:
    """stop (and stop keeping the kiln warm): max_cut — 1, or a slow-down where the line cannot stop."""
    return lines.max_cut


def _slow_down(m: MeasureArrays, lines: LineFacts, normal: float) -> np.ndarray:
    """slow down: 1 − min_load."""
    return lines.slow_down


def _coking(m: MeasureArrays, lines: LineFacts, normal: float) -> np.ndarray:
    """coking time t → t': 1 − t/t' (DOMAIN §9), within [0, 1]; it may exceed the slow-down."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(np.clip(1.0 - normal / m.hours, 0.0, 1.0))


def _stop_share_of_lines(m: MeasureArrays, lines: LineFacts, normal: float) -> np.ndarray:
    """stop ``share`` of a firm's lines of a process: per (enterprise, process) the largest
    emitters stop (max_cut) while the capacity stopped before them is below share × the
    group's capacity; the others keep running (0)."""
    ent, process, cap, share = lines.enterprise, lines.process.astype(str), lines.capacity, np.nan_to_num(m.share)
    order = np.lexsort((-lines.emission, process, ent))
    e, p, c, s = ent[order], process[order], cap[order], share[order]
    new_group = np.ones(len(e), dtype=bool)
    new_group[1:] = (e[1:] != e[:-1]) | (p[1:] != p[:-1])
    gid = np.cumsum(new_group) - 1
    total = np.bincount(gid, weights=c)
    csum = np.cumsum(c)
    group_start = np.concatenate([[0], csum[new_group][1:] - c[new_group][1:]]) if len(c) else csum
    before = csum - c - np.repeat(group_start, np.bincount(gid))
    cut = np.zeros(len(e))
    cut[order] = np.where(before < s * total[gid] - 1e-9, lines.max_cut[order], 0.0)
    return cut


EFFECTS: dict[Action, Callable[[MeasureArrays, LineFacts, float], np.ndarray]] = {
    Action.OWN_MEASURES: _no_effect,
    Action.NONE: _no_effect,
    Action.TRUCK_BAN: _no_effect,
    Action.CUT_OUTPUT: _cut,
    Action.STOP: _stop,
    Action.STOP_KEEP_WARM: _stop,
    Action.STOP_SHARE_OF_LINES: _stop_share_of_lines,
    Action.COKING_TIME_EXTENSION: _coking,
    Action.SLOW_DOWN: _slow_down,
}


def output_cuts(measures: MeasureArrays, lines: LineFacts, normal_coking_hours: float) -> np.ndarray:
    """(n,) the share of output each line's measure cuts: each action's rule in ``EFFECTS``,
    applied to the lines that take it (``stop_share_of_lines`` groups only the lines given
    with that action, per enterprise and process)."""
    cut = np.zeros(len(measures.action))
    for code in np.unique(measures.action).tolist():
        rows = np.nonzero(measures.action == code)[0]
        sub = LineFacts(*(getattr(lines, f.name)[rows] for f in fields(LineFacts)))
        cut[rows] = EFFECTS[ACTION_CODES[code]](measures.take(rows), sub, normal_coking_hours)
    return cut


def emission_cuts(measures: MeasureArrays, output_cut: np.ndarray) -> np.ndarray:
    """(n, P) the share of each pollutant's emissions cut: the output cut, unless the measure
    overrides it for a pollutant (``emission_cut``)."""
    return np.where(np.isnan(measures.emission), output_cut[:, None], measures.emission)


class LevelMeasures(Frozen):
    """Measures of one grade at each level; ``all`` fills every level not given."""

    yellow: Measure | None = None
    orange: Measure | None = None
    red: Measure | None = None
    all: Measure | None = None

    @model_validator(mode="after")
    def _complete(self) -> "LevelMeasures":
        missing = [lv.value for lv in LEVELS if getattr(self, lv.value) is None and self.all is None]
        if missing:
            raise ValueError(f"no measure for level(s) {', '.join(missing)} (give them or 'all')")
        return self

    def at(self, level: WarningLevel) -> Measure:
        return getattr(self, level.value) or self.all  # type: ignore[return-value]


class IndustryMeasures(Frozen):
    industry: str
    source: str = Field(min_length=1)
    confidence: Confidence
    notes: str | None = None
    to_verify_notes: str | None = Field(
        default=None, description="what would confirm this file's to_verify values (a text to read, a table to find)"
    )
    processes: dict[str, dict[Grade, LevelMeasures]] = Field(
        description="process code (or '*' for every process) -> grade -> measures per level"
    )

    @model_validator(mode="after")
    def _unconfirmed_says_what_confirms(self) -> "IndustryMeasures":
        if self.to_verify_notes and self.to_verify_notes.strip():
            return self
        for process, grades in self.processes.items():
            for grade, row in grades.items():
                for level in LEVELS:
                    m = row.at(level)
                    if (m.confidence or self.confidence) is Confidence.TO_VERIFY and not (m.notes and m.notes.strip()):
                        raise ValueError(
                            f"processes.{process}.{grade.value}.{level.value}: a to_verify value must say what would "
                            "confirm it (its own 'notes' or the file's 'to_verify_notes')"
                        )
        return self

    def unconfirmed(self) -> list[tuple[str, Grade, WarningLevel, Measure]]:
        """(process, grade, level, measure) of every value still tagged to_verify."""
        return [
            (process, grade, level, row.at(level))
            for process, grades in self.processes.items()
            for grade, row in grades.items()
            for level in LEVELS
            if (row.at(level).confidence or self.confidence) is Confidence.TO_VERIFY
        ]
