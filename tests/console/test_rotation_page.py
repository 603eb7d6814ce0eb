"""The rotation calendar page: the stored plan's lines × days, filtered, each line's
stop blocks as the plan document gives them."""

from __future__ import annotations

import re

import pytest

from emergency.rotation.service import plan_season, save_plan
from enterprise_registry.generator import generate_registry
from tests.console.conftest import Console, make_app


@pytest.fixture(scope="module")
def season():
    t = generate_registry(200, seed=4)
    run = plan_season(t, "2026-2027", time_limit=10)
    return t, run.document


def test_the_calendar_shows_each_lines_blocks(sqlite_url, now, season):
    t, doc = season
    app = make_app(sqlite_url, t)
    viewer = Console(app, "viewer")
    assert "尚无错峰生产方案" in viewer.get("/rotation").text
    plan_id = save_plan(app.state.engine, doc)
    page = viewer.get("/rotation").text
    shown = [l for l in doc["lines"] if l["role"] in ("rotate", "whole")]
    assert f"（{len(shown):,} 条，第 1 /" in page and "<svg" in page
    first = shown[0]
    blocks = re.findall(r"<title>([^<]*)：(\d{4}-\d\d-\d\d) 至 (\d{4}-\d\d-\d\d) 停产</title>", page)
    assert [(a, b) for name, a, b in blocks if name == f"{first['enterprise']} {first['line_name']}"] == \
        [tuple(x) for x in first["blocks"]]
    county = first["county"]
    filtered = viewer.get("/rotation", params={"plan": plan_id, "county": county}).text
    assert set(re.findall(r'<tr><td class="nw">([^<]*)</td>', filtered.split('id="rotation-lines"')[1])) == {county}
    app.state.engine.dispose()
