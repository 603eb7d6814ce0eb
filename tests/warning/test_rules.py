"""Warning rule sets as data: what the files say, and how bad files are refused."""

import pytest

from config.common import Confidence
from config.warning_rules import AllOf, RunAbove, available_rule_sets, load_rule_set, parse_rule_set
from emergency.errors import PolicyError


def test_the_national_rule_sets():
    assert available_rule_sets() == ["2019", "2024"]
    r19, r24 = load_rule_set("2019"), load_rule_set("2024")
    assert r19.confidence is Confidence.LOCAL and r24.confidence is Confidence.CONFIRMED
    for r in (r19, r24):
        assert (r.release_max_aqi, r.release_min_hours, r.lead_time_hours) == (150, 36, 24)
    assert r24.non_industrial_primary == ["o3"] and r19.non_industrial_primary == []
    red = next(t for t in r24.triggers if t.id == "2024-red")
    assert red.condition == AllOf(
        type="all",
        of=[RunAbove(type="run_above", threshold=200, min_hours=72), RunAbove(type="run_above", threshold=300, min_hours=24)],
    )


def test_unknown_rule_set_names_the_known_ones():
    with pytest.raises(PolicyError, match="unknown warning rule set '2030'; available: 2019, 2024"):
        load_rule_set("2030")


BASE = {
    "name": "x",
    "title_zh": "x",
    "effective_from": "2020-01-01",
    "source": "x",
    "confidence": "local",
    "lead_time_hours": 24,
    "release_max_aqi": 150,
    "release_min_hours": 36,
}


@pytest.mark.parametrize(
    "trigger, message",
    [
        ({"level": "yellow", "wording_zh": "x"}, "give exactly one of 'all' or 'any'"),
        ({"level": "yellow", "wording_zh": "x", "all": [{"type": "reaches", "threshold": 1}], "any": [{"type": "reaches", "threshold": 1}]}, "exactly one"),
        ({"level": "none", "wording_zh": "x", "all": [{"type": "reaches", "threshold": 1}]}, "triggers.0.level"),
        ({"level": "red", "wording_zh": "x", "all": [{"type": "longer_than", "threshold": 1}]}, "longer_than"),
        ({"level": "red", "wording_zh": "x", "all": [{"type": "run_above", "threshold": 200, "min_hour": 48}]}, "min_hour"),
        ({"level": "red", "wording_zh": "x", "all": [{"type": "run_above", "threshold": 200, "min_hours": -1}]}, "min_hours"),
        ({"level": "red", "wording_zh": "x", "all": []}, "triggers.0.all"),
    ],
)
def test_bad_triggers_are_refused_with_the_key_path(trigger, message):
    with pytest.raises(PolicyError, match=message) as err:
        parse_rule_set({**BASE, "triggers": {"t": trigger}}, "local/x.toml")
    assert "local/x.toml" in err.value.message


def test_a_trigger_id_must_match_its_key():
    with pytest.raises(PolicyError, match="differs from its key"):
        parse_rule_set({**BASE, "triggers": {"a": {"id": "b", "level": "red", "wording_zh": "x", "all": [{"type": "reaches", "threshold": 500}]}}})


def test_a_broken_file_names_the_file(tmp_path):
    d = tmp_path / "national" / "warning_rules"
    d.mkdir(parents=True)
    (d / "2099.toml").write_text('name = "2099"\nrelease_max_aqi = "high"\n', encoding="utf-8")
    with pytest.raises(PolicyError) as err:
        load_rule_set("2099", tmp_path)
    assert "2099.toml" in err.value.message and "release_max_aqi" in err.value.message
