"""Render the response package of a plan version into a folder.

    <out>/index.html                 printable overview (links to everything)
    <out>/预警信息发布.txt / .html     the public announcement
    <out>/应急减排清单_<级别>.xlsx     the list view for the level (one row per line with a measure)
    <out>/管控通知/<区县>_<企业>_<代码>.html   one notice per enterprise, printable
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from openpyxl import Workbook

from config.industries import load_industries
from emergency.plans.document import PlanDocument
from enterprise_registry.columns import RegistryTables
from enterprise_registry.vocab import LEVEL_LABELS_ZH, WarningLevel

RESPONSE_ZH = {WarningLevel.YELLOW: "Ⅲ级", WarningLevel.ORANGE: "Ⅱ级", WarningLevel.RED: "Ⅰ级"}
INDICATOR = "企业日用电量（分表计电、用电监控平台数据；燃气窑炉同时核查日用气量）"


@dataclass(frozen=True)
class WarningInfo:
    id: int
    level: WarningLevel
    start: datetime
    end: datetime
    rule_set: str
    areas: list[str]
    plan_version: int
    plan_sha256: str


def _env() -> Environment:
    return Environment(
        loader=PackageLoader("emergency.notices", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


BEIJING = timezone(timedelta(hours=8))


def _fmt(dt: datetime) -> str:
    """Beijing time, as notices are read (a time without a zone is taken as Beijing time)."""
    if dt.tzinfo is not None:
        dt = dt.astimezone(BEIJING)
    return dt.strftime("%Y年%m月%d日%H时")


def _safe(name: str) -> str:
    return "".join(ch for ch in name if ch not in '\\/:*?"<>|').strip()


def render_package(
    warning: WarningInfo,
    plan: PlanDocument,
    tables: RegistryTables,
    out: Path,
    *,
    ratios: dict[str, float] | None = None,
    issuer: str | None = None,
) -> dict:
    """``ratios``: the policy's reduction ratio per pollutant for the level (for the announcement)."""
    out = Path(out)
    (out / "管控通知").mkdir(parents=True, exist_ok=True)
    env = _env()
    city = tables.version["city"]
    issuer = issuer or f"{city}重污染天气应急指挥部办公室"
    level_zh = LEVEL_LABELS_ZH[warning.level]
    ents = tables.enterprises
    e_idx = {u: i for i, u in enumerate(ents["uscc"])}
    catalog = load_industries().industries
    rule_text = f"预警规则{plan.rule_set or warning.rule_set}"
    issued_at = _fmt(datetime.now(BEIJING))
    by_ent: dict[str, list] = {}
    for a in plan.actions:
        by_ent.setdefault(a.enterprise_uscc, []).append(a)
    value_of = {}
    for u, code, v in zip(tables.lines["uscc"], tables.lines["line_code"], tables.lines["output_value_yuan"]):
        value_of[f"{u}/{code}"] = v
    firm_value: dict[str, float] = {}
    for u, v in zip(tables.lines["uscc"], tables.lines["output_value_yuan"]):
        firm_value[u] = firm_value.get(u, 0.0) + v

    notices = []
    template = env.get_template("notice.html.j2")
    for uscc, actions in sorted(by_ent.items(), key=lambda kv: (ents["county"][e_idx[kv[0]]], kv[0])):
        i = e_idx[uscc]
        ent = {k: ents[k][i] for k in ("uscc", "name", "county", "contact_person", "contact_phone")}
        lost = sum(a.output_cut * value_of.get(a.line_id, 0.0) for a in actions)
        expected_drop = lost / firm_value[uscc] if firm_value.get(uscc) else 0.0
        text = template.render(
            level_zh=level_zh, issuer=issuer, year=warning.start.year, warning_id=warning.id,
            plan_version=warning.plan_version, ent=ent, rule_text=rule_text,
            start=_fmt(warning.start), end=_fmt(warning.end), actions=actions, indicator=INDICATOR,
            expected_drop=expected_drop, truck_ban=any("货车" in (a.measure_zh or "") for a in actions), issued_at=issued_at,
        )
        fname = f"{_safe(ent['county'])}_{_safe(ent['name'])}_{uscc}.html"
        (out / "管控通知" / fname).write_text(text, encoding="utf-8")
        notices.append({"county": ent["county"], "name": ent["name"], "lines": len(actions), "file": f"管控通知/{fname}"})

    names = {"SO2": "SO2", "NOx": "NOx", "PM": "颗粒物", "VOCs": "VOCs"}
    ratio_text = "、".join(f"{names[p]}{v:.0%}" for p, v in (ratios or {}).items()) or "应急预案规定的比例"
    announcement = env.get_template("announcement.txt.j2").render(
        level_zh=level_zh, response_zh=RESPONSE_ZH[warning.level], issuer=issuer, areas="、".join(warning.areas),
        period_text=f"{_fmt(warning.start)[5:11]}至{_fmt(warning.end)[5:11]}", episode_text="中度至重度污染天气过程",
        plan_name=f"{city}重污染天气应急预案", rule_text=rule_text, start=_fmt(warning.start), end=_fmt(warning.end),
        n_enterprises=len(by_ent), n_lines=len(plan.actions), ratios=ratio_text, issued_at=issued_at,
    )
    (out / "预警信息发布.txt").write_text(announcement, encoding="utf-8")
    (out / "预警信息发布.html").write_text(
        f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>预警信息发布</title>'
        f'<body style="max-width:760px;margin:2em auto;font-family:serif;white-space:pre-wrap">{html.escape(announcement)}</body></html>',
        encoding="utf-8",
    )
    list_file = f"应急减排清单_{level_zh}预警.xlsx"
    _list_view(plan, tables, catalog, out / list_file, level_zh)
    index = env.get_template("index.html.j2").render(
        title=f"{city}重污染天气{level_zh}预警应急响应材料", warning_id=warning.id, plan_version=warning.plan_version,
        sha=warning.plan_sha256, registry_version=plan.registry_version, announcement=announcement,
        list_file=list_file, notices=notices,
    )
    (out / "index.html").write_text(index, encoding="utf-8")
    return {"notices": len(notices), "actions": len(plan.actions), "folder": str(out)}


def _list_view(plan: PlanDocument, tables: RegistryTables, catalog, path: Path, level_zh: str) -> None:
    ents = tables.enterprises
    e_idx = {u: i for i, u in enumerate(ents["uscc"])}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(f"{level_zh}预警")
    header = ["序号", "区县", "企业名称", "统一社会信用代码", "行业类别", "绩效等级", "生产线", f"{level_zh}预警管控措施",
              "限产比例(%)", "SO2减排量(kg/d)", "NOx减排量(kg/d)", "颗粒物减排量(kg/d)", "VOCs减排量(kg/d)",
              "核查指标", "联系人", "联系电话"]
    ws.append(header)
    for n, a in enumerate(plan.actions, start=1):
        i = e_idx[a.enterprise_uscc]
        ind = catalog.get(ents["industry"][i])
        ws.append([
            n, ents["county"][i], ents["name"][i], a.enterprise_uscc, ind.name_zh if ind else ents["industry"][i],
            ents["grade"][i], a.line_name, a.measure_zh, round(a.output_cut * 100, 1),
            round(a.reduction_kg["SO2"], 2), round(a.reduction_kg["NOx"], 2), round(a.reduction_kg["PM"], 2),
            round(a.reduction_kg["VOCs"], 2), "日用电量", ents["contact_person"][i], ents["contact_phone"][i],
        ])
    sp = wb.create_sheet("豁免及保障类企业")
    sp.append(["序号", "企业名称", "统一社会信用代码", "理由"])
    for n, s in enumerate(plan.spared, start=1):
        sp.append([n, s.enterprise_name, s.enterprise_uscc, s.reason])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
