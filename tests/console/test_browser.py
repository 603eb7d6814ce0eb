"""The duty officer's night in a real browser: Debian's Chromium driven by Playwright.

Sign in, evaluate a forecast, preview and issue an orange warning, upgrade it to red,
open the plan (filtered) and a firm, open and print (A4 PDF) a county's notices, upload
electricity readings, check compliance, release; download the list check's workbook,
plan a heating season from the form (progress page, then the plan, its workbook and a
firm's calendar), compare two scenarios; then every page at 1366×768 and 1920×1080,
none wider than the window. Every page is screenshotted into an
artefact folder (``EMERGENCY_CONSOLE_ARTEFACTS``, default
``<tmp>/emergency-console-screenshots``; never committed); every page's HTML is checked
for URLs to other hosts and every request the browser made is checked to have gone to
the application itself. A viewer's browser is refused the officer's pages, and a form
with a tampered CSRF token changes nothing.

Skipped when Playwright or ``/usr/bin/chromium`` is missing (``.ci/run`` installs
Chromium; browsers cannot be downloaded here).
"""

from __future__ import annotations

import os
import re
import socket
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from emergency.plans.document import PlanDocument
from emergency.workflow import lifecycle as wf
from enterprise_registry.generator import generate_registry
from tests.console.conftest import PASSWORD, external_urls, make_app

CHROMIUM = "/usr/bin/chromium"
# CI (.ci/run) installs Chromium and sets EMERGENCY_TEST_REQUIRE_BROWSER=1: there the browser tests must run, not skip
if os.environ.get("EMERGENCY_TEST_REQUIRE_BROWSER") == "1":
    import playwright.sync_api as playwright  # an ImportError fails the run

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing but EMERGENCY_TEST_REQUIRE_BROWSER=1"
else:
    playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path, now):
    import uvicorn

    app = make_app(f"sqlite:///{tmp_path / 'night.sqlite'}", generate_registry(300, seed=8))
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield app, f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    app.state.engine.dispose()


@pytest.fixture
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


class Night:
    """One browser tab, its screenshots and the checks made on every page."""

    def __init__(self, browser, base: str, shots: Path):
        self.base, self.shots, self.n = base, shots, 0
        self.context = browser.new_context(locale="zh-CN", timezone_id="UTC", viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))

    def check(self, name: str) -> None:
        html = self.page.content()
        assert external_urls(html) == [], name
        self.n += 1
        self.page.screenshot(path=str(self.shots / f"{self.n:02d}-{name}.png"), full_page=True)

    def sign_in(self, username: str) -> None:
        self.page.goto(self.base + "/")
        assert "/login" in self.page.url
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(self.base + "/")

    def commit_preview(self) -> None:
        """On a preview page: approve the suggested firms when targets are short, then commit."""
        assert "此页为预览" in self.page.inner_text("#targets-state")
        if "未满足" in self.page.inner_text("#targets-state"):
            self.page.check("input[name=approve_suggested]")
        self.page.click("#commit")
        self.page.wait_for_load_state()


def test_the_night_in_chromium(server, browser):
    app, base = server
    shots = Path(os.environ.get("EMERGENCY_CONSOLE_ARTEFACTS") or Path(tempfile.gettempdir()) / "emergency-console-screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    night = Night(browser, base, shots)
    page = night.page
    night.sign_in("officer")
    night.check("home-empty")

    # 2024 rules: AQI > 200 on 12-09 and 12-10 only (48 h; > 150 also only those days) → orange,
    # 12-09 00时 to 12-11 00时, issued at least 24 h ahead
    page.fill("#values", "120,150,210,230,140,120")
    page.fill("input[name=first_day]", "2026-12-07")
    page.click("form[action='/forecast/evaluate'] button[type=submit]")
    page.wait_for_url(base + "/")
    assert page.inner_text("#verdict") == "橙色，12-09 00时至12-11 00时，须于12-08 00时前发布"
    assert page.locator("svg.chart rect").count() == 1 + 1 + 6  # plot, warning period, one bar a day
    assert page.locator("svg.chart rect.period").count() == 1
    night.check("home-evaluated")

    page.click("text=按此评估发布预警…")
    assert page.input_value("input[name=start]") == "2026-12-09 00:00"
    assert page.input_value("select[name=level]") == "orange"
    night.check("issue-form")
    page.click("#issue-form button[type=submit]")
    page.wait_for_selector("#targets")
    night.check("issue-preview")
    assert wf.list_warnings(app.state.engine) == []  # a preview writes nothing
    night.commit_preview()
    assert "预警已发布" in page.inner_text("main")
    [w] = wf.list_warnings(app.state.engine)
    assert (w.level, w.created_by) == ("orange", "officer")
    night.check("warning-issued")

    page.select_option("#adjust-form select[name=level]", "red")
    page.click("#adjust-form button[type=submit]")
    page.wait_for_selector("#targets")
    assert "调整预览（升级）" in page.inner_text("h1")
    night.check("upgrade-preview")
    night.commit_preview()
    assert "已生成新的方案版本" in page.inner_text("main")
    assert wf.get_warning(app.state.engine, w.id)[0].level == "red"
    night.check("warning-red")

    page.click("a.button:has-text('分布图')")
    page.wait_for_selector("#map[data-drawn]", timeout=30000)
    drawn = int(page.get_attribute("#map", "data-drawn"))
    assert drawn == sum(x is not None for x in generate_registry(300, seed=8).enterprises["longitude"])
    assert int(page.inner_text("#map-legend [data-cat='0'] .count").replace(",", "")) > 0  # some firms stop
    night.check("map")
    x, y, code = page.evaluate("""() => { const b = document.getElementById('map'), d = b.consolePoints;
        const p = b.consoleMap.latLngToContainerPoint([d.lat[0], d.lon[0]]); return [p.x, p.y, d.uscc[0]]; }""")
    where = page.locator("#map").bounding_box()
    page.mouse.click(where["x"] + x, where["y"] + y)
    page.wait_for_selector("#firm-lines")
    assert "/firms/" in page.url  # the firm under the pointer (or one drawn on the same pixels)
    page.go_back()
    page.go_back()
    page.click("text=最新方案")
    page.wait_for_selector("#actions")
    night.check("plan")
    county = page.locator("#filters select[name=county] option").nth(1).inner_text()
    page.select_option("#filters select[name=county]", county)
    page.click("#filters button[type=submit]")
    page.wait_for_selector("#actions")
    counties = {t.strip() for t in page.locator("#actions tbody tr td:first-child").all_inner_texts()}
    assert counties == {county}
    night.check("plan-filtered")
    page.locator("#actions tbody tr td:nth-child(2) a").first.click()
    page.wait_for_selector("#firm-lines")
    assert "为什么" in page.inner_text("#firm-lines")
    night.check("firm")

    page.goto(f"{base}/warnings/{w.id}/notices")
    night.check("notices")
    href = page.locator("#counties a").first.get_attribute("href")
    page.goto(base + href)
    night.check("county-print")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 1

    doc = PlanDocument.model_validate_json(wf.plan_version(app.state.engine, w.id).document)
    firms = sorted({a.enterprise_uscc for a in doc.actions if a.output_cut >= 0.5})
    idle, busy = firms[0], firms[1]
    rows = ["统一社会信用代码,生产线编号,日期,用电量(kWh)"]
    for k in range(1, 15):
        d = date(2026, 12, 9) - timedelta(days=k)
        rows += [f"{idle},,{d},1000", f"{busy},,{d},1000"]
    for d in (date(2026, 12, 9), date(2026, 12, 10)):
        rows += [f"{idle},,{d},0", f"{busy},,{d},1000"]  # idle stopped; busy used as much as before
    page.goto(base + "/compliance")
    page.set_input_files("input[name=file]", files=[{"name": "用电量.csv", "mimeType": "text/csv",
                                                      "buffer": ("\n".join(rows) + "\n").encode("utf-8")}])
    page.click("#electricity-form button[type=submit]")
    page.wait_for_selector("#imported")
    assert f"{len(rows) - 1} 条用电记录" in page.inner_text("#imported")
    night.check("electricity-uploaded")
    page.goto(f"{base}/warnings/{w.id}/compliance")
    failed = page.inner_text("#rows")
    assert busy in failed and idle not in failed
    night.check("compliance")

    page.goto(f"{base}/warnings/{w.id}")
    page.fill("#release-form input[name=reason]", "空气质量好转")
    page.check("#release-form input[name=confirm]")
    page.click("#release-form button[type=submit]")
    page.wait_for_load_state()
    assert "预警已解除" in page.inner_text("main")
    assert wf.get_warning(app.state.engine, w.id)[0].state == "released"
    night.check("released")

    for path, name in (("/registry", "list"), ("/audit?action=warning.", "audit"), ("/rotation", "rotation")):
        page.goto(base + path)
        night.check(name)
    assert page.url.endswith("/rotation")
    page.goto(base + "/registry")
    page.locator("#enterprises tbody a").first.click()
    page.wait_for_selector("#lines")
    night.check("list-firm")
    page.goto(base + "/audit?action=warning.")
    assert [a.strip() for a in page.locator("#audit tbody tr td:nth-child(4)").all_inner_texts()] == [
        "warning.release", "warning.upgrade", "warning.issue"]

    list_check_rotation_and_scenarios(night, base)
    walk_at_two_viewports(night, base, w.id)
    assert [u for u in night.requests if not u.startswith(base + "/")] == []


SMALL_SCENARIO = """name = "{name}"
seed = 1

[registry]
generate = {{ enterprises = {n}, seed = 2 }}

[episode]
daily_aqi = [120, 210, 230, 120]
start = 2026-12-10
"""


def list_check_rotation_and_scenarios(night: Night, base: str) -> None:
    """The list check's workbook; a season planned from the form, its workbook and a
    firm's calendar; two uploaded scenarios side by side."""
    page = night.page
    page.goto(base + "/registry/check")
    night.check("list-check")
    with page.expect_download() as got:
        page.click("#check-xlsx")
    assert got.value.suggested_filename.endswith(".xlsx") and Path(got.value.path()).read_bytes()[:2] == b"PK"

    page.goto(base + "/rotation")
    county = page.locator("#rotation-plan-form input[name=county]").first
    county_name = county.get_attribute("value")
    county.check()
    page.fill("#rotation-plan-form input[name=time_limit]", "5")
    page.click("#rotation-plan-form button[type=submit]")
    page.wait_for_selector("#rotation-run")
    assert "正在求解" in page.inner_text("#rotation-run")
    night.check("rotation-running")
    page.wait_for_selector("#rotation-lines", timeout=90000)  # the page refreshes itself until the plan is stored
    assert "可行" in page.inner_text("#plan-facts") or "最优" in page.inner_text("#plan-facts")
    assert {t.strip() for t in page.locator("#rotation-lines tbody tr td:first-child").all_inner_texts()} == {county_name}
    night.check("rotation-planned")
    with page.expect_download() as got:
        page.click("#download-xlsx")
    assert Path(got.value.path()).read_bytes()[:2] == b"PK"
    with page.expect_download() as got:
        page.locator("#rotation-lines a:has-text('.ics')").first.click()
    assert Path(got.value.path()).read_text(encoding="utf-8").startswith("BEGIN:VCALENDAR")

    page.goto(base + "/scenarios")
    for side, name, n in (("a", "小城甲", 120), ("b", "小城乙", 100)):
        page.set_input_files(f"input[name=file_{side}]", files=[{"name": f"{side}.toml", "mimeType": "application/toml",
                                                              "buffer": SMALL_SCENARIO.format(name=name, n=n).encode()}])
    page.click("#compare-form button[type=submit]")
    page.wait_for_selector("#compare", timeout=60000)
    assert page.inner_text("#compare tr[data-key=enterprises] td:last-child") == "−20"
    assert page.locator("#side-A").is_visible() and page.locator("#side-B").is_visible()
    night.check("scenarios-compared")


def walk_at_two_viewports(night: Night, base: str, warning_id: int) -> None:
    """Every page at a laptop's 1366×768 and a desk screen's 1920×1080: screenshotted, and
    no page wider than the window (a table or chart that needs sideways scrolling is
    hard to read)."""
    page = night.page
    pages = ["/", "/warnings", "/warnings/new", f"/warnings/{warning_id}", f"/warnings/{warning_id}/plans/1",
             f"/warnings/{warning_id}/notices", f"/warnings/{warning_id}/compliance", "/compliance", "/registry",
             "/registry/check", "/map", "/rotation", "/scenarios", "/audit"]
    for width, height in ((1366, 768), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        for path in pages:
            page.goto(base + path)
            if path == "/map":
                page.wait_for_selector("#map[data-drawn]", timeout=30000)
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (width, path, overflow)
            assert external_urls(page.content()) == [], path
            name = path.strip("/").replace("/", "-") or "home"
            page.screenshot(path=str(night.shots / f"{width}x{height}-{name}.png"))


def test_a_viewers_browser_and_a_tampered_form(server, browser):
    app, base = server
    viewer = Night(browser, base, Path(tempfile.mkdtemp()))
    viewer.sign_in("viewer")
    assert viewer.page.locator("#values").count() == 0
    viewer.page.goto(base + "/warnings/new")
    assert "无权操作" in viewer.page.inner_text("h1")
    officer = Night(browser, base, Path(tempfile.mkdtemp()))
    officer.sign_in("officer")
    officer.page.locator("form[action='/forecast/evaluate'] input[name=csrf]").evaluate("e => e.value = 'forged'")
    officer.page.fill("#values", "210,220,230")
    officer.page.click("form[action='/forecast/evaluate'] button[type=submit]")
    officer.page.wait_for_load_state()
    assert "表单校验失败" in officer.page.inner_text("main")
    from emergency.console.forecasts import latest

    assert latest(app.state.engine) is None
