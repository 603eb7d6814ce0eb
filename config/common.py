"""Building blocks shared by the policy models: frozen base, confidence tags."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Confidence(StrEnum):
    """How sure the project is of a value (DOMAIN.md tags)."""

    CONFIRMED = "confirmed"  # the wording was read in a public source
    LOCAL = "local"  # a city's or province's plan applying the national rule
    TO_VERIFY = "to_verify"  # widely repeated, official text not read
    PROJECT = "project"  # the engine's own choice (a preference or its weight): no text sets it


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
