"""Compliance check (落实核查) and the electricity import — on SQLite and PostgreSQL.

Expected values are worked out here from the plan's actions, the list's output values and
the policy's drop factors (not from the code under test). Warnings are written as the
workflow stores them (aware UTC) and start at Beijing midnight: 2026-12-05T00:00+08:00
is 2026-12-04T16:00Z, so a check that took the UTC date would count 12-04.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from emergency.errors import ImportRejected, InputError, NotFound
from emergency.notices.wording import percent
from emergency.plans.service import make_plan, policy_for
from emergency.workflow.compliance import check_compliance
from emergency.workflow.compliance_workbook import write_workbook
from emergency.workflow.electricity_readings import import_electricity
from emergency.workflow.models import ElectricityReading, PlanVersion, WarningRecord
from enterprise_registry import service as registry
from enterprise_registry.db import open_database
from enterprise_registry.generator import generate_registry
from emergency.vocabulary import WarningLevel as L

BJ = ZoneInfo("Asia/Shanghai")
HEADER = "统一社会信用代码,生产线编号,日期,用电量(kWh)"


@pytest.fixture(autouse=True)
def _utc_machine(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def engine(db_url):
    e = open_database(db_url)
    registry.import_tables(e, generate_registry(300, seed=8))
    yield e
    e.dispose()


def bj(*args) -> datetime:
    return datetime(*args, tzinfo=BJ)


def record_warning(engine, versions, start, end, *, state="issued", released_at=None) -> int:
    """A warning as the workflow stores it; ``versions``: [(plan document, effective_from,
    created_at)] in order."""
    tables = registry.load_planning_tables(engine)
    with Session(engine) as s:
        w = WarningRecord(state=state, level=versions[-1][0].level.value, rule_set="2024", areas=json.dumps(["演示市"]),
                          start=start, end=end, registry_version=tables.version["name"], created_by="tester",
                          released_at=released_at)
        s.add(w)
        s.commit()
        for n, (doc, effective, created) in enumerate(versions, start=1):
            s.add(PlanVersion(warning_id=w.id, version_no=n, transition="issue" if n == 1 else "upgrade",
                              level=doc.level.value, document=doc.json_bytes().decode(), sha256="0" * 64,
                              created_by="tester", created_at=created or start, effective_from=effective))
        s.commit()
        return int(w.id)


def notice_drop(doc, tables, policy, uscc: str) -> float:
    """The drop a firm's notice states: Σ k(measure)·cut·value / Σ value, as the notice prints it."""
    value = {f"{u}/{c}": v for u, c, v in zip(tables.lines["uscc"], tables.lines["line_code"], tables.lines["output_value_yuan"])}
    total = sum(v for u, v in zip(tables.lines["uscc"], tables.lines["output_value_yuan"]) if u == uscc)
    saved = sum(policy.compliance.electricity_drop.get(a.measure, 0.0) * a.output_cut * value[a.line_id]
                for a in doc.actions if a.enterprise_uscc == uscc)
    return float(percent(saved / total).rstrip("%")) / 100


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def write_csv(path, rows, encoding="utf-8", header=HEADER):
    path.write_text("\n".join([header, *rows]) + "\n", encoding=encoding)
    return path


@pytest.fixture
def plans(engine):
    tables = registry.load_planning_tables(engine)
    policy = policy_for(tables)
    orange = make_plan(tables, L.ORANGE, policy=policy).document
    red = make_plan(tables, L.RED, policy=policy).document
    return tables, policy, orange, red


def test_beijing_days_and_the_notice_figure(engine, plans, tmp_path):
    tables, policy, orange, _ = plans
    wid = record_warning(engine, [(orange, None, None)], bj(2026, 12, 5), bj(2026, 12, 8))
    drops = {u: notice_drop(orange, tables, policy, u) for u in {a.enterprise_uscc for a in orange.actions}}
    firms = sorted((u for u, e in drops.items() if e > 0.3), key=lambda u: (-drops[u], u))
    exact, none_, few_base, no_warning_data, by_lines = firms[:5]
    base = days(date(2026, 11, 28), date(2026, 12, 4))  # 7 Beijing days before 12-05
    warn = days(date(2026, 12, 5), date(2026, 12, 7))
    rows = []
    for d in base:
        rows += [f"{exact},,{d},1000", f"{none_},,{d},800", f"{no_warning_data},,{d},500",
                 f"{by_lines},L01,{d},300", f"{by_lines},L02,{d},100"]
    rows += [f"{few_base},,{d},1000" for d in base[:3]]  # 3 of 7 baseline days: too few
    for d in warn:
        rows += [f"{exact},,{d},{1000 * (1 - drops[exact])}", f"{none_},,{d},800",
                 f"{few_base},,{d},{1000 * (1 - drops[few_base])}",
                 f"{by_lines},L01,{d},{300 * (1 - drops[by_lines])}", f"{by_lines},L02,{d},{100 * (1 - drops[by_lines])}"]
    summary = import_electricity(engine, write_csv(tmp_path / "kwh.csv", rows))
    assert (summary.rows, summary.new, summary.replaced) == (len(rows), len(rows), 0)

    report = check_compliance(engine, wid)
    assert report.warning_days == warn  # not 12-04: the warning starts at Beijing midnight
    assert (report.baseline_first, report.baseline_last) == (base[0], base[-1])
    assert policy.compliance.baseline_days == 7 and report.tolerance == policy.compliance.tolerance
    by = {r.enterprise_uscc: r for r in report.rows}
    assert set(by) == set(u for u, e in drops.items() if e > 0)  # every firm whose measure shows in electricity
    assert by[exact].verdict == "落实" and by[exact].expected_drop == pytest.approx(drops[exact])
    assert by[exact].observed_drop == pytest.approx(drops[exact]) and by[exact].days_with_data == 3
    assert by[none_].verdict == "未落实" and by[none_].observed_drop == pytest.approx(0.0)
    assert by[by_lines].verdict == "落实" and by[by_lines].baseline_kwh == pytest.approx(400.0)
    assert by[few_base].verdict == "数据不足" and by[few_base].baseline_days_with_data == 3
    assert by[no_warning_data].verdict == "数据不足" and by[no_warning_data].days_with_data == 0
    judged = len(by)
    assert report.totals() == {"compliant": 2, "non_compliant": 1, "insufficient_data": judged - 3, "firms": judged}
    county = dict(zip(tables.enterprises["uscc"], tables.enterprises["county"]))
    per_county = report.by_county()
    assert sum(c["firms"] for c in per_county.values()) == judged
    assert per_county[county[none_]]["non_compliant"] == 1
    assert [r.enterprise_uscc for r in report.failed()] == [none_]
    body = report.as_dict(only_failed=True)
    assert [r["enterprise_uscc"] for r in body["rows"]] == [none_] and body["totals"]["firms"] == judged
    assert body["start"] == "2026-12-05T00:00:00+08:00"
    # an officer's tolerance of 100 % forgives anything with data
    assert check_compliance(engine, wid, tolerance=1.0).totals()["non_compliant"] == 0


def test_partly_covered_days_are_weighted_by_their_warning_hours(engine, plans, tmp_path):
    tables, policy, orange, _ = plans
    # 12-05 08:00 (= 00:00Z) to 12-07 20:00: 16 h, 24 h and 20 h of warning
    wid = record_warning(engine, [(orange, None, None)], bj(2026, 12, 5, 8), bj(2026, 12, 7, 20))
    hours = {date(2026, 12, 5): 16, date(2026, 12, 6): 24, date(2026, 12, 7): 20}
    drops = {u: notice_drop(orange, tables, policy, u) for u in {a.enterprise_uscc for a in orange.actions}}
    hourly, daily, half, skipped_partial = sorted((u for u, e in drops.items() if e > 0.3), key=lambda u: (-drops[u], u))[:4]
    rows = [f"{u},,{d},1000" for u in (hourly, daily, half, skipped_partial) for d in days(date(2026, 11, 28), date(2026, 12, 4))]
    for d, h in hours.items():
        rows.append(f"{hourly},,{d},{1000 * (1 - drops[hourly] * h / 24)}")  # the notice, hour by hour
        rows.append(f"{daily},,{d},{1000 * (1 - drops[daily])}")  # the notice's figure every day
        rows.append(f"{half},,{d},{1000 * (1 - drops[half] / 2 * h / 24)}")  # half of it
        rows.append(f"{skipped_partial},,{d},{1000 * (1 - drops[skipped_partial]) if h == 24 else 1000}")
    import_electricity(engine, write_csv(tmp_path / "kwh.csv", rows))
    report = check_compliance(engine, wid, tolerance=0.0)
    assert report.warning_days == sorted(hours)
    by = {r.enterprise_uscc: r for r in report.rows}
    assert by[hourly].verdict == "落实" and by[hourly].observed_drop == pytest.approx(drops[hourly])
    # saved 3·e·B over the warning's 60 hours (2.5 days of baseline use): 1.2 e
    assert by[daily].verdict == "落实" and by[daily].observed_drop == pytest.approx(min(1.0, drops[daily] * 3 / 2.5))
    assert by[half].verdict == "未落实" and by[half].observed_drop == pytest.approx(drops[half] / 2)
    # only the full day: e·24 h of 60 h
    assert by[skipped_partial].verdict == "未落实" and by[skipped_partial].observed_drop == pytest.approx(drops[skipped_partial] * 0.4)


@pytest.mark.parametrize("recorded", ["effective_from", "created_at"])
def test_an_upgrade_mid_way_is_judged_by_the_hours_of_each_version(engine, plans, tmp_path, recorded):
    tables, policy, orange, red = plans
    upgrade = bj(2026, 12, 6, 12)
    v2 = (red, upgrade, None) if recorded == "effective_from" else (red, None, upgrade)
    wid = record_warning(engine, [(orange, None, None), v2], bj(2026, 12, 5), bj(2026, 12, 8))
    e1 = {u: notice_drop(orange, tables, policy, u) for u in {a.enterprise_uscc for a in orange.actions}}
    e2 = {u: notice_drop(red, tables, policy, u) for u in {a.enterprise_uscc for a in red.actions}}
    stepped = sorted(set(e1) & set(e2), key=lambda u: (e1[u] - e2[u], u))[:2]
    follows, ignored = stepped
    assert e2[follows] - e1[follows] > 0.05 and e2[ignored] - e1[ignored] > 0.05
    rows = [f"{u},,{d},1000" for u in stepped for d in days(date(2026, 11, 28), date(2026, 12, 4))]
    # 12-05 orange all day; 12-06 orange until 12:00, red after; 12-07 red
    for d, saved in ((date(2026, 12, 5), e1[follows]), (date(2026, 12, 6), (e1[follows] + e2[follows]) / 2),
                     (date(2026, 12, 7), e2[follows])):
        rows.append(f"{follows},,{d},{1000 * (1 - saved)}")
        rows.append(f"{ignored},,{d},{1000 * (1 - e1[ignored])}")  # never took up the red measures
    import_electricity(engine, write_csv(tmp_path / "kwh.csv", rows))
    report = check_compliance(engine, wid, tolerance=0.0)
    by = {r.enterprise_uscc: r for r in report.rows}
    assert by[follows].expected_drop == pytest.approx((36 * e1[follows] + 36 * e2[follows]) / 72)
    assert by[follows].verdict == "落实" and by[follows].observed_drop == pytest.approx(by[follows].expected_drop)
    assert by[ignored].verdict == "未落实" and by[ignored].observed_drop == pytest.approx(e1[ignored])


def test_a_released_warning_is_judged_up_to_its_release(engine, plans, tmp_path):
    tables, policy, orange, _ = plans
    wid = record_warning(engine, [(orange, None, None)], bj(2026, 12, 5), bj(2026, 12, 9),
                         state="released", released_at=bj(2026, 12, 6, 12))
    e = {u: notice_drop(orange, tables, policy, u) for u in {a.enterprise_uscc for a in orange.actions}}
    u = max(e, key=lambda k: (e[k], k))
    rows = [f"{u},,{d},1000" for d in days(date(2026, 11, 28), date(2026, 12, 4))]
    rows += [f"{u},,2026-12-05,{1000 * (1 - e[u])}", f"{u},,2026-12-06,{1000 * (1 - e[u] / 2)}", f"{u},,2026-12-07,1000"]
    import_electricity(engine, write_csv(tmp_path / "kwh.csv", rows))
    report = check_compliance(engine, wid, tolerance=0.0)
    assert report.warning_days == [date(2026, 12, 5), date(2026, 12, 6)]
    row = next(r for r in report.rows if r.enterprise_uscc == u)
    assert row.verdict == "落实" and row.observed_drop == pytest.approx(e[u]) and row.days_with_data == 2


def test_the_workbook_holds_rows_totals_and_the_rule(engine, plans, tmp_path):
    from openpyxl import load_workbook

    tables, policy, orange, _ = plans
    wid = record_warning(engine, [(orange, None, None)], bj(2026, 12, 5), bj(2026, 12, 8))
    report = check_compliance(engine, wid)
    # a firm named like a formula stays text
    report.rows[0] = type(report.rows[0])(**{**report.rows[0].__dict__, "enterprise_name": "=HYPERLINK(\"http://x\")"})
    out = tmp_path / "核查.xlsx"
    write_workbook(report, out)
    wb = load_workbook(out)
    assert wb.sheetnames == ["核查结果", "汇总", "说明"]
    rows = list(wb["核查结果"].iter_rows(values_only=True))
    assert rows[0][:3] == ("区县", "企业名称", "统一社会信用代码") and len(rows) == len(report.rows) + 1
    assert wb["核查结果"]["B2"].data_type == "s" and wb["核查结果"]["B2"].value.startswith("=HYPERLINK")
    totals = list(wb["汇总"].iter_rows(values_only=True))
    assert totals[1] == ("全部", len(report.rows), 0, 0, len(report.rows))  # no readings: all 数据不足
    assert any("实降" in str(r[1]) for r in wb["说明"].iter_rows(values_only=True))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_unknown_warning_is_not_found(engine):
    with pytest.raises(NotFound):
        check_compliance(engine, 999)


# ------------------------------------------------------------------ the import


def _stored(engine) -> dict:
    R = ElectricityReading
    with engine.connect() as conn:
        return {(u, ln, d): k for u, ln, d, k in conn.execute(sa.select(R.enterprise_uscc, R.line_id, R.day, R.kwh)).all()}


U1, U2 = "91520000214434146R", "91140202029076877R"


def test_reimport_replaces_overlapping_readings_and_says_how_many(engine, tmp_path):
    first = import_electricity(engine, write_csv(tmp_path / "a.csv", [
        f"{U1},,2026-12-01,10", f"{U1},,2026-12-02,20", f"{U1},L01,2026-12-02,5", f"{U2},,2026-12-02,7"]))
    assert (first.rows, first.new, first.replaced) == (4, 4, 0)
    again = import_electricity(engine, write_csv(tmp_path / "b.csv", [
        f"{U1},,2026-12-02,25", f"{U1},,2026-12-03,30", f"{U1},L01,2026-12-02,6"]), actor="li")
    assert (again.rows, again.new, again.replaced) == (3, 1, 2)
    stored = _stored(engine)
    assert len(stored) == 5
    assert stored[(U1, "", date(2026, 12, 2))] == 25 and stored[(U1, "L01", date(2026, 12, 2))] == 6
    assert stored[(U1, "", date(2026, 12, 1))] == 10 and stored[(U2, "", date(2026, 12, 2))] == 7
    from emergency.workflow.audit import audit_log

    log = [a for a in audit_log(engine) if a.action == "compliance.import"]
    assert [(a.actor, json.loads(a.details)["file"], json.loads(a.details)["new"], json.loads(a.details)["replaced"])
            for a in log] == [("system", "a.csv", 4, 0), ("li", "b.csv", 1, 2)]
    assert str(tmp_path) not in log[0].details


def test_a_repeated_day_in_one_file_is_a_located_error(engine, tmp_path):
    f = write_csv(tmp_path / "dup.csv", [f"{U1},,2026-12-01,10", f"{U2},,2026-12-01,10", f"{U1},,2026-12-01,11"])
    with pytest.raises(ImportRejected) as info:
        import_electricity(engine, f)
    [p] = info.value.problems
    assert (p.sheet, p.row, p.column) == (str(f), 4, "日期") and "第2行" in p.reason
    assert _stored(engine) == {}


def test_every_bad_cell_is_located_and_nothing_is_written(engine, tmp_path):
    long_line = "L" * 81
    rows = [
        f"{U1},,2026-12-01,10",  # 2: fine
        f"{U1[:17]},,2026-12-01,10",  # 3: 17 characters
        f"{U1},,2026-13-01,-1",  # 4: bad day and negative kWh
        f"{U1},,2026-12-02,1e400",  # 5: not finite
        f"{U1},,2026-12-03,{'9' * 400}",  # 6: huge
        f"{U1},,2026-12-04,1e12",  # 7: beyond any firm
        f"{U1},{long_line},2026-12-05,1",  # 8: longer than the column
        f"{U1}\x00,,2026-12-06,1",  # 9: NUL byte
        f"{U1},L\x07,2026-12-07,1",  # 10: control character
        f"{U1},,2026-12-08,nan",  # 11
        f"{U1},,,5",  # 12: blank day
    ]
    with pytest.raises(ImportRejected) as info:
        import_electricity(engine, write_csv(tmp_path / "bad.csv", rows))
    located = {(p.row, p.column) for p in info.value.problems}
    assert located == {(3, "统一社会信用代码"), (4, "日期"), (4, "用电量(kWh)"), (5, "用电量(kWh)"), (6, "用电量(kWh)"),
                       (7, "用电量(kWh)"), (8, "生产线编号"), (9, "统一社会信用代码"), (10, "生产线编号"),
                       (11, "用电量(kWh)"), (12, "日期")}
    nul = next(p for p in info.value.problems if p.row == 9)
    assert "NUL" in nul.reason and "\x00" not in str(nul)
    assert _stored(engine) == {}


def test_a_line_id_of_exactly_80_characters_is_stored(engine, tmp_path):
    line = "线" * 80
    assert import_electricity(engine, write_csv(tmp_path / "ok.csv", [f"{U1},{line},2026-12-01,1"])).rows == 1
    assert list(_stored(engine)) == [(U1, line, date(2026, 12, 1))]


def test_a_stray_quote_is_a_located_error(engine, tmp_path):
    f = write_csv(tmp_path / "q.csv", [f"{U1},,2026-12-01,10", f'{U1},"L01,2026-12-02,10', f"{U1},,2026-12-03,10"])
    with pytest.raises(ImportRejected) as info:
        import_electricity(engine, f)
    assert [p.row for p in info.value.problems] == [3] and "引号" in info.value.problems[0].reason
    f = write_csv(tmp_path / "q2.csv", [f'{U1},"L01"x,2026-12-02,10'])
    with pytest.raises(ImportRejected) as info:
        import_electricity(engine, f)
    assert [p.row for p in info.value.problems] == [2]
    assert _stored(engine) == {}


def test_encodings_title_rows_and_english_headers(engine, tmp_path):
    gb = tmp_path / "gb.csv"
    gb.write_bytes(("某市重点企业日用电量\n统一社会信用代码,生产线编号,日期,用电量（kWh）\n"
                    f"{U1},一号线,2026/12/01,10\n").encode("gb18030"))
    assert import_electricity(engine, gb).rows == 1
    bom = tmp_path / "bom.csv"
    bom.write_bytes(("\ufeffenterprise_uscc,day,kwh\n" + f"{U2},2026-12-01,3.5\n").encode("utf-8"))
    assert import_electricity(engine, bom).rows == 1
    assert _stored(engine) == {(U1, "一号线", date(2026, 12, 1)): 10, (U2, "", date(2026, 12, 1)): 3.5}


def test_unreadable_files_are_input_errors(engine, tmp_path):
    with pytest.raises(InputError, match="不存在"):
        import_electricity(engine, tmp_path / "missing.csv")
    with pytest.raises(InputError, match="空文件"):
        import_electricity(engine, write_csv(tmp_path / "empty.csv", [], header=""))
    with pytest.raises(InputError, match="编码"):
        (tmp_path / "u16.csv").write_bytes("统一社会信用代码,日期\n".encode("utf-16"))
        import_electricity(engine, tmp_path / "u16.csv")
    with pytest.raises(ImportRejected) as info:
        import_electricity(engine, write_csv(tmp_path / "h.csv", [f"{U1},2026-12-01"], header="统一社会信用代码,日期"))
    assert [(p.row, p.column, p.reason) for p in info.value.problems] == [(1, "用电量(kWh)", "缺少必填列")]


def emergency(*args, env=None):
    proc = subprocess.run([sys.executable, "-c", "from emergency.cli.main import run; run()", *map(str, args)],
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "200", **(env or {})})
    return proc.returncode, proc.stdout + proc.stderr


def test_cli_import_and_check(sqlite_url, tmp_path):
    e = open_database(sqlite_url)
    registry.import_tables(e, generate_registry(300, seed=8))
    tables = registry.load_planning_tables(e)
    policy = policy_for(tables)
    orange = make_plan(tables, L.ORANGE, policy=policy).document
    wid = record_warning(e, [(orange, None, None)], bj(2026, 12, 5), bj(2026, 12, 8))
    drops = {u: notice_drop(orange, tables, policy, u) for u in {a.enterprise_uscc for a in orange.actions}}
    good, bad = sorted((u for u, x in drops.items() if x > 0.3), key=lambda u: (-drops[u], u))[:2]
    rows = [f"{u},,{d},1000" for u in (good, bad) for d in days(date(2026, 11, 28), date(2026, 12, 4))]
    rows += [f"{good},,{d},{1000 * (1 - drops[good])}" for d in days(date(2026, 12, 5), date(2026, 12, 7))]
    rows += [f"{bad},,{d},1000" for d in days(date(2026, 12, 5), date(2026, 12, 7))]
    f = write_csv(tmp_path / "kwh.csv", rows)
    code, out = emergency("compliance", "import", f, "--database", sqlite_url)
    assert code == 0 and f"新增 {len(rows)} 行，替换已有 0 行" in out, out
    code, out = emergency("compliance", "import", f, "--database", sqlite_url)
    assert code == 0 and f"新增 0 行，替换已有 {len(rows)} 行" in out, out
    xlsx = tmp_path / "out" / "核查.xlsx"
    code, out = emergency("compliance", "check", "--warning", wid, "--only-failed", "--xlsx", xlsx, "--database", sqlite_url)
    assert code == 0 and bad in out and good not in out and xlsx.exists(), out
    assert "2026-12-05 至 2026-12-07" in out and "2026-11-28 至 2026-12-04" in out
    judged = sum(1 for x in drops.values() if x > 0)
    assert "全部" in out and f" {judged} " in out
    code, out = emergency("compliance", "import", tmp_path / "nope.csv", "--database", sqlite_url)
    assert code == 14 and "nope.csv" in out and "Traceback" not in out
    code, out = emergency("compliance", "import", write_csv(tmp_path / "bad.csv", [f'{U1},"x,2026-12-01,1']),
                          "--database", sqlite_url)
    assert code == 3 and "第2行" in out and "Traceback" not in out
    code, out = emergency("compliance", "import", "--help")
    assert code == 0 and all(c in out for c in ("统一社会信用代码", "生产线编号", "日期", "用电量(kWh)", "GB18030"))
    code, out = emergency("compliance", "check", "--help")
    assert code == 0 and all(c in out for c in ("落实", "未落实", "数据不足", "tolerance", "--only-failed", "--xlsx"))
