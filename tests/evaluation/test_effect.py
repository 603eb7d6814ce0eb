"""The effect of an episode on the hand-made city, every figure computed here by hand.

The city (tests/enterprise/city.py): an orange warning 2026-12-05 00:00 – 12-08 00:00
Beijing time (3 whole days) stops C1 (甲县), C2 and C3's two kilns (乙县), each line
10 kg/day of SO2, NOx and PM and 10^5 yuan/day of output: planned 30 kg per line and
pollutant, lost output 4 × 10^5 × 3 = 1.2 × 10^6 yuan = 120 万元. A1 (甲县, grade A) is spared.

Data: C1 has CEMS (SO2 on two outlets, NOx on one); C2 has electricity readings only; C3
has nothing; A1 has CEMS and its SO2 rises during the warning.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from emergency import clock
from emergency.evaluation.cems import import_cems
from emergency.evaluation.effect import CITY_TOTAL, evaluate_episode
from emergency.vocabulary import WarningLevel as L
from emergency.workflow import lifecycle as wf
from emergency.workflow.electricity_readings import import_electricity
from enterprise_registry.db import make_engine, upgrade_database
from tests.enterprise.city import A1, C1, C2, C3, END, NOW, START, load_city
from tests.evaluation.data import CEMS_HEADER, day_rows, write

D = date(2026, 12, 5)  # the first warning day
AFTER = NOW + timedelta(days=5)  # 2026-12-08 23:30 Beijing: the episode's hours are past


def _days(first: date, n: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(n)]


@pytest.fixture
def world(db_url, tmp_path):
    eng = make_engine(db_url)
    upgrade_database(eng)
    with clock.use_clock(NOW):
        load_city(eng)
        w, _ = wf.issue_warning(eng, actor="duty", level=L.ORANGE, areas=None, start=START, end=END,
                                forecast={"daily_aqi": [180, 260, 240], "start": "2026-12-05T00:00:00+08:00"})
        before: list[str] = []
        # C1 SO2, outlet DA001 (10,000 m³/h): 11-25 at 200 mg/m³ (48 kg/day, the 8th most recent valid day: not used);
        # 11-26 … 12-01 and 12-03 at 100 mg/m³ (24 kg/day); 12-02 only 19 hours at 300 (an invalid day: not used)
        before += day_rows(C1, "DA001", "SO2", date(2026, 11, 25), 200, 10000)
        for d in _days(date(2026, 11, 26), 6) + [date(2026, 12, 3)]:
            before += day_rows(C1, "DA001", "SO2", d, 100, 10000)
        before += day_rows(C1, "DA001", "SO2", date(2026, 12, 2), 300, 10000, hours=19)
        # C1 SO2, outlet DA002 (5,000 m³/h at 40 mg/m³ = 4.8 kg/day) and NOx on DA001 (200 mg/m³: 48 kg/day), 11-27 … 12-03
        for d in _days(date(2026, 11, 27), 7):
            before += day_rows(C1, "DA002", "SO2", d, 40, 5000)
            before += day_rows(C1, "DA001", "NOx", d, 200, 10000)
            before += day_rows(A1, "DA001", "SO2", d, 10, 10000)  # A1: 2.4 kg/day
        import_cems(eng, write(tmp_path / "before.csv", CEMS_HEADER, before))
    during: list[str] = []
    for i, d in enumerate(_days(D, 3)):
        during += day_rows(C1, "DA001", "SO2", d, 50 if i < 2 else 150, 10000)  # 12, 12, 36 kg
        during += day_rows(C1, "DA002", "SO2", d, 40, 5000, hours=20 if i == 1 else 24)  # 4.8 kg/day (20 h: still valid)
        during += day_rows(C1, "DA001", "NOx", d, 100, 10000, hours=19 if i == 1 else 24)  # 24 kg; 12-06 invalid
        during += day_rows(A1, "DA001", "SO2", d, 20, 10000)  # 4.8 kg/day: above its 2.4 baseline
    # C2: electricity 1000 kWh/day before; during, 750 (its notice's expected drop e = 0.5 — stop_keep_warm's
    # [compliance] electricity_drop × a whole-firm cut — so observed = 0.25 = e / 2)
    kwh = ["统一社会信用代码,日期,用电量(kWh)"]
    kwh += [f"{C2},{d},1000" for d in _days(date(2026, 11, 28), 7)] + [f"{C2},{d},750" for d in _days(D, 3)]
    with clock.use_clock(AFTER):
        import_cems(eng, write(tmp_path / "during.csv", CEMS_HEADER, during))
        import_electricity(eng, write(tmp_path / "kwh.csv", kwh[0], kwh[1:]))
        effect = evaluate_episode(eng, w.id)
    yield eng, w, effect
    eng.dispose()


def _row(rows, **key):
    found = [r for r in rows if all(r[k] == v for k, v in key.items())]
    assert len(found) == 1, (key, found)
    return found[0]


def test_cems_baseline_and_achieved_by_hand(world):
    _, _, effect = world
    firms = effect.firm_rows()
    so2 = _row(firms, uscc=C1, pollutant="SO2")
    # B = 24 (DA001: the 7 most recent valid days) + 4.8 (DA002) = 28.8; K = 16.8, 16.8, 40.8
    assert so2["baseline_kg_per_day"] == pytest.approx(28.8)
    assert so2["achieved_kg"] == pytest.approx((28.8 - 16.8) * 2 + (28.8 - 40.8))  # 12
    assert (so2["source"], so2["days_with_data"], so2["planned_kg"], so2["planned_covered_kg"]) == ("cems", 3, 30, 30)
    nox = _row(firms, uscc=C1, pollutant="NOx")
    # B = 48; 12-06 has 19 hours (< 20): only 12-05 and 12-07 count, 24 kg each
    assert nox["baseline_kg_per_day"] == pytest.approx(48)
    assert nox["achieved_kg"] == pytest.approx(2 * (48 - 24))
    assert (nox["days_with_data"], nox["planned_covered_kg"]) == (2, pytest.approx(20))
    pm = _row(firms, uscc=C1, pollutant="PM")  # no CEMS for PM, no electricity readings
    assert (pm["source"], pm["achieved_kg"]) == ("none", None)


def test_electricity_share_for_a_firm_without_cems_and_nothing_for_a_firm_without_data(world):
    _, _, effect = world
    for p in ("SO2", "NOx", "PM"):
        r = _row(effect.firm_rows(), uscc=C2, pollutant=p)
        assert (r["source"], r["days_with_data"]) == ("electricity", 3)
        assert r["achieved_kg"] == pytest.approx(30 * 0.25 / 0.5)  # planned × observed / expected
        r3 = _row(effect.firm_rows(), uscc=C3, pollutant=p)
        assert (r3["planned_kg"], r3["achieved_kg"], r3["source"], r3["planned_covered_kg"]) == (60, None, "none", 0)


def test_county_and_city_rows_and_coverage(world):
    _, _, effect = world
    rows = effect.county_rows()
    jia = _row(rows, county="甲县", pollutant="SO2")
    assert (jia["planned_kg"], jia["achieved_kg"], jia["coverage"], jia["source"]) == (30, pytest.approx(12), 1.0, "cems")
    yi = _row(rows, county="乙县", pollutant="SO2")
    assert (yi["planned_kg"], yi["achieved_kg"], yi["source"]) == (90, pytest.approx(15), "electricity")
    assert yi["coverage"] == pytest.approx(30 / 90)
    city = _row(rows, county=CITY_TOTAL, pollutant="SO2")
    assert (city["planned_kg"], city["achieved_kg"]) == (120, pytest.approx(27))
    assert (city["coverage"], city["cems_coverage"], city["electricity_coverage"]) == (0.5, 0.25, 0.25)
    nox = _row(rows, county=CITY_TOTAL, pollutant="NOx")
    assert (nox["planned_kg"], nox["achieved_kg"], nox["coverage"]) == (120, pytest.approx(48 + 15), pytest.approx(50 / 120))
    pm = _row(rows, county="甲县", pollutant="PM")
    assert (pm["achieved_kg"], pm["source"], pm["coverage"]) == (None, "none", 0.0)
    assert set(rows[0]) >= {"county", "pollutant", "planned_kg", "achieved_kg", "source", "coverage"}
    assert any("覆盖 25 %" in line for line in effect.coverage_lines())


def test_increase_flags_by_hand(world):
    _, _, effect = world
    flags = {(f["uscc"], f["pollutant"], f["day"]): f for f in effect.increase_flags()}
    # C1 SO2 on 12-07: 40.8 > 28.8; A1 (spared, not ordered) SO2 every day: 4.8 > 2.4; C1 NOx never above 48
    assert set(flags) == {(C1, "SO2", date(2026, 12, 7)), *((A1, "SO2", d) for d in _days(D, 3))}
    f = flags[(C1, "SO2", date(2026, 12, 7))]
    assert (f["baseline_kg"], f["kg"], f["county"]) == (pytest.approx(28.8), pytest.approx(40.8), "甲县")


def test_lost_output_forecast_and_no_observations_said(world):
    _, w, effect = world
    assert effect.lost_output_wan_yuan == pytest.approx(120)
    days = effect.aqi_days()
    assert [(d["day"], d["forecast_aqi"], d["observed_aqi"]) for d in days] == [
        (D, 180, None), (D + timedelta(days=1), 260, None), (D + timedelta(days=2), 240, None)]
    assert any("站点观测" in n for n in effect.notes)
    d = effect.as_dict()
    assert d["warning_id"] == w.id and d["aqi_days"][0]["day"] == "2026-12-05"


def test_the_chart_is_inline_svg_without_script(world):
    from emergency.evaluation.charts import episode_chart

    _, _, effect = world
    svg = str(episode_chart(effect))
    assert svg.startswith("<svg") and "<script" not in svg and "SO2" in svg and "暂缺" in svg


def test_an_early_release_counts_the_hours_in_force(sqlite_url, tmp_path):
    """Released at 2026-12-06 12:00 Beijing: 1.5 days of measures — planned 10 × 1.5 = 15 kg
    per line and pollutant, lost output 4 lines × 10^5 × 1.5 = 60 万元; a CEMS day after the
    release is not a warning day (12-07 neither judged nor flagged)."""
    eng = make_engine(sqlite_url)
    upgrade_database(eng)
    with clock.use_clock(NOW):
        load_city(eng)
        w, _ = wf.issue_warning(eng, actor="duty", level=L.ORANGE, areas=None, start=START, end=END)
        base = [r for d in _days(date(2026, 11, 27), 7) for r in day_rows(C1, "DA001", "SO2", d, 100, 10000)]
        import_cems(eng, write(tmp_path / "b.csv", CEMS_HEADER, base))
    with clock.use_clock(clock.aware(START) + timedelta(hours=36)):
        wf.release_warning(eng, w.id, actor="duty", reason="空气质量好转")
    during = [r for d in _days(D, 3) for r in day_rows(C1, "DA001", "SO2", d, 50 if d < date(2026, 12, 7) else 300, 10000)]
    with clock.use_clock(AFTER):
        import_cems(eng, write(tmp_path / "d.csv", CEMS_HEADER, during))
        effect = evaluate_episode(eng, w.id)
    assert effect.warning_days == (D, D + timedelta(days=1))
    assert effect.lost_output_wan_yuan == pytest.approx(60)
    so2 = _row(effect.firm_rows(), uscc=C1, pollutant="SO2")
    assert so2["planned_kg"] == pytest.approx(15)
    # 12-05 and 12-06 (half a day under the warning, counted whole): (24 − 12) × 2
    assert so2["achieved_kg"] == pytest.approx(24) and effect.increase_flags() == []
    assert [d["area"] for d in effect.aqi_days()] == ["测试市", "测试市"]
    eng.dispose()
