"""Explanations in Chinese: why a line takes its measure, why a firm is spared.

- floor: the grade-table measure for the level (with its policy source);
- optimised: a measure above the floor chosen because the reductions it buys, valued
  at the LP marginal prices of the requirements it serves (yuan per kg), pay for the
  output it loses: Σ_p price_p × Δreduction_p ≥ Δlost value.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from config.industries import load_industries
from emergency.vocabulary import LEVEL_LABELS_ZH, POLLUTANT_LABELS_ZH, WarningLevel


def option_label_zh(code: str, cut: float, floor_label: str) -> str:
    if code == "floor":
        return floor_label
    if code == "stop":
        return "停产"
    if code == "slow_down":
        return f"降至最低负荷运行（减产{cut:.0%}）"
    return f"限产{cut:.0%}"


@lru_cache(maxsize=1024)
def _names_zh(industry: str, process: str) -> tuple[str, str]:
    """The Chinese names of an industry and its process (the catalogue looked up once per pair)."""
    ind = load_industries().industries.get(industry)
    return (ind.name_zh, ind.processes.get(process, process)) if ind else (industry, process)


@lru_cache(maxsize=4096)
def floor_reason(grade: str, industry: str, process: str, level: WarningLevel, label: str) -> str:
    ind_zh, proc_zh = _names_zh(industry, process)
    return f"{grade}级{ind_zh}企业（{proc_zh}）{LEVEL_LABELS_ZH[level]}预警规定措施：{label}"


def optimised_reason(
    floor_text: str, extra_cost: float, extra_red: np.ndarray, prices: np.ndarray, pollutants: tuple[str, ...]
) -> str:
    parts = []
    for p, name in enumerate(pollutants):
        if extra_red[p] > 1e-9 and prices[p] > 1e-9:
            parts.append(f"{POLLUTANT_LABELS_ZH[name]}多减{extra_red[p]:.1f}kg×边际成本{prices[p]:.0f}元/kg")
    value = float((extra_red * prices).sum())
    priced = "，".join(parts) if parts else "参与满足减排缺口"
    return (
        f"优化选择（在规定措施之上加严）：{priced}，减排价值约{value:,.0f}元，"
        f"高于增加的产值损失{extra_cost:,.0f}元。底线措施：{floor_text}"
    )
