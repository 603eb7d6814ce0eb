"""The documents print on A4: a page rule, the closing paragraphs kept with the signature, a page
per firm in a county file, and an index that prints as a summary (link tables on screen only).

Printing itself was checked by hand with headless Chromium (a 4-line notice is one page
with its signature; a county file has one page per firm); here the rules that make it so."""

from emergency.notices import templates
from emergency.notices.frame import Frame
from emergency.notices.notice import NoticeDoc, Row

FRAME = Frame(
    kind="issue", kind_zh="启动", warning_id=7, version_no=1, package_no=1, number="〔2026〕第7-1号", year=2026,
    level_zh="橙色", response="Ⅱ级", old_level_zh=None, old_response=None, city="演示市", issuer="演示市应急办",
    areas="演示市", start="2026年12月05日00时", end="2026年12月08日00时", zone="北京时间", effective="2026年12月05日00时",
    future=True, issued_at="2026年12月03日20时", report_deadline="2026年12月06日00时", basis="法；预案", target="橙色预警：…",
    office="值班室", phone="0000", hotline="12369", confirm_h="1", report_h="24", baseline_days=7, indicator="日用电量",
    release_reason=None, release_by=None, rule_set="2024",
)


def _notice(uscc: str, lines: int) -> NoticeDoc:
    rows = [Row(f"{k}#线", "停产", "100%", "SO2 1.0", "C级规定措施") for k in range(1, lines + 1)]
    return NoticeDoc(kind="issue", title="管控通知", uscc=uscc, name=f"企业{uscc}", county="城区", contact_person="张",
                     contact_phone="1", number=FRAME.number, replaces=None, rows=rows, drop="90%", file=f"管控通知/{uscc}.html")


def test_a_notice_has_an_a4_page_and_keeps_its_signature_with_the_closing():
    page = templates.render_html("notice.html.j2", f=FRAME, n=_notice("A", 4))
    assert "@page { size: A4;" in page and ".closing { break-inside: avoid;" in page
    closing = page[page.index('<div class="closing">'):]
    assert closing.index('class="sign"') < closing.index("</div>")  # the signature inside the unbreakable block
    assert "回执" in closing and "联系方式" in closing


def test_a_county_file_breaks_the_page_between_firms():
    page = templates.render_html("county.html.j2", f=FRAME, county="城区", notices=[_notice(u, 3) for u in "ABC"])
    assert page.count('<article class="notice">') == 3
    assert ".notice + .notice { break-before: page;" in page


def test_the_index_prints_a_summary():
    notices = [_notice(str(k), 2) for k in range(300)]
    page = templates.render_html(
        "index.html.j2", title="t", f=FRAME, sha="x", registry_version="v", latest=True, latest_version=1,
        announcement="公告", notice_kind="管控通知", notices=notices, continuing=[],
        counties=[{"county": "城区", "notices": 300, "continuing": 0, "file": "按区县打印/城区.html"}], files=[],
    )
    assert ".screen-only { display: none; }" in page
    links = page[page.index('<section class="screen-only">'):]
    assert links.count("<a href=") == 300  # every link to a notice is in the screen-only section
    assert page[:page.index('<section class="screen-only">')].count("<a href=") == 1  # the county print file
