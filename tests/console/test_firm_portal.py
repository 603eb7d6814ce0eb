"""The enterprise's own pages (企业端) through the browser's forms, on a UTC machine at
2026-12-03 23:30 北京时间 (15:30 UTC), the city of ``tests/enterprise/city.py``:

the bureau invites ``firm2`` for C2 and C3 and ``firm1`` for C1 (甲县); ``firm2``
redeems its code in the browser, is signed in, confirms and reports C2's order with a
photo; every page shows only its own firms; ``firm1``'s ids are refused; the bureau's
roles cannot use the firm's forms and keep their own home page.

Deadlines by hand: the notice is issued at 23:30 北京时间, receipt within 1 h →
2026-12-04 00:30 北京时间 (still 2026-12-03 in UTC); the measures take effect 2026-12-05
00:00 北京时间, report within 24 h → 2026-12-06 00:00 北京时间.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from emergency import clock
from emergency.api.app import create_app
from emergency.console.session import COOKIE
from emergency.workflow import accounts
from emergency.workflow import receipts as rc
from tests.console.conftest import csrf_of, external_urls, nonce_of
from tests.enterprise.city import C1, C2, C3, NOW, issue, load_city

UTC = timezone.utc
PNG = b"\x89PNG\r\n\x1a\n" + b"photo" * 20


@pytest.fixture
def city(db_url):
    with clock.use_clock(NOW):
        app = create_app(db_url)
        engine = app.state.engine
        load_city(engine)
        w, _, doc = issue(engine)
        codes = {"firm2": accounts.invite(engine, "firm2", [C2, C3], actor="bureau", full_name="乙县砖厂联系人").code,
                 "firm1": accounts.invite(engine, "firm1", [C1], actor="bureau").code}
        accounts.add_user(engine, "admin", "password-123", "admin")
        accounts.add_user(engine, "officer", "password-123", "duty_officer")
        yield app, w.id, doc, codes
    engine.dispose()


def redeem(app, code: str, password: str = "firm-password-1", again: str | None = None, client: TestClient | None = None):
    client = client or TestClient(app)
    page = client.get("/firm/redeem")
    assert page.status_code == 200 and "邀请码" in page.text
    r = client.post("/firm/redeem", data={"code": code, "password": password, "password2": again or password,
                                          "nonce": nonce_of(page.text)}, follow_redirects=False)
    return client, r


def sign_in(app, username: str, password: str) -> TestClient:
    client = TestClient(app)
    page = client.get("/login")
    r = client.post("/login", data={"username": username, "password": password, "nonce": nonce_of(page.text), "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    client.landed = r.headers["location"]
    return client


def order_card(html: str, warning_id: int, uscc: str) -> str:
    m = re.search(rf'<article class="card order[^"]*" id="order-{warning_id}-1-{uscc}">(.*?)</article>', html, re.S)
    assert m, f"no order card for {uscc}"
    return m.group(1)


def test_a_firm_redeems_confirms_and_reports_and_sees_only_its_own(city):
    app, wid, doc, codes = city
    engine = app.state.engine
    lines_c2 = sorted({a.line_id for a in doc.actions if a.enterprise_uscc == C2})
    assert len(lines_c2) == 1

    # redemption: a wrong code and differing passwords are refused on the page, nothing created
    _, r = redeem(app, "WRONG-CODE-0000")
    assert r.status_code == 401 and "邀请码无效" in r.text
    _, r = redeem(app, codes["firm2"], again="something-else")
    assert r.status_code == 400 and "两次输入的密码不一致" in r.text
    _, r = redeem(app, codes["firm2"], password="short", again="short")
    assert r.status_code == 400 and "密码" in r.text
    client, r = redeem(app, codes["firm2"])
    assert r.status_code == 303 and r.headers["location"] == "/firm?welcome=true"
    assert client.cookies.get(COOKIE)
    _, again = redeem(app, codes["firm2"])
    assert again.status_code == 401 and "使用过" in again.text  # one-time

    portal = client.get("/firm?welcome=true")
    assert portal.status_code == 200 and external_urls(portal.text) == []
    assert "以后请用用户名 <strong>firm2</strong>" in portal.text
    assert "firm2（企业用户）" in portal.text and "我的通知" in portal.text and "预警与方案" not in portal.text
    for uscc in (C2, C3):
        card = order_card(portal.text, wid, uscc)
        assert "请于 <strong>2026-12-04 00:30</strong>（北京时间）前点击“确认收到”" in card  # the next Beijing day
        assert "待确认" in card and "2026-12-06 00:00" in card and "确认收到</button>" in card
    assert C1 not in portal.text and "甲县" not in portal.text

    # before the receipt, a report is refused (409) on the page, at the order
    csrf = csrf_of(portal.text)
    reports = f"/firm/warnings/{wid}/versions/1/reports"
    r = client.post(reports, data={"csrf": csrf, "uscc": C2, "line_id": lines_c2[0], "measure": "停产",
                                   "taken_at": "2026-12-03T23:20"})
    assert r.status_code == 409 and "请先确认收到通知" in order_card(r.text, wid, C2)

    r = client.post(f"/firm/warnings/{wid}/versions/1/receipt", data={"csrf": csrf, "uscc": C2}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/firm?warning={wid}&done=confirmed#order-{wid}-1-{C2}"
    page = client.get(r.headers["location"]).text
    assert "已确认收到通知" in page
    card = order_card(page, wid, C2)
    assert "已确认（2026-12-03 23:30 由 firm2 确认）" in card and "确认收到</button>" not in card
    assert "请于 <strong>2026-12-06 00:00</strong>（北京时间）前逐条报告落实情况" in card
    assert "待确认" in order_card(page, wid, C3)

    # mistakes the firm can fix: said in Chinese at the order, the form kept as typed, nothing stored
    base = {"csrf": csrf, "uscc": C2, "line_id": lines_c2[0], "measure": "窑炉停火"}
    r = client.post(reports, data={**base, "taken_at": "2026-12-04T00:10"})  # 40 minutes ahead of now (Beijing)
    assert r.status_code == 400 and "晚于现在" in order_card(r.text, wid, C2)
    assert 'value="2026-12-04T00:10"' in r.text and 'value="窑炉停火"' in r.text
    r = client.post(reports, data={**base, "taken_at": "昨天"})
    assert r.status_code == 400 and "不是有效时间" in r.text
    r = client.post(reports, data={**base, "taken_at": ""})
    assert r.status_code == 400 and "请填写落实时间" in r.text
    r = client.post(reports, data={**base, "taken_at": "2026-12-03T23:20"},
                    files={"file": ("合同.exe", b"MZ", "application/octet-stream")})
    assert r.status_code == 400 and ".jpg / .jpeg / .png / .pdf" in r.text
    r = client.post(reports, data={**base, "taken_at": "2026-12-03T23:20"},
                    files={"file": ("大照片.png", b"\0" * (10 * 1024 * 1024 + 1), "image/png")})
    assert r.status_code == 413 and "超过 10 MB 上限" in r.text
    [status] = [s for s in rc.statuses(engine, wid, (C2,))]
    assert status.reports == {}

    r = client.post(reports, data={**base, "taken_at": "2026-12-03T23:20"},
                    files={"file": ("../现场照片.png", PNG, "image/png")}, follow_redirects=False)
    assert r.status_code == 303 and "done=new" in r.headers["location"]
    page = client.get(r.headers["location"]).text
    card = order_card(page, wid, C2)
    assert "已报告：窑炉停火；落实时间 2026-12-03 23:20" in card and "已报告（已报 1/1 条）" in card
    assert "回执与落实情况报告均已完成" in card
    [status] = rc.statuses(engine, wid, (C2,))
    rep = status.reports[lines_c2[0]]
    assert rep.taken_at == datetime(2026, 12, 3, 15, 20, tzinfo=UTC)  # typed in Beijing time, stored in UTC
    assert (status.confirm_state, status.report_state) == ("on_time", "on_time")
    link = re.search(r'href="(/firm/warnings/\d+/reports/\d+/evidence)">现场照片.png</a>', card).group(1)
    got = client.get(link)
    assert got.status_code == 200 and got.content == PNG and got.headers["content-type"] == "image/png"

    # the notice, as the API serves it (no script), printable
    notice = client.get(f"/firm/warnings/{wid}/notices/{C2}?version=1")
    assert notice.status_code == 200 and "C2砖厂" in notice.text
    assert notice.headers["content-security-policy"].startswith("default-src 'none'")

    # another firm's ids: refused, nothing of it shown
    for method, url, data in (
        ("GET", f"/firm/warnings/{wid}/notices/{C1}", None),
        ("POST", f"/firm/warnings/{wid}/versions/1/receipt", {"csrf": csrf, "uscc": C1}),
        ("POST", reports, {"csrf": csrf, "uscc": C1, "line_id": f"{C1}/L01", "measure": "停产", "taken_at": "2026-12-03T23:20"}),
    ):
        r = client.request(method, url, data=data)
        assert r.status_code == 403, (url, r.status_code)
        assert C1 not in r.text and "C1砖厂" not in r.text and "甲县" not in r.text
    assert rc.statuses(engine, wid, (C1,))[0].confirmed_at is None

    # firm1 sees its own order and nothing of firm2's, not even the evidence by id
    firm1, r = redeem(app, codes["firm1"], password="firm1-password")
    page = firm1.get("/firm").text
    assert order_card(page, wid, C1) and C2 not in page and C3 not in page and "乙县" not in page
    theirs = firm1.get(link)
    assert theirs.status_code == 404 and PNG not in theirs.content
    assert firm1.get(f"/firm/warnings/{wid}/notices/{C2}").status_code == 403


def test_a_firm_signs_in_to_its_portal_and_the_bureau_keeps_its_own(city):
    app, wid, _, codes = city
    redeem(app, codes["firm2"])
    firm = sign_in(app, "firm2", "firm-password-1")
    assert firm.landed == "/firm"
    r = firm.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/firm"
    assert firm.get("/warnings").status_code == 403  # the bureau's pages stay closed

    admin = sign_in(app, "admin", "password-123")
    assert admin.landed == "/"
    home = admin.get("/")
    assert home.status_code == 200 and "预警与方案" in home.text and "我的通知" not in home.text
    csrf = csrf_of(home.text)
    for url in ("/firm", "/firm/measures", "/firm/rotation", "/firm/compliance", f"/firm/warnings/{wid}/notices/{C2}"):
        assert admin.get(url).status_code == 403, url
    r = admin.post(f"/firm/warnings/{wid}/versions/1/receipt", data={"csrf": csrf, "uscc": C2})
    assert r.status_code == 403 and "无权" in r.text
    officer = sign_in(app, "officer", "password-123")
    r = officer.post(f"/firm/warnings/{wid}/versions/1/reports", data={"csrf": csrf_of(officer.get("/").text), "uscc": C2,
                                                                        "line_id": "x", "measure": "停产", "taken_at": "2026-12-03T23:00"})
    assert r.status_code == 403
    assert rc.statuses(app.state.engine, wid, (C2,))[0].confirmed_at is None

    # the firm's form without its CSRF token changes nothing
    r = firm.post(f"/firm/warnings/{wid}/versions/1/receipt", data={"uscc": C2})
    assert r.status_code == 403 and "表单校验失败" in r.text
    assert rc.statuses(app.state.engine, wid, (C2,))[0].confirmed_at is None
    # nor does a redemption form posted from elsewhere (no nonce cookie)
    r = TestClient(app).post("/firm/redeem", data={"code": codes["firm1"], "password": "x" * 10, "password2": "x" * 10,
                                                   "nonce": "forged"})
    assert r.status_code == 403 and "开通表单已过期" in r.text


HAND_FIRM = {  # what firm_view.firms answers for a firm with filed measures (the city files none)
    "uscc": C2, "in_list": True, "name": "C2砖厂", "county": "乙县", "industry": "brick", "grade": "C",
    "contact_person": None, "contact_phone": None,
    "lines": [{"line_code": "L01", "line_name": "1#窑炉", "process": "kiln", "capacity_basis": 100.0, "capacity_unit": "万块/日"},
              {"line_code": "L02", "line_name": "2#窑炉", "process": "kiln", "capacity_basis": 80.0, "capacity_unit": "万块/日"}],
    "filed_measures": [
        {"line_code": None, "level": "yellow", "action": "cut_output", "share": 0.3, "hours": None, "truck_ban": True,
         "text": None, "indicator": "用电量"},
        {"line_code": "L01", "level": "orange", "action": "stop", "share": None, "hours": None, "truck_ban": False,
         "text": "停产，仅保留窑炉保温", "indicator": None},
        {"line_code": "L02", "level": "red", "action": "stop", "share": None, "hours": None, "truck_ban": False,
         "text": None, "indicator": None},
        {"line_code": "L02", "level": "orange", "action": "coking_time_extension", "share": None, "hours": 36.0,
         "truck_ban": False, "text": None, "indicator": None},
    ],
}


def test_filed_measures_per_line_and_level():
    from emergency.console.pages.firm import _measure_rows

    rows = _measure_rows(HAND_FIRM)
    assert [(r["code"], r["name"]) for r in rows] == [(None, "全厂（未单独备案的生产线）"), ("L01", "1#窑炉"), ("L02", "2#窑炉")]
    assert rows[0]["levels"] == {"yellow": "限产30%；禁用国四及以下重型柴油货车运输", "orange": "", "red": ""}
    assert rows[0]["indicator"] == "用电量"
    assert rows[1]["levels"] == {"yellow": "", "orange": "停产，仅保留窑炉保温", "red": ""}
    assert rows[2]["levels"] == {"yellow": "", "orange": "结焦时间延长至36小时", "red": "停产"}


def test_filed_measures_rotation_calendar_and_compliance_pages(city, monkeypatch):
    from emergency.rotation.service import save_plan
    from emergency.workflow import firm_view

    app, wid, _, codes = city
    engine = app.state.engine
    client, _ = redeem(app, codes["firm2"])
    page = client.get("/firm/measures")
    assert page.status_code == 200 and "C2砖厂" in page.text and "C3砖厂" in page.text and C1 not in page.text
    assert page.text.count("<td>L0") == 3  # C2's one line and C3's two
    assert "<dt>行业</dt><dd>砖瓦窑</dd>" in page.text and "清单中没有为该企业备案分级措施" in page.text
    with monkeypatch.context() as m:
        m.setattr(firm_view, "firms", lambda engine, usccs: [HAND_FIRM] if usccs == (C2, C3) else [])
        page = client.get("/firm/measures").text
    row = re.search(r"<tr><td>2#窑炉<br><small>L02</small></td>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r"<td>(.*?)</td>", row) == ["—", "结焦时间延长至36小时", "停产", "—"]

    assert "目前没有生效的错峰生产方案" in client.get("/firm/rotation").text
    line = {"enterprise": "", "line_name": "", "county": "", "role": "rotate", "reason": "", "required_days": 5,
            "counted_days": 5}
    doc = {"season": "2026-2027", "area": "测试市", "status": "optimal", "window": ["2026-11-15", "2027-03-15"],
           "summary": {"stop_line_days": 12},
           "lines": [{**line, "uscc": C2, "enterprise": "C2砖厂", "line_id": f"{C2}/L01", "line_name": "C2一号窑",
                      "blocks": [["2026-11-29", "2026-12-03"]]},
                     {**line, "uscc": C1, "enterprise": "C1砖厂", "line_id": f"{C1}/L01", "line_name": "C1一号窑",
                      "blocks": [["2026-12-20", "2027-01-02"]]}]}
    save_plan(engine, doc)
    page = client.get("/firm/rotation").text
    assert "C2一号窑" in page and "2026-11-29 至 12-03（5 天）" in page and "轮停" in page
    assert "C1" not in page.replace(C2, "") and "2027年1月" not in page  # C1's block (into January) is not shown
    # the calendar: November 2026 (30 days) and December 2026 (31 days); stopped 29, 30 Nov and 1–3 Dec
    months = re.findall(r"<h2>(\d{4}年\d+月)</h2>", page)
    assert months == ["2026年11月", "2026年12月"]
    nov, dec = page.split("<h2>2026年11月</h2>")[1].split("<h2>2026年12月</h2>")
    assert nov.count('<th class="day') == 30 and dec.count('<th class="day') == 31
    assert nov.count('class="day stop"') == 2 and dec.count('class="day stop"') == 3
    assert 'class="day weekend today">3</th>' not in dec and 'class="day today">3</th>' in dec  # Thu 3 Dec 2026 (Beijing)

    page = client.get("/firm/compliance")
    assert page.status_code == 200 and f'id="check-{wid}"' in page.text and C1 not in page.text
    assert f'id="not-started-{wid}"' in page.text  # 2026-12-03 23:30: the warning starts 2026-12-05 00:00
    with clock.use_clock(datetime(2026, 12, 4, 16, 0, tzinfo=UTC)):  # 2026-12-05 00:00 北京时间: started
        assert f'id="not-started-{wid}"' not in client.get("/firm/compliance").text


def test_the_calendar_counts_days_across_a_year_end():
    from emergency.console.pages.firm import _calendar

    months = _calendar([{"blocks": [["2026-12-30", "2027-01-02"]]}, {"blocks": []}])
    assert [m["label"] for m in months] == ["2026年12月", "2027年1月"]
    assert [len(m["days"]) for m in months] == [31, 31]
    assert [m["rows"][0]["stopped"] for m in months] == [{30, 31}, {1, 2}]
    assert [m["rows"][1]["stopped"] for m in months] == [set(), set()]
    assert _calendar([{"blocks": []}]) == []
    assert months[0]["days"][0] == date(2026, 12, 1) and months[1]["days"][-1] == date(2027, 1, 31)


def test_redeeming_in_the_browser_is_throttled_with_the_apis_window(city):
    from emergency.errors import AuthenticationFailed
    from emergency.workflow.security import FailureWindow

    app, _, _, codes = city
    app.state.login_failures = FailureWindow(3, timedelta(minutes=5))
    client = TestClient(app)
    assert client.post("/api/auth/redeem", json={"code": "WRONG-CODE", "password": "firm-password-3"}).status_code == 401
    for _ in range(2):  # the console's failures count in the same window as the API's
        _, r = redeem(app, "WRONG-CODE-0000", client=client)
        assert r.status_code == 401
    _, r = redeem(app, codes["firm2"], client=client)
    assert r.status_code == 429 and "失败次数过多" in r.text  # not even the right code, from this address
    assert COOKIE not in r.cookies
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate(app.state.engine, "firm2", "firm-password-1")  # no account was made
    app.state.login_failures = FailureWindow(3, timedelta(minutes=5))
    _, r = redeem(app, codes["firm2"], client=client)
    assert r.status_code == 303


def test_the_compliance_page_shows_the_accounts_rows_of_the_officers_check(city, tmp_path):
    """Readings by hand: 14 baseline days at 1,000 kWh a day before 2026-12-05 (Beijing), then
    400 a day for C2 over the 3 warning days (drop 60 % ≥ 50 % ordered: 落实) and 900 for
    C3 (drop 10 %: 未落实); C1 (another firm) at 100 (drop 90 %). Importing again changes the page."""
    from emergency.console.pages.firm import firm_compliance
    from emergency.workflow import firm_view
    from emergency.workflow.electricity_readings import import_electricity

    app, wid, _, codes = city
    engine = app.state.engine

    def readings(c2_kwh: float) -> None:
        rows = ["统一社会信用代码,生产线编号,日期,用电量(kWh)"]
        for k in range(1, 15):
            rows += [f"{u},,{date(2026, 12, 5) - timedelta(days=k)},1000" for u in (C1, C2, C3)]
        for k in range(3):
            d = date(2026, 12, 5) + timedelta(days=k)
            rows += [f"{C1},,{d},100", f"{C2},,{d},{c2_kwh}", f"{C3},,{d},900"]
        path = tmp_path / "kwh.csv"
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        import_electricity(engine, path, actor="bureau")

    def rows_of(page: str) -> dict[str, list[str]]:
        check = re.search(rf'<section class="card" id="check-{wid}">(.*?)</section>', page, re.S).group(1)
        return {u: re.findall(r"<td[^>]*>(.*?)</td>", tr) for tr in re.findall(r"<tr>(.*?)</tr>", check, re.S)
                for u in (C2, C3) if u in tr}

    readings(400)
    redeem(app, codes["firm2"])
    later = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)  # 2026-12-08 09:00 北京时间: the warning is over
    with clock.use_clock(later):
        client = sign_in(app, "firm2", "firm-password-1")  # the session of 12-03 has expired
        page = client.get("/firm/compliance").text
        rows = rows_of(page)
        assert rows[C2][2:4] == ["50.0%", "60.0%"] and rows[C2][-1] == "落实"
        assert rows[C3][2:4] == ["50.0%", "10.0%"] and rows[C3][-1] == "未落实"
        assert C1 not in page and "90.0%" not in page
        assert firm_compliance(engine, wid, (C2, C3)) == firm_view.compliance(engine, wid, (C2, C3))
        readings(500)  # corrected readings: the page is not stale
        assert rows_of(client.get("/firm/compliance").text)[C2][2:4] == ["50.0%", "50.0%"]


def test_an_adjustment_adds_newer_notices_on_top_and_keeps_the_old_ones(city):
    """Downgraded to yellow at 2026-12-05 15:30 北京时间 (07:30 UTC): every firm gets a version-2
    notice (test_receipts: orange stop → yellow cut), due within 1 h → 16:30 北京时间."""
    from emergency.vocabulary import WarningLevel as L
    from emergency.workflow import lifecycle as wf

    app, wid, _, codes = city
    client, _ = redeem(app, codes["firm2"])
    assert client.get("/firm").text.count('<article class="card order') == 2  # C2 and C3 at version 1 (cached now)
    at = datetime(2026, 12, 5, 7, 30, tzinfo=UTC)
    with clock.use_clock(at):
        wf.adjust_warning(app.state.engine, wid, actor="duty", level=L.YELLOW)
        client = sign_in(app, "firm2", "firm-password-1")
        page = client.get("/firm").text
    ids = re.findall(r'<article class="card order[^"]*" id="order-(\d+-\d+-\w+)">', page)
    assert ids == [f"{wid}-2-{C2}", f"{wid}-2-{C3}", f"{wid}-1-{C2}", f"{wid}-1-{C3}"]  # newest first, not the cached list
    assert "请于 <strong>2026-12-05 16:30</strong>" in page
    assert f'id="newer-{wid}-1-{C2}"' in page and f'id="newer-{wid}-2-{C2}"' not in page
    assert "逾期未确认" in page  # version 1 was never confirmed: its deadline (2026-12-04 00:30) has passed
