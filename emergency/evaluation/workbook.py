"""An episode's effect evaluation as an Excel workbook (效果评估表).

Sheets: 区县汇总 (per county and pollutant, then 全市), 企业 (per firm and pollutant),
不降反增, AQI (forecast vs observed per day and area), 说明 (the warning, coverage, data
notes, the rule and the sources of its numbers). Written atomically; every cell through
:func:`enterprise_registry.workbook.safe_row` (no live formulas, no control characters).
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from emergency import clock
from emergency.atomic_files import replacing
from emergency.evaluation.effect import SOURCE_ZH, EpisodeEffect, pollutant_zh
from enterprise_registry.workbook import safe_row

COUNTY_HEADERS = ("区县", "污染物", "计划减排量(kg)", "有数据部分的计划(kg)", "实际减排量(kg)", "覆盖率", "数据来源", "企业数", "有数据企业数")
FIRM_HEADERS = ("区县", "企业名称", "统一社会信用代码", "污染物", "计划减排量(kg)", "有数据部分的计划(kg)", "实际减排量(kg)",
                "基准(kg/日)", "有数据的预警天数", "数据来源")
FLAG_HEADERS = ("区县", "企业名称", "统一社会信用代码", "污染物", "日期", "基准(kg/日)", "当日排放(kg)")
AQI_HEADERS = ("日期", "区域", "预报AQI", "实测AQI", "首要污染物", "站点数")
RULE_ZH = ("实际减排 = 预警前基准日均排放量 − 预警日排放量（在线监测：各排放口有效日（≥{h}个小时值）的小时排放量均值×24；"
           "基准为预警首日前有效日的均值，取最近{n}个有效日）；无在线监测的企业按用电量核查的实降/应降比例折算其计划减排量；"
           "无数据的企业不计入实际减排，覆盖率 = 有数据部分的计划减排量 ÷ 计划减排量。不降反增：有效预警日排放量高于基准。")


def _r(v: float | None, n: int = 1) -> float | None:
    return None if v is None else round(v, n)


def write_workbook(effect: EpisodeEffect, path: Path) -> Path:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("区县汇总")
    ws.append(safe_row(ws, list(COUNTY_HEADERS)))
    for r in effect.county_rows():
        ws.append(safe_row(ws, [r["county"], pollutant_zh(r["pollutant"]), _r(r["planned_kg"]), _r(r["planned_covered_kg"]),
                                _r(r["achieved_kg"]), _r(r["coverage"], 4), SOURCE_ZH[r["source"]], r["firms"],
                                r["firms_with_data"]]))
    fs = wb.create_sheet("企业")
    fs.append(safe_row(fs, list(FIRM_HEADERS)))
    for r in effect.firm_rows():
        fs.append(safe_row(fs, [r["county"], r["name"], r["uscc"], pollutant_zh(r["pollutant"]), _r(r["planned_kg"]),
                                _r(r["planned_covered_kg"]), _r(r["achieved_kg"]), _r(r["baseline_kg_per_day"]),
                                r["days_with_data"], SOURCE_ZH[r["source"]]]))
    gs = wb.create_sheet("不降反增")
    gs.append(safe_row(gs, list(FLAG_HEADERS)))
    for f in effect.increase_flags():
        gs.append(safe_row(gs, [f["county"], f["name"], f["uscc"], pollutant_zh(f["pollutant"]), f["day"].isoformat(),
                                _r(f["baseline_kg"]), _r(f["kg"])]))
    qs = wb.create_sheet("AQI")
    qs.append(safe_row(qs, list(AQI_HEADERS)))
    for d in effect.aqi_days():
        qs.append(safe_row(qs, [d["day"].isoformat(), d["area"], d["forecast_aqi"], d["observed_aqi"],
                                "、".join(d["observed_primary"]), d["stations"]]))
    ns = wb.create_sheet("说明")
    ns.column_dimensions["B"].width = 100
    days = effect.warning_days
    facts = [
        ("预警", f"#{effect.warning_id}（{effect.level}）"),
        ("预警时段", f"{clock.fmt(effect.start)} 至 {clock.fmt(effect.end)}（{clock.zone_label()}）"),
        ("预警日", f"{days[0]} 至 {days[-1]}（{len(days)}天）" if days else "—"),
        ("停限产损失（万元）", round(effect.lost_output_wan_yuan, 2)),
        *[("覆盖情况", line) for line in effect.coverage_lines()],
        *[("数据说明", note) for note in effect.notes],
        ("规则", RULE_ZH.format(h=effect.min_valid_hours, n=effect.baseline_days)),
        *[(f"依据（{k}）", f"{v['source']}（{v['confidence']}）") for k, v in effect.sources.items()],
    ]
    for key, value in facts:
        ns.append(safe_row(ns, [key, value]))
    with replacing(Path(path)) as tmp:
        wb.save(tmp)
    return Path(path)
