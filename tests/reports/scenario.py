"""A hand-made episode for the reports' tests, on the enterprise tests' city (甲县: C1;
乙县: C2, C3 with two kilns; A1 spared), on a UTC machine. Times below are UTC with their
Beijing reading; the deadlines are the national policy's (receipt 1 h after the issue at
2026-12-03 23:30 Beijing → 2026-12-04 00:30; report 24 h after the measures start →
2026-12-06 00:00 Beijing).

    orange warning issued 12-03 23:30 BJ, measures 12-05 00:00 BJ → released 12-07 12:00 BJ
    C1 receipt   12-03 16:20 UTC = 12-04 00:20 BJ   on time        (Beijing day 12-04)
    C3 receipt   12-04 23:30 UTC = 12-05 07:30 BJ   late           (Beijing day 12-05, UTC day 12-04)
    C2 receipt   12-05 16:30 UTC = 12-06 00:30 BJ   late           (Beijing day 12-06, UTC day 12-05)
    C1 report    12-05 02:00 UTC = 12-05 10:00 BJ   complete, on time (day 12-05)
    C3 line 1    12-05 03:00 UTC = 12-05 11:00 BJ   (incomplete)
    C3 line 2    12-05 17:00 UTC = 12-06 01:00 BJ   complete, late (day 12-06)
    inspections  C2 未落实 12-04 17:00 UTC = 12-05 01:00 BJ (day 12-05)
                 C1 落实   12-05 01:00 UTC = 12-05 09:00 BJ (day 12-05)
                 C3 未落实 12-05 16:10 UTC = 12-06 00:10 BJ (day 12-06)
    electricity  baseline 11-28 … 12-04 1000 kWh/day for C1 and C2; warning days: C1 1000
                 (no drop: 未落实), C2 50 (落实); C3 no readings (数据不足)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from emergency import clock
from emergency.plans.document import PlanDocument
from emergency.reports.inspections import InspectionIn, record_inspection
from emergency.workflow import lifecycle as wf
from emergency.workflow import receipts as rc
from emergency.workflow.electricity_readings import import_electricity
from tests.enterprise.city import A1, C1, C2, C3, NOW, issue, load_city

UTC = timezone.utc
RELEASE = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)  # 12:00 Beijing
AFTER = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)  # 10:00 Beijing, the day after the release
D5, D6, D7 = date(2026, 12, 5), date(2026, 12, 6), date(2026, 12, 7)
COUNTY = {C1: "甲县", C2: "乙县", C3: "乙县"}


@dataclass
class Episode:
    engine: object
    wid: int
    doc: PlanDocument  # plan version 1 (the only one)


def _line_ids(doc: PlanDocument, uscc: str) -> list[str]:
    return sorted({a.line_id for a in doc.actions if a.enterprise_uscc == uscc})


def electricity_csv(path) -> None:
    rows = ["统一社会信用代码,生产线编号,日期,用电量(kWh)"]
    for k in range(7, 0, -1):
        d = date(2026, 12, 5) - timedelta(days=k)
        rows += [f"{C1},,{d},1000", f"{C2},,{d},1000"]
    for d in (D5, D6, D7):
        rows += [f"{C1},,{d},1000", f"{C2},,{d},50"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def build(engine, tmp_path, release: bool = True) -> Episode:
    with clock.use_clock(NOW):
        load_city(engine)
        w, _, doc = issue(engine)
    wid = w.id
    at = lambda y, mo, d, h, mi: clock.use_clock(datetime(y, mo, d, h, mi, tzinfo=UTC))  # noqa: E731
    with at(2026, 12, 3, 16, 20):
        rc.confirm(engine, wid, 1, C1, "c1")
    with at(2026, 12, 4, 23, 30):
        rc.confirm(engine, wid, 1, C3, "c3")
    with at(2026, 12, 5, 16, 30):
        rc.confirm(engine, wid, 1, C2, "c2")
    (c1_line,) = _line_ids(doc, C1)
    l1, l2 = _line_ids(doc, C3)
    with at(2026, 12, 5, 2, 0):
        rc.report(engine, wid, 1, C1, c1_line, "停产", clock.now(), "c1")
    with at(2026, 12, 5, 3, 0):
        rc.report(engine, wid, 1, C3, l1, "1#窑停产", clock.now(), "c3")
    with at(2026, 12, 5, 17, 0):
        rc.report(engine, wid, 1, C3, l2, "2#窑停产", clock.now(), "c3")
    with at(2026, 12, 6, 3, 0):
        for u, t, res in ((C2, datetime(2026, 12, 4, 17, 0, tzinfo=UTC), "未落实"),
                          (C1, datetime(2026, 12, 5, 1, 0, tzinfo=UTC), "落实"),
                          (C3, datetime(2026, 12, 5, 16, 10, tzinfo=UTC), "non_compliant")):
            record_inspection(engine, wid, InspectionIn(u, t, "李四", res, note="夜查"), "duty")
    csv = tmp_path / "electricity.csv"
    electricity_csv(csv)
    import_electricity(engine, csv, "duty")
    if release:
        with clock.use_clock(RELEASE):
            wf.release_warning(engine, wid, actor="duty", reason="空气质量好转")
    assert A1 not in {a.enterprise_uscc for a in doc.actions}
    return Episode(engine, wid, doc)


def planned_per_day(doc: PlanDocument) -> dict[str, dict[str, float]]:
    """county -> pollutant -> kg/day of the plan's actions, summed here from the document."""
    out: dict[str, dict[str, float]] = {}
    for a in doc.actions:
        c = out.setdefault(COUNTY[a.enterprise_uscc], {p: 0.0 for p in ("SO2", "NOx", "PM", "VOCs")})
        for p, kg in a.reduction_kg.items():
            c[p] += kg
    return out
