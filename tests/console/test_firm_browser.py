"""A firm's contact in a real browser (Debian's Chromium driven by Playwright), at
2026-12-03 23:30 北京时间 on a UTC server (the city of ``tests/enterprise/city.py``):

redeem the bureau's invitation, land on 我的通知, open the notice, confirm receipt, type a
report with a time in the future (refused in Chinese, the form kept), then report with
a photo; the filed measures page; at a phone's and a laptop's width, no page wider than
the window. Every page is screenshotted into the artefact folder the other browser
tests use (``EMERGENCY_CONSOLE_ARTEFACTS``, default
``<tmp>/emergency-console-screenshots``, names starting ``firm-``), every page's HTML is
checked for URLs to other hosts and every request the browser made went to the
application itself.

Skipped when Playwright or ``/usr/bin/chromium`` is missing, unless
``EMERGENCY_TEST_REQUIRE_BROWSER=1`` (CI), where that fails the run.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from emergency import clock
from emergency.api.app import create_app
from emergency.rotation.service import save_plan
from emergency.workflow import accounts
from emergency.workflow import receipts as rc
from tests.console.conftest import external_urls
from tests.enterprise.city import C1, C2, C3, NOW, issue, load_city

CHROMIUM = "/usr/bin/chromium"
if os.environ.get("EMERGENCY_TEST_REQUIRE_BROWSER") == "1":
    import playwright.sync_api as playwright  # an ImportError fails the run

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing but EMERGENCY_TEST_REQUIRE_BROWSER=1"
else:
    playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


ROTATION = {  # a season's plan in effect, by hand: C2's kiln stops twice, C3's second kiln once; C1's is another firm's
    "season": "2026-2027", "area": "测试市", "status": "optimal", "window": ["2026-11-15", "2027-03-15"],
    "summary": {"stop_line_days": 30},
    "lines": [
        {"uscc": C2, "enterprise": "C2砖厂", "line_id": f"{C2}/L01", "line_name": "1#窑炉", "county": "乙县", "role": "rotate",
         "reason": "", "required_days": 10, "counted_days": 10, "blocks": [["2026-11-27", "2026-12-01"], ["2027-01-11", "2027-01-15"]]},
        {"uscc": C3, "enterprise": "C3砖厂", "line_id": f"{C3}/L02", "line_name": "2#窑炉", "county": "乙县", "role": "rotate",
         "reason": "", "required_days": 5, "counted_days": 5, "blocks": [["2026-12-20", "2026-12-24"]]},
        {"uscc": C1, "enterprise": "C1砖厂", "line_id": f"{C1}/L01", "line_name": "1#窑炉", "county": "甲县", "role": "rotate",
         "reason": "", "required_days": 10, "counted_days": 10, "blocks": [["2026-12-01", "2026-12-10"]]},
    ],
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    import uvicorn

    with clock.use_clock(NOW):
        app = create_app(f"sqlite:///{tmp_path / 'firm.sqlite'}")
        load_city(app.state.engine)
        w, _, _ = issue(app.state.engine)
        save_plan(app.state.engine, ROTATION)  # after the warning: its orders are the city's own
        code = accounts.invite(app.state.engine, "c2c3", [C2, C3], actor="bureau", full_name="乙县砖厂").code
        port = _free_port()
        srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=srv.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not srv.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
        yield app, f"http://127.0.0.1:{port}", w.id, code
        srv.should_exit = True
        thread.join(10)
    app.state.engine.dispose()


def test_a_firm_confirms_and_reports_in_chromium(server):
    app, base, wid, code = server
    shots = Path(os.environ.get("EMERGENCY_CONSOLE_ARTEFACTS") or Path(tempfile.gettempdir()) / "emergency-console-screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(locale="zh-CN", timezone_id="UTC", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))

        def shot(name: str) -> None:
            assert external_urls(page.content()) == [], name
            page.screenshot(path=str(shots / f"firm-{name}.png"), full_page=True)

        page.goto(base + "/firm/redeem")
        page.fill("input[name=code]", code)
        page.fill("input[name=password]", "c2c3-password")
        page.fill("input[name=password2]", "c2c3-password")
        shot("01-redeem")
        page.click("#redeem button[type=submit]")
        page.wait_for_selector("#welcome")
        assert "c2c3" in page.inner_text("#welcome")
        c2 = f"#order-{wid}-1-{C2}"
        assert page.inner_text(f"#todo-{wid}-1-{C2}").startswith("第一步：请于 2026-12-04 00:30（北京时间）前点击“确认收到”")
        shot("02-portal-new")

        notice = page.get_attribute(f"{c2} a:has-text('查看通知')", "href")
        page.goto(base + notice)
        assert "C2砖厂" in page.inner_text("body")
        shot("03-notice")
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF")
        page.go_back()

        page.click(f"{c2} form.confirm button")
        page.wait_for_selector("#done")
        assert "第二步：请于 2026-12-06 00:00（北京时间）前逐条报告落实情况" in page.inner_text(f"#todo-{wid}-1-{C2}")
        form = f"{c2} form.report"
        page.fill(f"{form} input[name=measure]", "1号窑停火保温")
        page.fill(f"{form} input[name=taken_at]", "2026-12-04T08:00")  # tomorrow morning: not yet
        page.click(f"{form} button[type=submit]")
        page.wait_for_selector("#error")
        assert "晚于现在" in page.inner_text("#error")
        assert page.input_value(f"{form} input[name=measure]") == "1号窑停火保温"
        shot("04-report-refused")

        page.fill(f"{form} input[name=taken_at]", "2026-12-03T23:15")
        photo = page.screenshot()  # a real PNG as the site photo
        page.set_input_files(f"{form} input[name=file]",
                             files=[{"name": "现场照片.png", "mimeType": "image/png", "buffer": photo}])
        page.click(f"{form} button[type=submit]")
        page.wait_for_selector("#done")
        assert "落实情况已报告" in page.inner_text("#done")
        assert "已报告：1号窑停火保温；落实时间 2026-12-03 23:15" in page.inner_text(c2)
        shot("05-reported")
        [status] = rc.statuses(app.state.engine, wid, (C2,))
        assert (status.confirm_state, status.report_state) == ("on_time", "on_time")
        [rep] = status.reports.values()
        assert rep.taken_at == datetime(2026, 12, 3, 15, 15, tzinfo=timezone.utc) and rep.evidence == "现场照片.png"

        page.click("nav a:has-text('备案措施')")
        page.wait_for_selector(f"#firm-{C2}")
        shot("06-measures")
        page.click("nav a:has-text('错峰生产')")
        page.wait_for_selector("#rotation-lines")
        assert page.locator("table.firm-calendar").count() == 3  # November, December, January
        assert page.locator("table.firm-calendar td.stop").count() == 5 + 5 + 5
        shot("07-rotation")
        for width, height in ((390, 844), (1366, 768)):
            page.set_viewport_size({"width": width, "height": height})
            for path in ("/firm", "/firm/measures", "/firm/rotation", "/firm/compliance"):
                page.goto(base + path)
                overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, (width, path, overflow)
                assert C1 not in page.content()
                page.screenshot(path=str(shots / f"firm-{width}x{height}-{path.strip('/').replace('/', '-')}.png"),
                                full_page=True)
        browser.close()
    assert requests and all(u.startswith(base) for u in requests), [u for u in requests if not u.startswith(base)]
