"""Exports of a rotation plan document: iCalendar per enterprise, an Excel matrix, JSON.

- :func:`write_ics` — one ``.ics`` file per enterprise with stop days (RFC 5545):
  one all-day VEVENT per contiguous stop block of each line (DTSTART/DTEND as
  ``VALUE=DATE``, DTEND exclusive), Chinese SUMMARY and DESCRIPTION, and a UID built
  from season, line and block number only — stable across re-exports of the plan and
  across re-plans that keep the block (its dates then change under the same UID and
  ``SEQUENCE`` follows the plan's time). Lines folded at 75 octets on character
  boundaries, text escaped per RFC 5545 §3.3.11.
- :func:`write_xlsx` — the matrix (lines × days, colour-coded, Chinese headers), the
  daily share of every group against its bounds, violations, and a legend. Every cell
  goes through ``enterprise_registry.workbook`` (neutralise / safe_row): a name like
  ``=HYPERLINK(…)`` is text, never a live formula.
- :func:`write_json` — the document itself.
"""

from __future__ import annotations

import json
import re
from copy import copy
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from emergency.rotation.document import stop_dates
from emergency.rotation.problem import ROLE_ZH, Role
from enterprise_registry.workbook import neutralise, safe_row, safe_value

PRODID = "-//emergency-response//rotation calendar//ZH"
UID_DOMAIN = "rotation.emergency-response"

# ------------------------------------------------------------------ iCalendar


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    out, cur, size = [], "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        limit = 75 if not out else 74  # continuation lines start with a space
        if size + n > limit:
            out.append(cur)
            cur, size = ch, n
        else:
            cur += ch
            size += n
    out.append(cur)
    return "\r\n ".join(out)


def _ics_date(d: date) -> str:
    return d.strftime("%Y%m%d")


def _uid(season: str, line_id: str, k: int) -> str:
    safe = re.sub(r"[^0-9A-Za-z]+", "-", line_id).strip("-")
    return f"rotation-{season}-{safe}-{k:02d}@{UID_DOMAIN}"


def enterprise_ics(doc: dict, uscc: str) -> str | None:
    """The calendar of one enterprise's stop blocks, or None if it has none."""
    recs = [r for r in doc["lines"] if r["uscc"] == uscc and r["blocks"]]
    if not recs:
        return None
    created = datetime.fromisoformat(doc["created_at"])
    stamp = created.strftime("%Y%m%dT%H%M%SZ")
    sequence = int(created.timestamp()) // 60 % 2**31  # later plans, higher sequence
    name = recs[0]["enterprise"]
    cal_name = f"{name} {doc['season']}错峰生产日历"
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(cal_name)}", "X-WR-TIMEZONE:Asia/Shanghai",
    ]
    warn_days = _warning_days(doc)
    for rec in recs:
        n_blocks = len(rec["blocks"])
        for k, (a, b) in enumerate(rec["blocks"], start=1):
            first, last = date.fromisoformat(a), date.fromisoformat(b)
            n = (last - first).days + 1
            whole = rec["role"] == "whole"
            title = (f"错峰停产（全时段）：{rec['line_name']}" if whole
                     else f"错峰停产：{rec['line_name']}（第{k}段/共{n_blocks}段，{n}天）")
            w = sorted(d for d in warn_days.get(rec["line_id"], ()) if first <= d <= last)
            desc = [
                f"企业：{rec['enterprise']}（{rec['uscc']}）",
                f"生产线：{rec['line_name']}（{rec['line_id']}）",
                f"区县：{rec['county']}；行业：{doc.get('industries', {}).get(rec['industry'], rec['industry'])}；绩效等级：{rec['grade']}",
                f"停产时段：{first.isoformat()} 至 {last.isoformat()}，共{n}天",
                (f"错峰期间全时段停产（{rec['reason']}）" if whole else
                 f"本季应错峰停产{rec['required_days']}天，已排{rec['counted_days']}天"),
            ]
            if w:
                desc.append(f"其中{len(w)}天为重污染天气预警停产（两者从严执行）")
            desc.append(f"{doc['area']}{doc['season']}错峰生产方案（清单版本：{doc.get('registry_version') or ''}）")
            lines += [
                "BEGIN:VEVENT",
                f"UID:{_uid(doc['season'], rec['line_id'], k)}",
                f"DTSTAMP:{stamp}",
                f"SEQUENCE:{sequence}",
                f"DTSTART;VALUE=DATE:{_ics_date(first)}",
                f"DTEND;VALUE=DATE:{_ics_date(last + timedelta(days=1))}",
                f"SUMMARY:{_escape(title)}",
                f"DESCRIPTION:{_escape(chr(10).join(desc))}",
                f"CATEGORIES:{_escape('错峰生产')}",
                "TRANSP:TRANSPARENT",
                "STATUS:CONFIRMED",
                "END:VEVENT",
            ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _warning_days(doc: dict) -> dict[str, set[date]]:
    out: dict[str, set[date]] = {}
    for w in doc.get("warnings", []):
        a, b = date.fromisoformat(w["start"]), date.fromisoformat(w["end"])
        for lid in w.get("stopped_lines", []):
            d = a
            while d <= b:
                out.setdefault(lid, set()).add(d)
                d += timedelta(days=1)
    return out


def write_ics(doc: dict, out_dir: Path) -> list[Path]:
    """One ``<统一社会信用代码>.ics`` per enterprise with stop days, in ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for uscc in dict.fromkeys(r["uscc"] for r in doc["lines"]):
        text = enterprise_ics(doc, uscc)
        if text is None:
            continue
        path = out_dir / f"{uscc}.ics"
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


# ------------------------------------------------------------------ Excel

_FILL = {
    "rotation": PatternFill("solid", fgColor="F4B084"),  # orange: rotation stop
    "whole": PatternFill("solid", fgColor="C00000"),  # dark red: whole window
    "warning": PatternFill("solid", fgColor="FF0000"),  # red: warning stop
    "exempt": PatternFill("solid", fgColor="D9D9D9"),  # grey row: exempt
    "header": PatternFill("solid", fgColor="DDEBF7"),
    "holiday": PatternFill("solid", fgColor="FFF2CC"),
    "bad": PatternFill("solid", fgColor="F8CBAD"),
    "ok": PatternFill("solid", fgColor="E2EFDA"),
}
_MARK = {"rotation": "停", "whole": "停", "warning": "预"}
_WEEK = "一二三四五六日"
_STATIC = ["序号", "区县", "企业名称", "统一社会信用代码", "行业", "绩效等级", "生产线", "产能基数", "单位",
           "类别", "应停天数", "已排停产天数", "计入天数", "期后补停天数", "说明"]


def _cell(ws, value, fill=None, bold=False, center=False):
    c = WriteOnlyCell(ws, value=value)
    neutralise(c)
    if fill is not None:
        c.fill = fill
    if bold:
        c.font = Font(bold=True, color="FFFFFF" if fill is _FILL["whole"] else None)
    if center:
        c.alignment = Alignment(horizontal="center")
    return c


class _Styled:
    """Write-only cells of a few fixed styles: each a copy of one template cell's style."""

    _SPEC = {"rotation": dict(fill="rotation", center=True), "whole": dict(fill="whole", bold=True, center=True),
             "warning": dict(fill="warning", bold=True, center=True), "exempt": dict(fill="exempt")}

    def __init__(self, ws):
        self.ws = ws
        self.templates = {k: _cell(ws, None, _FILL[v["fill"]], bold=v.get("bold", False), center=v.get("center", False))
                          for k, v in self._SPEC.items()}

    def __call__(self, kind: str, value):
        c = value if hasattr(value, "_style") else WriteOnlyCell(self.ws, value=value)  # safe_value may give a cell
        c._style = copy(self.templates[kind]._style)
        return c


def write_xlsx(doc: dict, path: Path) -> Path:
    """The plan as a workbook: 错峰日历 (matrix), 每日停产占比, 不可行说明, 图例与规则."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    first, last = (date.fromisoformat(x) for x in doc["window"])
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    holidays = set()
    for h in doc.get("holidays", []):
        d, end = date.fromisoformat(h["start"]), date.fromisoformat(h["end"])
        while d <= end:
            holidays.add(d)
            d += timedelta(days=1)
    warn = _warning_days(doc)
    industries = doc.get("industries", {})

    ws = wb.create_sheet("错峰日历")
    ws.freeze_panes = "P3"
    for i, header in enumerate(_STATIC, start=1):
        ws.column_dimensions[get_column_letter(i)].width = {"企业名称": 30, "统一社会信用代码": 21, "生产线": 18, "说明": 30}.get(header, 9)
    for j in range(len(days)):
        ws.column_dimensions[get_column_letter(len(_STATIC) + 1 + j)].width = 4.2
    ws.append([_cell(ws, h, _FILL["header"], bold=True) for h in _STATIC]
              + [_cell(ws, f"{d.month}-{d.day}", _FILL["holiday" if d in holidays else "header"], bold=True, center=True)
                 for d in days])
    ws.append([_cell(ws, "", _FILL["header"]) for _ in _STATIC]
              + [_cell(ws, _WEEK[d.weekday()], _FILL["holiday" if d in holidays else "header"], center=True) for d in days])
    stops = stop_dates(doc)
    day_index = {d: j for j, d in enumerate(days)}
    # ~10^7 cells at province scale: a styled cell is a copy of a template's style (one
    # lookup per kind, not per cell), an empty day is no cell at all
    styled = _Styled(ws)
    for n, rec in enumerate(doc["lines"], start=1):
        role = rec["role"]
        static = [n, rec["county"], rec["enterprise"], rec["uscc"], industries.get(rec["industry"], rec["industry"]),
                  rec["grade"], rec["line_name"], rec["capacity"], rec["unit"], rec.get("role_zh") or ROLE_ZH[Role[role.upper()]],
                  rec["required_days"], rec["stop_days"], rec["counted_days"], rec.get("makeup_days") or None,
                  rec["reason"]]
        if role == "exempt":  # a grey row
            row = [styled("exempt", safe_value(ws, v)) for v in static + [None] * len(days)]
        else:
            row = safe_row(ws, static) + [None] * len(days)
        w = warn.get(rec["line_id"], set())
        base = len(_STATIC)
        for d in stops[rec["line_id"]]:
            j = day_index.get(d)
            if j is None:
                continue
            kind = "whole" if role == "whole" else ("warning" if d in w else "rotation")
            row[base + j] = styled(kind, _MARK[kind])
        ws.append(row)

    gs = wb.create_sheet("每日停产占比")
    heads = ["区域", "范围", "行业", "单位", "产能合计", "生产线数", "下限", "上限"]
    gs.append([_cell(gs, h, _FILL["header"], bold=True) for h in heads]
              + [_cell(gs, f"{d.month}-{d.day}", _FILL["header"], bold=True, center=True) for d in days])
    gs.freeze_panes = "I2"
    for g in doc.get("groups", []):
        lo, hi = g["share_min"], g["share_max"]
        banded = lo is not None and hi is not None
        row = [_cell(gs, g["area"]), _cell(gs, "全市" if g["scope"] == "city" else "区县"),
               _cell(gs, g["industry_zh"]), _cell(gs, g["unit"]), _cell(gs, g["capacity"]), _cell(gs, g["lines"]),
               _cell(gs, f"{lo:.0%}" if banded else "—"), _cell(gs, f"{hi:.0%}" if banded else "—")]
        for v in g["daily_share"]:
            ok = not banded or (lo - 1e-9 <= v <= hi + 1e-9) or g["non_exempt_lines"] == 0
            c = _cell(gs, round(v * 100, 1), _FILL["ok"] if ok else _FILL["bad"], center=True)
            row.append(c)
        gs.append(row)

    vs = wb.create_sheet("不可行说明")
    vs.append([_cell(vs, h, _FILL["header"], bold=True) for h in ("规则", "区域", "行业", "生产线", "日期", "差额", "说明")])
    from emergency.rotation.result import RULE_ZH

    for v in doc.get("violations", []):
        spans = "、".join(a if a == b else f"{a}至{b}" for a, b in v["days"])
        vs.append(safe_row(vs, [RULE_ZH.get(v["rule"], v["rule"]), v["area"], v["industry"], v["line_id"], spans,
                                f"{v['amount']}{v['unit']}", v["message_zh"]]))
    if not doc.get("violations"):
        solved = doc.get("status") in ("optimal", "feasible")
        vs.append(["全部规则均满足" if solved else "未求解：无违反规则的记录"])

    ls = wb.create_sheet("图例与规则")
    r = doc.get("rules", {})
    rows = [
        ["方案状态", doc.get("status_zh")], ["季节", doc["season"]], ["区域", doc["area"]],
        ["错峰时段", f"{doc['window'][0]} 至 {doc['window'][1]}（{doc['days']}天）"],
        ["清单版本", doc.get("registry_version")], ["目标值", doc.get("objective")], ["最优界", doc.get("best_bound")],
        ["差距", doc.get("gap")], ["求解时间(秒)", doc.get("seconds")],
        ["最短连续停产天数", r.get("min_block_days")],
        *_band_rows(r),
        ["均衡偏好", "各区域各行业每日停产产能占比的最大值尽量小（本引擎的偏好，非政策规定；不影响可行性）"],
        ["保民生生产线", _livelihood_zh(r.get("livelihood") or {})],
        ["预警停产日计入错峰天数", "是" if r.get("count_warning_days") else "否"],
        ["各等级错峰天数", "；".join(f"{k}:{'全时段' if v == 'whole' else v}" for k, v in (r.get("stop_days") or {}).items())],
        ["依据", r.get("source")],
        [],
    ]
    for row in rows:
        ls.append(safe_row(ls, row))
    ls.append([_cell(ls, "停", _FILL["rotation"], center=True), "错峰停产（轮停）"])
    ls.append([_cell(ls, "停", _FILL["whole"], bold=True, center=True), "错峰期间全时段停产（D级等）"])
    ls.append([_cell(ls, "预", _FILL["warning"], bold=True, center=True), "重污染天气预警停产（与错峰从严执行）"])
    ls.append([_cell(ls, "", _FILL["exempt"]), "豁免错峰的生产线（灰色行）"])
    ls.append(["", "保民生生产线：错峰期间按核定最大负荷生产或错峰置换，“期后补停天数”列为错峰期后应补停的天数"])
    ls.append([_cell(ls, "", _FILL["holiday"]), "节假日（表头黄色）"])
    wb.save(path)
    return path


def _band_rows(r: dict) -> list[list]:
    lo, hi = r.get("daily_stop_share_min", 0.0), r.get("daily_stop_share_max", 1.0)
    if lo <= 0.0 and hi >= 1.0:
        return [["每日停产产能占比", "未设定（无文件规定）"]]
    return [["每日停产产能占比下限", lo], ["每日停产产能占比上限", hi],
            ["占比约束适用", f"生产线不少于{r.get('share_min_lines', 1)}条的行业组；依据：{r.get('band_source') or '—'}"]]


def _livelihood_zh(liv: dict) -> str:
    treatment = liv.get("treatment", "exempt")
    cats = "、".join(liv.get("categories") or [])
    if treatment == "exempt":
        return f"{cats}企业免于错峰"
    if treatment == "max_load_makeup":
        return f"{cats}：错峰期间按核定最大负荷生产，期后补停应停天数的{liv.get('makeup_share', 0):.0%}"
    return f"{cats}：错峰置换，应停天数的{liv.get('makeup_share', 0):.0%}移至非采暖季"


# ------------------------------------------------------------------ JSON


def write_json(doc: dict, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return path
