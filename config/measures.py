"""Grade × level measure tables (分级管控措施) and what each measure does to a line.

A table entry is a typed measure: a primary ``action`` plus flags (truck ban, no road
haulage). Each action has an effect function in ``EFFECTS`` (a dispatch table)
returning the output cut and the emission cut per pollutant for a line, given
whether the line can be interrupted and its minimum load. A stop on an
uninterruptible line becomes a slow-down to the minimum load (documented rule:
DOMAIN §5, "processes that cannot be interrupted … cannot be stopped, only slowed").

How sure a value is: each measure takes the file's ``confidence`` unless it carries
its own. A value tagged ``to_verify`` (itself or through its file) must say what
would confirm it: its own ``notes`` or the file's ``to_verify_notes`` (refused
otherwise, with the value's place in the table).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Callable

from pydantic import Field, model_validator

from config.common import Confidence, Frozen
from emergency.vocabulary import LEVELS, Grade, Pollutant, WarningLevel


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
        return EFFECTS[self.action](self, interruptible, min_load, normal_coking_hours)

    def effect(
        self, interruptible: bool, min_load: float, normal_coking_hours: float = 20.0
    ) -> tuple[float, dict[Pollutant, float]]:
        """(output cut, emission cut per pollutant) of this measure on a line."""
        cut = self.output_cut(interruptible, min_load, normal_coking_hours)
        if self.emission_cut:
            return cut, {p: self.emission_cut.get(p, cut) for p in Pollutant}
        return cut, {p: cut for p in Pollutant}


def _zero(m: Measure, interruptible: bool, min_load: float, normal: float) -> float:
    return 0.0


def _slow_down(m: Measure, interruptible: bool, min_load: float, normal: float) -> float:
    return max(0.0, 1.0 - min_load)


def _stop(m: Measure, interruptible: bool, min_load: float, normal: float) -> float:
    return 1.0 if interruptible else _slow_down(m, interruptible, min_load, normal)


def _cut(m: Measure, interruptible: bool, min_load: float, normal: float) -> float:
    share = m.share or 0.0
    return share if interruptible else min(share, _slow_down(m, interruptible, min_load, normal))


def _coking(m: Measure, interruptible: bool, min_load: float, normal: float) -> float:
    return max(0.0, 1.0 - normal / float(m.hours or normal))


EFFECTS: dict[Action, Callable[[Measure, bool, float, float], float]] = {
    Action.OWN_MEASURES: _zero,
    Action.NONE: _zero,
    Action.TRUCK_BAN: _zero,
    Action.CUT_OUTPUT: _cut,
    Action.STOP: _stop,
    Action.STOP_KEEP_WARM: _stop,
    # the chosen lines stop; which lines is decided per enterprise by the problem builder
    Action.STOP_SHARE_OF_LINES: _stop,
    Action.COKING_TIME_EXTENSION: _coking,
    Action.SLOW_DOWN: _slow_down,
}


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
