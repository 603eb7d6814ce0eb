"""Industry vocabulary (行业类别), process types (工序) and grading schemes: ``config/industries.toml``.

Grading schemes (绩效分级), 环办大气〔2026〕2号 《关于加强重点行业大气环境绩效分级管理的指导意见》:
in principle A/B/C/D (``ABCD``; B- is the 2020 guide's sub-tier of B); industries whose
equipment, process and treatment are simple are graded A/B/C only (``ABC``, C the basic
level, no D) — which industries is left to the industry technical guides, so an industry
takes ``ABC`` only where such a text says so; cement grinding and ready-mix use
引领性/非引领性 (``leader``, 2020 guide); non-key industries get 一厂一策. A+ is chosen among
A firms of any key industry.

Shortest-board rule (短板原则, same text): a firm in several key industries is graded per
industry and its overall grade is the lowest of them (:func:`lowest_grade`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from config import default_policy_dir
from config.common import Confidence
from config.loading import read_toml, validate_data
from emergency.vocabulary import Grade

Scheme = Literal["ABCD", "ABC", "leader", "firm_specific"]
GRADES_BY_SCHEME: dict[str, frozenset[Grade]] = {
    "ABCD": frozenset({Grade.A_PLUS, Grade.A, Grade.B, Grade.B_MINUS, Grade.C, Grade.D, Grade.FIRM_SPECIFIC}),
    "ABC": frozenset({Grade.A_PLUS, Grade.A, Grade.B, Grade.C, Grade.FIRM_SPECIFIC}),
    "leader": frozenset({Grade.LEADER, Grade.NON_LEADER, Grade.FIRM_SPECIFIC}),
    "firm_specific": frozenset({Grade.FIRM_SPECIFIC}),
}
# Best first, for the shortest-board rule. 引领性 ranks with A: both take their own measures
# (自主减排, 环办大气函〔2020〕340号). No text ranks 非引领性 against B, B-, C or D, so it is
# comparable only with A+/A/引领性 (it is below them). 一厂一策 is no grade: the rule is
# about key industries, so it takes no part.
GRADE_RANK: dict[Grade, int] = {
    Grade.A_PLUS: 0, Grade.A: 1, Grade.LEADER: 1, Grade.B: 2, Grade.B_MINUS: 3, Grade.C: 4, Grade.D: 5,
}
SHORTEST_BOARD_SOURCE = "环办大气〔2026〕2号：企业涉多个重点行业时，按行业分别评级，以所涉行业的最低等级作为企业总体绩效等级"


def lowest_grade(grades: list[Grade] | set[Grade]) -> Grade | None:
    """The firm's overall grade under the shortest-board rule: the lowest of its key-industry
    grades (一厂一策 ignored). None when there is no graded industry, or when the grades cannot
    be ordered by any text (非引领性 beside B, B-, C or D)."""
    graded = {Grade(g) for g in grades} - {Grade.FIRM_SPECIFIC}
    if not graded:
        return None
    if Grade.NON_LEADER in graded:
        others = graded - {Grade.NON_LEADER}
        return Grade.NON_LEADER if all(GRADE_RANK[g] <= GRADE_RANK[Grade.A] for g in others) else None
    return max(graded, key=lambda g: GRADE_RANK[g])


class Industry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name_zh: str
    key: bool
    grading: Scheme
    grading_source: str | None = Field(default=None, description="the text that sets this industry's scheme")
    grading_confidence: Confidence | None = None
    processes: dict[str, str] = Field(min_length=1, description="process code -> Chinese name")

    @property
    def grades(self) -> frozenset[Grade]:
        """The grades a firm of this industry may hold (its scheme's)."""
        return GRADES_BY_SCHEME[self.grading]


class IndustryCatalog(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    grading_notes: str | None = None
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

    def industries_with_process(self, label: str) -> list[str]:
        """Codes of the industries that have a process with this code or Chinese name."""
        return [code for code, ind in self.industries.items() if label in ind.processes or label in ind.processes.values()]


@cache
def _load(path: Path) -> IndustryCatalog:
    # messages name the file as the policy directory does, never the server path
    return validate_data(IndustryCatalog, read_toml(path, "industries.toml"), "industries.toml")


def load_industries(policy_dir: Path | None = None) -> IndustryCatalog:
    """The industry catalogue of a policy directory: its own ``industries.toml``.

    The catalogue is part of the policy package, so it follows the directory in use:
    ``policy_dir`` when given, else ``EMERGENCY_POLICY_DIR``, else the packaged
    ``config/``. Code holding a :class:`config.policy.Policy` uses ``policy.industries``
    (the catalogue its measures were checked against)."""
    return _load(Path(policy_dir or default_policy_dir()).resolve() / "industries.toml")
