"""The words the documents use: levels, responses, transitions, targets, the legal
basis, a line's basis, hours.

Rules:

- A level's target reads "橙色预警：SO2、NOx、颗粒物、VOCs减排比例不低于20%" — pollutants
  with the same ratio grouped, in the fixed order SO2, NOx, 颗粒物, VOCs (never "SO230%").
- The basis (依据) of a notice is legal and plan text from ``policy.documents`` (law,
  the city's plan and its article) and the level's target. A line's basis is the
  grade-table rule it falls under; for a line the optimiser tightened it is that rule
  and "为完成本区域…预警减排目标加严" — never the optimiser's economics: a text with a
  marginal price, shadow price or yuan-per-kg figure is never printed on a notice
  (the planner's workbook keeps them).
"""

from __future__ import annotations

from collections.abc import Mapping

from config.policy import Policy
from emergency.vocabulary import LEVEL_LABELS_ZH, POLLUTANT_LABELS_ZH, POLLUTANTS, Pollutant, WarningLevel

RESPONSE_ZH = {WarningLevel.YELLOW: "Ⅲ级", WarningLevel.ORANGE: "Ⅱ级", WarningLevel.RED: "Ⅰ级"}
TRANSITION_ZH = {"issue": "启动", "upgrade": "升级", "downgrade": "降级", "extend": "延长", "release": "解除"}
INDICATOR = "企业日用电量（分表计电、用电监控平台数据；燃气窑炉同时核查日用气量）"
ECONOMICS = ("边际成本", "影子价格", "元/kg", "减排价值", "产值损失", "优化选择")
LIFTED_ZH = "解除管控（恢复正常生产）"
NONE_ZH = "无（未列入管控）"


def level_zh(level: WarningLevel | str) -> str:
    return LEVEL_LABELS_ZH[WarningLevel(level)]


def response_zh(level: WarningLevel | str) -> str:
    return RESPONSE_ZH[WarningLevel(level)]


def percent(x: float) -> str:
    """0.2 → '20%', 0.125 → '12.5%'."""
    return f"{round(x * 100, 1):g}%"


def hours(h: float) -> str:
    """1.0 → '1', 1.5 → '1.5'."""
    return f"{h:g}"


def ratios_of(policy: Policy, level: WarningLevel) -> dict[str, float]:
    """The level's ratios as documents state them: each pollutant's own ratio, except one
    a combined target replaces; each combined target under its key (``SO2+NOx``)."""
    reduction = policy.reduction
    combined = reduction.combined_at(level)
    replaced = {p for c in combined if c.mode.value == "replace" for p in c.pollutants}
    out = {p.value: reduction.ratio(level, p) for p in POLLUTANTS if p not in replaced}
    for c in combined:
        out["+".join(p.value for p in c.pollutants)] = c.ratio
    return out


def ratio_text(ratios: Mapping[str, float]) -> str:
    """'SO2、NOx、颗粒物、VOCs减排比例不低于20%' (or 'SO2、NOx减排比例不低于30%，颗粒物、VOCs不低于20%')."""
    groups: dict[float, list[str]] = {}
    for p in (x.value for x in Pollutant):
        if p in ratios:
            groups.setdefault(round(float(ratios[p]), 6), []).append(POLLUTANT_LABELS_ZH[p])
    parts = [f"{'、'.join(names)}{'减排比例' if i == 0 else ''}不低于{percent(v)}" for i, (v, names) in enumerate(groups.items())]
    for key, v in ratios.items():
        if "+" in key:  # a combined target: the city may shift the split between its pollutants
            parts.append(f"{'与'.join(POLLUTANT_LABELS_ZH.get(p, p) for p in key.split('+'))}合计减排比例不低于{percent(v)}")
    return "，".join(parts)


def target_text(level: WarningLevel, ratios: Mapping[str, float]) -> str:
    """'橙色预警：SO2、NOx、颗粒物、VOCs减排比例不低于20%'."""
    return f"{level_zh(level)}预警：{ratio_text(ratios)}"


def legal_basis(policy: Policy, city: str) -> list[str]:
    """The laws and the city's plan (with its article), as cited on notices."""
    d = policy.documents
    plan = f"《{d.text(d.plan_name_zh, city)}》" + (d.plan_article_zh or "")
    return [*d.law_zh, plan]


def no_economics(text: str | None) -> str | None:
    """``text``, or None when it carries the optimiser's economics."""
    if not text or any(word in text for word in ECONOMICS):
        return None
    return text


def line_basis(basis: str, reason: str, level: WarningLevel) -> str:
    """Why a line takes its measure, as a notice says it (see the module's rules): the
    grade-table rule (its measure is in the next column); for a tightened line the rule
    with its own measure, and the target it serves."""
    if basis == "floor":
        rule = reason.rsplit("规定措施：", 1)[0] + "规定措施" if "规定措施：" in reason else reason
        return no_economics(rule) or "绩效分级管控规定措施"
    floor = reason.rsplit("底线措施：", 1)[-1] if "底线措施：" in reason else ""
    floor = no_economics(floor.replace("规定措施：", "规定措施为")) or "绩效分级管控规定措施"
    return f"{floor}；为完成本区域{level_zh(level)}预警减排目标加严"
