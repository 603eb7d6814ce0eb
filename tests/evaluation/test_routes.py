"""The evaluation through the API, the console and the CLI: uploads bounded to the
compliance roles, rejected cells listed with row and column, the effect page with its
chart and coverage, the workbook, `emergency evaluation` commands."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from emergency import clock
from emergency.errors import ImportRejected
from emergency.vocabulary import WarningLevel as L
from emergency.workflow import lifecycle as wf
from tests.console.conftest import PASSWORD, Console, make_app
from tests.enterprise.city import C1, END, NOW, START, city_tables
from tests.evaluation.data import CEMS_HEADER, OBS_HEADER, day_rows

AFTER = NOW + timedelta(days=5)


def _csv(rows: list[str], header: str = CEMS_HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


@pytest.fixture
def world(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    with clock.use_clock(NOW):
        app = make_app(url, city_tables())
        w, _ = wf.issue_warning(app.state.engine, actor="duty", level=L.ORANGE, areas=None, start=START, end=END)
    yield app, w.id, url
    app.state.engine.dispose()


def _token(client: TestClient, user: str) -> dict:
    r = client.post("/api/auth/token", json={"username": user, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


BASELINE = [r for d in range(7) for r in day_rows(C1, "DA001", "SO2", date(2026, 11, 27) + timedelta(days=d), 100, 10000)]
EPISODE = [r for d in range(3) for r in day_rows(C1, "DA001", "SO2", date(2026, 12, 5) + timedelta(days=d), 50, 10000)]


def test_api_imports_and_evaluation(world):
    app, wid, _ = world
    client = TestClient(app)
    with clock.use_clock(NOW):
        officer, viewer = _token(client, "officer"), _token(client, "viewer")
        files = {"file": ("在线监测.csv", _csv(BASELINE), "text/csv")}
        assert client.post("/api/evaluation/cems", files=files, headers=viewer).status_code == 403
        bad = {"file": ("在线监测.csv", _csv(BASELINE[:2] + [BASELINE[1]]), "text/csv")}
        r = client.post("/api/evaluation/cems", files=bad, headers=officer)
        assert r.status_code == 422
        assert [(p["row"], p["column"], p["sheet"]) for p in r.json()["problems"]] == [(4, "监测时间", "在线监测.csv")]
        r = client.post("/api/evaluation/cems", files=files, headers=officer)
        assert r.status_code == 201 and r.json()["new"] == 7 * 24
        wrong = {"file": ("a.txt", b"x", "text/plain")}
        assert client.post("/api/evaluation/cems", files=wrong, headers=officer).status_code == 400
    with clock.use_clock(AFTER):
        officer, viewer = _token(client, "officer"), _token(client, "viewer")
        r = client.post("/api/evaluation/cems", files={"file": ("e.csv", _csv(EPISODE), "text/csv")}, headers=officer)
        assert r.status_code == 201
        obs = ["A站,甲县,2026-12-05 00:00,100,120,10,40,50,1.0"]
        r = client.post("/api/evaluation/observations", files={"file": ("o.csv", _csv(obs, OBS_HEADER), "text/csv")},
                        headers=officer)
        assert r.status_code == 201 and r.json()["stations"] == 1
        r = client.get(f"/api/warnings/{wid}/evaluation", headers=viewer)
    assert r.status_code == 200
    body = r.json()
    so2 = [x for x in body["firms"] if x["uscc"] == C1 and x["pollutant"] == "SO2"][0]
    assert so2["achieved_kg"] == pytest.approx(3 * (24 - 12)) and so2["baseline_kg_per_day"] == pytest.approx(24)
    assert body["lost_output_wan_yuan"] == pytest.approx(120) and body["coverage"]


def test_console_upload_errors_and_the_effect_page(world):
    app, wid, url = world
    with clock.use_clock(NOW):
        officer, viewer = Console(app, "officer"), Console(app, "viewer")
        page = officer.get("/evaluation")
        assert page.status_code == 200 and 'id="cems-form"' in page.text
        assert 'id="cems-form"' not in viewer.get("/evaluation").text
        r = viewer.client.post("/evaluation/cems", data={"csrf": viewer.csrf},
                               files={"file": ("c.csv", _csv(BASELINE), "text/csv")})
        assert r.status_code == 403
        bad = BASELINE[:3] + [BASELINE[3].replace(",100,", ",-1,")]
        r = officer.client.post("/evaluation/cems", data={"csrf": officer.csrf},
                                files={"file": ("坏.csv", _csv(bad), "text/csv")})
        assert r.status_code == 422 and "坏.csv" in r.text and "负数" in r.text
        assert '<td class="num">5</td><td>实测浓度(mg/m³)</td>' in r.text  # the row and column of the bad cell
        # a gap: 12-03 with 19 hours is reported, not rejected
        gap = BASELINE[:-5]
        r = officer.client.post("/evaluation/cems", data={"csrf": officer.csrf},
                                files={"file": ("在线监测.csv", _csv(gap), "text/csv")})
        assert r.status_code == 201 and 'id="cems-gaps"' in r.text and "2026-12-03" in r.text
    with clock.use_clock(AFTER):
        officer = Console(app, "officer")
        r = officer.get(f"/warnings/{wid}/evaluation")
        assert r.status_code == 200
        assert "<svg" in r.text and "<script" not in r.text.split("<svg", 1)[1].split("</svg>", 1)[0]
        assert "在线监测（CEMS）覆盖" in r.text and 'id="lost-output"' in r.text
        assert f'href="/warnings/{wid}/evaluation"' in officer.get(f"/warnings/{wid}").text
        x = officer.get(f"/warnings/{wid}/evaluation.xlsx")
        assert x.status_code == 200
        wb = load_workbook(io.BytesIO(x.content))
        assert wb.sheetnames == ["区县汇总", "企业", "不降反增", "AQI", "说明"]


def test_cli_import_and_show(world, tmp_path):
    _, wid, url = world
    from emergency.cli.main import app

    (tmp_path / "base.csv").write_bytes(_csv(BASELINE))
    (tmp_path / "ep.csv").write_bytes(_csv(EPISODE))
    runner = CliRunner()
    r = runner.invoke(app, ["evaluation", "import-cems", str(tmp_path / "base.csv"), "--database", url],
                      env={"EMERGENCY_NOW": "2026-12-03T23:30"})
    assert r.exit_code == 0, r.output
    assert "新增 168" in r.output
    r = runner.invoke(app, ["evaluation", "import-cems", str(tmp_path / "ep.csv"), "--database", url],
                      env={"EMERGENCY_NOW": "2026-12-04T12:00"})
    # the episode's hours have not happened yet (`emergency` maps the error to exit 3 and lists the problems)
    assert isinstance(r.exception, ImportRejected) and r.exception.exit_code == 3
    assert all("未来" in p.reason for p in r.exception.problems)
    env = {"EMERGENCY_NOW": "2026-12-08T23:30"}
    assert runner.invoke(app, ["evaluation", "import-cems", str(tmp_path / "ep.csv"), "--database", url], env=env).exit_code == 0
    r = runner.invoke(app, ["evaluation", "show", "--warning", str(wid), "--database", url,
                            "--xlsx", str(tmp_path / "e.xlsx")], env=env)
    assert r.exit_code == 0, r.output
    assert "覆盖" in r.output and "全市" in r.output and (tmp_path / "e.xlsx").exists()
    r = runner.invoke(app, ["evaluation", "show", "--warning", str(wid), "--json", "--database", url], env=env)
    assert json.loads(r.output)["warning_id"] == wid
