"""A warning over lines the rotation calendar already stops (issue 15.4): the plan counts
them as stopped (held) and orders nothing on top; a line stopped on only some of the
warning's days is not held."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from emergency import clock
from emergency.optimization.builder import HELD_SOURCE
from emergency.rotation.document import stop_dates
from emergency.rotation.overlay import held_lines
from emergency.rotation.rules import RotationRules
from emergency.rotation.service import plan_season, save_plan
from emergency.vocabulary import WarningLevel as L
from emergency.workflow import lifecycle as wf
from enterprise_registry.db import open_database
from enterprise_registry.service import import_tables
from tests.rotation.factory import firm, tables, uscc

RULES = RotationRules(window_start="12-01", window_end="01-29", industries=["brick"],
                      stop_days={"D": "whole", "C": 15}, min_block_days=5)


def test_held_lines_need_every_warning_day():
    doc = {"area": "测试市", "season": "2026-2027", "lines": [
        {"line_id": "A/L01", "blocks": [["2026-12-01", "2026-12-20"]]},
        {"line_id": "B/L01", "blocks": [["2026-12-09", "2026-12-10"]]},
    ]}
    days = [date(2026, 12, 9), date(2026, 12, 10), date(2026, 12, 11)]
    assert set(held_lines(doc, days)) == {"A/L01"}  # B runs on 12-11
    assert held_lines(doc, []) == {}


def test_a_warning_counts_the_whole_window_stop_of_a_d_line(sqlite_url):
    t = tables([firm("1", grade="D"), firm("2", grade="C"), firm("3", grade="C"), firm("4", grade="C")])
    engine = open_database(sqlite_url)
    import_tables(engine, t)
    run = plan_season(t, "2026-2027", rules=RULES, time_limit=5)
    save_plan(engine, run.document)
    d_line = f"{uscc('1')}/L01"
    assert stop_dates(run.document)[d_line] >= {date(2026, 12, 10), date(2026, 12, 11)}
    start = clock.aware(datetime(2026, 12, 10, 0))
    with clock.use_clock(start - timedelta(days=5)):
        w, _ = wf.issue_warning(engine, actor="zhang", level=L.ORANGE, areas=None, start=start,
                                end=start + timedelta(days=2), accept_shortfall=True)
    from sqlmodel import Session

    from emergency.plans.document import PlanDocument

    with Session(engine) as s:
        doc = PlanDocument.model_validate_json(wf.latest_plan(s, w.id).document)
    held = [a for a in doc.actions if a.line_id == d_line]
    assert held and held[0].output_cut == 1.0
    assert HELD_SOURCE in doc.sources.get(held[0].source, held[0].source or "")
    # held: exactly the lines the calendar stops on both Beijing days of the warning (12-10, 12-11)
    stops = stop_dates(run.document)
    expected = {lid for lid, ds in stops.items() if {date(2026, 12, 10), date(2026, 12, 11)} <= ds}
    got = {a.line_id for a in doc.actions if HELD_SOURCE in doc.sources.get(a.source, a.source or "")}
    assert got == expected and d_line in got
