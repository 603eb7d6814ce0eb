"""USCC check character, GB 32100-2015, against codes published by the firms themselves."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enterprise_registry.uscc import CHARSET, check_character, is_valid_uscc, uscc_problem

# Real codes as printed in the firms' public disclosures / business licences.
REAL_CODES = [
    "91350100M000100Y43",  # the example printed in GB 32100-2015 explanations
    "91520000214434146R",  # 贵州茅台酒股份有限公司 (annual report)
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "91330100716105852F",  # 阿里巴巴（中国）有限公司
    "914403001922038216",  # 华为技术有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code):
    assert uscc_problem(code) is None
    assert check_character(code[:17]) == code[17]


def test_charset_excludes_confusable_letters():
    assert len(CHARSET) == 31
    for letter in "IOSVZ":
        assert letter not in CHARSET


@pytest.mark.parametrize(
    "code, fragment",
    [
        ("91350100M000100Y4", "长度为17位"),
        ("91350100M000100Y433", "长度为19位"),
        ("91350100M000100Y44", "校验码错误"),
        ("91350100M000100Y4I", "非法字符"),
        ("91350100m000100Y43", "小写"),
        ("91AB0100M000100Y43", "行政区划码"),
    ],
)
def test_invalid_codes_give_a_reason(code, fragment):
    reason = uscc_problem(code)
    assert reason is not None and fragment in reason


@given(st.sampled_from(REAL_CODES), st.integers(0, 17), st.integers(1, 30))
def test_any_single_character_change_is_detected(code, pos, shift):
    """Mod-31 with weights coprime to 31: every single substitution changes the sum."""
    new_char = CHARSET[(CHARSET.index(code[pos]) + shift) % 31]
    corrupted = code[:pos] + new_char + code[pos + 1 :]
    assert not is_valid_uscc(corrupted)
