"""The rotation pages: the stored plan's lines × days, filtered, each line's stop
blocks as the plan document gives them; a season planned from the console as the CLI
plans it (bounded, one at a time, planners only); the livelihood lines and their
make-up days, a plan that breaks rules said loudly; rotation.xlsx and a firm's .ics."""

from __future__ import annotations

import copy
import io
import re
import time
from datetime import date

import pytest
from openpyxl import load_workbook

from emergency.rotation.service import list_plans, load_plan, plan_season, save_plan
from enterprise_registry.generator import generate_registry
from tests.console.conftest import Console, make_app


@pytest.fixture(scope="module")
def season():
    t = generate_registry(200, seed=4)
    run = plan_season(t, "2026-2027", time_limit=10)
    return t, run.document


@pytest.fixture
def app(sqlite_url, now, season):
    app = make_app(sqlite_url, season[0])
    yield app
    app.state.engine.dispose()


def test_the_calendar_shows_each_lines_blocks(app, season):
    t, doc = season
    viewer = Console(app, "viewer")
    assert "尚无错峰生产方案" in viewer.get("/rotation").text
    plan_id = save_plan(app.state.engine, doc)
    page = viewer.get("/rotation").text
    shown = [l for l in doc["lines"] if l["role"] in ("rotate", "whole")]  # no livelihood line in this city
    assert f"（{len(shown):,} 条，第 1 /" in page and "<svg" in page
    first = shown[0]
    blocks = re.findall(r"<title>([^<]*)：(\d{4}-\d\d-\d\d) 至 (\d{4}-\d\d-\d\d) 停产</title>", page)
    assert [(a, b) for name, a, b in blocks if name == f"{first['enterprise']} {first['line_name']}"] == \
        [tuple(x) for x in first["blocks"]]
    county = first["county"]
    filtered = viewer.get("/rotation", params={"plan": plan_id, "county": county}).text
    assert set(re.findall(r'<tr><td class="nw">([^<]*)</td>', filtered.split('id="rotation-lines"')[1])) == {county}
    # per industry and county: rotating lines counted from the document by hand
    groups = filtered.split('id="rotation-groups"')[1].split("</table>")[0]
    industry_zh = doc["industries"][first["industry"]]
    row = re.search(rf"<td class=\"nw\">{industry_zh}</td><td class=\"nw\">{county}</td><td class=\"num\">(\d+)</td>"
                    rf"<td class=\"num\">(\d+)</td>", groups)
    same = [l for l in doc["lines"] if (l["industry"], l["county"]) == (first["industry"], county)]
    assert (int(row.group(1)), int(row.group(2))) == (sum(l["role"] == "rotate" for l in same),
                                                      sum(l["role"] == "whole" for l in same))
    assert f"差距 <span id=\"plan-gap\">{doc['gap'] * 100:.2f}%</span>" in page
    assert 'action="/rotation/plan"' not in page  # a viewer plans nothing


def test_livelihood_lines_and_a_plan_that_breaks_rules_are_shown(app, season):
    _, doc = season
    doc = copy.deepcopy(doc)
    line = next(l for l in doc["lines"] if l["role"] == "rotate")
    line.update(role="livelihood", role_zh="保民生", reason="供暖保障：按核定最大负荷60%生产，错峰期后补停12天",
                required_days=0, makeup_days=12, max_load=0.6, stop_days=0, counted_days=0, blocks=[])
    doc["summary"].update(livelihood=1, makeup_days=12, rotating=doc["summary"]["rotating"] - 1)
    doc.update(status="infeasible", status_zh="规则无法全部满足",
               violations=[{"rule": "max_share", "rule_zh": "同时停产比例上限", "message_zh": "12-20 铸造停产比例 40%，超过上限 30%"}])
    plan_id = save_plan(app.state.engine, doc)
    page = Console(app, "viewer").get("/rotation", params={"plan": plan_id}).text
    assert "此方案未满足全部规则（规则无法全部满足）：违反 1 项规则" in page
    assert "12-20 铸造停产比例 40%，超过上限 30%" in page.split('id="violations"')[1]
    assert "保民生 1（期后补停 12 线·天）" in page
    rows = re.findall(r"<tr>(.*?)</tr>", page.split('id="livelihood"')[1].split("<tbody>")[1].split("</tbody>")[0], re.S)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", rows[0], re.S)]
    assert cells == [line["county"], line["enterprise"], line["line_name"], line["reason"], "60%", "12"]


def test_the_workbook_and_a_firms_calendar_download(app, season):
    _, doc = season
    plan_id = save_plan(app.state.engine, doc)
    viewer = Console(app, "viewer")
    r = viewer.get(f"/rotation/{plan_id}/rotation.xlsx")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content), read_only=True)["错峰日历"]
    codes = [row[3] for row in ws.iter_rows(values_only=True) if row[3] and re.fullmatch(r"[0-9A-Z]{18}", str(row[3]))]
    assert len(codes) == len(doc["lines"])
    firm = next(l for l in doc["lines"] if l["blocks"])
    blocks = sum(len(l["blocks"]) for l in doc["lines"] if l["uscc"] == firm["uscc"])
    page = viewer.get("/rotation", params={"plan": plan_id, "q": firm["uscc"]}).text
    assert f'href="/rotation/{plan_id}/ics/{firm["uscc"]}.ics"' in page
    ics = viewer.get(f"/rotation/{plan_id}/ics/{firm['uscc']}.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    assert ics.text.count("BEGIN:VEVENT") == blocks
    a, b = firm["blocks"][0]
    assert f"DTSTART;VALUE=DATE:{a.replace('-', '')}" in ics.text
    idle = next((l["uscc"] for l in doc["lines"] if not any(m["blocks"] for m in doc["lines"] if m["uscc"] == l["uscc"])), None)
    if idle is not None:
        assert viewer.get(f"/rotation/{plan_id}/ics/{idle}.ics").status_code == 404
    assert viewer.get(f"/rotation/{plan_id}/ics/..%2F..%2Fetc.ics").status_code in (404, 422)
    assert viewer.get(f"/rotation/{plan_id + 99}/rotation.xlsx").status_code == 404


def _wait(console: Console, location: str, seconds: float = 120) -> str:
    deadline = time.monotonic() + seconds
    while True:
        r = console.get(location, follow_redirects=False)
        if r.status_code == 303:
            return r.headers["location"]
        assert r.status_code == 200 and 'data-state="running"' in r.text, r.text
        assert time.monotonic() < deadline, "the season run did not finish"
        time.sleep(0.5)


def test_a_planner_plans_a_season_from_the_console(app, season):
    _, whole = season
    rotating = [l["county"] for l in whole["lines"] if l["role"] == "rotate"]
    county = min(sorted(set(rotating)), key=rotating.count)  # the county with fewest rotating lines: a quick solve
    planner = Console(app, "planner")
    form = planner.get("/rotation").text
    assert 'action="/rotation/plan"' in form and f'value="{county}"' in form
    assert Console(app, "viewer").post("/rotation/plan", {"season": "2026-2027"}).status_code == 403
    for bad, message in (({"season": "2026-2028"}, "采暖季“2026-2028”格式不对"), ({"time_limit": "61"}, "求解时限须在 5～60 秒之间"),
                         ({"county": "火星县"}, "清单中没有区县：火星县"), ({"industry": "nope"}, "未知的行业：nope")):
        r = planner.post("/rotation/plan", {"season": "2026-2027", "time_limit": "5", **bad})
        assert r.status_code == 400 and message in r.text
    assert list_plans(app.state.engine) == []
    r = planner.post("/rotation/plan", {"season": "2026-2027", "time_limit": "5", "county": county}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/rotation/runs/")
    busy = planner.post("/rotation/plan", {"season": "2026-2027", "time_limit": "5"})
    assert busy.status_code == 409 and "已有一次错峰方案编排正在进行" in busy.text  # one run at a time
    done = _wait(planner, r.headers["location"])
    [stored] = list_plans(app.state.engine)
    assert done == f"/rotation?plan={stored['id']}"
    _, doc = load_plan(app.state.engine, plan_id=stored["id"])
    assert doc["counties"] == [county] and {l["county"] for l in doc["lines"]} == {county}
    assert sorted(l["line_id"] for l in doc["lines"] if l["role"] == "rotate") == \
        sorted(l["line_id"] for l in whole["lines"] if l["role"] == "rotate" and l["county"] == county)
    assert doc["window"][0] == date(2026, 11, 15).isoformat() and doc["season"] == "2026-2027"
    assert doc["status"] in ("optimal", "feasible")  # one county's lines: every rule holds
    from emergency.rotation.document import document_sha256
    from emergency.workflow.audit import audit_log

    [rec] = audit_log(app.state.engine, action="rotation.plan")
    assert (rec.actor, rec.target, rec.plan_sha256) == ("planner", f"rotation:{stored['id']}", document_sha256(doc))
    page = planner.get(done).text
    assert f"#{stored['id']} 2026-2027" in page and "rotation-lines" in page


def test_a_run_that_finds_no_calendar_says_so_and_stores_nothing(app, monkeypatch):
    from emergency.errors import RotationError
    from emergency.rotation import service

    def no_calendar(*args, **kwargs):
        raise RotationError("未找到错峰日历（求解超时，5 秒）：未保存任何方案。")

    monkeypatch.setattr(service, "plan_season", no_calendar)
    planner = Console(app, "planner")
    r = planner.post("/rotation/plan", {"season": "2026-2027", "time_limit": "5"}, follow_redirects=False)
    location = r.headers["location"]
    deadline = time.monotonic() + 30
    while 'data-state="failed"' not in (page := planner.get(location).text):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert "未找到错峰日历（求解超时，5 秒）：未保存任何方案。" in page and list_plans(app.state.engine) == []
    assert planner.get("/rotation/runs/not-a-run-id").status_code == 404
