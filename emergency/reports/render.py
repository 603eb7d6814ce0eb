"""Reports as files: the sheets a shape asks for (:mod:`emergency.reports.shapes`) filled
from the figures (:mod:`emergency.reports.figures`), written as an Excel workbook
(openpyxl; every cell through ``safe_row``: no text becomes a live formula) and as a
printable HTML page (the shape's Jinja template, autoescaped, A4). Files are written
whole or not at all (:mod:`emergency.atomic_files`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import jinja2

from emergency import clock
from emergency.atomic_files import write_bytes, write_text
from emergency.errors import PolicyError
from emergency.reports.shapes import METRICS, ReportShape, template_dirs


@dataclass(frozen=True)
class Table:
    id: str
    name: str
    headers: list[str]
    rows: list[list[object]]
    total_row: bool  # the last row is the city total


def _value(row: dict, metric: str, kind: str, unit: str | None) -> object:
    v = row.get(metric)
    if v is None:
        return None
    if kind == "kg" and unit == "t":
        return round(float(v) / 1000.0, 3)
    if kind == "kg":
        return round(float(v), 1)
    return v


def tables(kind: str, shape: ReportShape, rows: dict[str, list[dict]]) -> list[Table]:
    """The shape's sheets, in order, with their header and value rows."""
    out = []
    for sid, sheet in shape.ordered():
        kinds = METRICS[kind][sheet.rows]
        data = rows.get(sheet.rows, [])
        out.append(Table(
            id=sid, name=sheet.name, headers=[c.header for c in sheet.columns],
            rows=[[_value(r, c.metric, kinds[c.metric], c.unit) for c in sheet.columns] for r in data],
            total_row=sheet.rows == "county",
        ))
    return out


def workbook_bytes(title: str, meta: list[tuple[str, str]], sheets: list[Table], notes: list[str]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from enterprise_registry.workbook import column_width, safe_row

    wb = Workbook(write_only=True)
    for t in sheets:
        ws = wb.create_sheet(t.name)
        for i, h in enumerate(t.headers, start=1):
            ws.column_dimensions[get_column_letter(i)].width = min(40, column_width(h))
        ws.append(safe_row(ws, [title]))
        for k, v in meta:
            ws.append(safe_row(ws, [k, v]))
        ws.append([])
        ws.append(safe_row(ws, t.headers))
        for r in t.rows:
            ws.append(safe_row(ws, ["" if v is None else v for v in r]))
        if not t.rows:
            ws.append(safe_row(ws, ["（无）"]))
    ws = wb.create_sheet("说明")
    ws.append(safe_row(ws, [title]))
    for n in notes:
        ws.append(safe_row(ws, [n]))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _env(policy_dir: Path | None = None) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([str(d) for d in template_dirs(policy_dir)]),
                             autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["cell"] = lambda v: "" if v is None else (f"{v:,.3f}".rstrip("0").rstrip(".") if isinstance(v, float) else v)
    return env


def html(shape: ReportShape, context: dict, policy_dir: Path | None = None) -> str:
    """The printable page: the shape's template with ``context`` (autoescaped)."""
    try:
        template = _env(policy_dir).get_template(shape.html_template)
        return template.render(**context, zone=clock.zone_label())
    except jinja2.TemplateNotFound:
        raise PolicyError(f"报表模板 reports/templates/{shape.html_template} 不存在 (report template not found)") from None
    except jinja2.TemplateError as exc:
        raise PolicyError(f"报表模板 reports/templates/{shape.html_template} 有误：{exc}") from None


def write(folder: Path, stem: str, xlsx: bytes, page: str) -> list[Path]:
    """``<stem>.xlsx`` and ``<stem>.html`` in ``folder``, each written whole or not at all."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{stem}.xlsx", folder / f"{stem}.html"]
    write_bytes(paths[0], xlsx)
    write_text(paths[1], page)
    return paths


__all__ = ["Table", "html", "tables", "workbook_bytes", "write"]
