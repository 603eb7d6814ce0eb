"""Filed measures as lists publish them: measure-type names and the common phrasings.

A published list (应急减排清单) gives each firm's yellow / orange / red measure as text:
停产, 限产30%, 停产50%生产线, 结焦时间延长至36小时, 停产保窑, 降至最低负荷运行, 自主减排,
原料日投料量由960吨降低到768吨 … :func:`parse_measure_text` reads the common phrasings
into a :class:`ParsedMeasure` (the action of config.measures, its share or hours, the
truck-ban rider); a text it cannot read raises :class:`MeasureTextError` with a Chinese
reason (the importer locates it: file, sheet, row, column). The structured columns
(措施类型, 比例, 结焦时间 …) take precedence: the text is read only where 措施类型 is empty.

Rules, in the order they are tried on each clause (the text split at ，；。、):

====================================  ==========================================
phrasing                              measure
====================================  ==========================================
停产保窑 / 保温保窑 / 停火保温          stop_keep_warm
结焦时间延长至36小时                    coking_time_extension, hours 36
停产50%生产线 / 50%生产线停产           stop_share_of_lines, share 0.5
由960吨降低到768吨 (a → b, b ≤ a)       cut_output, share 1 − b/a (0.2)
限产30% / 减产 / 压减 / 削减 … 30%      cut_output, share 0.3
降至最低负荷 / 最低负荷运行              slow_down
自主减排 / 自主采取减排措施              own_measures
无 / 无强制… / 不停产 / 正常生产         none
停产 / 停止生产 / 全厂停产               stop
====================================  ==========================================

A clause naming 国四 (or older) heavy trucks, 柴油货车 or 公路运输 with 禁 / 停 / 限 is the
truck-ban rider; a text with only the rider is the action ``truck_ban``. Two different
measures in one text (烧结机停产，高炉限产50%) cannot be one line's measure: an error
asking for the structured columns (or one row per line).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from config.measures import Action


class MeasureTextError(ValueError):
    """A measure text or type that cannot be read (the message is the Chinese reason)."""


# How the 措施类型 column names each action (written on export; read back with the codes).
ACTION_NAMES_ZH: dict[Action, str] = {
    Action.STOP: "停产",
    Action.CUT_OUTPUT: "限产",
    Action.STOP_SHARE_OF_LINES: "按比例停产生产线",
    Action.SLOW_DOWN: "降至最低负荷",
    Action.COKING_TIME_EXTENSION: "延长结焦时间",
    Action.STOP_KEEP_WARM: "停产保窑",
    Action.OWN_MEASURES: "自主减排",
    Action.TRUCK_BAN: "禁用国四及以下货车",
    Action.NONE: "无",
}
_ACTION_ALIASES: dict[str, Action] = {
    **{name: action for action, name in ACTION_NAMES_ZH.items()},
    **{action.value: action for action in Action},
    "停限产": Action.CUT_OUTPUT,
    "减产": Action.CUT_OUTPUT,
    "部分停产": Action.STOP_SHARE_OF_LINES,
    "停产部分生产线": Action.STOP_SHARE_OF_LINES,
    "降负荷": Action.SLOW_DOWN,
    "最低负荷": Action.SLOW_DOWN,
    "结焦时间延长": Action.COKING_TIME_EXTENSION,
    "自主采取减排措施": Action.OWN_MEASURES,
    "无强制停限产措施": Action.NONE,
    "禁用国四及以下重型柴油货车": Action.TRUCK_BAN,
}
NEEDS_SHARE = frozenset({Action.CUT_OUTPUT, Action.STOP_SHARE_OF_LINES})
NEEDS_HOURS = frozenset({Action.COKING_TIME_EXTENSION})


def _normal(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def parse_action(value: object) -> str:
    """A 措施类型 cell (Chinese name or code) -> the Action value."""
    key = _normal(value)
    action = _ACTION_ALIASES.get(key) or _ACTION_ALIASES.get(key.lower())
    if action is None:
        raise MeasureTextError("未知措施类型，应为 " + "、".join(ACTION_NAMES_ZH.values()))
    return action.value


def action_name_zh(action: str | None) -> str | None:
    """The 措施类型 cell of an Action value (None stays None)."""
    return None if action is None else ACTION_NAMES_ZH[Action(action)]


@dataclass(frozen=True)
class ParsedMeasure:
    action: Action
    share: float | None = None
    hours: float | None = None
    truck_ban: bool = False

    def key(self) -> tuple:
        return self.action, self.share, self.hours


_NUM = r"(\d+(?:\.\d+)?)"
_RIDER = re.compile(r"(禁|停|限|不得).*(国[四4Ⅳ三3Ⅲ二2Ⅱ]|柴油货车|重型货车|重型柴油|公路运输)|(国[四4Ⅳ三3Ⅲ二2Ⅱ]).*(货车|车辆).*(禁|停|不得)")
_CLAUSES = re.compile(r"[，,；;。、]+")


def _share(percent: str) -> float:
    value = float(percent)
    if not 0.0 < value <= 100.0:
        raise MeasureTextError(f"比例{percent}%应在0到100之间")
    return round(value / 100.0, 12)


def _reduction(a: str, b: str) -> float:
    before, after = float(a), float(b)
    if before <= 0 or after > before:
        raise MeasureTextError(f"“由{a}降低到{b}”：降低后的量应不大于原来的量（且原来的量大于0）")
    return round(1.0 - after / before, 12)


# (pattern, build) in the order they are tried on a clause
_RULES: tuple[tuple[re.Pattern, object], ...] = (
    (re.compile(r"停产保窑|保温保窑|停火保温|停产保温"), lambda m: ParsedMeasure(Action.STOP_KEEP_WARM)),
    (re.compile(r"结焦时间(?:延长|延至|调整)?(?:至|到)?" + _NUM + r"(?:小时|h|H)"),
     lambda m: ParsedMeasure(Action.COKING_TIME_EXTENSION, hours=float(m.group(1)))),
    (re.compile(r"(?:停产|停运|停止生产)" + _NUM + r"%(?:的)?(?:生产线|产线|生产设施|窑炉|炉窑|窑|炉)"),
     lambda m: ParsedMeasure(Action.STOP_SHARE_OF_LINES, share=_share(m.group(1)))),
    (re.compile(_NUM + r"%(?:的)?(?:生产线|产线|生产设施|窑炉|炉窑)(?:停产|停运)"),
     lambda m: ParsedMeasure(Action.STOP_SHARE_OF_LINES, share=_share(m.group(1)))),
    (re.compile(r"由" + _NUM + r"[^\d到至]*?(?:到|至)" + _NUM),
     lambda m: ParsedMeasure(Action.CUT_OUTPUT, share=_reduction(m.group(1), m.group(2)))),
    (re.compile(r"(?:限产|减产|压减|削减|降低|减少|下调|限制)[^\d%]{0,12}?" + _NUM + r"%"),
     lambda m: ParsedMeasure(Action.CUT_OUTPUT, share=_share(m.group(1)))),
    (re.compile(r"降至最低负荷|最低负荷(?:运行|生产)|保持最低负荷|降低至最低负荷"), lambda m: ParsedMeasure(Action.SLOW_DOWN)),
    (re.compile(r"自主减排|自主采取|自行采取|自主管控"), lambda m: ParsedMeasure(Action.OWN_MEASURES)),
    (re.compile(r"^无$|^/$|^-$|无强制|不停产|正常生产|不采取停限产|不停限产"), lambda m: ParsedMeasure(Action.NONE)),
    (re.compile(r"停产|停止生产|停运|全部停止"), lambda m: ParsedMeasure(Action.STOP)),
)


def _clause(clause: str) -> ParsedMeasure | None:
    for pattern, build in _RULES:
        m = pattern.search(clause)
        if m:
            return build(m)  # type: ignore[operator]
    return None


@lru_cache(maxsize=4096)  # a list repeats a few dozen phrasings over thousands of rows
def parse_measure_text(text: str) -> ParsedMeasure:
    """The measure a published text states (see the module's table), or MeasureTextError."""
    whole = _normal(text).replace("％", "%")
    clauses = [c for c in _CLAUSES.split(whole) if c]
    truck = False
    found: list[ParsedMeasure] = []
    for clause in clauses:
        if _RIDER.search(clause):
            truck = True
            continue
        parsed = _clause(clause)
        if parsed is not None:
            found.append(parsed)
    distinct = {p.key(): p for p in found}
    if len(distinct) > 1:
        named = "、".join(describe(p.action.value, p.share, p.hours) for p in distinct.values())
        raise MeasureTextError(
            f"措施原文含多项不同措施（{named}），无法确定本行的措施：请在“措施类型”等列中填写本行的措施，"
            "或把措施填到各生产线"
        )
    if not distinct:
        if truck:
            return ParsedMeasure(Action.TRUCK_BAN, truck_ban=True)
        raise MeasureTextError(
            "无法识别措施原文：请在“措施类型”（及“措施比例”“结焦时间”）列中填写结构化措施，"
            "或按常见写法填写（停产、限产30%、停产50%生产线、结焦时间延长至36小时、停产保窑、降至最低负荷、自主减排、"
            "由960吨降低到768吨）"
        )
    found_one = next(iter(distinct.values()))
    return ParsedMeasure(found_one.action, found_one.share, found_one.hours, truck)


def describe(action: str, share: float | None = None, hours: float | None = None, truck_ban: bool = False) -> str:
    """A filed measure in words (限产20%, 结焦时间延长至36小时 …), for messages."""
    a = Action(action)
    if a is Action.CUT_OUTPUT:
        text = f"限产{(share or 0) * 100:g}%"
    elif a is Action.STOP_SHARE_OF_LINES:
        text = f"停产{(share or 0) * 100:g}%生产线"
    elif a is Action.COKING_TIME_EXTENSION:
        text = f"结焦时间延长至{hours or 0:g}小时"
    else:
        text = ACTION_NAMES_ZH[a]
    if truck_ban and a is not Action.TRUCK_BAN:
        text += "并禁用国四及以下货车"
    return text
