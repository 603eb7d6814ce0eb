"""Turn raw sheets into a checked :class:`RegistryTables`, or list every problem.

All-or-nothing: the caller writes nothing unless ``problems`` is empty. Checks, in
order: headers (unknown, missing, repeated); each cell by its column kind
(:mod:`enterprise_registry.cells`); then the rules across cells and sheets:

- 清单版本: exactly one row; its city is the one city-level area of 区域;
- 区域: names unique, parents known, exactly one city (no parent);
- 企业: county in 区域, USCC unique, industry in ``config/industries.toml``, grade
  allowed by the industry's grading scheme (A/B/C/D, A/B/C, 引领性, 一厂一策: see
  config/industries.py), approved load for 民生保障 and 军工/出口, coordinates inside
  China (and not swapped);
- shortest-board rule (短板原则, 环办大气〔2026〕2号): a firm in several key industries
  takes the lowest of its industry grades. The list holds one row, one industry and
  one grade per firm, so a firm listed once per industry (the same USCC with other
  key industries) is an error at its grade cell that names each row's industry and
  grade and the grade the merged row must carry (config.industries.lowest_grade); a
  line whose process belongs to another key industry is an error naming that
  industry and the rule. Errors, not warnings: the import is all-or-nothing and
  a firm graded above its lowest industry would get milder measures than it owes;
- every text: no control characters (cells.text_problem), not longer than its database
  column (the SQLModel tables' lengths: a name of 201 characters is refused here, not by
  PostgreSQL halfway through the import); numbers finite and at most 10^12 (integers at
  most 2^31 − 1);
- 生产线: enterprise in 企业 (and the same name if given), line code unique within
  its enterprise, process known for the enterprise's industry, capacity basis =
  the smallest of EIA-approved, permitted and last year's actual (and > 0), and a
  given 产能基数 equal to it;
- shares that look like an Excel percent-formatted cell (0 < x < 1 where a load
  under 1 % makes no sense) are refused rather than read as x %;
- filed measures (企业 and 生产线 sheets, columns 黄色/橙色/红色预警措施 and their structured
  columns, enterprise_registry.columns.filed_columns): 措施类型 with the parameters it
  needs (限产 a share, 延长结焦时间 the hours, no others); without 措施类型 the published
  text is read (enterprise_registry.measure_text) or is an error at its cell; a share or
  hours without 措施类型 is an error; each line (after the 企业 sheet's measures are
  given to its lines, enterprise_registry.filed.expand) has a measure at all three
  levels or at none. The checks against policy (nesting, floors, sparing) come after,
  in enterprise_registry.filed_checks.
"""

from __future__ import annotations

import math
import re
from typing import Any

from config.industries import SHORTEST_BOARD_SOURCE, IndustryCatalog, lowest_grade
from config.measures import Action
from enterprise_registry import filed
from enterprise_registry.cells import PARSERS, CellError, Problem, header_key, is_blank
from enterprise_registry.columns import RegistryTables, SheetSpec
from enterprise_registry.listfiles import RawSheet
from enterprise_registry.measure_text import (
    ACTION_NAMES_ZH, NEEDS_HOURS, NEEDS_SHARE, MeasureTextError, describe, parse_measure_text,
)
from emergency.vocabulary import LEVEL_LABELS_ZH, LEVELS, EssentialCategory, Grade, WarningLevel

_DEFAULTS = {"essential_category": EssentialCategory.NONE.value, "small_micro": False, "ultra_low_filed": False}
NEEDS_APPROVED_LOAD = {EssentialCategory.LIVELIHOOD.value, EssentialCategory.MILITARY_EXPORT.value}
# Mainland China's extent, with a margin (degrees, WGS-84).
LONGITUDE_RANGE = (73.0, 136.0)
LATITUDE_RANGE = (3.0, 54.0)
# Loads below 1 % make no sense: 0 < x < 1 there is a percent-formatted cell (0.5 shown as 50 %).
NO_FRACTION_PERCENT = {"min_load", "essential_approved_load"}
PERCENT_FORMAT_REASON = "百分比应填0–100的数字（如50表示50%）；此处为{v}，若单元格设成了百分比格式，请改为常规格式后填写"


class _Sheet:
    """One parsed sheet: typed columns plus where each row came from."""

    def __init__(self, raw: RawSheet, columns: dict[str, list]):
        self.raw = raw
        self.columns = columns

    def header(self, key: str) -> str:
        return next(c.header for c in self.raw.spec.columns if c.key == key)

    def problem(self, i: int | None, key: str | None, value: Any, reason: str) -> Problem:
        row = self.raw.row_numbers[i] if i is not None else None
        return Problem(self.raw.label, row, self.header(key) if key else None, value, reason)

    def get(self, key: str) -> list:
        return self.columns.get(key) or [None] * len(self.raw.rows)


TEXT_KINDS = {"str", "area"}  # stored as typed; industry / process are stored as their codes


def max_lengths() -> dict[str, dict[str, int]]:
    """The database's length of each text column, per sheet (from the SQLModel tables):
    a longer text is refused at import, not by PostgreSQL halfway through it."""
    from enterprise_registry.models import Area, Enterprise, FiledMeasure, ListVersion, ProductionLine

    tables = {"version": ListVersion, "areas": Area, "enterprises": Enterprise, "lines": ProductionLine}
    out = {
        key: {c.name: c.type.length for c in model.__table__.columns if getattr(c.type, "length", None)}
        for key, model in tables.items()
    }
    measure = {c.name: c.type.length for c in FiledMeasure.__table__.columns if getattr(c.type, "length", None)}
    for key in ("enterprises", "lines"):
        for level in LEVELS:
            for field in ("text", "indicator"):
                out[key][filed.column(level, field)] = measure[field]
    return out


def _parse_sheet(raw: RawSheet, problems: list[Problem], lengths: dict[str, int] | None = None) -> _Sheet:
    spec: SheetSpec = raw.spec
    header_row = raw.header_row
    by_key = {header_key(c.header): c for c in spec.columns}
    index: dict[str, int] = {}
    for j, h in enumerate(raw.header):
        if not h:
            continue
        column = by_key.get(header_key(h))
        if column is None:
            problems.append(Problem(raw.label, header_row, h, None, "未知列名（表头拼写或单位有误？应与模板一致）"))
        elif column.key in index:
            problems.append(Problem(raw.label, header_row, h, None, "列名重复"))
        else:
            index[column.key] = j
    columns: dict[str, list] = {}
    for c in spec.columns:
        if c.key not in index:
            if c.required and not c.export_only:
                problems.append(Problem(raw.label, header_row, c.header, None, "缺少必填列"))
            if not c.export_only:
                columns[c.key] = [_DEFAULTS.get(c.key)] * len(raw.rows)
            continue
        j = index[c.key]
        parse = PARSERS[c.kind]
        longest = (lengths or {}).get(c.key) if c.kind in TEXT_KINDS else None
        default = _DEFAULTS.get(c.key)
        required = c.required and not c.export_only
        out = []
        for number, row in zip(raw.row_numbers, raw.rows):
            value = row[j] if j < len(row) else None
            if is_blank(value):
                if required:
                    problems.append(Problem(raw.label, number, c.header, None, "必填项为空"))
                out.append(default)
                continue
            try:
                parsed = parse(value)
                if longest is not None and len(parsed) > longest:
                    raise CellError(f"文字过长：{len(parsed)}个字符，最多{longest}个")
                out.append(parsed)
            except CellError as exc:
                problems.append(Problem(raw.label, number, c.header, value, str(exc)))
                out.append(None)
        columns[c.key] = out
    return _Sheet(raw, columns)


def _first_rows(sheet: _Sheet, key: str, problems: list[Problem], reason: str) -> dict:
    """Report repeats of ``key`` (citing the first row); return value -> first index."""
    first: dict = {}
    for i, value in enumerate(sheet.get(key)):
        if value is None:
            continue
        if value in first:
            problems.append(sheet.problem(i, key, value, f"{reason}（首次出现于第{sheet.raw.row_numbers[first[value]]}行）"))
        else:
            first[value] = i
    return first


def _check_version_and_areas(version: _Sheet, areas: _Sheet, problems: list[Problem]) -> set[str]:
    if len(version.raw.rows) != 1:
        problems.append(
            Problem(version.raw.label, None, None, None, f"应恰好有1行版本信息，实有{len(version.raw.rows)}行")
        )
    names = areas.get("name")
    known = set(_first_rows(areas, "name", problems, "区域名称重复"))
    parents = areas.get("parent")
    for i, parent in enumerate(parents):
        if parent and parent not in known:
            problems.append(areas.problem(i, "parent", parent, "上级区域不在区域表中"))
        elif parent and parent == names[i]:
            problems.append(areas.problem(i, "parent", parent, "上级区域不能是自己"))
    cities = [n for n, p in zip(names, parents) if n and not p]
    city = version.get("city")[0] if version.raw.rows else None
    if len(cities) != 1:
        problems.append(
            Problem(areas.raw.label, None, areas.header("parent"), None,
                    f"应恰好有1个市级区域（上级区域为空），实有{len(cities)}个")
        )
    elif city and city != cities[0]:
        problems.append(version.problem(0, "city", city, f"与区域表中的市级区域“{cities[0]}”不一致"))
    return known


def _check_coordinates(ents: _Sheet, problems: list[Problem]) -> None:
    lo_x, hi_x = LONGITUDE_RANGE
    lo_y, hi_y = LATITUDE_RANGE
    for i, (x, y) in enumerate(zip(ents.get("longitude"), ents.get("latitude"))):
        swapped = x is not None and y is not None and lo_x <= y <= hi_x and lo_y <= x <= hi_y
        hint = "；经度和纬度是否填反了？" if swapped else ""
        if x is not None and not lo_x <= x <= hi_x:
            problems.append(ents.problem(i, "longitude", x, f"经度应在{lo_x:g}到{hi_x:g}之间（中国境内）{hint}"))
        if y is not None and not lo_y <= y <= hi_y:
            problems.append(ents.problem(i, "latitude", y, f"纬度应在{lo_y:g}到{hi_y:g}之间（中国境内）{hint}"))


def _check_percent_format(sheet: _Sheet, problems: list[Problem]) -> None:
    for key in NO_FRACTION_PERCENT & set(sheet.columns):
        for i, v in enumerate(sheet.columns[key]):
            if v is not None and 0.0 < v < 0.01:
                problems.append(sheet.problem(i, key, round(v * 100, 10), PERCENT_FORMAT_REASON.format(v=f"{v * 100:g}")))


def _check_enterprises(ents: _Sheet, areas: set[str], catalog: IndustryCatalog, problems: list[Problem]) -> dict[str, int]:
    name_to_code = catalog.by_name_zh()
    industries = ents.get("industry")
    for i, label in enumerate(industries):
        if label is None:
            continue
        code = label if label in catalog.industries else name_to_code.get(label)
        if code is None:
            known = "、".join(ind.name_zh for ind in catalog.industries.values())
            problems.append(ents.problem(i, "industry", label, f"未知行业类别，应为 {known}（见 config/industries.toml）"))
        industries[i] = code
    ents.columns["industry"] = industries
    for i, county in enumerate(ents.get("county")):
        if county and county not in areas:
            problems.append(ents.problem(i, "county", county, "区县不在区域表中"))
    rows_by_code = _first_rows(ents, "uscc", problems, "统一社会信用代码重复")
    for i, (ind, grade) in enumerate(zip(industries, ents.get("grade"))):
        if ind is None or grade is None:
            continue
        allowed = catalog.industries[ind].grades
        if Grade(grade) not in allowed:
            names = "、".join(g.value for g in Grade if g in allowed)
            problems.append(ents.problem(i, "grade", grade, f"“{catalog.industries[ind].name_zh}”行业的绩效等级应为 {names}"))
    _check_shortest_board(ents, catalog, problems)
    for i, (category, load) in enumerate(zip(ents.get("essential_category"), ents.get("essential_approved_load"))):
        if category in NEEDS_APPROVED_LOAD and load is None:
            problems.append(ents.problem(i, "essential_approved_load", None, f"“{category}”类保障企业须填写核定负荷"))
    _check_coordinates(ents, problems)
    _check_percent_format(ents, problems)
    _check_emails(ents, problems)
    return rows_by_code


# One address, as mail servers accept it: local part, @, a domain with a dot (no spaces,
# no second @, no display name "张三 <a@b.cn>" — notices are sent to exactly this text).
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


def _check_emails(ents: _Sheet, problems: list[Problem]) -> None:
    """联系邮箱: one e-mail address (notices are delivered to it, emergency.delivery)."""
    for i, v in enumerate(ents.get("contact_email")):
        if v is None:
            continue
        text = str(v).strip()
        if not EMAIL.match(text) or ".." in text or len(text.split("@")[0]) > 64:
            problems.append(ents.problem(i, "contact_email", v, "不是有效的电子邮箱地址（应形如 huanbao@example.com，只填一个地址）"))
        elif text != v:
            ents.columns["contact_email"][i] = text


def _check_shortest_board(ents: _Sheet, catalog: IndustryCatalog, problems: list[Problem]) -> None:
    """A firm listed once per key industry: one error at each repeated row's grade cell."""
    rows: dict[str, list[int]] = {}
    for i, code in enumerate(ents.get("uscc")):
        if code is not None:
            rows.setdefault(code, []).append(i)
    industries, grades, numbers = ents.get("industry"), ents.get("grade"), ents.raw.row_numbers
    for group in rows.values():
        keyed = [i for i in group if industries[i] is not None and catalog.industries[industries[i]].key]
        if len({industries[i] for i in keyed}) < 2:
            continue
        listed = "、".join(
            f"{catalog.industries[industries[i]].name_zh} {grades[i] or '（未填等级）'}（第{numbers[i]}行）" for i in keyed
        )
        lowest = lowest_grade([Grade(grades[i]) for i in keyed if grades[i] is not None])
        if lowest is None:
            verdict = "这些等级之间没有文件规定的高低（非引领性与B、B-、C、D），请由生态环境部门确定最低等级后合并为一行"
        else:
            verdict = f"企业绩效等级应为“{lowest.value}”；本清单每家企业只填一行，请合并为一行并把绩效等级填为“{lowest.value}”"
        for i in keyed[1:]:
            problems.append(ents.problem(
                i, "grade", grades[i],
                f"同一企业涉及多个重点行业：{listed}。按短板原则（{SHORTEST_BOARD_SOURCE}），{verdict}",
            ))


def _other_industry_hint(catalog: IndustryCatalog, industry: str, label: str) -> str:
    """For a process of another key industry: name it and the shortest-board rule."""
    others = [c for c in catalog.industries_with_process(label) if c != industry and catalog.industries[c].key]
    if not others or not catalog.industries[industry].key:
        return ""
    names = "、".join(f"“{catalog.industries[c].name_zh}”" for c in others)
    return (
        f"；该工序属于{names}行业。涉多个重点行业的企业按行业分别评级，以所涉行业的最低等级为企业绩效等级"
        "（短板原则，环办大气〔2026〕2号）；本清单一家企业只有一个行业类别，请按其主要行业填写工序类型，"
        "并把企业的绩效等级填为各行业等级中的最低者"
    )


def _check_lines(
    lines: _Sheet, ents: _Sheet, rows_by_code: dict[str, int], catalog: IndustryCatalog, problems: list[Problem]
) -> None:
    ent_names, industries = ents.get("name"), ents.get("industry")
    given_names, procs = lines.get("enterprise_name"), lines.get("process")
    seen: dict[tuple[str, str], int] = {}
    for i, (code, line_code) in enumerate(zip(lines.get("uscc"), lines.get("line_code"))):
        if code is None:
            continue
        if code not in rows_by_code:
            problems.append(lines.problem(i, "uscc", code, "生产线所属企业不在企业表中"))
            continue
        e = rows_by_code[code]
        if given_names[i] and ent_names[e] and given_names[i] != ent_names[e]:
            problems.append(lines.problem(i, "enterprise_name", given_names[i], f"与企业表中该代码的企业名称“{ent_names[e]}”不一致"))
        if line_code is not None:
            if (code, line_code) in seen:
                first = lines.raw.row_numbers[seen[code, line_code]]
                problems.append(lines.problem(i, "line_code", line_code, f"同一企业的生产线编号重复（首次出现于第{first}行）"))
            else:
                seen[code, line_code] = i
        industry = industries[e]
        if industry is not None and procs[i] is not None:
            process = catalog.process_code(industry, procs[i])
            if process is None:
                allowed = "、".join(catalog.industries[industry].processes.values())
                hint = _other_industry_hint(catalog, industry, procs[i])
                problems.append(lines.problem(
                    i, "process", procs[i], f"“{catalog.industries[industry].name_zh}”行业无此工序类型，应为 {allowed}{hint}"
                ))
            procs[i] = process
    lines.columns["process"] = procs
    _check_capacity_basis(lines, problems)
    _check_percent_format(lines, problems)


def _check_capacity_basis(lines: _Sheet, problems: list[Problem]) -> None:
    """capacity_basis = min(EIA-approved, permitted, last year's actual), > 0."""
    given = lines.columns.pop("capacity_basis", None) or [None] * len(lines.raw.rows)
    basis = []
    for i, caps in enumerate(zip(lines.get("capacity_eia"), lines.get("capacity_permit"), lines.get("capacity_actual"))):
        if None in caps:
            basis.append(None)
            continue
        smallest = min(caps)
        basis.append(smallest)
        if smallest <= 0:
            problems.append(lines.problem(i, "capacity_basis", smallest, "产能基数（环评批复、排污许可、上年实际三者最小值）应大于0"))
        elif given[i] is not None and not math.isclose(given[i], smallest, rel_tol=1e-9, abs_tol=1e-9):
            problems.append(lines.problem(
                i, "capacity_basis", given[i], f"产能基数应为环评批复、排污许可、上年实际三者的最小值{smallest:g}（可留空，由系统计算）"
            ))
    lines.columns["capacity_basis"] = basis


def _resolve_filed(sheet: _Sheet, problems: list[Problem], warnings: list[Problem]) -> None:
    """Each row's filed measure per level: from 措施类型 and its parameters, else read from
    the published text; located errors for what cannot be (in place on ``sheet``), and a
    warning where the structured columns and a readable text say different things (the
    structured columns are taken)."""
    for level in LEVELS:
        key = lambda field: filed.column(level, field)  # noqa: E731
        zh = LEVEL_LABELS_ZH[level]
        text, action, share = sheet.get(key("text")), list(sheet.get(key("action"))), list(sheet.get(key("share")))
        hours, truck, indicator = list(sheet.get(key("hours"))), list(sheet.get(key("truck_ban"))), sheet.get(key("indicator"))
        for i in range(len(sheet.raw.rows)):
            if action[i] is None:
                given = [f for f in ("share", "hours") if (share if f == "share" else hours)[i] is not None]
                if given:
                    for f in given:
                        problems.append(sheet.problem(i, key(f), (share if f == "share" else hours)[i],
                                                      f"填写了本列，须同时填写“{zh}措施类型”"))
                    continue
                if text[i] is not None:
                    try:
                        parsed = parse_measure_text(text[i])
                    except MeasureTextError as exc:
                        problems.append(sheet.problem(i, key("text"), text[i], str(exc)))
                        continue
                    action[i], share[i], hours[i] = parsed.action.value, parsed.share, parsed.hours
                    truck[i] = parsed.truck_ban if truck[i] is None else truck[i]
                    continue
                if truck[i]:
                    action[i] = "truck_ban"
                elif truck[i] is not None or indicator[i] is not None:
                    f = "truck_ban" if truck[i] is not None else "indicator"
                    problems.append(sheet.problem(i, key(f), truck[i] if f == "truck_ban" else indicator[i],
                                                  f"未填写{zh}预警措施（“{zh}预警措施”或“{zh}措施类型”）"))
                continue
            _check_parameters(sheet, i, level, action[i], share[i], hours[i], truck[i], problems)
            if truck[i] is None:
                truck[i] = action[i] == "truck_ban"
            if text[i] is not None:
                _compare_text(sheet, i, level, text[i], action[i], share[i], hours[i], warnings)
        sheet.columns[key("action")], sheet.columns[key("share")] = action, share
        sheet.columns[key("hours")], sheet.columns[key("truck_ban")] = hours, truck


def _compare_text(sheet: _Sheet, i: int, level: WarningLevel, text: str, action: str, share, hours,
                  warnings: list[Problem]) -> None:
    """A warning where a readable published text names another measure than the
    structured columns (an unreadable text beside them is fine: they say it exactly)."""
    try:
        said = parse_measure_text(text)
    except MeasureTextError:
        return
    same = said.action.value == action and all(
        (a is None and b is None) or (a is not None and b is not None and math.isclose(a, b, abs_tol=1e-9))
        for a, b in ((said.share, share), (said.hours, hours)))
    if not same:
        warnings.append(sheet.problem(i, filed.column(level, "text"), text, (
            f"措施原文读作“{describe(said.action.value, said.share, said.hours)}”，与{LEVEL_LABELS_ZH[level]}措施类型等列"
            f"“{describe(action, share, hours)}”不一致：以措施类型等列为准，请核对")))


def _check_parameters(sheet: _Sheet, i: int, level: WarningLevel, action: str, share, hours, truck,
                      problems: list[Problem]) -> None:
    """措施类型 with the parameters it takes: a share for 限产 / 按比例停产生产线, hours for
    延长结焦时间, no others; 禁用国四及以下货车 not contradicted by its own column."""
    a = Action(action)
    name = ACTION_NAMES_ZH[a]
    key = lambda field: filed.column(level, field)  # noqa: E731
    if a in NEEDS_SHARE and not share:
        problems.append(sheet.problem(i, key("share"), share, f"措施“{name}”须填写大于0的比例"))
    if a not in NEEDS_SHARE and share is not None:
        problems.append(sheet.problem(i, key("share"), round(share * 100, 10), f"措施“{name}”不填比例（比例只用于限产、按比例停产生产线）"))
    if a in NEEDS_HOURS and not hours:
        problems.append(sheet.problem(i, key("hours"), hours, f"措施“{name}”须填写延长后的结焦时间（小时）"))
    if a not in NEEDS_HOURS and hours is not None:
        problems.append(sheet.problem(i, key("hours"), hours, f"措施“{name}”不填结焦时间"))
    if a is Action.TRUCK_BAN and truck is False:
        problems.append(sheet.problem(i, key("truck_ban"), "否", "措施类型为禁用国四及以下货车，本列不能为“否”"))


def _check_filed_levels(ents: _Sheet, lines: _Sheet, tables_ents: dict, tables_lines: dict, problems: list[Problem]) -> None:
    """After expansion: each line has a measure at all three levels or at none (one error
    per row that gave the incomplete set, at each missing level's 预警措施 cell)."""
    row_of = {u: i for i, u in enumerate(tables_ents["uscc"]) if u is not None}
    seen: set[tuple[str, int, WarningLevel]] = set()
    for j, code in enumerate(tables_lines["uscc"]):
        got = [lv for lv in LEVELS if tables_lines[filed.column(lv, "action")][j] is not None]
        if not got or len(got) == len(LEVELS):
            continue
        e = row_of.get(code)
        from_ent = e is not None and any(tables_ents[filed.column(lv, "action")][e] is not None for lv in LEVELS)
        own = any(not tables_lines[filed.column(lv, filed.INHERITED)][j] for lv in got)
        sheet, i = (lines, j) if own or not from_ent else (ents, e)
        for level in LEVELS:
            if level in got or (sheet.raw.label, i, level) in seen:
                continue
            seen.add((sheet.raw.label, i, level))
            given = "、".join(LEVEL_LABELS_ZH[lv] for lv in got)
            problems.append(sheet.problem(i, filed.column(level, "text"), None,
                                          f"已填写{given}预警措施，未填写{LEVEL_LABELS_ZH[level]}预警措施：三级措施须全部填写"
                                          "（企业表填写的措施适用于该企业全部生产线）"))


def _filed_tables(ents: _Sheet, lines: _Sheet, problems: list[Problem], warnings: list[Problem]) -> None:
    """Resolve the filed measures of both sheets, give the 企业 sheet's to the lines, check
    each line has all three levels or none; a list without any drops the columns."""
    _resolve_filed(ents, problems, warnings)
    _resolve_filed(lines, problems, warnings)
    keys = filed.keys()
    if not (filed.has_filed(ents.columns) or filed.has_filed(lines.columns)):
        for sheet in (ents, lines):
            for k in keys:
                sheet.columns.pop(k, None)
        return
    filed.expand(ents.columns, lines.columns)
    _check_filed_levels(ents, lines, ents.columns, lines.columns, problems)


def validate_sheets(raw: dict[str, RawSheet], catalog: IndustryCatalog,
                    warnings: list[Problem] | None = None) -> tuple[RegistryTables, list[Problem]]:
    """Parse and check every sheet; the tables are only meaningful without problems.
    Findings that do not refuse the list are appended to ``warnings`` (when given)."""
    problems: list[Problem] = []
    warnings = [] if warnings is None else warnings
    lengths = max_lengths()
    version, areas, ents, lines = (
        _parse_sheet(raw[k], problems, lengths[k]) for k in ("version", "areas", "enterprises", "lines")
    )
    known_areas = _check_version_and_areas(version, areas, problems)
    rows_by_code = _check_enterprises(ents, known_areas, catalog, problems)
    _check_lines(lines, ents, rows_by_code, catalog, problems)
    _filed_tables(ents, lines, problems, warnings)
    version_row = {k: (v[0] if v else None) for k, v in version.columns.items()}
    tables = RegistryTables(version=version_row, areas=areas.columns, enterprises=ents.columns, lines=lines.columns)
    return tables, sorted(problems, key=_reading_order(raw))


def _reading_order(raw: dict[str, RawSheet]):
    """Sort key: sheet order, then row, then column order."""
    sheets = {sheet.label: i for i, sheet in enumerate(raw.values())}
    columns = {(sheet.label, c.header): j for sheet in raw.values() for j, c in enumerate(sheet.spec.columns)}
    return lambda p: (sheets.get(p.sheet, 99), p.row or 0, columns.get((p.sheet, p.column), 99))


def filed_locator(raw: dict[str, RawSheet], tables: RegistryTables):
    """(line index, level) -> (sheet, row, column) of the cell a filed measure came from:
    the 生产线 row, or the 企业 row for a measure the enterprise gives its lines."""
    ents, lines = raw["enterprises"], raw["lines"]
    row_of = {u: i for i, u in enumerate(tables.enterprises["uscc"]) if u is not None}
    header = {lv: f"{LEVEL_LABELS_ZH[lv]}预警措施" for lv in LEVELS}

    def where(j: int, level: WarningLevel) -> tuple[str, int | None, str]:
        if tables.lines[filed.column(level, filed.INHERITED)][j]:
            return ents.label, ents.row_numbers[row_of[tables.lines["uscc"][j]]], header[level]
        return lines.label, lines.row_numbers[j], header[level]

    return where
