"""Reduction targets as cities set them (DOMAIN §4): ratios that differ by pollutant, and a
combined SO2 + NOx target, read from policy files and turned into required kg/day.

Hebei [local, 2019]: at orange SO2 / NOx / PM ≥ 20 % and VOCs ≥ 15 %, and a city may shift
the split between SO2 and NOx as long as the two together meet the requirement
(config/local/hebei.toml). Expected kg are worked by hand from the list below.
"""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from config import POLICY_DIR
from config.policy import load_policy
from emergency.errors import PolicyError
from emergency.optimization.builder import build_problem
from enterprise_registry.columns import RegistryTables
from emergency.vocabulary import Pollutant as P, WarningLevel as L

# whole-society base (kg/day) and listed share per pollutant, the same for 测试市 and 甲县
BASE = {"so2": 800.0, "nox": 1200.0, "pm": 500.0, "vocs": 400.0}
SHARE = {"so2": 0.5, "nox": 0.25, "pm": 0.4, "vocs": 0.5}
# listed base = base × share: SO2 400, NOx 300, PM 200, VOCs 200


def one_line_list() -> RegistryTables:
    ents = {"seq": [1], "county": ["甲县"], "name": ["甲厂"], "uscc": ["91TEST000000000001"], "industry": ["brick"],
            "grade": ["B"], "essential_category": ["无"], "essential_approved_load": [None], "small_micro": [False],
            "ultra_low_filed": [False], "longitude": [None], "latitude": [None], "contact_person": ["张三"],
            "contact_phone": ["13800000000"], "heavy_trucks_per_day": [0]}
    lines = {"seq": [1], "uscc": ["91TEST000000000001"], "enterprise_name": ["甲厂"], "line_code": ["L01"],
             "line_name": ["1#窑炉"], "process": ["kiln"], "capacity_unit": ["万块/日"], "capacity_eia": [120.0],
             "capacity_permit": [110.0], "capacity_actual": [100.0], "capacity_basis": [100.0],
             "output_value_yuan": [1e5], "interruptible": [True], "min_load": [0.5], "stop_lead_time_h": [24.0],
             "so2_kg": [100.0], "nox_kg": [100.0], "pm_kg": [100.0], "vocs_kg": [100.0]}
    areas = {"name": ["测试市", "甲县"], "parent": [None, "测试市"]}
    for p in BASE:
        areas[f"base_{p}"] = [BASE[p]] * 2
        areas[f"listed_share_{p}"] = [SHARE[p]] * 2
    version = {"name": "测试清单", "effective_date": date(2026, 10, 1), "city": "测试市", "notes": None}
    return RegistryTables(version=version, areas=areas, enterprises=ents, lines=lines)


def required(policy, level) -> dict[str, float]:
    problem, _ = build_problem(one_line_list(), policy, level)
    a = problem.area_names.index("甲县")
    return dict(zip(problem.pollutants, problem.required[a].tolist()))


def test_hebei_example_is_data_with_source_and_confidence():
    policy = load_policy("河北省")
    assert policy.reduction.ratio(L.ORANGE, P.VOCs) == 0.15
    assert [policy.reduction.ratio(L.ORANGE, p) for p in (P.SO2, P.NOx, P.PM)] == [0.20, 0.20, 0.20]
    assert policy.reduction.ratio(L.YELLOW, P.VOCs) == 0.10  # national, untouched
    [c] = policy.reduction.combined
    assert c.name == "SO2+NOx" and c.levels == [L.ORANGE] and c.ratio == 0.20 and c.mode == "replace"
    assert c.confidence.value == "local" and "河北" in c.source
    assert load_policy().reduction.combined == []  # nationally none


def test_differing_ratios_and_the_combined_row_give_the_hand_computed_kg():
    policy = load_policy("河北省")
    got = required(policy, L.ORANGE)
    assert got == pytest.approx({
        "SO2": 0.0, "NOx": 0.0,  # replaced by the combined row
        "PM": 0.20 * 200,  # 40
        "VOCs": 0.15 * 200,  # 30, not 40: VOCs' own ratio
        "SO2+NOx": 0.20 * (400 + 300),  # 140
    })
    # yellow: no combined target in force, national 10 % each
    assert required(policy, L.YELLOW) == pytest.approx({"SO2": 40.0, "NOx": 30.0, "PM": 20.0, "VOCs": 20.0})


def test_differing_ratios_reach_the_plan_document():
    from emergency.plans.service import make_plan

    doc = make_plan(one_line_list(), L.ORANGE, policy=load_policy("河北省")).document
    rows = {(r.area, r.pollutant.value): r for r in doc.requirements}
    assert rows[("甲县", "VOCs")].required_kg == pytest.approx(30.0)
    assert rows[("测试市", "SO2+NOx")].required_kg == pytest.approx(140.0)
    assert rows[("测试市", "SO2")].replaced_by == "SO2+NOx"


def _policy_dir(tmp_path, text: str):
    d = tmp_path / "policy"
    shutil.copytree(POLICY_DIR, d)
    (d / "local" / "hebei.toml").write_text('name_zh = "河北省"\n' + text, encoding="utf-8")
    return d


COMBINED = '[[reduction.combined]]\nsource = "测试"\nconfidence = "local"\n'


@pytest.mark.parametrize("body, words", [
    ('pollutants = ["SO2"]\nlevels = ["orange"]\nratio = 0.2\n', ["reduction.combined", "at least 2"]),
    ('pollutants = ["SO2", "SO2"]\nlevels = ["orange"]\nratio = 0.2\n', ["named twice"]),
    ('pollutants = ["SO2", "NOx"]\nlevels = ["none"]\nratio = 0.2\n', ["yellow, orange and red"]),
    ('pollutants = ["SO2", "NOx"]\nlevels = ["orange"]\nratio = 1.5\n', ["reduction.combined", "less than or equal to 1"]),
    ('pollutants = ["SO2", "NOx"]\nlevels = ["orange"]\nratio = 0.2\nmode = "either"\n', ["mode"]),
    ('pollutants = ["SO2", "CO"]\nlevels = ["orange"]\nratio = 0.2\n', ["pollutants"]),
])
def test_a_bad_combined_target_is_refused_with_its_file_and_key(tmp_path, body, words):
    d = _policy_dir(tmp_path, COMBINED + body)
    with pytest.raises(PolicyError) as err:
        load_policy("河北省", policy_dir=d)
    msg = str(err.value)
    assert "hebei.toml" in msg
    for w in words:
        assert w in msg


def test_two_combined_targets_may_not_share_a_pollutant_at_one_level(tmp_path):
    two = (COMBINED + 'pollutants = ["SO2", "NOx"]\nlevels = ["orange"]\nratio = 0.2\n'
           + COMBINED + 'pollutants = ["NOx", "VOCs"]\nlevels = ["orange", "red"]\nratio = 0.2\n')
    with pytest.raises(PolicyError, match="share a pollutant"):
        load_policy("河北省", policy_dir=_policy_dir(tmp_path, two))
    # at different levels they may
    apart = (COMBINED + 'pollutants = ["SO2", "NOx"]\nlevels = ["orange"]\nratio = 0.2\n'
             + COMBINED + 'pollutants = ["NOx", "VOCs"]\nlevels = ["red"]\nratio = 0.2\n')
    policy = load_policy("河北省", policy_dir=_policy_dir(tmp_path / "b", apart))
    assert [c.name for c in policy.reduction.combined_at(L.RED)] == ["NOx+VOCs"]
