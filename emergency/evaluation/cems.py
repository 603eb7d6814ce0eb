"""CEMS hourly readings (在线监测小时数据): the import, per outlet and pollutant.

The file (CSV or .xlsx, see :mod:`emergency.evaluation.hourly_files`) has the columns

    统一社会信用代码   the firm, listed in the list version in effect (or the one named)
    排放口编号         the outlet (≤ 80 characters)
    生产线编号         optional: the production line the outlet serves
    监测时间           the START of the hour, 北京时间 unless an offset is given; on the hour,
                       not in the future
    污染物             SO2 / 二氧化硫, NOx / 氮氧化物, 颗粒物 / 烟尘 / PM, VOCs / 非甲烷总烃 / NMHC
                       (the vocabulary's SO2, NOx, PM, VOCs)
    实测浓度(mg/m³)    and/or 折算浓度(mg/m³): at least one column; a row needs one of the two
    标干流量(m³/h)     the dry standard flow

Mass of the hour: ``kg = c [mg/m³] × Q [m³/h] × 1 h / 10⁶``. The measured (实测)
concentration is used where the row gives it — it is the concentration of the gas the
flow meter counts (HJ 75-2017 computes emissions from measured concentration and dry
standard flow); the reference-oxygen (折算) one otherwise, and the row's ``basis``
records which.

Rejected (whole file or nothing, each problem with file, row, column and reason): an
unknown firm, a bad / negative / non-numeric / non-finite value, a time not on the hour
or in the future, the same (firm, outlet, hour, pollutant) twice in the file (naming
both rows), or a value different from one already stored for the same key (``replace``
accepts the file's instead). Re-importing the same data changes nothing (``unchanged``).
More than ``[limits] max_rows`` rows (config/evaluation.toml) is refused.

Gaps are not rejections: the summary's ``quality`` gives, per (firm, outlet,
pollutant) and Beijing day within the span the file covers, the hours present and
missing, and whether the day has the ``[cems_day] min_valid_hours`` a valid day needs
(HJ 76-2017 附录B: 20). Every import is audited (``evaluation.cems_import``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, and_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from config.evaluation import load_evaluation_policy
from emergency import clock
from emergency.errors import Conflict, NotFound
from emergency.evaluation import hourly_files as hf
from emergency.evaluation.models import CemsReading
from emergency.vocabulary import Pollutant
from emergency.workflow import audit
from enterprise_registry.cells import CellError, Problem, normalise_text, parse_uscc

MAX_CONCENTRATION = 1e6  # mg/m³: a typing or unit mistake beyond
MAX_FLOW = 1e8  # m³/h: beyond the largest stack
OUTLET_MAX = LINE_MAX = 80
BATCH = 2_000
SAME = 1e-9  # relative difference under which a stored value is the same value

COLUMNS: hf.Columns = {
    "enterprise_uscc": ("统一社会信用代码", ("统一社会信用代码", "enterprise_uscc", "uscc")),
    "outlet": ("排放口编号", ("排放口编号", "outlet", "排口编号", "排放口")),
    "line_id": ("生产线编号", ("生产线编号", "line_id", "生产线代码")),
    "hour": ("监测时间", ("监测时间", "hour", "time", "时间", "数据时间")),
    "pollutant": ("污染物", ("污染物", "pollutant", "监测因子", "污染物名称")),
    "measured": ("实测浓度(mg/m³)", ("实测浓度(mg/m³)", "实测浓度(mg/m3)", "实测浓度", "measured_mg_m3")),
    "converted": ("折算浓度(mg/m³)", ("折算浓度(mg/m³)", "折算浓度(mg/m3)", "折算浓度", "converted_mg_m3")),
    "flow": ("标干流量(m³/h)", ("标干流量(m³/h)", "标干流量(m3/h)", "标干流量", "flow_m3_h")),
}
REQUIRED = ("enterprise_uscc", "outlet", "hour", "pollutant", "flow")
OPTIONAL = ("line_id", "measured", "converted")

POLLUTANT_NAMES: dict[str, Pollutant] = {
    **{k: Pollutant.SO2 for k in ("so2", "二氧化硫", "so₂")},
    **{k: Pollutant.NOx for k in ("nox", "氮氧化物", "nox(以no2计)", "氮氧化物(以no2计)")},
    **{k: Pollutant.PM for k in ("pm", "颗粒物", "烟尘", "粉尘", "tsp")},
    **{k: Pollutant.VOCs for k in ("vocs", "voc", "挥发性有机物", "非甲烷总烃", "nmhc")},
}


def columns_help() -> str:
    return hf.columns_help(COLUMNS, OPTIONAL) + "；实测浓度与折算浓度至少填一个；监测时间为该小时开始（北京时间）"


def kg_of(concentration_mg_m3: float, flow_m3_h: float) -> float:
    """Mass of one hour: mg/m³ × m³/h × 1 h / 10⁶ = kg."""
    return concentration_mg_m3 * flow_m3_h / 1e6


def parse_pollutant(value) -> str:
    key = "".join(normalise_text(str(value)).split()).lower()
    try:
        return POLLUTANT_NAMES[key].value
    except KeyError:
        raise CellError("未知污染物，应为 SO2、NOx、颗粒物 或 VOCs（二氧化硫、氮氧化物、烟尘、非甲烷总烃 亦可）") from None


@dataclass(frozen=True)
class DayQuality:
    enterprise_uscc: str
    outlet: str
    pollutant: str
    day: date
    hours: int  # hours with a reading
    missing: int  # hours of the day within the span the file covers without one
    valid: bool  # hours ≥ min_valid_hours


@dataclass
class CemsImportSummary:
    file: str
    list_version: str
    rows: int
    new: int
    unchanged: int
    replaced: int
    enterprises: int
    outlets: int
    first_hour: datetime | None
    last_hour: datetime | None
    min_valid_hours: int
    quality: list[DayQuality] = field(default_factory=list)

    @property
    def gap_hours(self) -> int:
        return sum(q.missing for q in self.quality)

    @property
    def short_days(self) -> list[DayQuality]:
        return [q for q in self.quality if not q.valid]

    def as_dict(self) -> dict:
        return {
            "file": self.file, "list_version": self.list_version, "rows": self.rows, "new": self.new,
            "unchanged": self.unchanged, "replaced": self.replaced, "enterprises": self.enterprises,
            "outlets": self.outlets, "first_hour": clock.iso(self.first_hour), "last_hour": clock.iso(self.last_hour),
            "min_valid_hours": self.min_valid_hours, "gap_hours": self.gap_hours,
            "short_days": len(self.short_days),
            "quality": [{**asdict(q), "day": q.day.isoformat()} for q in self.quality],
        }

    def audit_dict(self) -> dict:
        d = self.as_dict()
        d["quality"] = [q for q in d["quality"] if not q["valid"]][:200]
        return d


def listed_firms(engine: Engine, version: str | None, city: str | None = None) -> tuple[str, set[str]]:
    """The list version (named, or ``city``'s in effect today) and its firms' 统一社会信用代码
    (a named version of another city than ``city`` is not found)."""
    from enterprise_registry.models import Enterprise, ListVersion
    from enterprise_registry.service import get_version, latest_version

    v = get_version(engine, version) if version else latest_version(engine, city)
    if city is not None and v.city != city:
        raise NotFound(f"清单版本“{version}”不存在 (no such list version)")
    with Session(engine) as s:
        vid = s.execute(select(ListVersion.id).where(ListVersion.name == v.name)).scalar_one()
        return v.name, set(s.execute(select(Enterprise.uscc).where(Enterprise.version_id == vid)).scalars())


def read_cems(path: Path, name: str, firms: set[str], version: str, max_rows: int) -> list[dict]:
    """The readings of the file, or :class:`ImportRejected` listing every problem."""
    rows = hf.read_rows(path, name, max_rows)
    h, col = hf.find_header(rows, name, COLUMNS, REQUIRED, one_of=("measured", "converted"))
    problems: list[Problem] = []

    def firm(v):
        u = parse_uscc(v)
        if u not in firms:
            raise CellError(f"企业不在清单版本“{version}”中")
        return u

    def hour(v):
        t = hf.hour_cell(v)
        hf.not_future(t)
        return t

    parsers = {
        "enterprise_uscc": firm, "outlet": lambda v: hf.text_cell(v, OUTLET_MAX),
        "line_id": lambda v: hf.text_cell(v, LINE_MAX), "hour": hour, "pollutant": parse_pollutant,
        "measured": lambda v: hf.number_cell(v, MAX_CONCENTRATION), "converted": lambda v: hf.number_cell(v, MAX_CONCENTRATION),
        "flow": lambda v: hf.number_cell(v, MAX_FLOW),
    }
    parsed = hf.parse_rows(rows, h, col, name, COLUMNS, parsers, problems, optional=OPTIONAL,
                          memo=("enterprise_uscc", "outlet", "line_id", "hour", "pollutant"))
    out, seen = [], {}
    for line, v in parsed:
        if v.get("measured") is None and v.get("converted") is None:
            which = "measured" if "measured" in col else "converted"
            problems.append(Problem(name, line, COLUMNS[which][0], None, "实测浓度与折算浓度不能都为空"))
            continue
        key = (v["enterprise_uscc"], v["outlet"], v["hour"], v["pollutant"])
        if key in seen:
            problems.append(Problem(name, line, COLUMNS["hour"][0], clock.fmt(v["hour"]),
                                    f"与第{seen[key]}行重复（同一企业、排放口、时间、污染物只能有一个值）"))
            continue
        seen[key] = line
        measured = v.get("measured")
        c, basis = (measured, "实测") if measured is not None else (v["converted"], "折算")
        out.append({"enterprise_uscc": key[0], "outlet": key[1], "line_id": v.get("line_id") or "", "hour": key[2],
                    "pollutant": key[3], "concentration_mg_m3": c, "basis": basis, "flow_m3_h": v["flow"],
                    "kg": kg_of(c, v["flow"]), "_line": line})
    hf.reject_if(problems, name)
    return out


def quality(rows: list[dict], min_valid_hours: int) -> list[DayQuality]:
    """Hours present and missing per (firm, outlet, pollutant) and Beijing day, within the
    span from the first to the last hour of each (firm, outlet, pollutant)."""
    by_key: dict[tuple[str, str, str], set[datetime]] = defaultdict(set)
    for r in rows:
        by_key[(r["enterprise_uscc"], r["outlet"], r["pollutant"])].add(r["hour"])
    out = []
    for (u, o, p), hours in sorted(by_key.items()):
        first, last = min(hours), max(hours)
        for day in clock.days_between(first, last + timedelta(hours=1)):
            day_hours = hf.hours_of_day(day)
            present = sum(1 for t in day_hours if t in hours)
            missing = sum(1 for t in day_hours if first <= t <= last and t not in hours)
            out.append(DayQuality(u, o, p, day, present, missing, present >= min_valid_hours))
    return out


def _stored(session: Session, rows: list[dict]) -> dict[tuple, tuple[float, float, str]]:
    R = CemsReading
    firms = sorted({r["enterprise_uscc"] for r in rows})
    first, last = min(r["hour"] for r in rows), max(r["hour"] for r in rows)
    found = {}
    for i in range(0, len(firms), 500):
        q = select(R.enterprise_uscc, R.outlet, R.hour, R.pollutant, R.concentration_mg_m3, R.flow_m3_h, R.basis).where(
            and_(R.enterprise_uscc.in_(firms[i:i + 500]), R.hour >= first, R.hour <= last))
        for u, o, t, p, c, f, b in session.execute(q).all():
            found[(u, o, clock.as_utc(t), p)] = (c, f, b)
    return found


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= SAME * max(1.0, abs(a), abs(b))


def import_cems(engine: Engine, path: Path, actor: str = "system", source_name: str | None = None, *,
                version: str | None = None, replace: bool = False, city: str | None = None) -> CemsImportSummary:
    """Import the CEMS file at ``path`` (the rules: module docstring). ``source_name``: the
    user's name of the file (an upload's), used in messages and the audit log. ``city``:
    the importing account's city: its list decides which firms are known."""
    path = Path(path)
    name = source_name or str(path)
    policy = load_evaluation_policy()
    version_name, firms = listed_firms(engine, version, city)
    rows = read_cems(path, name, firms, version_name, policy.limits.max_rows)
    file_name = source_name or path.name
    with Session(engine) as session:
        try:
            stored = _stored(session, rows) if rows else {}
            new, changed, unchanged, problems = [], [], 0, []
            for r in rows:
                key = (r["enterprise_uscc"], r["outlet"], r["hour"], r["pollutant"])
                old = stored.get(key)
                if old is None:
                    new.append(r)
                elif _same(old[0], r["concentration_mg_m3"]) and _same(old[1], r["flow_m3_h"]) and old[2] == r["basis"]:
                    unchanged += 1
                elif replace:
                    changed.append(r)
                else:
                    problems.append(Problem(name, r["_line"], COLUMNS["hour"][0], clock.fmt(r["hour"]),
                                            f"与已导入的数据不同（已存 {old[2]}浓度 {old[0]:g} mg/m³、流量 {old[1]:g} m³/h）；"
                                            "如确需更正，请以“替换”方式重新导入"))
            hf.reject_if(problems, name)
            clean = [{k: v for k, v in r.items() if k != "_line"} for r in new]
            table = CemsReading.__table__
            for i in range(0, len(clean), BATCH):
                session.execute(table.insert(), clean[i:i + BATCH])
            for r in changed:
                R = CemsReading
                session.execute(table.update().where(and_(
                    R.enterprise_uscc == r["enterprise_uscc"], R.outlet == r["outlet"], R.hour == r["hour"],
                    R.pollutant == r["pollutant"])).values(
                    line_id=r["line_id"], concentration_mg_m3=r["concentration_mg_m3"], basis=r["basis"],
                    flow_m3_h=r["flow_m3_h"], kg=r["kg"]))
            summary = CemsImportSummary(
                file=file_name, list_version=version_name, rows=len(rows), new=len(new), unchanged=unchanged,
                replaced=len(changed), enterprises=len({r["enterprise_uscc"] for r in rows}),
                outlets=len({(r["enterprise_uscc"], r["outlet"]) for r in rows}),
                first_hour=min((r["hour"] for r in rows), default=None), last_hour=max((r["hour"] for r in rows), default=None),
                min_valid_hours=policy.cems_day.min_valid_hours,
                quality=quality(rows, policy.cems_day.min_valid_hours),
            )
            audit.record(session, actor, "evaluation.cems_import", "cems", summary.audit_dict())
            session.commit()
        except (IntegrityError, OperationalError) as exc:
            session.rollback()
            if isinstance(exc, OperationalError) and "lock" not in str(exc).lower():
                raise
            raise Conflict(f"{file_name}: 另一导入正在写入相同的在线监测数据，请稍后重试 (concurrent import)") from None
    return summary
