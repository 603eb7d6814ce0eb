"""Filed per-level measures (一厂一策 filed in the list): the contract between the list and the planners.

Each line of a list may carry the measure its firm filed for yellow, orange and red
(DOMAIN §7). In :class:`~enterprise_registry.columns.RegistryTables` they are columns
of ``lines`` (enterprise-level measures of a published list are expanded to the
firm's lines by the reader, which keeps the original for the round trip):

    filed_<level>_action     Action value (config.measures.Action) or None: nothing filed
    filed_<level>_share      float 0–1 or None (cut_output, stop_share_of_lines)
    filed_<level>_hours      float or None (coking_time_extension)
    filed_<level>_truck_ban  bool or None
    filed_<level>_text       the text as published (e.g. 原料日投料量由960吨降低到768吨) or None
    filed_<level>_indicator  what proves it (用电量 / 用气量 / 产量 …) or None

``<level>`` is ``yellow`` / ``orange`` / ``red``. A list without these columns (or
with every action None) has no filed measures: planning keeps deriving floors from
the grade tables.

:func:`filed_at` gives one level as arrays aligned with ``tables.lines`` rows; the
measure builder, the list check and the list design read filed measures only
through it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emergency.vocabulary import WarningLevel

FIELDS = ("action", "share", "hours", "truck_ban", "text", "indicator")


def column(level: WarningLevel, field: str) -> str:
    """Key of a filed-measure column of ``lines``: ``filed_<level>_<field>``."""
    if field not in FIELDS:
        raise ValueError(f"unknown filed-measure field {field!r}")
    return f"filed_{WarningLevel(level).value}_{field}"


@dataclass(frozen=True)
class FiledLevel:
    """The filed measures of one level, aligned with ``tables.lines`` rows."""

    level: WarningLevel
    action: np.ndarray  # (L,) object: Action value, or "" where nothing is filed
    share: np.ndarray  # (L,) float, NaN where not given
    hours: np.ndarray  # (L,) float, NaN where not given
    truck_ban: np.ndarray  # (L,) bool
    text: np.ndarray  # (L,) object: as published, or None
    indicator: np.ndarray  # (L,) object, or None

    @property
    def filed(self) -> np.ndarray:
        """(L,) bool: the line has a filed measure at this level."""
        return self.action != ""

    @property
    def any(self) -> bool:
        return bool(self.filed.any())


def filed_at(lines: dict[str, list], level: WarningLevel) -> FiledLevel:
    """The filed measures of ``level`` from the ``lines`` columns (empty where absent)."""
    level = WarningLevel(level)
    n = len(next(iter(lines.values()))) if lines else 0

    def col(field: str) -> list:
        return lines.get(column(level, field)) or [None] * n

    action = np.array(["" if a is None else str(getattr(a, "value", a)) for a in col("action")], dtype=object)
    share = np.array([np.nan if v is None else float(v) for v in col("share")], dtype=float)
    hours = np.array([np.nan if v is None else float(v) for v in col("hours")], dtype=float)
    truck = np.array([bool(v) for v in col("truck_ban")], dtype=bool)
    text = np.array(col("text"), dtype=object)
    indicator = np.array(col("indicator"), dtype=object)
    return FiledLevel(level, action.reshape(n), share.reshape(n), hours.reshape(n), truck.reshape(n),
                      text.reshape(n), indicator.reshape(n))
