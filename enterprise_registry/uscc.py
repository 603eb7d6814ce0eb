"""Unified social credit code (统一社会信用代码), GB 32100-2015.

18 characters: registration authority (1) + organisation type (1) + administrative
division code (6 digits) + organisation code (9, GB 11714) + check character (1).
Charset ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (no I, O, S, V, Z); the weight of
position i (1-based) is 3^(i-1) mod 31; the check character is
``(31 - sum(value * weight) mod 31) mod 31`` mapped back through the charset.
"""

from __future__ import annotations

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {ch: i for i, ch in enumerate(CHARSET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def check_character(first17: str) -> str:
    """The check character for the first 17 characters (which must be in the charset)."""
    if len(first17) != 17:
        raise ValueError("need exactly 17 characters")
    total = sum(VALUES[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def make_uscc(first17: str) -> str:
    return first17 + check_character(first17)


def uscc_problem(code: str) -> str | None:
    """None when ``code`` is a valid code, else a short Chinese reason."""
    if not isinstance(code, str):
        return "统一社会信用代码应为文本"
    code = code.strip()
    if len(code) != 18:
        return f"长度为{len(code)}位，应为18位"
    for ch in code:
        if ch not in VALUES:
            if ch.islower() and ch.upper() in VALUES:
                return f"含小写字母“{ch}”，应为大写"
            return f"含非法字符“{ch}”（不得含 I、O、S、V、Z 及其他字符）"
    if not code[2:8].isdigit():
        return "第3–8位登记管理机关行政区划码应为数字"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"校验码错误：末位为“{code[17]}”，按GB 32100-2015应为“{expected}”"
    return None


def is_valid_uscc(code: str) -> bool:
    return uscc_problem(code) is None
