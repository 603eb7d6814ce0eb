"""Industry vocabulary (行业类别) and process types (工序): ``config/industries.toml``."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from config import POLICY_DIR
from config.loading import load_toml_model


class Industry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name_zh: str
    key: bool
    grading: Literal["ABCD", "leader", "firm_specific"]
    processes: dict[str, str] = Field(min_length=1, description="process code -> Chinese name")


class IndustryCatalog(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    industries: dict[str, Industry] = Field(min_length=1)

    def by_name_zh(self) -> dict[str, str]:
        """Chinese industry name -> code."""
        return {ind.name_zh: code for code, ind in self.industries.items()}

    def process_code(self, industry: str, label: str) -> str | None:
        """Process code from a code or a Chinese name, or None if unknown for the industry."""
        procs = self.industries[industry].processes
        if label in procs:
            return label
        for code, name in procs.items():
            if name == label:
                return code
        return None


@cache
def _load(path: Path) -> IndustryCatalog:
    return load_toml_model(path, IndustryCatalog)


def load_industries(policy_dir: Path | None = None) -> IndustryCatalog:
    return _load((policy_dir or POLICY_DIR) / "industries.toml")
