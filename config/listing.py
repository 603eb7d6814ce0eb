"""How the list's filed measures are checked at import (清单措施审核): ``[listing]`` of policy.toml.

A firm's filed measure (一厂一策, DOMAIN §7) must be at least the grade table's floor for
its grade (DOMAIN §9: B and below and 非引领性 cut *at least* what the guide says). Whether
a filed measure below the floor refuses the list (``binding``: a located error) or is only
reported (``advisory``: a located warning, the list is imported) is policy: a city whose
own tables differ from the national ones can make the floor advisory.

``unconfirmed_floor`` applies to floors whose table value is itself tagged ``to_verify``
(config/national/measures/*.toml): refusing a city's list over a value nobody has read in
a text would turn a guess into a rule.

``expected_days`` weights the list design (清单编制, emergency/lists/design.py): the
days per season the city expects at each level, so a yuan lost at a level that comes
ten days a year counts ten times one lost at a level that comes once.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from config.common import Confidence, Frozen


class FloorMode(StrEnum):
    BINDING = "binding"  # a filed measure below the floor is an error: the list is refused
    ADVISORY = "advisory"  # it is a warning: the list is imported and the warning reported


class ExpectedDays(Frozen):
    """Days per heating season the city expects at each level (the list design's weights)."""

    yellow: float = Field(ge=0.0, le=366.0)
    orange: float = Field(ge=0.0, le=366.0)
    red: float = Field(ge=0.0, le=366.0)
    source: str = Field(min_length=1)
    confidence: Confidence
    notes: str | None = None

    def weight(self, level) -> float:
        """The days expected at ``level`` (a WarningLevel other than none)."""
        return float(getattr(self, str(getattr(level, "value", level))))


class ListingPolicy(Frozen):
    floor: FloorMode
    unconfirmed_floor: FloorMode = Field(
        default=FloorMode.ADVISORY,
        description="mode for floors whose table value is tagged to_verify (never stricter than 'floor')",
    )
    source: str = Field(min_length=1)
    confidence: Confidence
    notes: str | None = None
    expected_days: ExpectedDays | None = Field(
        default=None, description="days per season at each level: the list design's weights (None: one day each)")

    def floor_mode(self, floor_confidence: Confidence) -> FloorMode:
        """How a shortfall below a floor of this confidence is reported."""
        if self.floor is FloorMode.ADVISORY or floor_confidence is not Confidence.TO_VERIFY:
            return self.floor
        return self.unconfirmed_floor
