"""The shared vocabulary: warning levels and their order, pollutants, grades, essential
categories, and their Chinese labels. One definition, used by the policy (``config``),
the list (``enterprise_registry``) and the engine alike.

Enum values are the strings used in policy files, published lists and Excel files;
member names are the English identifiers used in code and in the API. Industries and
process types are *not* here: they are policy data (``industries.toml`` of the policy
directory in use).

This module imports nothing of the project, so every package may import it: ``config``
depends on it and on ``emergency.errors`` only, never on ``enterprise_registry`` (the
list is checked against the policy's catalogue, so the dependency runs list → policy).
"""

from __future__ import annotations

from enum import StrEnum


class Pollutant(StrEnum):
    SO2 = "SO2"
    NOx = "NOx"
    PM = "PM"  # 颗粒物
    VOCs = "VOCs"


POLLUTANTS: tuple[Pollutant, ...] = tuple(Pollutant)
POLLUTANT_LABELS_ZH: dict[Pollutant, str] = {
    Pollutant.SO2: "SO2",
    Pollutant.NOx: "NOx",
    Pollutant.PM: "颗粒物",
    Pollutant.VOCs: "VOCs",
}


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
    """Heavy-pollution warning level, lowest first: the members' order IS the severity
    order (:data:`LEVELS`, :func:`rank`)."""

    NONE = "none"
    YELLOW = "yellow"  # 黄色, response level III
    ORANGE = "orange"  # 橙色, II
    RED = "red"  # 红色, I


# The warning levels proper (a measure, a ratio or a notice exists for each), lowest first.
LEVELS: tuple[WarningLevel, ...] = (WarningLevel.YELLOW, WarningLevel.ORANGE, WarningLevel.RED)
_RANK: dict[WarningLevel, int] = {level: i for i, level in enumerate(WarningLevel)}


def rank(level: WarningLevel | str) -> int:
    """Severity of a level: none 0, yellow 1, orange 2, red 3 (a level's value is accepted)."""
    return _RANK[WarningLevel(level)]


LEVEL_LABELS_ZH: dict[WarningLevel, str] = {
    WarningLevel.NONE: "无预警",
    WarningLevel.YELLOW: "黄色",
    WarningLevel.ORANGE: "橙色",
    WarningLevel.RED: "红色",
}
