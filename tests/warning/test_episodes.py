"""One episode per polluted process (DOMAIN §2, Episodes): back-to-back runs whose gap does not meet the
release condition (AQI ≤ 150 for 36 h) are one episode, judged on the merged run — both rule sets.

Expected values are worked by hand from the rule sets' wording: a daily value is 24 h; k rolling
windows cover (k − 1) + 24 h; a merged run lasts the hours of its runs above the threshold added up.
"""

import json
import tomllib
from datetime import date, datetime

import pytest
from typer.testing import CliRunner

from config import POLICY_DIR
from config.common import Confidence
from config.warning_rules import RULES_SUBDIR, load_rule_set, parse_rule_set
from emergency.cli.main import app
from emergency.errors import PolicyError
from emergency.warning.evaluation import evaluate
from emergency.warning.series import AqiSeries, daily_series

R2019, R2024 = load_rule_set("2019"), load_rule_set("2024")
RULES = {"2019": R2019, "2024": R2024}


def runs_only(rules):
    """The same rule set without the episode rule: every run judged alone."""
    return rules.model_copy(update={"episodes": None})


def judged(values, rules, step=24.0):
    ev = evaluate(AqiSeries(values, step), rules)
    return ev.level.value, ev.trigger_id


def test_both_national_rule_sets_merge_with_their_source():
    for r in (R2019, R2024):
        assert r.merge_episodes and r.episodes.confidence is Confidence.LOCAL
        assert "未达到解除预警条件时，应按一次重污染过程统计，从严启动预警" in r.episodes.source
        assert r.episodes.duration == "polluted_hours" and r.episodes.duration_confidence is Confidence.TO_VERIFY


# (values, rule set, merged level & trigger, each run alone)
@pytest.mark.parametrize(
    "values, rules, merged, alone",
    [
        # the brief's case: the gap day 160 is not ≤ 150 → one episode; > 150 holds throughout anyway
        # (alone, the longer > 150 run of days 0–4 is the orange period)
        ([210, 220, 160, 215, 230], "2024", ("orange", "2024-orange-200"), ("orange", "2024-orange-150")),
        # ... with a day > 300 the merged 96 h > 200 makes it red; alone the > 200 runs last 48 h each
        ([210, 220, 160, 215, 310], "2024", ("red", "2024-red"), ("orange", "2024-orange-150")),
        # 2019: 96 h > 200 merged (≥ 72 h: orange); alone 48 h each (yellow)
        ([210, 220, 160, 215, 230], "2019", ("orange", "2019-orange"), ("yellow", "2019-yellow")),
        # 120 h > 200 and 48 h > 300 merged; alone the second run is 72 h > 200
        ([210, 220, 180, 215, 310, 320], "2019", ("red", "2019-red"), ("orange", "2019-orange")),
        # a gap of 24 h ≤ 150 (short of 36 h) does not release either
        ([210, 150, 220], "2019", ("yellow", "2019-yellow"), ("none", None)),
        ([160, 140, 160], "2024", ("yellow", "2024-yellow-150"), ("none", None)),
        ([310, 120, 210, 220], "2024", ("red", "2024-red"), ("orange", "2024-orange-200")),
        # chains: three 1-day runs, two 1-day gaps → 72 h > 200
        ([210, 150, 210, 150, 210], "2024", ("orange", "2024-orange-200"), ("yellow", "2024-yellow-200")),
        ([210, 150, 210, 150, 210], "2019", ("orange", "2019-orange"), ("none", None)),
        # the two > 300 days lie in one > 200 run; the day 250 between them does not release
        ([310, 250, 320, 210], "2019", ("red", "2019-red"), ("orange", "2019-orange")),
        # a gap meeting the release condition (48 h ≤ 150): two episodes, whatever the rule
        ([210, 220, 140, 130, 215, 310], "2024", ("orange", "2024-orange-200"), ("orange", "2024-orange-200")),
        ([210, 220, 140, 130, 215, 230], "2019", ("yellow", "2019-yellow"), ("yellow", "2019-yellow")),
        ([210, 150, 150, 220], "2019", ("none", None), ("none", None)),
        ([310, 100, 100, 210, 220, 230], "2024", ("orange", "2024-orange-200"), ("orange", "2024-orange-200")),
    ],
)
def test_merged_and_separate_daily(values, rules, merged, alone):
    assert judged(values, RULES[rules]) == merged
    assert judged(values, runs_only(RULES[rules])) == alone


def test_the_merged_episode_period_release_and_report():
    ev = evaluate(daily_series([120, 210, 220, 160, 215, 310, 140, 130], date(2026, 12, 1)), R2024)
    assert ev.level.value == "red" and ev.trigger_id == "2024-red"
    p = ev.period  # from the first run's start to the last run's end, gap included
    assert (p.start_index, p.end_index, p.hours) == (1, 5, 120)
    assert p.start == datetime(2026, 12, 2) and p.end == datetime(2026, 12, 7)
    assert ev.issue_by == datetime(2026, 12, 1)
    e = ev.episode
    assert e.merged and e.runs == ((1, 2), (4, 5)) and e.gaps == ((3, 3),)
    assert (e.gap_hours, e.counted_hours) == (24, 96)
    # the merged episode is released by the first 36 h ≤ 150 after it: days 6–7
    assert e.release_index == 6 and e.release_at == datetime(2026, 12, 7)
    d = ev.as_dict()["episode"]
    assert d["merged"] is True and d["gap_hours"] == 24 and d["counted_hours"] == 96
    assert [(r["start_index"], r["end_index"]) for r in d["runs"]] == [(1, 2), (4, 5)]
    assert d["gaps"][0]["max_aqi"] == 160 and d["gaps"][0]["start"] == "2026-12-04T00:00:00+08:00"
    assert d["merges"] == [{"threshold": 200, "runs": [[1, 2], [4, 5]], "gap_hours": 24, "counted_hours": 96}]
    assert d["release_at"] == "2026-12-07T00:00:00+08:00"
    assert any("按一次重污染过程统计" in n and "one episode" in n for n in ev.notes)
    assert next(f for f in ev.as_dict()["fired"] if f["id"] == "2024-red")["merged"] is True


def test_a_released_gap_leaves_the_first_episode_judged_alone():
    ev = evaluate(daily_series([210, 220, 140, 130, 215, 310], date(2026, 12, 1)), R2024)
    assert ev.level.value == "orange" and (ev.period.start_index, ev.period.end_index) == (0, 1)
    assert not ev.episode.merged and ev.episode.runs == ((0, 1),) and ev.episode.gap_hours == 0
    assert ev.episode.release_index == 2 and ev.episode.release_at == datetime(2026, 12, 3)
    assert "2024-red" not in {f.id for f in ev.fired}
    assert not any("按一次重污染过程统计" in n for n in ev.notes)
    assert ev.as_dict()["episode"]["merged"] is False


def test_a_merge_inside_the_enclosing_run_is_reported():
    # 2019 red: the > 200 run is one run (days 0–3); its two > 300 days were merged
    ev = evaluate(AqiSeries([310, 250, 320, 210]), R2019)
    e = ev.episode
    assert ev.level.value == "red" and e.runs == ((0, 3),) and e.merged
    assert [(m.threshold, m.runs) for m in e.merges] == [(300, ((0, 0), (2, 2)))]
    assert any("AQI>300" in n for n in ev.notes)


def test_hourly_rolling_series():
    # A: 25 windows > 200 (hours 0–48); gap of 12 windows ≤ 150 = 35 h < 36 h; B: 25 windows > 200, the last
    # > 300 (steps 37–61: hours 37–85). Merged: the windows cover hours 0–85 = 85 h > 200 (≥ 72) and 24 h > 300.
    a, b = [210] * 25, [210] * 24 + [310]
    merged = evaluate(AqiSeries(a + [140] * 12 + b, 1.0), R2024)
    assert merged.level.value == "red" and merged.episode.runs == ((0, 24), (37, 61))
    assert merged.episode.counted_hours == 85 and merged.episode.gap_hours == 35
    # 13 windows ≤ 150 cover 36 h: released between, each run 48 h alone → orange
    assert judged(a + [140] * 13 + b, R2024, 1.0) == ("orange", "2024-orange-200")
    assert judged(a + [140] * 12 + b, runs_only(R2024), 1.0) == ("orange", "2024-orange-200")
    # 2019: merged 85 h > 200 → orange; separate: yellow
    assert judged(a + [140] * 12 + a, R2019, 1.0) == ("orange", "2019-orange")
    assert judged(a + [140] * 13 + a, R2019, 1.0) == ("yellow", "2019-yellow")


def test_episode_span_counts_the_gap():
    doc = tomllib.loads((POLICY_DIR / RULES_SUBDIR / "2019.toml").read_text(encoding="utf-8"))
    doc["episodes"]["duration"] = "episode_span"
    span = parse_rule_set(doc, "merged")
    assert judged([210, 150, 220], span) == ("orange", "2019-orange")  # 72 h first to last day
    assert judged([210, 150, 220], R2019) == ("yellow", "2019-yellow")  # 48 h above 200
    assert judged([210, 150, 150, 220], span) == ("none", None)  # released between: not merged


def test_a_locality_can_turn_merging_off_and_a_bad_table_is_refused():
    doc = tomllib.loads((POLICY_DIR / RULES_SUBDIR / "2024.toml").read_text(encoding="utf-8"))
    doc["episodes"]["merge"] = False
    off = parse_rule_set(doc, "merged")
    assert not off.merge_episodes and judged([160, 140, 160], off) == ("none", None)
    doc["episodes"] = {"merge": True, "confidence": "local"}
    with pytest.raises(PolicyError, match="episodes"):
        parse_rule_set(doc, "bad.toml")


def test_cli_json_reports_the_episode():
    r = CliRunner().invoke(app, ["warning", "evaluate", "--rules", "2024", "--daily-aqi", "210,220,160,215,310", "--start", "2026-12-01"])
    assert r.exit_code == 0, (r.output, r.exception)
    out = json.loads(r.stdout)
    assert out["level"] == "red" and out["period"]["end"] == "2026-12-06T00:00:00+08:00"
    assert out["episode"]["merged"] is True and out["episode"]["gap_hours"] == 24
    assert out["rules"]["merge_episodes"] is True
    assert any("从严启动预警" in n for n in out["notes"])


def test_step_counting_rule_set():
    # duration_counting = steps: a gap of 35 hourly values ≤ 150 is 35 h (merged), 36 is 36 h (released);
    # two runs of 24 values > 200 are 24 h each alone, 48 h merged
    steps = R2024.model_copy(update={"duration_counting": "steps"})
    run = [210] * 24
    assert judged(run + [140] * 35 + run, steps, 1.0) == ("orange", "2024-orange-200")
    assert judged(run + [140] * 36 + run, steps, 1.0) == ("yellow", "2024-yellow-200")
    assert evaluate(AqiSeries(run + [140] * 35 + run, 1.0), steps).episode.counted_hours == 48
