"""The pooling rule as data: the packaged file, another file, a region file's [pooling] table."""

from __future__ import annotations

import numpy as np
import pytest

from emergency.errors import PolicyError
from emergency.joint.model import define_columns
from emergency.joint.pooling import load_pooling
from emergency.joint.solve import solve_separate
from tests.joint.test_model import city


def test_packaged_rule_has_its_source():
    rule = load_pooling()
    assert 0 < rule.floor_share <= 1 and rule.cities == "all" and rule.pooled() is None
    assert rule.confidence.value == "project" and "国发〔2023〕24号" in rule.source


def test_a_region_file_pooling_table(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text('name = "x"\n[pooling]\nfloor_share = 0.6\ncities = ["甲市"]\nsource = "试"\nconfidence = "project"\n',
                    encoding="utf-8")
    rule = load_pooling(path)
    assert rule.floor_share == 0.6 and rule.pooled() == {"甲市"} and "[pooling]" in rule.file


@pytest.mark.parametrize("body", ['floor_share = 1.2\nsource = "s"\nconfidence = "project"\n',
                                  'floor_share = 0.8\nsource = "s"\nconfidence = "project"\nshare = 1\n',
                                  'floor_share = 0.8\nconfidence = "project"\n'])
def test_bad_rules_are_refused_with_the_file(tmp_path, body):
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(PolicyError, match="bad.toml"):
        load_pooling(path)


def test_a_city_infeasible_alone_is_named():
    a = city("甲市", [[(0, 0), (100, 10)]], [0], ["城区"], [50, 50])
    b = city("乙市", [[(0, 0), (100, 10)]], [0], ["城区"], [5, 5])
    columns, _ = define_columns([a, b])
    sep = solve_separate([a, b], columns)
    assert not sep.feasible and sep.objective is None
    assert any(u.startswith("target[甲市/城区,SO2]") for u in sep.unmet)
    assert not any("乙市" in u for u in sep.unmet)
    assert np.isclose(sep.cities[1].lost_output, 100)
