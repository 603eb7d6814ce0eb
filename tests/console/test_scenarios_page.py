"""Scenarios from the console: an uploaded file runs and its report comes back; a file
naming a server path or a province-sized list is refused; a viewer may not run one."""

from __future__ import annotations

import pytest

from enterprise_registry.generator import generate_registry
from tests.console.conftest import Console, make_app

SCENARIO = """name = "小城橙色"
seed = 1

[registry]
generate = {{ enterprises = {n}, seed = 2 }}

[episode]
daily_aqi = [120, 210, 230, 120]
start = 2026-12-10
"""


@pytest.fixture
def app(sqlite_url, now):
    app = make_app(sqlite_url, generate_registry(30, seed=1))
    yield app
    app.state.engine.dispose()


def test_an_uploaded_scenario_runs_and_reports(app):
    planner = Console(app, "planner")
    assert "橙色过程（演示市）" in planner.get("/scenarios").text  # the packaged examples are listed
    r = planner.post("/scenarios/run", files={"file": ("小城.toml", SCENARIO.format(n=150).encode())})
    assert r.status_code == 200 and "情景模拟报告" in r.text and "小城橙色" in r.text
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert "橙色" in r.text.split("小城橙色")[-1]  # the episode's days went through an orange warning


@pytest.mark.parametrize("text, message", [
    (SCENARIO.format(n=150).replace('generate = { enterprises = 150, seed = 2 }', 'file = "/etc/passwd"'), "只能用 generate 或 version"),
    (SCENARIO.format(n=500000), "值班台最多 20,000 家"),
])
def test_a_scenario_the_console_should_not_run_is_refused(app, text, message):
    planner = Console(app, "planner")
    r = planner.post("/scenarios/run", files={"file": ("s.toml", text.encode())})
    assert r.status_code == 400 and message in r.text


def test_a_viewer_may_not_run_a_scenario(app):
    viewer = Console(app, "viewer")
    assert viewer.post("/scenarios/run", {"example": "0"}).status_code == 403
    assert "<form method=\"post\" action=\"/scenarios/run\"" not in viewer.get("/scenarios").text
