"""Targets read as a person writes them; a line's basis never carries the optimiser's economics."""

from emergency.notices import wording
from emergency.vocabulary import WarningLevel as L


def test_equal_ratios_grouped_and_unequal_ones_each_named():
    assert wording.target_text(L.ORANGE, {"SO2": 0.2, "NOx": 0.2, "PM": 0.2, "VOCs": 0.2}) == \
        "橙色预警：SO2、NOx、颗粒物、VOCs减排比例不低于20%"
    assert wording.ratio_text({"VOCs": 0.15, "PM": 0.2, "NOx": 0.3, "SO2": 0.3}) == \
        "SO2、NOx减排比例不低于30%，颗粒物不低于20%，VOCs不低于15%"
    assert wording.ratio_text({"SO2": 0.125}) == "SO2减排比例不低于12.5%"


def test_line_basis_is_the_grade_rule_never_a_price():
    floor = "D级炭素企业（焙烧）橙色预警规定措施：停产，禁止公路运输"
    assert wording.line_basis("floor", floor, L.ORANGE) == "D级炭素企业（焙烧）橙色预警规定措施"
    optimised = ("优化选择（在规定措施之上加严）：VOCs多减14.1kg×边际成本1400元/kg，减排价值约19,773元，"
                 "高于增加的产值损失19,773元。底线措施：一厂一策级非重点行业企业（一般生产工序）橙色预警规定措施：限产20%")
    text = wording.line_basis("optimised", optimised, L.ORANGE)
    assert text == "一厂一策级非重点行业企业（一般生产工序）橙色预警规定措施为限产20%；为完成本区域橙色预警减排目标加严"
    for word in ("边际成本", "元/kg", "减排价值", "产值损失"):
        assert word not in text
    # a reason that is nothing but economics gives the generic rule, not the economics
    assert wording.line_basis("optimised", "边际成本1079元/kg", L.RED) == "绩效分级管控规定措施；为完成本区域红色预警减排目标加严"
    assert wording.line_basis("floor", "影子价格 12元/kg", L.RED) == "绩效分级管控规定措施"


def test_percent_and_hours():
    assert wording.percent(0.45) == "45%" and wording.percent(0.9) == "90%" and wording.percent(0.125) == "12.5%"
    assert wording.hours(1.0) == "1" and wording.hours(1.5) == "1.5"


def test_a_combined_target_is_stated_as_one_figure():
    """Hebei orange: SO2 and NOx counted together (the city may shift the split), VOCs 15 %."""
    from config.policy import load_policy
    from emergency.notices.wording import ratios_of, target_text
    from emergency.vocabulary import WarningLevel

    policy = load_policy("hebei")
    text = target_text(WarningLevel.ORANGE, ratios_of(policy, WarningLevel.ORANGE))
    assert text == "橙色预警：颗粒物减排比例不低于20%，VOCs不低于15%，SO2与NOx合计减排比例不低于20%"
    assert "SO2、" not in text
