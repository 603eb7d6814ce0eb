"""How much of its own targets a city keeps in a joint plan (the pooling rule), as data.

The default is ``config/pooling.toml`` (source and confidence with the numbers);
``load_pooling(path)`` reads another file of the same shape — or the ``[pooling]`` table of
a region file given with ``--region-file`` — validated once, frozen, unknown keys refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from config.common import Confidence, Frozen
from config.loading import read_toml, validate_data

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "config" / "pooling.toml"  # policy as data, with config/


class Pooling(Frozen):
    floor_share: float = Field(ge=0.0, le=1.0, description="φ: share of each own row a pooling city keeps")
    cities: Literal["all"] | tuple[str, ...] = "all"
    source: str = Field(min_length=1)
    confidence: Confidence
    notes: str | None = None
    file: str = ""

    def pooled(self) -> set[str] | None:
        """The pooling cities (None: every city)."""
        return None if self.cities == "all" else set(self.cities)


def load_pooling(path: Path | None = None) -> Pooling:
    """The pooling rule of ``path`` (default: the packaged file); a region file's
    ``[pooling]`` table if the file has one."""
    path = Path(path) if path else DEFAULT_FILE
    shown = path.name
    data = read_toml(path, shown)
    if "pooling" in data:
        data, shown = data["pooling"], f"{shown} [pooling]"
    return validate_data(Pooling, {**data, "file": shown}, shown)
