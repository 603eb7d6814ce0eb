"""Policy files: the tables of DOMAIN §5/§9, overrides, and precise errors for broken files."""

import shutil
from pathlib import Path

import pytest

from config import POLICY_DIR
from config.measures import Action
from config.policy import load_policy
from emergency.errors import PolicyError
from emergency.vocabulary import Pollutant, WarningLevel as L

Y, O, R = L.YELLOW, L.ORANGE, L.RED


@pytest.fixture(scope="module")
def national():
    return load_policy()


def test_cement_clinker_table_as_in_the_2020_guide(national):
    def m(grade, level):
        return national.floor("cement", "clinker", grade, level)[0]

    for level in (Y, O, R):
        assert m("A", level).action is Action.OWN_MEASURES
    assert m("B", Y).action is Action.TRUCK_BAN
    assert (m("B", O).action, m("B", O).share, m("B", O).truck_ban) == (Action.CUT_OUTPUT, 0.2, True)
    assert (m("B", R).action, m("B", R).truck_ban) == (Action.STOP, True)
    assert (m("C", Y).action, m("C", Y).share, m("C", Y).truck_ban) == (Action.STOP_SHARE_OF_LINES, 0.5, True)
    assert m("C", O).action is Action.STOP and m("C", R).action is Action.STOP
    for level in (Y, O, R):
        assert (m("D", level).action, m("D", level).no_road_haulage) == (Action.STOP, True)
    assert national.confidence_of("cement", "clinker", "B", O).value == "confirmed"


def test_a_plus_a_and_leaders_take_own_measures_everywhere(national):
    for industry, process, grade in [("steel", "sinter", "A+"), ("coking", "coke_oven_ge6m", "A"), ("ready_mix", "mixing", "引领性")]:
        for level in (Y, O, R):
            assert national.floor(industry, process, grade, level)[0].action is Action.OWN_MEASURES


def test_coking_time_extension_is_an_output_cut(national):
    measure, _ = national.floor("coking", "coke_oven_ge6m", "B", O)
    assert (measure.action, measure.hours) == (Action.COKING_TIME_EXTENSION, 28)
    cut, emissions = measure.effect(interruptible=False, min_load=0.7, normal_coking_hours=20.0)
    assert cut == pytest.approx(1 - 20 / 28)
    assert emissions[Pollutant.NOx] == pytest.approx(1 - 20 / 28)
    d, _ = national.floor("coking", "coke_oven_lt6m", "D", Y)
    assert d.effect(False, 0.7, national.coking.normal_hours)[0] == pytest.approx(1 - 20 / 48)


def test_glass_cuts_feed_and_a_stop_on_an_uninterruptible_line_becomes_a_slow_down(national):
    b, _ = national.floor("glass", "furnace", "B", O)
    assert b.effect(interruptible=False, min_load=0.7)[0] == pytest.approx(0.1)
    d, _ = national.floor("glass", "furnace", "D", Y)
    assert d.effect(interruptible=False, min_load=0.8)[0] == pytest.approx(0.2)  # 30 % capped at 1 − min load
    stop, _ = national.floor("cement", "clinker", "D", R)
    assert stop.effect(interruptible=False, min_load=0.6)[0] == pytest.approx(0.4)
    assert stop.effect(interruptible=True, min_load=0.6)[0] == 1.0


def test_non_leader_ready_mix_stops_and_ungraded_key_firm_follows_d(national):
    assert national.floor("ready_mix", "mixing", "非引领性", Y)[0].action is Action.STOP
    assert national.floor("cement", "clinker", "一厂一策", Y)[0].action is Action.STOP
    measure, source = national.floor("cement_grinding", "grinding", "一厂一策", Y)
    assert measure.action is Action.STOP and "参照非引领性" in source


def test_sparing_rules(national):
    rule = national.sparing.rule_for("B", "民生保障", False, "general", O)
    assert rule.id == "approved_load"
    assert national.sparing.rule_for("C", "无", False, "heating_boiler", R).effect.value == "exempt"
    assert national.sparing.rule_for("一厂一策", "无", True, "general", Y).id == "small_micro"
    assert national.sparing.rule_for("一厂一策", "无", True, "general", O) is None  # small firms only spared at yellow
    assert national.sparing.rule_for("A", "无", False, "general", R).effect.value == "own_measures"


def test_ratios_and_city_override():
    base = load_policy()
    assert [base.reduction.ratio(lv, Pollutant.SO2) for lv in (Y, O, R)] == [0.10, 0.20, 0.30]
    taiyuan = load_policy("太原市")
    assert taiyuan.reduction.ratio(Y, Pollutant.VOCs) == 0.15
    assert taiyuan.reduction.ratio(Y, Pollutant.SO2) == 0.10  # inherited
    county = load_policy("shanxi/taiyuan/xiaodian")
    assert county.reduction.ratio(Y, Pollutant.VOCs) == 0.15  # county inherits the city's tightening
    assert load_policy("晋中市").rule_set == "2019" and load_policy("演示市").rule_set == "2024"


def test_lists_replace_rather_than_append():
    shanxi = load_policy("山西省")
    # the province's list replaces the national one (it does not append to it)
    assert shanxi.rotation.industries == ["steel", "coking", "alumina", "foundry", "coal_chemical", "brick",
                                          "refractory", "ceramics", "lime", "cement"]
    # the window table is a dict: merged key by key, the province chooses its key
    shaanxi = load_policy("陕西省").rotation
    assert shaanxi.window == "guanzhong" and shaanxi.windows["north_west"].start == "12-01"


def test_unknown_area_is_a_clear_error():
    with pytest.raises(PolicyError, match="no policy file for area"):
        load_policy("火星市")


# ------------------------------------------------------------------ broken files


@pytest.fixture
def policy_copy(tmp_path):
    dst = tmp_path / "config"
    shutil.copytree(POLICY_DIR, dst, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return dst


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    "file, old, new, expected",
    [
        ("national/measures/cement.toml", 'share = 0.2, truck_ban', 'share = 1.5, truck_ban',
         "cement.toml -> measures.cement.processes.clinker.B.orange.share"),
        ("national/measures/cement.toml", 'action = "truck_ban"', 'action = "close_forever"',
         "cement.toml -> measures.cement.processes.clinker.B.yellow.action"),
        ("national/measures/glass.toml", 'industry = "glass"', 'industry = "glas"',
         "measures.glass: file says industry"),
        ("national/measures/ready_mix.toml", '"非引领性"]', '"C"]',
         "grade not used by 'leader' industries"),
        ("national/policy.toml", 'confidence = "local"\nnotes = "DOMAIN §4', 'confidence = "sure"\nnotes = "DOMAIN §4',
         "policy.toml -> reduction.confidence"),
        ("national/measures/lime.toml", 'industry = "lime"', 'industry = "lime"\n[broken',
         "lime.toml: not valid TOML"),
        ("national/policy.toml", "VOCs = 0.20", "VOCs = 2.0",
         "reduction.ratios.orange"),
    ],
)
def test_broken_policy_gives_file_and_key_path(policy_copy, file, old, new, expected):
    _edit(policy_copy / file, old, new)
    with pytest.raises(PolicyError) as info:
        load_policy(None, policy_copy)
    assert expected in info.value.message


def test_missing_source_is_refused(policy_copy):
    _edit(policy_copy / "national/measures/carbon.toml", 'source = "炭素行业', 'notes = "炭素行业')
    with pytest.raises(PolicyError, match=r"carbon.toml -> measures.carbon.source: Field required"):
        load_policy(None, policy_copy)


def test_bad_override_names_the_local_file(policy_copy):
    (policy_copy / "local/shanxi/taiyuan.toml").write_text(
        'name_zh = "太原市"\n[reduction.ratios.yellow]\nVOCs = -0.1\n', encoding="utf-8"
    )
    with pytest.raises(PolicyError) as info:
        load_policy("太原市", policy_copy)
    assert "taiyuan.toml" in info.value.message and "reduction" in info.value.message


def test_every_catalog_process_has_a_measure_for_every_non_own_grade(national):
    # _check_complete runs at load; this asserts it covered the catalog
    from config.industries import load_industries
    from config.policy import OWN_MEASURE_GRADES

    for code, ind in load_industries().industries.items():
        for process in ind.processes:
            for grade in ind.grades - OWN_MEASURE_GRADES:
                for level in (Y, O, R):
                    national.floor(code, process, grade.value, level)
