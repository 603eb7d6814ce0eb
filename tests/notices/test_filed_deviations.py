"""Notices of a warning planned from a filed list: a firm's notice says where its ordered
measure differs from what it filed, and why; the bureau's list view lists every deviation.
The plans are the hand-made ones of tests/plans/test_filed_plans.py (expected values there,
worked out by hand); here the documents are read back, without the renderer's helpers."""

from __future__ import annotations

import html
import io
import re
from datetime import datetime, timezone

from openpyxl import load_workbook

from config.policy import load_policy
from emergency.notices import render
from emergency.notices.inputs import PackageInput, VersionFacts, WarningFacts
from emergency.plans.service import make_plan
from emergency.vocabulary import WarningLevel as L
from tests.lists.handmade import hand_list, uscc
from tests.plans.test_filed_plans import SHORT, SUFFICE

START = datetime(2026, 12, 4, 16, 0, tzinfo=timezone.utc)  # 12-05 00:00 Beijing
ECONOMICS = ("边际成本", "影子价格", "元/kg", "减排价值", "产值损失", "优化选择")


def package(tables, level=L.YELLOW, **kw):
    policy = load_policy()
    doc = make_plan(tables, level, policy=policy, **kw).document
    v = VersionFacts(no=1, transition="issue", level=level, plan=doc, sha256="0" * 64, effective_from=START,
                     created_at=START)
    w = WarningFacts(id=7, areas=("测试市",), rule_set="2024", start=START, end=START.replace(day=7),
                     issued_at=START, registry_version=tables.version["name"])
    inp = PackageInput(warning=w, versions=(v,), latest_version=1, tables=tables, policy=policy, now=START)
    pkg = render.build(inp)
    return doc, pkg, render.files(pkg)


def text_of(page: bytes) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.decode("utf-8")))


def notice_file(files: dict[str, bytes], code: str) -> str:
    (name,) = [k for k in files if k.startswith("管控通知/") and k.endswith(f"_{uscc(code)}.html")]
    return text_of(files[name])


def sheet(files: dict[str, bytes], title: str) -> list[tuple]:
    (book,) = [k for k in files if k.endswith(".xlsx")]
    return list(load_workbook(io.BytesIO(files[book]), read_only=True)[title].iter_rows(values_only=True))


def test_notice_says_where_and_why_the_ordered_measure_differs():
    doc, pkg, files = package(hand_list(SHORT))
    h1 = notice_file(files, "H1")
    assert "与贵单位在应急减排清单（一厂一策）中备案的措施不一致" in h1
    # the deviation row: line, filed, ordered, reason (from the hand-worked plan)
    row = re.search(r"L01窑炉（L01）\s+限产30%\s+限产50%\s+(\S+)", h1)
    assert row and row.group(1).startswith("按清单措施执行不能完成甲县SO2（缺口7.0kg/日）")
    assert not any(word in h1 for word in ECONOMICS)
    # H2 carries out what it filed: no deviation paragraph
    assert "备案的措施不一致" not in notice_file(files, "H2")


def test_list_view_lists_every_deviation():
    tables = hand_list(SUFFICE + [("G5", "乙县", "D", "无", None, [("L01", 10.0, 10.0, 10.0, 10_000.0, {})])])
    tables.lines["stop_lead_time_h"][0] = 24.0  # G1 cannot start its filed 50 % in 18 h
    doc, pkg, files = package(tables, hours_to_start=18.0)
    rows = sheet(files, "与备案措施不一致")
    assert rows[0] == ("序号", "区县", "企业名称", "统一社会信用代码", "生产线", "类型", "备案措施", "本次措施", "原因")
    got = {(r[3], r[5], r[6], r[7]) for r in rows[1:]}
    assert got == {
        (uscc("G1"), "提前量不足，备案措施未下达", "原料日投料量由960吨降低到480吨", "未下达"),
        (uscc("G5"), "清单未备案本级措施", "（未备案）", "停产保窑，禁止公路运输"),
    }
    # G1 has no line ordered, so no notice: the list view is where its deviation shows
    assert not [k for k in files if k.endswith(f"_{uscc('G1')}.html")]
    view = sheet(files, "黄色预警")
    head = view[0]
    assert head[-2:] == ("备案措施", "与备案措施不一致原因")
    by_firm = {r[3]: r for r in view[1:]}
    assert by_firm[uscc("G4")][-2:] == ("限产30%", None)  # as filed (an empty cell)
    assert by_firm[uscc("G5")][-2] == "（未备案）" and by_firm[uscc("G5")][-1].startswith("清单未备案本级措施")
    spared = sheet(files, "豁免及保障类企业")
    assert spared[0][-1] == "备案措施（不下达、不计入）"
    assert [r[-1] for r in spared[1:] if r[2] == uscc("G3")] == ["停产"]


def test_list_without_filed_measures_keeps_its_workbook():
    doc, pkg, files = package(hand_list(filed=False))
    (book,) = [k for k in files if k.endswith(".xlsx")]
    wb = load_workbook(io.BytesIO(files[book]), read_only=True)
    assert "与备案措施不一致" not in wb.sheetnames
    assert "备案措施" not in next(wb["黄色预警"].iter_rows(values_only=True))
    assert all("备案的措施不一致" not in text_of(v) for k, v in files.items() if k.startswith("管控通知/"))
