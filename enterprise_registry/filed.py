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
the grade tables. A list with filed measures has the six columns on ``enterprises``
too (the measures the 企业 sheet gives for all the firm's lines) and, on ``lines``,
``filed_<level>_inherited`` (bool): the line's value at that level is its enterprise's
(:func:`expand`); storage and export write it back at the enterprise only
(:func:`own_lines`), so a list round-trips exactly.

:func:`filed_at` gives one level as arrays aligned with ``tables.lines`` rows; the
measure builder, the list check and the list design read filed measures only
through it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emergency.vocabulary import LEVELS, WarningLevel

FIELDS = ("action", "share", "hours", "truck_ban", "text", "indicator")
INHERITED = "inherited"


def column(level: WarningLevel, field: str) -> str:
    """Key of a filed-measure column of ``lines``: ``filed_<level>_<field>``."""
    if field not in FIELDS and field != INHERITED:
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


def keys() -> list[str]:
    """Every filed-measure column key of ``enterprises`` (and of ``lines``, with the
    ``inherited`` markers of :func:`inherited_keys`)."""
    return [column(level, f) for level in LEVELS for f in FIELDS]


def inherited_keys() -> list[str]:
    return [column(level, INHERITED) for level in LEVELS]


def has_filed(table: dict[str, list]) -> bool:
    """Whether ``table`` (enterprises or lines) has a filed measure anywhere."""
    return any(v is not None for level in LEVELS for v in table.get(column(level, "action")) or ())


def expand(enterprises: dict[str, list], lines: dict[str, list]) -> None:
    """Give each line, at each level it files nothing for, its enterprise's measure (in
    place), marking it ``filed_<level>_inherited``; a line's own measure wins. Missing
    filed-measure columns of either table are added (None), so a list built in code (the
    generator) has the shape a list read from a file or the database has."""
    row_of = {u: i for i, u in enumerate(enterprises["uscc"])}
    at = [row_of.get(u) for u in lines["uscc"]]
    n = len(at)
    for key in keys():
        enterprises.setdefault(key, [None] * len(enterprises["uscc"]))
    for level in LEVELS:
        action = lines.setdefault(column(level, "action"), [None] * n)
        inherited = [False] * n
        ent_action = enterprises.get(column(level, "action")) or [None] * len(row_of)
        if not any(a is not None for a in ent_action):  # no enterprise files this level: nothing to give
            for f in FIELDS:
                lines.setdefault(column(level, f), [None] * n)
            lines[column(level, INHERITED)] = inherited
            continue
        for j, e in enumerate(at):
            if action[j] is None and e is not None and ent_action[e] is not None:
                inherited[j] = True
        for f in FIELDS:
            own = lines.setdefault(column(level, f), [None] * n)
            ent = enterprises.get(column(level, f)) or [None] * len(row_of)
            for j, e in enumerate(at):
                if inherited[j]:
                    own[j] = ent[e]
        lines[column(level, INHERITED)] = inherited


def own_lines(lines: dict[str, list]) -> dict[str, list]:
    """``lines`` with the inherited values blanked (what the 生产线 sheet and the
    database hold) and without the markers (a new dict; the lists are shared where
    nothing changes)."""
    if not any(any(lines.get(k) or ()) for k in inherited_keys()):
        return {k: v for k, v in lines.items() if k not in inherited_keys()}
    out = {k: v for k, v in lines.items() if k not in inherited_keys()}
    for level in LEVELS:
        inherited = lines.get(column(level, INHERITED)) or []
        if not any(inherited):
            continue
        for f in FIELDS:
            out[column(level, f)] = [None if inh else v for v, inh in zip(lines[column(level, f)], inherited)]
    return out
