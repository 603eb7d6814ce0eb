"""Warning lifecycle, stable re-planning, audit, notices and compliance — on SQLite and PostgreSQL."""

import json
import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from emergency import clock
from emergency.errors import Conflict, WarningError
from emergency.plans.document import PlanDocument
from emergency.plans.service import diff_plans, make_plan
from emergency.workflow import audit, lifecycle as wf
from emergency.workflow.compliance import check_compliance
from emergency.workflow.electricity_readings import import_electricity
from emergency.workflow.package import write_notices
from enterprise_registry import service as registry
from enterprise_registry.db import open_database
from enterprise_registry.generator import generate_registry
from emergency.vocabulary import WarningLevel as L

START = datetime(2026, 12, 1, 8)  # Beijing time
END = START + timedelta(days=3)
NOW = datetime(2026, 11, 28, 8)  # three days ahead: every line of these lists can stop in time


@pytest.fixture(autouse=True)
def _now():
    with clock.use_clock(clock.aware(NOW)):
        yield


@pytest.fixture
def engine(db_url):
    e = open_database(db_url)
    registry.import_tables(e, generate_registry(400, seed=8))
    yield e
    e.dispose()


def test_issue_adjust_release_with_versions_and_audit(engine):
    w, pv = wf.issue_warning(engine, actor="zhang", level=L.ORANGE, areas=None, start=START, end=END, forecast={"daily_aqi": [210, 230]})
    assert (w.state, pv.version_no, pv.transition) == ("issued", 1, "issue")
    with pytest.raises(Conflict, match="已有生效预警"):
        wf.issue_warning(engine, actor="li", level=L.RED, areas=["城区"], start=START, end=END)
    wf.adjust_warning(engine, w.id, actor="zhang", level=L.RED)
    wf.adjust_warning(engine, w.id, actor="zhang", level=L.YELLOW)
    wf.adjust_warning(engine, w.id, actor="zhang", end=END + timedelta(days=1))
    w, versions = wf.get_warning(engine, w.id)
    assert [v.transition for v in versions] == ["issue", "upgrade", "downgrade", "extend"]
    assert [v.level for v in versions] == ["orange", "red", "yellow", "yellow"]
    # old versions stay readable and hash to what was recorded
    for v in versions:
        doc = PlanDocument.model_validate_json(v.document)
        assert wf.plan_sha256(doc) == v.sha256
    wf.release_warning(engine, w.id, actor="zhang", reason="空气质量好转")
    with pytest.raises(Conflict):
        wf.release_warning(engine, w.id, actor="zhang")
    # the area is free again
    w2, _ = wf.issue_warning(engine, actor="li", level=L.YELLOW, areas=["城区"], start=START, end=END)
    log = audit.audit_log(engine)
    assert [a.action for a in log] == [
        "warning.issue", "warning.upgrade", "warning.downgrade", "warning.extend", "warning.release", "warning.issue"
    ]
    issue = json.loads(log[0].details)
    assert issue["registry_version"] and issue["forecast"] == {"daily_aqi": [210, 230]} and issue["policy_chain"]
    assert log[0].plan_sha256 == versions[0].sha256 and log[1].plan_sha256 == versions[1].sha256
    assert log[4].actor == "zhang" and json.loads(log[4].details)["reason"] == "空气质量好转"


def test_audit_is_append_only_in_the_database(engine):
    wf.issue_warning(engine, actor="zhang", level=L.YELLOW, areas=None, start=START, end=END)
    with pytest.raises(sa.exc.DBAPIError):
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE audit_record SET actor = 'someone else'"))
    with pytest.raises(sa.exc.DBAPIError):
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM audit_record"))
    assert audit.audit_log(engine)[0].actor == "zhang"


def test_two_officers_at_the_same_moment_get_one_warning_and_one_conflict(engine):
    barrier = threading.Barrier(2)
    outcomes = []

    def officer(name):
        barrier.wait()
        try:
            wf.issue_warning(engine, actor=name, level=L.ORANGE, areas=None, start=START, end=END)
            outcomes.append("issued")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=officer, args=(n,)) for n in ("zhang", "li")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "issued"]
    assert len(wf.list_warnings(engine, active_only=True)) == 1
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM plan_version")).scalar() == 1


def test_county_and_city_warnings_exclude_each_other(engine):
    wf.issue_warning(engine, actor="a", level=L.YELLOW, areas=["城区"], start=START, end=END)
    with pytest.raises(Conflict):
        wf.issue_warning(engine, actor="b", level=L.ORANGE, areas=None, start=START, end=END)  # the city holds 城区
    wf.issue_warning(engine, actor="b", level=L.ORANGE, areas=["郊区"], start=START, end=END)


def test_merge_turns_a_second_issue_into_an_upgrade(engine):
    w, _ = wf.issue_warning(engine, actor="a", level=L.YELLOW, areas=None, start=START, end=END)
    w2, pv = wf.issue_warning(engine, actor="b", level=L.RED, areas=None, start=START, end=END, merge=True)
    assert w2.id == w.id and pv.transition == "upgrade" and w2.level == "red"


def test_bad_requests_are_clear(engine):
    with pytest.raises(WarningError, match="结束时间"):
        wf.issue_warning(engine, actor="a", level=L.YELLOW, areas=None, start=END, end=START)
    with pytest.raises(WarningError, match="unknown areas"):
        wf.issue_warning(engine, actor="a", level=L.YELLOW, areas=["火星县"], start=START, end=END)


def test_stable_replanning_changes_fewer_lines(db_url):
    tables = generate_registry(1500, seed=3)
    red = make_plan(tables, L.RED).document
    fresh = make_plan(tables, L.YELLOW).document
    stable = make_plan(tables, L.YELLOW, previous=red).document
    assert stable.feasible
    assert all(r.achieved_kg >= r.required_kg - 1e-6 for r in stable.requirements)
    assert diff_plans(red, stable)["lines_changed_total"] < diff_plans(red, fresh)["lines_changed_total"]


def test_notices_are_complete(engine, tmp_path):
    w, pv = wf.issue_warning(engine, actor="zhang", level=L.ORANGE, areas=None, start=START, end=END)
    doc = PlanDocument.model_validate_json(pv.document)
    summary = write_notices(engine, w.id, tmp_path)
    firms = {a.enterprise_uscc for a in doc.actions}
    assert summary["notices"] == len(firms)
    tables = registry.export_tables(engine)
    contact = dict(zip(tables.enterprises["uscc"], zip(tables.enterprises["name"], tables.enterprises["contact_person"], tables.enterprises["contact_phone"])))
    for uscc in list(firms)[:25]:
        (f,) = list((tmp_path / "管控通知").glob(f"*_{uscc}.html"))
        text = f.read_text(encoding="utf-8")
        name, person, phone = contact[uscc]
        assert name in text and person in text and phone in text
        assert "2026年12月01日08时" in text and "2026年12月04日08时" in text and "用电量" in text
        for a in doc.actions:
            if a.enterprise_uscc == uscc:
                assert a.line_name in text and a.measure_zh in text
    announcement = (tmp_path / "预警信息发布.txt").read_text(encoding="utf-8")
    assert "橙色预警" in announcement and "Ⅱ级" in announcement and "20%" in announcement
    assert (tmp_path / "index.html").exists() and list(tmp_path.glob("应急减排清单_橙色预警.xlsx"))


def test_compliance_flags_firms_whose_use_did_not_drop(engine, tmp_path):
    w, pv = wf.issue_warning(engine, actor="zhang", level=L.ORANGE, areas=None, start=START, end=END)
    doc = PlanDocument.model_validate_json(pv.document)
    stopped = sorted({a.enterprise_uscc for a in doc.actions if a.output_cut == 1.0})[:2]
    assert len(stopped) == 2
    good, bad = stopped
    rows = ["统一社会信用代码,生产线编号,日期,用电量(kWh)"]
    for d in range(-7, 3):
        day = (START + timedelta(days=d)).date()
        rows.append(f"{good},,{day},{1000 if d < 0 else 5}")
        rows.append(f"{bad},,{day},1000")
    f = tmp_path / "kwh.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert import_electricity(engine, f).rows == 20
    verdict = {r.enterprise_uscc: r.verdict for r in check_compliance(engine, w.id).rows}
    assert verdict[good] == "落实" and verdict[bad] == "未落实"


def test_electricity_import_is_all_or_nothing(engine, tmp_path):
    from emergency.errors import ImportRejected

    f = tmp_path / "bad.csv"
    f.write_text("统一社会信用代码,日期,用电量(kWh)\n91520000214434146R,2026-12-01,10\n91520000214434146X,2026-12-01,10\n91520000214434146R,2026-13-01,-1\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        import_electricity(engine, f)
    assert {(p.row, p.column) for p in info.value.problems} == {(3, "统一社会信用代码"), (4, "日期"), (4, "用电量(kWh)")}
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM electricity_reading")).scalar() == 0
