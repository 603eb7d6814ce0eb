"""The exchange format of the list: sheets, Chinese headers, kinds, units.

One place for the columns of the Excel/CSV files people already exchange
(序号, 区县, 企业名称, 统一社会信用代码, 行业类别, 绩效等级, 生产线, 产能, 排放量…).
Import, export, the template and the generator all read these specs, so a header
is spelled in exactly one place.

Kinds: ``str``, ``int``, ``float`` (non-negative unless ``signed``), ``percent``
(0–100 in the file, 0–1 in the database), ``bool`` (是/否), ``date`` (YYYY-MM-DD),
``uscc`` (18-character code, GB 32100-2015), ``grade``, ``essential``, ``industry``
(Chinese name or code from config/industries.toml), ``process``, ``area``, ``action``
(a measure type: 停产, 限产 … or its code, config.measures.Action).

The filed per-level measures (``group = "filed"``, :func:`filed_columns`) are written
only for a list that has them (:func:`written_columns`): a list without them reads and
writes exactly as before they existed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from emergency.vocabulary import LEVEL_LABELS_ZH, LEVELS


@dataclass(frozen=True)
class ColumnSpec:
    key: str  # field name in code / API
    header: str  # Chinese header in the file
    kind: str
    required: bool = True
    unit: str = ""
    doc: str = ""  # shown in the template's 填表说明 sheet
    export_only: bool = False  # written on export, ignored (and optional) on import
    group: str = ""  # "filed": written only when the list has filed measures (see written_columns)


@dataclass(frozen=True)
class SheetSpec:
    key: str  # areas / enterprises / lines / version
    title: str  # sheet name in the workbook; CSV file stem is `key`
    columns: tuple[ColumnSpec, ...]

    def header_map(self) -> dict[str, ColumnSpec]:
        return {c.header: c for c in self.columns}


VERSION_SHEET = SheetSpec(
    "version",
    "清单版本",
    (
        ColumnSpec("name", "版本名称", "str", doc="清单版本名称，如“2026—2027年秋冬季”。每年修订一次。"),
        ColumnSpec("effective_date", "生效日期", "date", doc="本版本清单生效日期，格式 YYYY-MM-DD。"),
        ColumnSpec("city", "城市", "str", doc="清单所属城市（与区域表中的市级区域一致）。"),
        ColumnSpec("notes", "备注", "str", required=False, doc="修订说明。"),
    ),
)

_POLLUTANT_COLUMNS = (("so2", "SO2"), ("nox", "NOx"), ("pm", "颗粒物"), ("vocs", "VOCs"))

AREA_SHEET = SheetSpec(
    "areas",
    "区域",
    (
        ColumnSpec("name", "区域名称", "str", doc="市或区县名称，在本清单中唯一。"),
        ColumnSpec("parent", "上级区域", "str", required=False, doc="区县填所属市；市级区域留空。"),
        *(
            ColumnSpec(
                f"base_{key}",
                f"{label}全社会排放基数(kg/d)",
                "float",
                unit="kg/d",
                doc=f"{label}全社会日排放量（应急减排基数），千克/日。",
            )
            for key, label in _POLLUTANT_COLUMNS
        ),
        *(
            ColumnSpec(
                f"listed_share_{key}",
                f"{label}清单企业承担比例(%)",
                "percent",
                unit="%",
                doc=f"{label}减排任务中由清单内工业企业承担的比例，0–100。",
            )
            for key, label in _POLLUTANT_COLUMNS
        ),
    ),
)

FILED_GROUP = "filed"


def filed_columns(where: str) -> tuple[ColumnSpec, ...]:
    """The filed-measure columns of the 企业 or 生产线 sheet (``where``: 企业 / 生产线).

    First the published layout — 黄色预警措施, 橙色预警措施, 红色预警措施: the text as the
    list publishes it — then, per level, the columns that make it exact (措施类型, 比例,
    结焦时间, 禁用国四及以下货车, 核查指标). Keys are ``filed_<level>_<field>``
    (enterprise_registry.filed). When 措施类型 is empty the published text is read
    (enterprise_registry.measure_text); a text it cannot read is a located error.
    """
    scope = "本企业全部生产线" if where == "企业" else "本生产线"
    texts = tuple(
        ColumnSpec(
            f"filed_{lv.value}_text", f"{LEVEL_LABELS_ZH[lv]}预警措施", "str", required=False, group=FILED_GROUP,
            doc=f"{LEVEL_LABELS_ZH[lv]}预警期间{scope}的减排措施，按公布的清单原文填写，如“停产”“限产30%”"
                "“停产50%生产线”“结焦时间延长至36小时”“停产保窑”“降至最低负荷运行”“自主减排”"
                "“原料日投料量由960吨降低到768吨”；措施类型为空时按原文识别。",
        )
        for lv in LEVELS
    )
    structured = []
    for lv in LEVELS:
        zh = LEVEL_LABELS_ZH[lv]
        structured += [
            ColumnSpec(f"filed_{lv.value}_action", f"{zh}措施类型", "action", required=False, group=FILED_GROUP,
                       doc="停产、限产、按比例停产生产线、降至最低负荷、延长结焦时间、停产保窑、自主减排、"
                           "禁用国四及以下货车、无；填写后以本列及以下各列为准。"),
            ColumnSpec(f"filed_{lv.value}_share", f"{zh}措施比例(%)", "percent", required=False, unit="%",
                       group=FILED_GROUP, doc="限产：产能基数的削减比例；按比例停产生产线：停产生产线的比例；0–100。"),
            ColumnSpec(f"filed_{lv.value}_hours", f"{zh}结焦时间(小时)", "float", required=False, unit="h",
                       group=FILED_GROUP, doc="延长结焦时间：延长后的结焦时间，小时。"),
            ColumnSpec(f"filed_{lv.value}_truck_ban", f"{zh}禁用国四及以下货车", "bool", required=False,
                       group=FILED_GROUP, doc="是：同时禁用国四及以下重型柴油货车运输；空白按措施原文（或“否”）。"),
            ColumnSpec(f"filed_{lv.value}_indicator", f"{zh}核查指标", "str", required=False, group=FILED_GROUP,
                       doc="证明措施落实的指标，如 用电量、用气量、产量、投料量。"),
        ]
    return texts + tuple(structured)


ENTERPRISE_SHEET = SheetSpec(
    "enterprises",
    "企业",
    (
        ColumnSpec("seq", "序号", "int", required=False, doc="序号，仅供阅读。"),
        ColumnSpec("county", "区县", "area", doc="企业所在区县，须在“区域”表中。"),
        ColumnSpec("name", "企业名称", "str", doc="企业全称。"),
        ColumnSpec("uscc", "统一社会信用代码", "uscc", doc="18位统一社会信用代码（GB 32100-2015，含校验码）。"),
        ColumnSpec("industry", "行业类别", "industry", doc="行业类别，取值见 config/industries.toml（如 水泥、焦化、非重点行业）。"),
        ColumnSpec("grade", "绩效等级", "grade", doc="A+、A、B、B-、C、D、引领性、非引领性、一厂一策。"),
        ColumnSpec("essential_category", "保障类类别", "essential", required=False, doc="无、民生保障、战略性新兴、军工/出口、安全生产不可中断；空白视为“无”。"),
        ColumnSpec("essential_approved_load", "保障类核定负荷(%)", "percent", required=False, unit="%", doc="民生保障的核定最大负荷或军工/出口的核定量，占产能基数的百分比。"),
        ColumnSpec("small_micro", "小微企业", "bool", required=False, doc="是/否；空白视为“否”。"),
        ColumnSpec("ultra_low_filed", "超低排放备案", "bool", required=False, doc="已完成超低排放改造并备案：是/否。"),
        ColumnSpec("longitude", "经度", "float", required=False, doc="十进制度，WGS-84。"),
        ColumnSpec("latitude", "纬度", "float", required=False, doc="十进制度，WGS-84。"),
        ColumnSpec("contact_person", "联系人", "str", required=False, doc="应急减排责任人。"),
        ColumnSpec("contact_phone", "联系电话", "str", required=False, doc="责任人手机或固定电话。"),
        ColumnSpec("contact_email", "联系邮箱", "str", required=False, doc="接收应急减排通知的电子邮箱，如 huanbao@example.com。"),
        ColumnSpec("heavy_trucks_per_day", "日均重型货车(辆)", "int", required=False, unit="辆/日", doc="日均进出厂重型柴油货车数量。"),
        *filed_columns("企业"),
    ),
)

LINE_SHEET = SheetSpec(
    "lines",
    "生产线",
    (
        ColumnSpec("seq", "序号", "int", required=False, doc="序号，仅供阅读。"),
        ColumnSpec("uscc", "统一社会信用代码", "uscc", doc="所属企业的统一社会信用代码，须在“企业”表中。"),
        ColumnSpec("enterprise_name", "企业名称", "str", required=False, doc="所属企业名称，仅供核对；填写时须与“企业”表一致。"),
        ColumnSpec("line_code", "生产线编号", "str", doc="企业内唯一的生产线（工序）编号。"),
        ColumnSpec("line_name", "生产线", "str", doc="生产线或工序名称，如“2500t/d熟料生产线”。"),
        ColumnSpec("process", "工序类型", "process", doc="工序类型，取值见 config/industries.toml 中该行业的工序。"),
        ColumnSpec("capacity_unit", "产能单位", "str", doc="如 吨/日、万块/日、平方米/日。"),
        ColumnSpec("capacity_eia", "环评批复产能(日均)", "float", doc="环评批复产能折日均值。"),
        ColumnSpec("capacity_permit", "排污许可产能(日均)", "float", doc="排污许可证载明产能折日均值。"),
        ColumnSpec("capacity_actual", "上年实际产量(日均)", "float", doc="上一年度实际产量折日均值。"),
        ColumnSpec("capacity_basis", "产能基数(日均)", "float", required=False, export_only=True, doc="取以上三者最小值（系统计算，导入时忽略）。"),
        ColumnSpec("output_value_yuan", "日产值(元)", "float", unit="元/日", doc="按产能基数计的日均产值，元。"),
        ColumnSpec("interruptible", "可中断", "bool", doc="是：可停产；否：工艺不可中断，只能降负荷。"),
        ColumnSpec("min_load", "最低负荷(%)", "percent", unit="%", doc="安全运行的最低负荷，占产能基数的百分比。"),
        ColumnSpec("stop_lead_time_h", "停产所需时间(小时)", "float", unit="h", doc="从接到通知到完成停产（或降负荷）所需小时数。"),
        ColumnSpec("so2_kg", "SO2排放量(kg/d)", "float", unit="kg/d", doc="按产能基数计的日排放量，千克/日。"),
        ColumnSpec("nox_kg", "NOx排放量(kg/d)", "float", unit="kg/d", doc="同上。"),
        ColumnSpec("pm_kg", "颗粒物排放量(kg/d)", "float", unit="kg/d", doc="同上。"),
        ColumnSpec("vocs_kg", "VOCs排放量(kg/d)", "float", unit="kg/d", doc="同上。"),
        *filed_columns("生产线"),
    ),
)

SHEETS: tuple[SheetSpec, ...] = (VERSION_SHEET, AREA_SHEET, ENTERPRISE_SHEET, LINE_SHEET)


def written_columns(spec: SheetSpec, table: dict) -> tuple[ColumnSpec, ...]:
    """The columns a file of ``table`` gets: every column, except the filed-measure
    columns when the list has none (``table`` holds no filed_* key), so a list without
    filed measures is written exactly as before they existed."""
    if any(k.startswith("filed_") for k in table):
        return spec.columns
    return tuple(c for c in spec.columns if c.group != FILED_GROUP)


@dataclass
class RegistryTables:
    """A whole list in memory, column-wise: ``sheet.key -> column key -> values``.

    The one exchange structure between the generator, the file readers/writers and
    the database importer. Values are typed Python scalars (``percent`` as a 0–1
    fraction, ``bool`` as bool, ``date`` as ``datetime.date``, ``grade`` /
    ``essential`` as their enum values, ``industry`` / ``process`` as codes, missing
    optional cells as ``None``). ``version`` holds a single row (scalars, not lists).
    """

    version: dict
    areas: dict[str, list]
    enterprises: dict[str, list]
    lines: dict[str, list]
    content_sha256: str | None = field(default=None, compare=False)  # of the imported file, when known

    def n_rows(self, sheet: str) -> int:
        table = getattr(self, sheet)
        return len(next(iter(table.values()))) if table else 0


def make_line_id(uscc: str, line_code: str) -> str:
    """The stable id plans use for a line: ``<uscc>/<line_code>``."""
    return f"{uscc}/{line_code}"


def tables_sha256(tables: RegistryTables) -> str:
    """Content hash of a list (version row, then every column in key order, values by repr)."""
    h = hashlib.sha256(json.dumps(tables.version, sort_keys=True, default=str, ensure_ascii=False).encode())
    for part in (tables.areas, tables.enterprises, tables.lines):
        for key in sorted(part):
            h.update(key.encode())
            h.update("\x1f".join(map(repr, part[key])).encode())
    return h.hexdigest()
