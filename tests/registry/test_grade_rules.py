"""Grades as 环办大气〔2026〕2号 sets them, on the hand-made Jinzhong list.

Expected values from the text (as quoted in config/industries.toml): in principle
A/B/C/D; simple industries A/B/C only (C the basic level, no D); a firm in several key
industries is graded per industry and takes the lowest (短板原则). Rows are the numbers
a spreadsheet shows (header = row 1).
"""

import csv
import shutil
from pathlib import Path

import pytest

from config.industries import IndustryCatalog, load_industries, lowest_grade
from emergency.errors import ImportRejected
from enterprise_registry import service
from emergency.vocabulary import Grade

HAND = Path(__file__).parent / "data" / "jinzhong"
STEEL_ROW = ["5", "介休市", "介休示例钢铁有限公司", "91140105MA0K00002J", "钢铁", "D", "无", "", "否", "否", "111.93", "37.04", "钱七", "13800000005", "400"]


@pytest.fixture
def hand_dir(tmp_path):
    return Path(shutil.copytree(HAND, tmp_path / "hand"))


def _rows(path):
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [list(r) for r in csv.reader(fh)]


def _write(path, rows):
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)


def _problems(directory, catalog=None):
    with pytest.raises(ImportRejected) as exc:
        service.check_list_file(directory, catalog)
    return exc.value.problems


# ---------------------------------------------------------------- the rule itself


@pytest.mark.parametrize(
    ("grades", "lowest"),
    [
        ([Grade.B, Grade.C], Grade.C),
        ([Grade.A, Grade.B_MINUS, Grade.B], Grade.B_MINUS),
        ([Grade.A_PLUS, Grade.A], Grade.A),
        ([Grade.C, Grade.D], Grade.D),
        ([Grade.LEADER, Grade.B], Grade.B),  # 引领性 ranks with A (both 自主减排)
        ([Grade.NON_LEADER, Grade.A], Grade.NON_LEADER),
        ([Grade.NON_LEADER, Grade.C], None),  # no text orders them
        ([Grade.FIRM_SPECIFIC, Grade.B], Grade.B),  # 一厂一策 is no grade
        ([Grade.FIRM_SPECIFIC], None),
    ],
)
def test_lowest_grade(grades, lowest):
    assert lowest_grade(grades) == lowest


# ---------------------------------------------------------------- schemes


def test_packaged_schemes_follow_the_texts():
    cat = load_industries()
    assert cat.industries["cement"].grades >= {Grade.A, Grade.B, Grade.C, Grade.D}
    assert Grade.D not in cat.industries["ready_mix"].grades and Grade.LEADER in cat.industries["ready_mix"].grades
    # the 2026 guidance names no A/B/C-only industry: none may use the scheme without a text
    assert not [c for c, i in cat.industries.items() if i.grading == "ABC"]
    for code, ind in cat.industries.items():
        if ind.key:
            assert ind.grading_source and ind.grading_confidence, code


def test_an_abc_industry_refuses_d_and_b_minus(hand_dir):
    data = load_industries().model_dump()
    data["industries"]["cement"]["grading"] = "ABC"
    data["industries"]["cement"]["grading_source"] = "hand-made: a text naming cement a simple industry"
    catalog = IndustryCatalog.model_validate(data)
    rows = _rows(hand_dir / "enterprises.csv")
    rows[1][5] = "D"
    _write(hand_dir / "enterprises.csv", rows)
    problems = _problems(hand_dir, catalog)
    assert [(p.row, p.column) for p in problems] == [(2, "绩效等级")]
    assert "“水泥”行业的绩效等级应为 A+、A、B、C、一厂一策" in problems[0].reason
    rows[1][5] = "B-"
    _write(hand_dir / "enterprises.csv", rows)
    assert [p.row for p in _problems(hand_dir, catalog)] == [2]
    rows[1][5] = "C"
    _write(hand_dir / "enterprises.csv", rows)
    service.check_list_file(hand_dir, catalog)  # C is the basic level there


# ---------------------------------------------------------------- shortest board at import


def test_a_firm_listed_once_per_industry_names_its_lowest_grade(hand_dir):
    """The coking firm (row 3, 焦化 C) listed again as 钢铁 D: its grade is D."""
    rows = _rows(hand_dir / "enterprises.csv")
    _write(hand_dir / "enterprises.csv", rows + [STEEL_ROW])
    problems = _problems(hand_dir)
    board = [p for p in problems if p.column == "绩效等级"]
    assert len(board) == 1
    p = board[0]
    assert (p.sheet, p.row, p.value) == ("enterprises.csv", 6, "D")
    assert "焦化 C（第3行）" in p.reason and "钢铁 D（第6行）" in p.reason
    assert "短板原则" in p.reason and "企业绩效等级应为“D”" in p.reason and "合并为一行" in p.reason
    # the repeated code is still refused as such
    assert any(q.column == "统一社会信用代码" and q.row == 6 for q in problems)


def test_the_lowest_is_named_whichever_row_is_lower(hand_dir):
    rows = _rows(hand_dir / "enterprises.csv")
    _write(hand_dir / "enterprises.csv", rows + [STEEL_ROW[:5] + ["B"] + STEEL_ROW[6:]])
    (p,) = [p for p in _problems(hand_dir) if p.column == "绩效等级"]
    assert "企业绩效等级应为“C”" in p.reason


def test_the_same_industry_twice_is_only_a_repeated_code(hand_dir):
    rows = _rows(hand_dir / "enterprises.csv")
    _write(hand_dir / "enterprises.csv", rows + [STEEL_ROW[:4] + ["焦化"] + STEEL_ROW[5:]])
    problems = _problems(hand_dir)
    assert [(p.row, p.column) for p in problems] == [(6, "统一社会信用代码")]


def test_a_line_of_another_key_industry_names_it_and_the_rule(hand_dir):
    """A blast furnace (钢铁) under the coking firm (焦化 C)."""
    rows = _rows(hand_dir / "lines.csv")
    rows[2][5] = "高炉"
    _write(hand_dir / "lines.csv", rows)
    (p,) = _problems(hand_dir)
    assert (p.sheet, p.row, p.column, p.value) == ("lines.csv", 3, "工序类型", "高炉")
    assert "“焦化”行业无此工序类型" in p.reason and "该工序属于“钢铁”行业" in p.reason and "短板原则" in p.reason


def test_a_non_key_process_gets_no_shortest_board_hint(hand_dir):
    rows = _rows(hand_dir / "lines.csv")
    rows[4][5] = "水泥熟料"  # the heating firm is 非重点行业
    _write(hand_dir / "lines.csv", rows)
    (p,) = _problems(hand_dir)
    assert "“非重点行业”行业无此工序类型" in p.reason and "短板原则" not in p.reason
