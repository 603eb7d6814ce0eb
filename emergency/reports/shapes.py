"""The shapes of the reports upward, as data a province can change (报表格式).

``config/reports/default.toml`` holds the shape of each report (``daily``, ``summary``):
its title, the Jinja template of its printable page, and its sheets — each with a
name, its place (``order``), its row grouping (``rows``: which rows it lists) and its
columns (a Chinese header and the metric the column holds; ``unit = "t"`` shows a kg
metric in tonnes). Localities override it the way they override policy
(:mod:`config.policy`): ``config/reports/local/<province>.toml``, then
``<province>/<city>.toml``, then ``<province>/<city>/<county>.toml``, merged on top in
that order — tables merge key by key (a sheet is a table keyed by its id, so a
province can rename one sheet or replace its columns and keep the others), lists and
values replace. The merged shapes are validated once by frozen models
(``extra="forbid"``); an unknown row grouping or metric is an error naming the file
that set it and the key path. The policy directory is ``EMERGENCY_POLICY_DIR`` (same
layout) or the packaged ``config/``.

HTML templates are looked up in the policy directory's ``reports/templates/`` first,
then in the packaged one: a province replaces ``daily.html`` by its own file, or names
another in its shape (``html_template``). Templates are autoescaped.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator

from config import POLICY_DIR, default_policy_dir
from config.common import Confidence, Frozen
from config.loading import read_toml
from emergency.errors import PolicyError
from emergency.vocabulary import POLLUTANTS

# kinds of value: text, int (a count), kg (a mass, may be shown in t), num (other number)
_P = {f"planned_{p.value}_kg": "kg" for p in POLLUTANTS}

# rows grouping -> metric -> kind, per report
METRICS: dict[str, dict[str, dict[str, str]]] = {
    "daily": {
        "county": {
            "county": "text", "firms": "int", "lines": "int", "orders": "int", "orders_new": "int",
            "confirmed_total": "int", "confirmed_on_time": "int", "confirmed_late": "int", "not_confirmed": "int",
            "reported_total": "int", "reported_on_time": "int", "reported_late": "int", "not_reported": "int",
            "inspections": "int", "inspected": "int", "inspection_non_compliant": "int",
            "electricity_non_compliant": "int", "non_compliant": "int", "measure_hours": "num", **_P,
        },
        "version": {"version_no": "int", "transition_zh": "text", "level_zh": "text", "issued_at": "text",
                    "effective_from": "text", "firms_noticed": "int"},
        "inspection": {"county": "text", "uscc": "text", "name": "text", "line_id": "text", "inspected_at": "text",
                       "inspector": "text", "result_zh": "text", "note": "text"},
        "non_compliant": {"county": "text", "uscc": "text", "name": "text", "found_by": "text", "detail": "text"},
    },
    "summary": {
        "county": {
            "county": "text", "firms": "int", "lines": "int", "orders": "int",
            "confirmed_total": "int", "confirmed_on_time": "int", "confirmed_late": "int", "not_confirmed": "int",
            "reported_total": "int", "reported_on_time": "int", "reported_late": "int", "not_reported": "int",
            "inspections": "int", "inspected": "int", "inspection_non_compliant": "int",
            "electricity_non_compliant": "int", "non_compliant": "int", "lost_output_wan_yuan": "num", **_P,
        },
        "measure_grade": {"county": "text", "measure_zh": "text", "grade": "text", "firms": "int", "lines": "int"},
        "transition": {"at": "text", "transition_zh": "text", "level_zh": "text", "version_no": "int",
                       "effective_from": "text", "firms_noticed": "int", "note": "text"},
        "reduction": {"county": "text", "pollutant": "text", "planned_kg": "kg", "achieved_kg": "kg",
                      "achieved_share": "num", "source": "text", "coverage": "num"},
        "aqi": {"day": "text", "area": "text", "forecast_aqi": "int", "observed_aqi": "int"},
        "inspection": {"county": "text", "uscc": "text", "name": "text", "line_id": "text", "inspected_at": "text",
                       "inspector": "text", "result_zh": "text", "note": "text"},
    },
}

_SHEET_NAME = re.compile(r"^[^\[\]:*?/\\]{1,31}$")
_TEMPLATE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,60}\.html$")


class Column(Frozen):
    header: str = Field(min_length=1, max_length=100)
    metric: str = Field(min_length=1, max_length=60)
    unit: Literal["kg", "t"] | None = None


class Sheet(Frozen):
    name: str
    order: int = 0
    rows: str = Field(min_length=1)
    columns: list[Column] = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _excel_name(cls, v: str) -> str:
        if not _SHEET_NAME.match(v):
            raise ValueError("工作表名应为 1–31 个字符，且不含 [ ] : * ? / \\")
        return v


class ReportShape(Frozen):
    title: str = Field(min_length=1, max_length=100, description="{city} is the list's city")
    html_template: str
    sheets: dict[str, Sheet] = Field(min_length=1)

    @field_validator("html_template")
    @classmethod
    def _template_name(cls, v: str) -> str:
        if not _TEMPLATE_NAME.match(v):
            raise ValueError("模板文件名只能含字母、数字、_ 和 -，以 .html 结尾（位于 reports/templates/）")
        return v

    def ordered(self) -> list[tuple[str, Sheet]]:
        return sorted(self.sheets.items(), key=lambda kv: (kv[1].order, kv[0]))


class Deadlines(Frozen):
    summary_within_days: float = Field(gt=0, le=30, description="the summary is due this many days after the release")
    source: str = Field(min_length=1)
    confidence: Confidence


class ReportShapes(Frozen):
    deadlines: Deadlines
    daily: ReportShape
    summary: ReportShape
    source: str = Field(min_length=1)
    confidence: Confidence
    files: list[str] = Field(default_factory=list, description="files merged, default first (set by the loader)")


def _merge(base: dict, top: dict, name: str, prov: dict[tuple, str], path: tuple = ()) -> dict:
    out = dict(base)
    for k, v in top.items():
        here = (*path, k)
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v, name, prov, here)
        else:
            out[k] = copy.deepcopy(v)
            prov[here] = name
            if isinstance(v, dict):
                for sub in _paths(v, here):
                    prov[sub] = name
    return out


def _paths(d: dict, path: tuple) -> list[tuple]:
    out = []
    for k, v in d.items():
        out.append((*path, k))
        if isinstance(v, dict):
            out += _paths(v, (*path, k))
    return out


def _who(prov: dict[tuple, str], loc: tuple) -> str:
    for n in range(len(loc), 0, -1):
        if loc[:n] in prov:
            return prov[loc[:n]]
    return "reports/default.toml"


def _check_metrics(shapes: ReportShapes, prov: dict[tuple, str]) -> None:
    problems = []
    for kind in ("daily", "summary"):
        shape: ReportShape = getattr(shapes, kind)
        for sid, sheet in shape.sheets.items():
            if sheet.rows not in METRICS[kind]:
                loc = (kind, "sheets", sid, "rows")
                problems.append(f"{_who(prov, loc)}: {'.'.join(loc)}: 未知的行分组 {sheet.rows!r}"
                                f"（可用：{'、'.join(METRICS[kind])}）")
                continue
            known = METRICS[kind][sheet.rows]
            for i, col in enumerate(sheet.columns):
                loc = (kind, "sheets", sid, "columns")
                where = f"{_who(prov, loc)}: {kind}.sheets.{sid}.columns[{i}]"
                if col.metric not in known:
                    problems.append(f"{where}.metric: 未知指标 {col.metric!r}（{sheet.rows} 行可用：{'、'.join(known)}）")
                elif col.unit is not None and known[col.metric] != "kg":
                    problems.append(f"{where}.unit: 只有质量指标（kg）可以指定单位，{col.metric!r} 不是")
        names = [s.name for s in shape.sheets.values()]
        for n in {n for n in names if names.count(n) > 1}:
            problems.append(f"{kind}.sheets: 工作表名 {n!r} 重复")
    if problems:
        raise PolicyError("报表格式配置有误 (report shape): " + "；".join(problems), problems=problems)


def shape_files(area: str | None, policy_dir: Path | None = None) -> list[Path]:
    """The files merged for ``area`` (a path such as ``shanxi/taiyuan``), default first."""
    root = Path(policy_dir or default_policy_dir()) / "reports"
    files = [root / "default.toml"]
    parts = [p for p in (area or "").split("/") if p]
    for i in range(1, len(parts) + 1):
        f = root / "local" / ("/".join(parts[:i]) + ".toml")
        if f.is_file():
            files.append(f)
    return files


def load_shapes(area: str | None = None, policy_dir: Path | None = None) -> ReportShapes:
    """The report shapes of ``area`` (a policy area path; None or '' = the default)."""
    root = Path(policy_dir or default_policy_dir())
    files = shape_files(area, root)
    stamps = tuple((str(f), f.stat().st_mtime_ns if f.is_file() else 0) for f in files)
    return _load(stamps, str(root))


@lru_cache(maxsize=16)
def _load(stamps: tuple[tuple[str, int], ...], root: str) -> ReportShapes:
    files = [f for f, _ in stamps]
    merged: dict = {}
    prov: dict[tuple, str] = {}
    names = []
    for f in files:
        name = str(Path(f).relative_to(root)) if Path(f).is_relative_to(root) else Path(f).name
        data = read_toml(Path(f), shown=name)
        merged = _merge(merged, data, name, prov)
        names.append(name)
    try:
        shapes = ReportShapes.model_validate({**merged, "files": names})
    except ValidationError as exc:
        problems = [f"{_who(prov, tuple(map(str, e['loc'])))}: {'.'.join(map(str, e['loc']))}: {e['msg']}"
                    for e in exc.errors()]
        raise PolicyError("报表格式配置有误 (report shape): " + "；".join(problems), problems=problems) from None
    _check_metrics(shapes, prov)
    return shapes


def template_dirs(policy_dir: Path | None = None) -> list[Path]:
    """Where HTML templates are looked up: the policy directory's, then the packaged."""
    dirs = [Path(policy_dir or default_policy_dir()) / "reports" / "templates", POLICY_DIR / "reports" / "templates"]
    return list(dict.fromkeys(dirs))
