"""Closed vocabularies of the list: grades, essential categories, pollutants.

Enum values are the strings used in published lists and Excel files; member names
are the English identifiers used in code and in the API. Industries and process
types are *not* here: they are policy data (``config/industries.toml``).
"""

from __future__ import annotations

from enum import StrEnum


class Pollutant(StrEnum):
    SO2 = "SO2"
    NOx = "NOx"
    PM = "PM"  # 颗粒物
    VOCs = "VOCs"


POLLUTANTS: tuple[Pollutant, ...] = tuple(Pollutant)


class Grade(StrEnum):
    """Performance grade (绩效等级), 环办大气函〔2020〕340号 and 环办大气〔2026〕2号."""

    A_PLUS = "A+"
    A = "A"
    B = "B"
    B_MINUS = "B-"
    C = "C"
    D = "D"
    LEADER = "引领性"
    NON_LEADER = "非引领性"
    FIRM_SPECIFIC = "一厂一策"


class EssentialCategory(StrEnum):
    """Essential (保障类) status. Values are the Chinese labels used in lists."""

    NONE = "无"
    LIVELIHOOD = "民生保障"  # runs at an approved maximum load (以热定产)
    STRATEGIC = "战略性新兴"  # no measures
    MILITARY_EXPORT = "军工/出口"  # runs at an approved volume (以量定产)
    SAFETY_UNINTERRUPTIBLE = "安全生产不可中断"  # may only slow down


class WarningLevel(StrEnum):
    NONE = "none"
    YELLOW = "yellow"  # 黄色, response level III
    ORANGE = "orange"  # 橙色, II
    RED = "red"  # 红色, I


LEVEL_LABELS_ZH = {
    WarningLevel.NONE: "无预警",
    WarningLevel.YELLOW: "黄色",
    WarningLevel.ORANGE: "橙色",
    WarningLevel.RED: "红色",
}
