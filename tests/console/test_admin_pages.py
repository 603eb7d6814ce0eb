"""The list, audit and user pages: counted against the service's own tables, a bad
list file reported cell by cell, the audit log read-only and filtered, user
administration for administrators only (revoking a user ends their console session)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from emergency.workflow import lifecycle as wf
from enterprise_registry.generator import generate_registry
from tests.console.conftest import Console, make_app

N = 120


@pytest.fixture
def app(sqlite_url, now):
    app = make_app(sqlite_url, generate_registry(N, seed=5))
    yield app
    app.state.engine.dispose()


def test_the_list_page_counts_and_filters_as_the_list_does(app):
    t = generate_registry(N, seed=5)
    viewer = Console(app, "viewer")
    page = viewer.get("/registry").text
    assert f"企业（{N:,} 家）" in page and "第 1 / 3 页" in page
    county, n = Counter(t.enterprises["county"]).most_common(1)[0]
    filtered = viewer.get("/registry", params={"county": county}).text
    assert f"企业（{n:,} 家）" in filtered
    table = filtered.split('id="enterprises"')[1].split("</table>")[0]
    assert set(re.findall(r'<tr><td class="nw">([^<]*)</td>', table)) == {county}
    u = t.enterprises["uscc"][0]
    firm = viewer.get(f"/registry/firms/{u}").text
    assert t.enterprises["name"][0] in firm
    assert firm.split('id="lines"')[1].split("</table>")[0].count("<tr>") - 1 == t.lines["uscc"].count(u)
    assert "当前没有生效预警" in firm
    assert viewer.get("/registry/firms/91000000000000000X").status_code in (400, 404)


def test_a_firms_page_shows_its_measures_in_an_active_warning(app):
    officer = Console(app, "officer")
    officer.post("/warnings/issue", {"level": "orange", "start": "2026-12-08T00:00", "end": "2026-12-10T00:00",
                                     "approve_suggested": "1", "accept_shortfall": "1"})
    [w] = wf.list_warnings(app.state.engine)
    from emergency.plans.document import PlanDocument

    a = PlanDocument.model_validate_json(wf.plan_version(app.state.engine, w.id).document).actions[0]
    page = officer.get(f"/registry/firms/{a.enterprise_uscc}").text
    assert f"预警 #{w.id}" in page and (a.measure_zh or a.measure) in page


def test_a_bad_list_file_is_reported_cell_by_cell_and_nothing_imported(app, tmp_path):
    from enterprise_registry.listfiles import write_list_file

    t = generate_registry(5, seed=2)
    t.version["name"] = "坏清单"
    t.enterprises["grade"][1] = "Q"
    write_list_file(t, tmp_path / "bad.xlsx")
    planner, officer = Console(app, "planner"), Console(app, "officer")
    data = (tmp_path / "bad.xlsx").read_bytes()
    assert officer.post("/registry/import", files={"file": ("bad.xlsx", data)}).status_code == 403
    r = planner.post("/registry/import", files={"file": ("C:\\\\坏的清单.xlsx", data)})
    assert r.status_code == 422 and "坏的清单.xlsx" in r.text
    assert re.search(r'<td>企业</td><td class="num">\d+</td><td>绩效等级</td>\s*<td>Q</td>', r.text)
    assert "坏清单" not in planner.get("/registry").text
    good = generate_registry(5, seed=2)
    good.version["name"] = "好清单"
    write_list_file(good, tmp_path / "good.xlsx")
    r = planner.post("/registry/import", files={"file": ("good.xlsx", (tmp_path / "good.xlsx").read_bytes())})
    assert r.status_code == 201 and "已导入清单版本“好清单”：5 家企业" in r.text


def test_the_audit_log_is_read_only_newest_first_and_filtered(app):
    viewer = Console(app, "viewer")
    planner = Console(app, "planner")
    planner.post("/forecast/evaluate", {"values": "210,220", "first_day": "2026-12-06"})
    page = viewer.get("/audit").text
    ids = [int(x) for x in re.findall(r'<tr><td class="num">(\d+)</td>', page)]
    assert ids == sorted(ids, reverse=True) and len(ids) > 3
    only = viewer.get("/audit", params={"action": "forecast."}).text
    assert re.findall(r'<td class="nw">(forecast\.[a-z]+)</td>', only) == ["forecast.evaluate"]
    assert "planner" in only
    officer = Console(app, "officer")
    officer.post("/warnings/issue", {"level": "orange", "start": "2026-12-08T00:00", "end": "2026-12-10T00:00",
                                     "approve_suggested": "1", "accept_shortfall": "1"})
    issued = viewer.get("/audit", params={"action": "warning.issue"}).text
    assert "policy_chain" in issued and "/config/" not in issued  # policy files named, not their server paths
    summary = re.search(r"<summary>(.*?)</summary>", issued).group(1)  # the top-level facts on one line
    assert summary.startswith("level: orange；") and "start: 2026-12-08T00:00:00+08:00" in summary and "policy_chain: national、demo.toml" in summary
    assert viewer.client.post("/audit", data={"csrf": viewer.csrf}).status_code == 405


def test_users_are_administered_by_administrators_only(app):
    viewer, admin = Console(app, "viewer"), Console(app, "admin")
    assert viewer.get("/users").status_code == 403 and "用户" not in viewer.get("/").text.split("<nav>")[1].split("</nav>")[0]
    assert viewer.post("/users", {"username": "li", "role": "viewer", "password": "password-123"}).status_code == 403
    r = admin.post("/users", {"username": "li", "role": "viewer", "password": "short"})
    assert r.status_code == 400 and "密码至少8位" in r.text
    assert admin.post("/users", {"username": "li", "role": "viewer", "password": "password-456"}).status_code == 200
    users = admin.get("/users").text
    assert "<td>li</td>" in users and re.search(r"<td>officer</td><td></td><td>值班员</td>", users)  # roles in Chinese
    viewer_session = Console(app, "viewer")
    assert admin.post("/users/viewer/revoke").status_code == 200
    assert viewer_session.client.get("/", follow_redirects=False).status_code == 303  # signed out
    r = admin.post("/users/admin/deactivate")
    assert r.status_code == 409 and "最后一个有效的管理员" in r.text


def test_the_list_check_page_shows_each_levels_rows(app):
    from emergency.lists.check import check_list
    from emergency.plans.service import policy_for
    from enterprise_registry.service import load_planning_tables

    tables = load_planning_tables(app.state.engine)
    expected = check_list(tables, policy_for(tables))
    page = Console(app, "viewer").get("/registry/check").text
    for lc in expected.levels:
        table = page.split(f'id="check-{lc.level.value}"')[1].split("</table>")[0]
        assert table.count("<tr") - 1 == len(lc.rows)
        assert table.count('class="short"') == sum(r.shortfall_kg > 1e-6 for r in lc.rows)


def test_the_list_checks_workbook_is_the_clis(app, sqlite_url, tmp_path):
    """/registry/check.xlsx holds the cells `emergency registry check --xlsx` writes for the same list."""
    from openpyxl import load_workbook
    from typer.testing import CliRunner

    from emergency.cli.main import app as cli

    viewer = Console(app, "viewer")
    assert 'href="/registry/check.xlsx"' in viewer.get("/registry/check").text
    r = viewer.get("/registry/check.xlsx")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r.headers["content-disposition"]
    out = tmp_path / "cli.xlsx"
    CliRunner().invoke(cli, ["registry", "check", "--xlsx", str(out), "--database", sqlite_url])
    import io

    ours, theirs = load_workbook(io.BytesIO(r.content)), load_workbook(out)
    assert ours.sheetnames == theirs.sheetnames == ["概要", "减排核算", "未备案企业", "豁免企业", "低于底线"]
    for name in ours.sheetnames:
        assert list(ours[name].iter_rows(values_only=True)) == list(theirs[name].iter_rows(values_only=True)), name
    assert viewer.get("/registry/check.xlsx", params={"version": "没有这个版本"}).status_code == 404
