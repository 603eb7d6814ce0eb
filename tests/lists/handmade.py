"""A hand-made list with filed per-level measures (一厂一策), for the list check and the
builder's filed-measures step. Every figure the tests expect is worked out by hand from
the table below, not by the code under test.

Policy: the national one (ratios 10 / 20 / 30 %, city and county targets). Industry:
brick kilns (``kiln``), interruptible, minimum load 50 %, capacity 100 each. National
brick-kiln floors (config/national/measures/brick.toml): B yellow truck ban (0), orange
cut 30 %, red stop-keep-warm (100 %); C yellow cut 30 %, orange and red stop-keep-warm;
D stop-keep-warm at every level. A is spared (own measures); an essential 民生保障 firm
runs at its approved load (60 % → floor 40 %).

    firm county grade  line  SO2 NOx PM  value   filed yellow        filed orange          filed red
    F1   甲县   C      L01   100  50 20 100,000  cut 30 %            stop-keep-warm        stop-keep-warm
    F2   甲县   B      L01    40 200 10  50,000  cut 10 %            cut 20 % (< floor)    —
    F3   乙县   A      L01    30  30 30  80,000  own measures        —                     stop (spared: not counted)
    F4   乙县   D      L01    60  10 40  20,000  —                   —                     —
    F5   乙县   B 民生 L01    20  40  5  30,000  cut 20 % (< 40 %)   cut 50 %              —
    F6   甲县   C      L01    10  10  0  10,000  none (< floor)      —                     stop 50 % of lines
    F6   甲县   C      L02    20  20  0  10,000  none (< floor)      —                     stop 50 % of lines

Areas (VOCs listed share 0, so no VOCs row asks anything):

    area  base SO2 (share 0.5)  base NOx  base PM
    测试市        590              490       110
    甲县          500              400       100
    乙县           90               90        10
"""

from __future__ import annotations

from datetime import date

from enterprise_registry.columns import RegistryTables
from enterprise_registry.filed import column

FIRMS = [
    ("F1", "甲县", "C", "无", None, [("L01", 100.0, 50.0, 20.0, 100_000.0, {
        "yellow": ("cut_output", 0.3, "原料日投料量由1000吨降低到700吨"), "orange": ("stop_keep_warm", None, "停产保窑"),
        "red": ("stop_keep_warm", None, "停产保窑")})]),
    ("F2", "甲县", "B", "无", None, [("L01", 40.0, 200.0, 10.0, 50_000.0, {
        "yellow": ("cut_output", 0.1, "限产10%"), "orange": ("cut_output", 0.2, "限产20%")})]),
    ("F3", "乙县", "A", "无", None, [("L01", 30.0, 30.0, 30.0, 80_000.0, {
        "yellow": ("own_measures", None, "自主减排"), "red": ("stop", None, "停产")})]),
    ("F4", "乙县", "D", "无", None, [("L01", 60.0, 10.0, 40.0, 20_000.0, {})]),
    ("F5", "乙县", "B", "民生保障", 0.6, [("L01", 20.0, 40.0, 5.0, 30_000.0, {
        "yellow": ("cut_output", 0.2, "限产20%"), "orange": ("cut_output", 0.5, "限产50%")})]),
    ("F6", "甲县", "C", "无", None, [
        ("L01", 10.0, 10.0, 0.0, 10_000.0, {"yellow": ("none", None, "无"), "red": ("stop_share_of_lines", 0.5, "停产50%生产线")}),
        ("L02", 20.0, 20.0, 0.0, 10_000.0, {"yellow": ("none", None, "无"), "red": ("stop_share_of_lines", 0.5, "停产50%生产线")}),
    ]),
]

AREAS = {"测试市": (590.0, 490.0, 110.0), "甲县": (500.0, 400.0, 100.0), "乙县": (90.0, 90.0, 10.0)}


def uscc(code: str) -> str:
    return f"91TEST{code:0>12}"[:18]


def hand_list(firms=FIRMS, filed: bool = True, name: str = "手工清单") -> RegistryTables:
    ents = {k: [] for k in ("seq", "county", "name", "uscc", "industry", "grade", "essential_category",
                            "essential_approved_load", "small_micro", "ultra_low_filed", "longitude", "latitude",
                            "contact_person", "contact_phone", "heavy_trucks_per_day")}
    cols = {k: [] for k in ("seq", "uscc", "enterprise_name", "line_code", "line_name", "process", "capacity_unit",
                            "capacity_eia", "capacity_permit", "capacity_actual", "capacity_basis",
                            "output_value_yuan", "interruptible", "min_load", "stop_lead_time_h",
                            "so2_kg", "nox_kg", "pm_kg", "vocs_kg")}
    levels = ("yellow", "orange", "red")
    if filed:
        for lv in levels:
            for f in ("action", "share", "hours", "truck_ban", "text", "indicator"):
                cols[column(lv, f)] = []
    seq = 0
    for i, (code, county, grade, essential, load, lines) in enumerate(firms, start=1):
        for k, v in (("seq", i), ("county", county), ("name", f"{code}砖厂"), ("uscc", uscc(code)), ("industry", "brick"),
                     ("grade", grade), ("essential_category", essential), ("essential_approved_load", load),
                     ("small_micro", False), ("ultra_low_filed", False), ("longitude", None), ("latitude", None),
                     ("contact_person", "张三"), ("contact_phone", "13800000000"), ("heavy_trucks_per_day", 0)):
            ents[k].append(v)
        for line_code, so2, nox, pm, value, measures in lines:
            seq += 1
            for k, v in (("seq", seq), ("uscc", uscc(code)), ("enterprise_name", f"{code}砖厂"), ("line_code", line_code),
                         ("line_name", f"{line_code}窑炉"), ("process", "kiln"), ("capacity_unit", "万块/日"),
                         ("capacity_eia", 100.0), ("capacity_permit", 100.0), ("capacity_actual", 100.0),
                         ("capacity_basis", 100.0), ("output_value_yuan", value), ("interruptible", True),
                         ("min_load", 0.5), ("stop_lead_time_h", 12.0), ("so2_kg", so2), ("nox_kg", nox),
                         ("pm_kg", pm), ("vocs_kg", 0.0)):
                cols[k].append(v)
            if filed:
                for lv in levels:
                    action, share, text = measures.get(lv, (None, None, None))
                    cols[column(lv, "action")].append(action)
                    cols[column(lv, "share")].append(share)
                    cols[column(lv, "hours")].append(None)
                    cols[column(lv, "truck_ban")].append(None if action is None else False)
                    cols[column(lv, "text")].append(text)
                    cols[column(lv, "indicator")].append(None if action is None else "用电量")
    areas = {"name": list(AREAS), "parent": [None, "测试市", "测试市"]}
    for k, p in enumerate(("so2", "nox", "pm")):
        areas[f"base_{p}"] = [v[k] for v in AREAS.values()]
        areas[f"listed_share_{p}"] = [0.5 if p == "so2" else 1.0] * 3
    areas["base_vocs"] = [100.0] * 3
    areas["listed_share_vocs"] = [0.0] * 3
    version = {"name": name, "effective_date": date(2026, 10, 1), "city": "测试市", "notes": None}
    return RegistryTables(version=version, areas=areas, enterprises=ents, lines=cols)
