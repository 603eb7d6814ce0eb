"""Cell parsers: what a person types into a list, and the reason given when it is wrong."""

from datetime import date, datetime

import pytest

from enterprise_registry.cells import (
    CellError,
    format_cell,
    header_key,
    parse_bool,
    parse_date,
    parse_essential,
    parse_float,
    parse_grade,
    parse_int,
    parse_percent,
    parse_str,
    parse_uscc,
)


@pytest.mark.parametrize(
    "value, expected",
    [(12, 12.0), (12.5, 12.5), ("12.5", 12.5), (" 0 ", 0.0), ("１２．５", 12.5), ("1e3", 1000.0)],
)
def test_numbers_as_typed(value, expected):
    assert parse_float(value) == expected


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("12kg", "含单位或文字“kg”"),
        ("12 kg/d", "含单位或文字“kg/d”"),
        ("3.5吨/日", "含单位或文字“吨/日”"),
        ("1.2万", "含单位或文字“万”"),
        ("1,2", "小数点请用“.”"),
        ("1,234.5", "千位分隔符"),
        ("-3", "不能为负数"),
        (-0.1, "不能为负数"),
        ("约12", "应为数字"),
        ("nan", "有限数字"),
        (True, "不是是/否"),
    ],
)
def test_numbers_refused_with_a_reason(value, fragment):
    with pytest.raises(CellError) as info:
        parse_float(value)
    assert fragment in str(info.value)


def test_integers():
    assert parse_int("120") == 120 and parse_int(120.0) == 120
    with pytest.raises(CellError, match="整数"):
        parse_int("12.5")


@pytest.mark.parametrize("value, expected", [(60, 0.6), ("72.4", 0.724), ("72.4%", 0.724), ("50％", 0.5), (0, 0.0), (100, 1.0)])
def test_percent_is_0_to_100_in_the_file_and_a_fraction_inside(value, expected):
    assert parse_percent(value) == expected


@pytest.mark.parametrize("value", [150, "-5", "100.01"])
def test_percent_outside_0_100(value):
    with pytest.raises(CellError):
        parse_percent(value)


@pytest.mark.parametrize("value, expected", [("是", True), ("否", False), ("Y", True), ("n", False), (1, True), (0, False), (True, True)])
def test_yes_no(value, expected):
    assert parse_bool(value) is expected


def test_yes_no_refused():
    with pytest.raises(CellError, match="“是”或“否”"):
        parse_bool("也许")


@pytest.mark.parametrize(
    "value", ["2025-10-01", "2025/10/01", "2025年10月1日", date(2025, 10, 1), datetime(2025, 10, 1, 0, 0)]
)
def test_dates(value):
    assert parse_date(value) == date(2025, 10, 1)


def test_bad_date():
    with pytest.raises(CellError, match="YYYY-MM-DD"):
        parse_date("10/01/2025")


@pytest.mark.parametrize(
    "value, expected",
    [("A+", "A+"), ("Ａ＋", "A+"), ("b-", "B-"), ("B－", "B-"), ("A级", "A"), ("C", "C"), ("引领性", "引领性"), ("一厂一策", "一厂一策")],
)
def test_grades(value, expected):
    assert parse_grade(value) == expected


def test_unknown_grade_lists_the_grades():
    with pytest.raises(CellError) as info:
        parse_grade("E")
    assert "未知绩效等级" in str(info.value) and "B-" in str(info.value) and "非引领性" in str(info.value)


@pytest.mark.parametrize("value, expected", [("", "无"), ("民生保障", "民生保障"), ("军工／出口", "军工/出口"), ("出口", "军工/出口")])
def test_essential_categories(value, expected):
    assert parse_essential(value) == expected


def test_unknown_essential_category():
    with pytest.raises(CellError, match="未知保障类类别"):
        parse_essential("重点保障")


def test_uscc_check_character():
    # GB 32100-2015: the check character of 91350100M000100Y4 is 3.
    assert parse_uscc(" 91350100M000100Y43 ") == "91350100M000100Y43"
    with pytest.raises(CellError, match="校验码"):
        parse_uscc("91350100M000100Y44")


def test_text_cells_keep_what_was_typed_and_numbers_lose_the_float():
    assert parse_str(" 张三 ") == "张三"
    assert parse_str(13800000001.0) == "13800000001"  # a phone typed as a number


def test_headers_compare_loosely():
    assert header_key("SO2排放量（KG/D）") == header_key("SO2排放量(kg/d)")
    assert header_key(" 统一社会 信用代码 ") == header_key("统一社会信用代码")
    assert header_key("SO2排放量(t/a)") != header_key("SO2排放量(kg/d)")


def test_formatting_is_the_inverse():
    assert format_cell("percent", 0.724) == 72.4
    assert format_cell("bool", False) == "否"
    assert format_cell("date", date(2025, 10, 1)) == "2025-10-01"
    assert format_cell("float", None) is None
