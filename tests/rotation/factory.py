"""Hand-built lists for rotation tests: a few firms, one line each unless told."""

from __future__ import annotations

from datetime import date

from enterprise_registry.columns import RegistryTables


def firm(code: str, *, county: str = "甲县", industry: str = "brick", grade: str = "C", capacity: float = 100.0,
         essential: str = "无", ultra_low: bool = False, interruptible: bool = True, unit: str = "万块/日",
         lines: int = 1, name: str | None = None, approved_load: float | None = None) -> dict:
    return dict(code=code, county=county, industry=industry, grade=grade, capacity=capacity, essential=essential,
                ultra_low=ultra_low, interruptible=interruptible, unit=unit, lines=lines, name=name or f"{code}砖厂",
                approved_load=approved_load)


def tables(firms: list[dict], city: str = "测试市") -> RegistryTables:
    ents = {k: [] for k in ("seq", "county", "name", "uscc", "industry", "grade", "essential_category",
                            "essential_approved_load", "small_micro", "ultra_low_filed", "longitude", "latitude",
                            "contact_person", "contact_phone", "heavy_trucks_per_day")}
    lines = {k: [] for k in ("seq", "uscc", "enterprise_name", "line_code", "line_name", "process", "capacity_unit",
                             "capacity_eia", "capacity_permit", "capacity_actual", "capacity_basis",
                             "output_value_yuan", "interruptible", "min_load", "stop_lead_time_h",
                             "so2_kg", "nox_kg", "pm_kg", "vocs_kg")}
    for i, f in enumerate(firms, start=1):
        uscc = f"91TEST{f['code']:0>12}"[:18]
        for k, v in (("seq", i), ("county", f["county"]), ("name", f["name"]), ("uscc", uscc),
                     ("industry", f["industry"]), ("grade", f["grade"]), ("essential_category", f["essential"]),
                     ("essential_approved_load", f.get("approved_load")), ("small_micro", False), ("ultra_low_filed", f["ultra_low"]),
                     ("longitude", None), ("latitude", None), ("contact_person", "张三"),
                     ("contact_phone", "13800000000"), ("heavy_trucks_per_day", 0)):
            ents[k].append(v)
        for n in range(1, f["lines"] + 1):
            cap = f["capacity"]
            for k, v in (("seq", len(lines["seq"]) + 1), ("uscc", uscc), ("enterprise_name", f["name"]),
                         ("line_code", f"L{n:02d}"), ("line_name", f"{n}#窑炉"), ("process", "kiln"),
                         ("capacity_unit", f["unit"]), ("capacity_eia", cap * 1.2), ("capacity_permit", cap * 1.1),
                         ("capacity_actual", cap), ("capacity_basis", cap), ("output_value_yuan", 1e5),
                         ("interruptible", f["interruptible"]), ("min_load", 0.5), ("stop_lead_time_h", 24.0),
                         ("so2_kg", 10.0), ("nox_kg", 10.0), ("pm_kg", 10.0), ("vocs_kg", 0.0)):
                lines[k].append(v)
    counties = sorted(set(ents["county"]))
    areas = {"name": [city, *counties], "parent": [None] + [city] * len(counties)}
    for p in ("so2", "nox", "pm", "vocs"):
        areas[f"base_{p}"] = [1000.0] * (len(counties) + 1)
        areas[f"listed_share_{p}"] = [0.5] * (len(counties) + 1)
    version = {"name": "测试清单", "effective_date": date(2026, 10, 1), "city": city, "notes": None}
    return RegistryTables(version=version, areas=areas, enterprises=ents, lines=lines)


def uscc(code: str) -> str:
    return f"91TEST{code:0>12}"[:18]
