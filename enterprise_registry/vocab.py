"""Deprecated name of :mod:`emergency.vocabulary`, where the shared vocabulary is defined.

Kept only so that code not yet moved keeps importing; it defines nothing. Import from
``emergency.vocabulary``.
"""

from emergency.vocabulary import (  # noqa: F401
    LEVEL_LABELS_ZH,
    LEVELS,
    POLLUTANT_LABELS_ZH,
    POLLUTANTS,
    EssentialCategory,
    Grade,
    Pollutant,
    WarningLevel,
    rank,
)
