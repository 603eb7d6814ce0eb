"""Turn raw sheets into a checked :class:`RegistryTables`, or list every problem.

All-or-nothing: the caller writes nothing unless ``problems`` is empty. Checks, in
order: headers; each cell by its column kind; then the cross-references (one
version row; one city; counties known; codes unique; lines belong to a listed
enterprise; processes known for the industry; grades allowed for the industry's
grading scheme; approved loads for essential firms).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from config.industries import IndustryCatalog
from enterprise_registry.cells import PARSERS, CellError, Problem, is_blank
from enterprise_registry.columns import RegistryTables, SheetSpec
from enterprise_registry.listfiles import RawSheet
from enterprise_registry.vocab import EssentialCategory, Grade

_DEFAULTS = {"essential_category": EssentialCategory.NONE.value, "small_micro": False, "ultra_low_filed": False}
_GRADES_BY_SCHEME = {
    "ABCD": {Grade.A_PLUS, Grade.A, Grade.B, Grade.B_MINUS, Grade.C, Grade.D, Grade.FIRM_SPECIFIC},
    "leader": {Grade.LEADER, Grade.NON_LEADER, Grade.FIRM_SPECIFIC},
    "firm_specific": {Grade.FIRM_SPECIFIC},
}
_NEEDS_LOAD = {EssentialCategory.LIVELIHOOD.value, EssentialCategory.MILITARY_EXPORT.value}


def _parse_sheet(raw: RawSheet, problems: list[Problem]) -> dict[str, list]:
    spec: SheetSpec = raw.spec
    index = {h: i for i, h in enumerate(raw.header)}
    known = {c.header for c in spec.columns}
    for i, h in enumerate(raw.header):
        if h and h not in known:
            problems.append(Problem(spec.title, 1, h, None, "未知列名（表头拼写或单位有误？应与模板一致）"))
    columns: dict[str, list] = {}
    for c in spec.columns:
        if c.export_only:
            continue
        if c.header not in index:
            if c.required:
                problems.append(Problem(spec.title, 1, c.header, None, "缺少必填列"))
            columns[c.key] = [_DEFAULTS.get(c.key)] * len(raw.rows)
            continue
        j = index[c.header]
        parse = PARSERS[c.kind]
        default = _DEFAULTS.get(c.key)
        out = []
        for r, row in enumerate(raw.rows):
            value = row[j] if j < len(row) else None
            if is_blank(value):
                if c.required:
                    problems.append(Problem(spec.title, raw.first_row + r, c.header, None, "必填项为空"))
                out.append(default)
                continue
            try:
                out.append(parse(value))
            except CellError as exc:
                problems.append(Problem(spec.title, raw.first_row + r, c.header, value, str(exc)))
                out.append(None)
        columns[c.key] = out
    return columns


def _header(spec: SheetSpec, key: str) -> str:
    return next(c.header for c in spec.columns if c.key == key)


def validate_sheets(
    raw: dict[str, RawSheet], catalog: IndustryCatalog
) -> tuple[RegistryTables, list[Problem]]:
    problems: list[Problem] = []
    parsed = {key: _parse_sheet(sheet, problems) for key, sheet in raw.items()}

    # --- version: exactly one row
    vs = raw["version"]
    if len(vs.rows) != 1:
        problems.append(Problem(vs.spec.title, None, None, None, f"应恰好有1行版本信息，实有{len(vs.rows)}行"))
    version = {k: (v[0] if v else None) for k, v in parsed["version"].items()}

    # --- areas
    a_spec, areas = raw["areas"].spec, parsed["areas"]
    a_first = raw["areas"].first_row
    names = areas.get("name", [])
    for name, count in Counter(n for n in names if n).items():
        if count > 1:
            rows = [a_first + i for i, n in enumerate(names) if n == name]
            problems.append(Problem(a_spec.title, rows[1], _header(a_spec, "name"), name, f"区域名称重复（首次出现于第{rows[0]}行）"))
    known_areas = {n for n in names if n}
    cities = [n for n, p in zip(names, areas.get("parent", [])) if n and not p]
    for i, (n, p) in enumerate(zip(names, areas.get("parent", []))):
        if p and p not in known_areas:
            problems.append(Problem(a_spec.title, a_first + i, _header(a_spec, "parent"), p, "上级区域不在区域表中"))
    if len(cities) != 1:
        problems.append(Problem(a_spec.title, None, _header(a_spec, "parent"), None, f"应恰好有1个市级区域（上级区域为空），实有{len(cities)}个"))
    elif version.get("city") and version["city"] != cities[0]:
        problems.append(Problem(vs.spec.title, vs.first_row, _header(vs.spec, "city"), version["city"], f"与区域表中的市级区域“{cities[0]}”不一致"))

    # --- enterprises
    e_spec, ents = raw["enterprises"].spec, parsed["enterprises"]
    e_first = raw["enterprises"].first_row
    name_to_code = catalog.by_name_zh()
    industries = ents.get("industry", [])
    for i, label in enumerate(industries):
        if label is None:
            continue
        code = label if label in catalog.industries else name_to_code.get(label)
        if code is None:
            problems.append(Problem(e_spec.title, e_first + i, _header(e_spec, "industry"), label, "未知行业类别（见 config/industries.toml）"))
        industries[i] = code
    for i, county in enumerate(ents.get("county", [])):
        if county and county not in known_areas:
            problems.append(Problem(e_spec.title, e_first + i, _header(e_spec, "county"), county, "区县不在区域表中"))
    usccs = ents.get("uscc", [])
    first_seen: dict[str, int] = {}
    for i, code in enumerate(usccs):
        if code is None:
            continue
        if code in first_seen:
            problems.append(Problem(e_spec.title, e_first + i, _header(e_spec, "uscc"), code, f"统一社会信用代码重复（首次出现于第{first_seen[code]}行）"))
        else:
            first_seen[code] = e_first + i
    for i, (ind, grade) in enumerate(zip(industries, ents.get("grade", []))):
        if ind is None or grade is None:
            continue
        scheme = catalog.industries[ind].grading
        if Grade(grade) not in _GRADES_BY_SCHEME[scheme]:
            allowed = "、".join(sorted(g.value for g in _GRADES_BY_SCHEME[scheme]))
            problems.append(Problem(e_spec.title, e_first + i, _header(e_spec, "grade"), grade, f"“{catalog.industries[ind].name_zh}”行业的绩效等级应为 {allowed}"))
    for i, (cat, load) in enumerate(zip(ents.get("essential_category", []), ents.get("essential_approved_load", []))):
        if cat in _NEEDS_LOAD and load is None:
            problems.append(Problem(e_spec.title, e_first + i, _header(e_spec, "essential_approved_load"), None, f"“{cat}”类保障企业须填写核定负荷"))

    # --- lines
    l_spec, lines = raw["lines"].spec, parsed["lines"]
    l_first = raw["lines"].first_row
    ent_row = {code: i for i, code in enumerate(usccs) if code is not None}
    seen_lines: dict[tuple[str, str], int] = {}
    ent_names = ents.get("name", [])
    n_lines = len(raw["lines"].rows)
    given_names = lines.get("enterprise_name") or [None] * n_lines
    procs = lines.get("process") or [None] * n_lines
    for i, (code, lcode) in enumerate(zip(lines.get("uscc", []), lines.get("line_code", []))):
        if code is None:
            continue
        if code not in ent_row:
            problems.append(Problem(l_spec.title, l_first + i, _header(l_spec, "uscc"), code, "生产线所属企业不在企业表中"))
            continue
        given_name = given_names[i]
        if given_name and given_name != ent_names[ent_row[code]]:
            problems.append(Problem(l_spec.title, l_first + i, _header(l_spec, "enterprise_name"), given_name, f"与企业表中该代码的企业名称“{ent_names[ent_row[code]]}”不一致"))
        if lcode is not None:
            key = (code, lcode)
            if key in seen_lines:
                problems.append(Problem(l_spec.title, l_first + i, _header(l_spec, "line_code"), lcode, f"同一企业的生产线编号重复（首次出现于第{seen_lines[key]}行）"))
            else:
                seen_lines[key] = l_first + i
        ind = industries[ent_row[code]]
        proc = procs[i]
        if ind is not None and proc is not None:
            pcode = catalog.process_code(ind, proc)
            if pcode is None:
                allowed = "、".join(catalog.industries[ind].processes.values())
                problems.append(Problem(l_spec.title, l_first + i, _header(l_spec, "process"), proc, f"“{catalog.industries[ind].name_zh}”行业无此工序类型，应为 {allowed}"))
            procs[i] = pcode
    lines["process"] = procs
    caps = zip(lines.get("capacity_eia", []), lines.get("capacity_permit", []), lines.get("capacity_actual", []))
    lines["capacity_basis"] = [
        min(c) if None not in c else None for c in caps
    ]
    for i, basis in enumerate(lines["capacity_basis"]):
        if basis is not None and basis <= 0:
            problems.append(Problem(l_spec.title, l_first + i, _header(l_spec, "capacity_basis"), basis, "产能基数（三者最小值）应大于0"))

    tables = RegistryTables(version=version, areas=areas, enterprises=ents, lines=lines)
    return tables, problems


