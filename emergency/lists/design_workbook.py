"""The list design's files: the list with the designed measures, and the diff against the filed list.

* The list (:func:`write_designed_list`): the import layout (``enterprise_registry.listfiles``:
  an .xlsx workbook or a directory of CSV files), every line's 黄色/橙色/红色预警措施 and
  structured measure columns filled — the format firms sign. Written atomically, every
  cell formula-safe (the list writers' own guarantees).
* The diff (:func:`write_design_diff`): ``.xlsx`` with sheets 概要 (per level: lost output
  value, weight), 求解 (objective, bound, gap), 变更对照 (the (firm, line, level) rows whose
  measure the design changed: filed, designed, why), 编制说明 (every row, why this measure
  at this level) and, where the import's own checks object to a designed cell, 导入审核;
  ``.csv``: every row with a 是否变更 column. Every cell through
  ``safe_row`` / ``neutral_text``; written atomically.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook

from emergency.atomic_files import replacing
from emergency.errors import InputError
from emergency.lists.design import ListDesign
from emergency.lists.workbook import _sheet
from emergency.vocabulary import LEVEL_LABELS_ZH
from enterprise_registry.csvfiles import neutral_text
from enterprise_registry.listfiles import write_list_file

DIFF_HEADERS = ["预警级别", "区县", "企业名称", "统一社会信用代码", "生产线编号", "备案措施", "编制措施", "编制减产比例",
                "是否变更", "说明"]


def write_designed_list(design: ListDesign, path: Path) -> Path:
    """The list with the designed measures (.xlsx, or a CSV directory), as imported."""
    if design.tables is None:
        raise InputError("清单编制未完成（存在无法满足的减排目标），不写出清单 (no design to write)")
    return write_list_file(design.tables, Path(path))


def diff_rows(design: ListDesign, changed_only: bool = False) -> list[list]:
    return [[LEVEL_LABELS_ZH[r.level], r.county, r.enterprise_name, r.enterprise_uscc, r.line_id, r.filed, r.designed,
             round(r.designed_cut, 4), "是" if r.changed else "否", r.why]
            for r in design.rows if r.changed or not changed_only]


def summary_rows(design: ListDesign) -> list[list]:
    res = design.result
    rows = []
    for v, w, cost in zip(design.problem.levels, design.problem.weights, res.level_costs):
        changed = sum(1 for r in design.rows if r.level is v and r.changed)
        rows.append([LEVEL_LABELS_ZH[v], float(w), round(float(cost), 2), round(float(w * cost), 2), changed])
    return rows


def write_design_diff(design: ListDesign, path: Path) -> Path:
    """The diff (.xlsx with 概要 / 变更对照 / 编制说明, or .csv of every row)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(DIFF_HEADERS)
        for row in diff_rows(design):
            w.writerow(["" if v is None else neutral_text(v) for v in row])
        with replacing(path) as tmp:
            tmp.write_text(buf.getvalue(), encoding="utf-8-sig")
        return path
    if suffix != ".xlsx":
        raise InputError(f"对照表须为 .xlsx 或 .csv 文件 (the diff must be .xlsx or .csv): {path.name}")
    res = design.result
    wb = Workbook(write_only=True)
    _sheet(wb, "概要", ["预警级别", "预计天数(权重)", "损失产值(元/日)", "加权损失(元)", "变更的生产线措施数"], summary_rows(design))
    ws = wb.create_sheet("求解")
    for label, value in (("加权损失产值(元/采暖季)", round(res.objective or 0.0, 2)),
                         ("线性松弛下界(元/采暖季)", round(res.lower_bound or 0.0, 2)),
                         ("相对差距", round(res.gap or 0.0, 6)), ("状态", res.status.value),
                         ("求解时间(秒)", round(res.seconds, 3))):
        ws.append([label, value])
    _sheet(wb, "变更对照", DIFF_HEADERS, diff_rows(design, changed_only=True))
    _sheet(wb, "编制说明", DIFF_HEADERS, diff_rows(design))
    if design.import_errors or design.import_warnings:
        _sheet(wb, "导入审核", ["类别", "工作表", "行", "列", "原因"],
               [["错误" if kind else "提示", p.sheet, p.row, p.column, p.reason]
                for kind, problems in ((True, design.import_errors), (False, design.import_warnings)) for p in problems],
               short=lambda row: row[0] == "错误")
    with replacing(path) as tmp:
        wb.save(tmp)
    return path


def default_diff_path(out: Path) -> Path:
    """Beside the list: ``<name>_编制对照.xlsx``."""
    out = Path(out)
    stem = out.stem if out.suffix.lower() == ".xlsx" else out.name
    return out.with_name(f"{stem}_编制对照.xlsx")
