"""The README's example files import into the hand-made city as documented."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from emergency import clock
from emergency.evaluation.cems import import_cems
from emergency.evaluation.observations import import_observations, observed_daily_aqi
from enterprise_registry.db import make_engine, upgrade_database
from tests.enterprise.city import C1, NOW, load_city

HERE = Path(__file__).parent / "examples"


def test_the_example_files(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade_database(engine)
    with clock.use_clock(NOW):
        load_city(engine)
        s = import_cems(engine, HERE / "在线监测示例.csv")
        o = import_observations(engine, HERE / "站点观测示例.csv")
        city = observed_daily_aqi(engine, "测试市", [date(2026, 12, 2)])[0]
    # C1: 3 pollutants × (24 + 19) hours; C2: SO2 × (24 + 19)
    assert (s.rows, s.enterprises, s.outlets, s.gap_hours) == (4 * 43, 2, 2, 4 * 5)
    assert {(q.enterprise_uscc, q.pollutant) for q in s.short_days if q.enterprise_uscc == C1} == {
        (C1, "SO2"), (C1, "NOx"), (C1, "PM")}
    assert s.new == s.rows and o.stations == 3 and o.rows == 72
    assert city.aqi is not None and city.primary == ("pm25",) and city.stations == 1
    engine.dispose()
