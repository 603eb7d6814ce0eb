"""Trigger sequences from the regulations' wording (DOMAIN §2), periods, release, ozone episodes."""

from datetime import datetime, timedelta

import numpy as np
import pytest

from config.warning_rules import load_rule_set, parse_rule_set
from emergency.aqi.averaging import HourlySeries
from emergency.errors import WarningError
from emergency.warning.evaluation import evaluate
from emergency.warning.series import AqiSeries, daily_series, to_aqi_series

R2019, R2024 = load_rule_set("2019"), load_rule_set("2024")


def level(values, rules, step=24.0):
    return evaluate(AqiSeries(values, step), rules).level.value


# 2019 (648号 as applied locally): yellow > 200 for 2 days; orange > 200 for 3 days; red > 200 for 4 days
# and > 300 for 2 days, or AQI reaches 500. Runs are consecutive.
@pytest.mark.parametrize(
    "series, expected, trigger",
    [
        ([210, 220], "yellow", "2019-yellow"),
        ([210], "none", None),  # one day > 200 is not a warning under 2019
        ([200, 200, 200], "none", None),  # AQI 200 is not above 200
        ([210, 220, 230], "orange", "2019-orange"),
        ([210, 220, 310, 320], "red", "2019-red"),
        ([310, 320, 210, 220], "red", "2019-red"),
        ([210, 220, 230, 310], "orange", "2019-orange"),  # only one day > 300
        ([210, 310, 220, 320], "red", "2019-red"),  # two days > 300 in one episode: the day 220 between them does not release
        ([210, 310, 140, 130, 220, 320], "yellow", "2019-yellow"),  # 48 h ≤ 150 between: two 2-day episodes (merged it would be red)
        ([510], "red", "2019-red-500"),
        ([500], "red", "2019-red-500"),  # 达到500: 500 itself
        ([160, 160], "none", None),  # 2019 has no 150 condition
        ([160, 160, 160, 160], "none", None),
        ([210, 150, 220], "yellow", "2019-yellow"),  # one episode (24 h ≤ 150 < 36 h): 48 h > 200
        ([210, 150, 140, 220], "none", None),  # 48 h ≤ 150: released between, two 1-day runs
        ([210, 220, 150, 210, 220, 230], "orange", "2019-orange"),
    ],
)
def test_rule_set_2019(series, expected, trigger):
    ev = evaluate(AqiSeries(series), R2019)
    assert ev.level.value == expected and ev.trigger_id == trigger


# 2024 (环大气〔2024〕6号): yellow > 200, or > 150 for 48 h; orange > 200 for 48 h, or > 150 for 72 h;
# red > 200 for 72 h and > 300 for 24 h.
@pytest.mark.parametrize(
    "series, expected, trigger",
    [
        ([210], "yellow", "2024-yellow-200"),
        ([160, 160], "yellow", "2024-yellow-150"),
        ([160], "none", None),
        ([150, 150, 150], "none", None),  # AQI 150 is not above 150
        ([160, 150, 160], "yellow", "2024-yellow-150"),  # one episode (24 h ≤ 150 < 36 h): 48 h > 150
        ([160, 150, 150, 160], "none", None),  # 48 h ≤ 150: two episodes of 24 h
        ([210, 220], "orange", "2024-orange-200"),
        ([160, 170, 180], "orange", "2024-orange-150"),
        ([160, 210, 160], "orange", "2024-orange-150"),  # > 150 for 3 days, only one > 200
        ([210, 220, 310], "red", "2024-red"),
        ([210, 310, 220], "red", "2024-red"),  # the > 300 day lies inside the > 200 run
        ([310, 210, 220], "red", "2024-red"),
        ([210, 220, 230], "orange", "2024-orange-200"),  # no day > 300
        ([310, 150, 210, 220], "red", "2024-red"),  # one episode: 72 h > 200 with the > 300 day in it
        ([310, 150, 140, 210, 220, 230], "orange", "2024-orange-200"),  # the > 300 day is in an earlier, released episode
        ([210, 220, 300], "orange", "2024-orange-200"),  # 300 is not above 300
    ],
)
def test_rule_set_2024(series, expected, trigger):
    ev = evaluate(AqiSeries(series), R2024)
    assert ev.level.value == expected and ev.trigger_id == trigger


def test_the_highest_level_wins_and_its_run_is_the_period():
    ev = evaluate(daily_series([120, 210, 230, 320, 140], datetime(2026, 12, 1).date()), R2024)
    assert ev.level.value == "red" and ev.trigger_id == "2024-red"
    assert ev.trigger_wording_zh == "预测日AQI>200持续72小时且日AQI>300持续24小时及以上"
    p = ev.period
    assert (p.start_index, p.end_index, p.hours) == (1, 3, 72)
    assert p.start == datetime(2026, 12, 2) and p.end == datetime(2026, 12, 5)
    assert not p.open_start and not p.open_end
    assert ev.issue_by == datetime(2026, 12, 1)  # 24 h lead time
    assert {f.id for f in ev.fired} == {"2024-yellow-200", "2024-yellow-150", "2024-orange-200", "2024-orange-150", "2024-red"}


def test_separate_episodes():
    # yellow episode on days 0–1, 48 h ≤ 150, red on days 4–6: red governs, its own run is the period
    ev = evaluate(AqiSeries([160, 160, 100, 100, 210, 220, 310]), R2024)
    assert ev.level.value == "red" and (ev.period.start_index, ev.period.end_index) == (4, 6) and ev.period.open_end
    yellow = next(f for f in ev.fired if f.id == "2024-yellow-150")
    assert (yellow.period.start_index, yellow.period.end_index) == (0, 1)
    # one day at 100 does not release: the > 150 runs are one episode, days 0–6
    ev = evaluate(AqiSeries([160, 160, 100, 210, 220, 310]), R2024)
    assert ev.level.value == "red" and (ev.period.start_index, ev.period.end_index) == (3, 5)
    yellow = next(f for f in ev.fired if f.id == "2024-yellow-150")
    assert (yellow.period.start_index, yellow.period.end_index) == (0, 5) and yellow.episode.merged
    # two orange episodes: the earlier one is reported
    ev = evaluate(AqiSeries([210, 220, 100, 100, 160, 170, 180]), R2024)
    assert ev.level.value == "orange" and (ev.period.start_index, ev.period.end_index) == (0, 1)


def test_hourly_rolling_durations_count_the_hours_the_windows_cover():
    # k consecutive rolling 24-h values cover (k − 1) + 24 hours: 25 values = 48 h, 24 values = 47 h
    assert level([210] * 24, R2024, 1.0) == "yellow"
    assert level([210] * 25, R2024, 1.0) == "orange"
    assert level([210] * 48 + [310], R2024, 1.0) == "red"  # 49 values = 72 h, one > 300 window = 24 h
    assert level([210] * 47 + [310], R2024, 1.0) == "orange"  # 71 h
    # a rule set counting steps instead: 48 hourly values for 48 h
    steps = R2024.model_copy(update={"duration_counting": "steps"})
    assert level([210] * 47, steps, 1.0) == "yellow" and level([210] * 48, steps, 1.0) == "orange"


def test_hourly_and_daily_forecasts_of_the_same_episode_agree():
    # PM2.5 170 µg/m³ all of day 1, 180 all of day 2: IAQI 200 + 20 = 220, 200 + 30 = 230 (both tables)
    t0 = datetime(2025, 12, 1)
    times = tuple(t0 + timedelta(hours=h) for h in range(48))
    hourly = to_aqi_series(HourlySeries(times, {"pm25": np.array([170.0] * 24 + [180.0] * 24)}))
    assert hourly.values[0] == 220 and hourly.values[-1] == 230 and len(hourly.values) == 25
    ev_hourly, ev_daily = evaluate(hourly, R2024), evaluate(AqiSeries([220, 230], 24.0, t0), R2024)
    assert ev_hourly.level.value == ev_daily.level.value == "orange"
    assert ev_hourly.period.start == ev_daily.period.start == t0
    assert ev_hourly.period.end == ev_daily.period.end == t0 + timedelta(hours=48)
    assert ev_hourly.primary_pollutants == ("pm25",) and ev_hourly.industrial_measures is True


def test_ozone_episodes_get_no_industrial_measures_under_2024():
    o3 = AqiSeries([210, 220], 24.0, primary=[["o3"], ["o3"]])
    assert evaluate(o3, R2024).industrial_measures is False and evaluate(o3, R2024).primary_pollutants == ("o3",)
    assert any("臭氧" in n for n in evaluate(o3, R2024).notes)
    assert evaluate(AqiSeries([210, 220], 24.0, primary=[["pm25"], ["pm25"]]), R2024).industrial_measures is True
    # the pollutant primary on most days of the run decides; a tie keeps PM2.5 in, so industry acts
    mostly = AqiSeries([100, 210, 220, 230], 24.0, primary=[["pm25"], ["o3"], ["o3"], ["pm25"]])
    assert evaluate(mostly, R2024).primary_pollutants == ("o3",) and evaluate(mostly, R2024).industrial_measures is False
    tie = AqiSeries([210, 220], 24.0, primary=[["pm25"], ["o3"]])
    assert evaluate(tie, R2024).primary_pollutants == ("pm25", "o3") and evaluate(tie, R2024).industrial_measures is True
    # 2019 makes no such distinction; without pollutant data nothing is known
    assert evaluate(AqiSeries([210, 220], 24.0, primary=[["o3"], ["o3"]]), R2019).industrial_measures is True
    assert evaluate(AqiSeries([210, 220]), R2024).industrial_measures is None


@pytest.mark.parametrize(
    "series, step, may, clean_hours, release_index",
    [
        ([140, 120], 24.0, True, 48, 0),  # two days ≤ 150 = 48 h ≥ 36 h
        ([140], 24.0, False, 24, None),  # 24 h < 36 h
        ([150, 150], 24.0, True, 48, 0),  # 150 is 轻度污染: allowed
        ([140, 160], 24.0, False, 24, None),
        ([160, 140, 130], 24.0, False, 0, 1),  # not yet: from day 1 on
        ([150] * 13, 1.0, True, 36, 0),  # 13 rolling windows cover 36 h
        ([150] * 12, 1.0, False, 35, None),
        ([150] * 12 + [151], 1.0, False, 35, None),
    ],
)
def test_release_after_36_hours_at_or_below_150(series, step, may, clean_hours, release_index):
    r = evaluate(AqiSeries(series, step), R2024).release
    assert (r.may_release, r.clean_hours, r.release_index) == (may, clean_hours, release_index)


def test_release_time_when_dated():
    r = evaluate(daily_series([210, 140, 130], datetime(2026, 12, 1).date()), R2024).release
    assert r.release_at == datetime(2026, 12, 2)


def test_a_tightened_trigger_from_a_merged_document():
    """How config.policy applies a locality override: deep-merge the dict, then validate."""
    import tomllib

    from config.warning_rules import RULES_SUBDIR
    from config import POLICY_DIR

    doc = tomllib.loads((POLICY_DIR / RULES_SUBDIR / "2024.toml").read_text(encoding="utf-8"))
    doc["triggers"]["2024-yellow-150"]["all"] = [{"type": "run_above", "threshold": 150, "min_hours": 24}]
    tightened = parse_rule_set(doc, "merged")
    assert level([160], R2024) == "none" and level([160], tightened) == "yellow"
    assert [t.id for t in tightened.triggers] == [t.id for t in R2024.triggers]


def test_any_and_nested_conditions():
    rules = parse_rule_set(
        {
            "name": "test",
            "title_zh": "测试",
            "effective_from": "2020-01-01",
            "source": "test",
            "confidence": "local",
            "lead_time_hours": 24,
            "release_max_aqi": 150,
            "release_min_hours": 36,
            "triggers": {
                "red": {
                    "level": "red",
                    "wording_zh": "AQI>200持续4天且>300持续2天，或AQI达到500",
                    "any": [
                        {"type": "all", "of": [{"type": "run_above", "threshold": 200, "min_hours": 96}, {"type": "run_above", "threshold": 300, "min_hours": 48}]},
                        {"type": "reaches", "threshold": 500},
                    ],
                },
                "yellow": {"level": "yellow", "wording_zh": "AQI>150，或AQI>200", "any": [{"type": "run_above", "threshold": 150}, {"type": "run_above", "threshold": 200}]},
            },
        }
    )
    assert level([510], rules) == "red" and level([210, 220, 310, 320], rules) == "red"
    assert level([210, 220, 230, 310], rules) == "yellow"
    ev = evaluate(AqiSeries([100, 160, 210, 160, 100]), rules)  # overlapping spans of 'any' merge into one run
    assert ev.level.value == "yellow" and (ev.period.start_index, ev.period.end_index) == (1, 3)


def test_rule_set_before_its_effective_date_is_noted():
    ev = evaluate(daily_series([210], datetime(2023, 12, 1).date()), R2024)
    assert any("before rule set 2024 took effect" in n for n in ev.notes)


@pytest.mark.parametrize("values", [[], [210, -1], [210, float("nan")], [210, None], [True]])
def test_invalid_series(values):
    with pytest.raises(WarningError):
        AqiSeries(values)
