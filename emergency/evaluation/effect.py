"""Effect evaluation of an episode (效果评估): planned vs achieved reductions (stub; being filled)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine


@dataclass(frozen=True)
class EpisodeEffect:
    warning_id: int
    lost_output_wan_yuan: float = 0.0
    counties: tuple = field(default=())
    firms: tuple = field(default=())
    flags: tuple = field(default=())
    days: tuple = field(default=())

    def county_rows(self) -> list[dict]:
        return [dict(r) for r in self.counties]

    def firm_rows(self) -> list[dict]:
        return [dict(r) for r in self.firms]

    def increase_flags(self) -> list[dict]:
        return [dict(r) for r in self.flags]

    def aqi_days(self) -> list[dict]:
        return [dict(r) for r in self.days]

    def as_dict(self) -> dict:
        return {"warning_id": self.warning_id, "lost_output_wan_yuan": self.lost_output_wan_yuan,
                "counties": self.county_rows(), "firms": self.firm_rows(), "increase_flags": self.increase_flags(),
                "aqi_days": self.aqi_days()}


def evaluate_episode(engine: Engine, warning_id: int) -> EpisodeEffect:
    raise NotImplementedError("effect evaluation is being built")
