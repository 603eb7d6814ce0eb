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


def test_two_scenarios_side_by_side(app):
    """Each side's numbers are those of its own single-scenario report (within the solver's tolerance); B − A is
    their difference."""
    import re

    planner = Console(app, "planner")
    small, large = SCENARIO.format(n=120).replace("小城橙色", "小城甲"), SCENARIO.format(n=150).replace("小城橙色", "小城乙")

    def lost(report: str) -> int:  # 预警期累计损失产值 of the one-scenario report's summary row
        row = re.search(r"<tr><td>[^<]*</td><td>\d+</td><td>([\d,]+)</td>", report).group(1)
        return int(row.replace(",", ""))

    alone = [lost(planner.post("/scenarios/run", files={"file": ("x.toml", text.encode())}).text) for text in (small, large)]
    assert 'action="/scenarios/compare"' in planner.get("/scenarios").text
    r = planner.post("/scenarios/compare", files={"file_a": ("甲.toml", small.encode()), "file_b": ("乙.toml", large.encode())})
    assert r.status_code == 200 and "情景对比：A 小城甲 ／ B 小城乙" in r.text
    row = re.search(r'<tr data-key="lost_value_yuan"><td>[^<]*</td><td class="num">([\d,]+)</td><td class="num">([\d,]+)</td>'
                    r'<td class="num">([^<]*)</td>', r.text)
    a, b = (int(x.replace(",", "")) for x in row.group(1, 2))
    assert [a, b] == pytest.approx(alone, rel=0.01)  # the plans are optimised with a time limit: equal within 1%
    assert row.group(3) == ("+" if b > a else "−") + f"{abs(b - a):,}"
    enterprises = re.search(r'<tr data-key="enterprises"><td>[^<]*</td><td class="num">([\d,]+)</td><td class="num">([\d,]+)</td>'
                            r'<td class="num">([^<]*)</td>', r.text)
    assert enterprises.groups() == ("120", "150", "+30")
    assert 'id="side-A"' in r.text and 'id="side-B"' in r.text
    refused = planner.post("/scenarios/compare", {"example_a": "0", "example_b": "99"})
    assert refused.status_code == 400 and "请选择B一个示例情景" in refused.text
    assert Console(app, "viewer").post("/scenarios/compare", {"example_a": "0", "example_b": "1"}).status_code == 403
