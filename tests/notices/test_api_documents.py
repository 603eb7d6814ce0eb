"""The document routes follow the package rules: the latest version's documents while
active (or ?version=), the 解除 documents after release; notices run no script."""

import inspect
from datetime import datetime, timezone

from fastapi.testclient import TestClient

from emergency import clock
from emergency.api.app import create_app
from emergency.plans.document import PlanDocument
from emergency.workflow import accounts
from emergency.workflow import lifecycle as wf
from enterprise_registry import service as registry
from enterprise_registry.generator import generate_registry
from emergency.vocabulary import WarningLevel as L

START = datetime.fromisoformat("2026-12-05T00:00:00+08:00")
END = datetime.fromisoformat("2026-12-08T00:00:00+08:00")


def _accepting(fn) -> dict:
    return {"accept_shortfall": True} if "accept_shortfall" in inspect.signature(fn).parameters else {}


def test_notice_and_announcement_routes(db_url):
    app = create_app(db_url)
    engine = app.state.engine
    registry.import_tables(engine, generate_registry(200, seed=4))
    accounts.add_user(engine, "viewer1", "password-123", "viewer")
    client = TestClient(app)
    token = client.post("/api/auth/token", json={"username": "viewer1", "password": "password-123"}).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    with clock.use_clock(datetime(2026, 12, 3, 12, tzinfo=timezone.utc)):
        w, pv1 = wf.issue_warning(engine, actor="zhang", level=L.ORANGE, areas=None, start=START, end=END,
                                  hours_to_start=60, forecast={"daily_aqi": [218, 251, 326]}, **_accepting(wf.issue_warning))
    uscc = PlanDocument.model_validate_json(pv1.document).actions[0].enterprise_uscc
    r = client.get(f"/api/warnings/{w.id}/notices/{uscc}", headers=auth)
    assert r.status_code == 200 and "管控通知" in r.text and f"〔2026〕第{w.id}-1号" in r.text
    assert "script-src" not in r.headers["content-security-policy"] and "default-src 'none'" in r.headers["content-security-policy"]
    a = client.get(f"/api/warnings/{w.id}/announcement", headers=auth)
    assert a.status_code == 200 and "218–326" in a.text and "严重污染" in a.text and "启动" in a.text
    assert client.get(f"/api/warnings/{w.id}/notices/000000000000000000", headers=auth).status_code == 404
    assert client.get(f"/api/warnings/{w.id}/announcement?version=9", headers=auth).status_code == 404

    with clock.use_clock(datetime(2026, 12, 5, 4, tzinfo=timezone.utc)):
        wf.adjust_warning(engine, w.id, actor="zhang", level=L.RED, hours_to_start=24, **_accepting(wf.adjust_warning))
    assert "升级" in client.get(f"/api/warnings/{w.id}/announcement", headers=auth).text
    assert "启动" in client.get(f"/api/warnings/{w.id}/announcement?version=1", headers=auth).text

    with clock.use_clock(datetime(2026, 12, 6, 2, tzinfo=timezone.utc)):
        wf.release_warning(engine, w.id, actor="zhang", reason="空气质量好转")
    r = client.get(f"/api/warnings/{w.id}/notices/{uscc}", headers=auth)
    assert r.status_code == 200 and "解除通知" in r.text and f"〔2026〕第{w.id}-3号" in r.text
    assert "2026年12月06日10时" in r.text and "落实下列" not in r.text
    a = client.get(f"/api/warnings/{w.id}/announcement", headers=auth)
    assert "解除" in a.text and "空气质量好转" in a.text
    r = client.get(f"/api/warnings/{w.id}/notices/{uscc}?version=1", headers=auth)
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    engine.dispose()
