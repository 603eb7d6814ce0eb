"""A hand-made city for enterprise tests: three C-grade brick works in two counties (one
with two kilns) and an A-grade one, on a UTC machine at 23:30 Beijing time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from emergency.plans.document import PlanDocument
from emergency.vocabulary import WarningLevel as L
from emergency.workflow import lifecycle as wf
from enterprise_registry import service as registry
from enterprise_registry.uscc import make_uscc
from tests.rotation.factory import firm, tables, uscc as factory_uscc

BJ = timezone(timedelta(hours=8))
NOW = datetime(2026, 12, 3, 15, 30, tzinfo=timezone.utc)  # 2026-12-03 23:30 北京时间
START = datetime(2026, 12, 5, 0, 0)  # Beijing, as typed: 24.5 h ahead, every kiln (24 h lead) can stop
END = START + timedelta(days=3)
CODES = {"C1": make_uscc("91320400000000001"), "C2": make_uscc("91320400000000002"),
         "C3": make_uscc("91320400000000003"), "A1": make_uscc("91320400000000004")}  # valid 统一社会信用代码
C1, C2, C3, A1 = CODES["C1"], CODES["C2"], CODES["C3"], CODES["A1"]


def city_tables():
    t = tables([firm("C1"), firm("C2", county="乙县"), firm("C3", county="乙县", lines=2), firm("A1", grade="A")])
    for p in ("so2", "nox", "pm"):
        t.areas[f"base_{p}"] = [60.0] * len(t.areas["name"])
    t.areas["listed_share_vocs"] = [0.0] * len(t.areas["name"])
    real = {factory_uscc(k): v for k, v in CODES.items()}
    t.enterprises["uscc"] = [real[u] for u in t.enterprises["uscc"]]
    t.lines["uscc"] = [real[u] for u in t.lines["uscc"]]
    return t


def load_city(engine) -> None:
    registry.import_tables(engine, city_tables())


def issue(engine, level=L.ORANGE):
    """Issue a warning at the clock's now; (warning, plan version 1, its PlanDocument)."""
    w, pv = wf.issue_warning(engine, actor="duty", level=level, areas=None, start=START, end=END)
    return w, pv, PlanDocument.model_validate_json(pv.document)


def ordered(doc: PlanDocument) -> dict[str, set[str]]:
    """The firms with measures in a plan and their lines (read from the plan itself)."""
    out: dict[str, set[str]] = {}
    for a in doc.actions:
        out.setdefault(a.enterprise_uscc, set()).add(a.line_id)
    return out
