"""`emergency compliance import | check`: compliance from electricity use (落实核查)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from emergency.cli.options import ActorOption, DatabaseOption, open_engine as _engine

console = Console()

compliance_app = typer.Typer(no_args_is_help=True)

IMPORT_HELP = """Import daily electricity use (CSV): whole file or nothing.

\b
The file: CSV, UTF-8 (with or without BOM) or GB18030 (Excel "CSV (逗号分隔)"); title rows
above the header are allowed. Columns:
  统一社会信用代码 (enterprise_uscc)  18 characters (GB 32100-2015)
  生产线编号 (line_id)                optional: blank = the whole enterprise; ≤ 80 characters
  日期 (day)                         the Beijing calendar day, 2026-12-05
  用电量(kWh) (kwh)                  that day's use: a finite number, ≥ 0 and < 10^9

\b
Any bad cell rejects the whole file (exit 3), each problem with file, row, column and
reason; the same enterprise, line and day twice in the file is an error. Readings already
stored for the same enterprise, line and day are replaced: the summary says how many rows
were new and how many replaced. A missing, empty or unreadable file exits 14. Every import
is in the audit log.
"""

CHECK_HELP = """Judge each firm with measures: did its electricity drop as its notice said?

\b
Days are Beijing calendar days. Baseline: the mean daily use over the policy's
\\[compliance] baseline_days days before the warning's first day. Observed drop = the
electricity saved on the warning days ÷ the baseline use of the warning's hours (a day
partly under the warning counts its warning hours only). Expected drop = the figure on
the firm's notice (hours-weighted across plan versions after an upgrade or downgrade).
  落实      observed ≥ expected − tolerance
  未落实    observed < expected − tolerance
  数据不足  fewer than half the baseline days with data, a zero baseline, or no data
            on the warning days
"""


@compliance_app.command("import", help=IMPORT_HELP)
def compliance_import(
    file: Annotated[Path, typer.Argument(help="The CSV file of daily electricity use.")],
    actor: ActorOption = "cli",
    database: DatabaseOption = None,
) -> None:
    from emergency.workflow.electricity_readings import import_electricity

    s = import_electricity(_engine(database), file, actor)
    span = "" if s.first_day is None else f"，{s.first_day} 至 {s.last_day}"
    console.print(f"已导入 {s.rows} 行用电数据（{s.enterprises} 家企业{span}）：新增 {s.new} 行，替换已有 {s.replaced} 行")


def _totals_table(title: str, totals: dict[str, int], by_county: dict[str, dict[str, int]]) -> Table:
    t = Table(title=title)
    for col in ("区域", "核查企业", "落实", "未落实", "数据不足"):
        t.add_column(col, justify="left" if col == "区域" else "right")
    for name, c in [("全部", totals), *by_county.items()]:
        t.add_row(name or "（未填区县）", str(c["firms"]), str(c["compliant"]),
                  (f"[red]{c['non_compliant']}[/]" if c["non_compliant"] else "0"), str(c["insufficient_data"]))
    return t


@compliance_app.command("check", help=CHECK_HELP)
def compliance_check(
    warning: Annotated[int, typer.Option("--warning", help="The warning's number.")],
    tolerance: Annotated[Optional[float], typer.Option(
        "--tolerance", min=0.0, max=1.0, help="Tolerance as a fraction, e.g. 0.1 (default: the policy's \\[compliance] tolerance).")] = None,
    only_failed: Annotated[bool, typer.Option("--only-failed", help="List only the firms judged 未落实 (totals still cover all).")] = False,
    xlsx: Annotated[Optional[Path], typer.Option("--xlsx", help="Also write the result as an Excel workbook (per-firm rows, totals, the rule).")] = None,
    database: DatabaseOption = None,
) -> None:
    from emergency import clock
    from emergency.workflow.compliance import NON_COMPLIANT, check_compliance, percent

    report = check_compliance(_engine(database), warning, tolerance=tolerance)
    days = report.warning_days
    span = f"{days[0]} 至 {days[-1]}（{len(days)}天）" if days else "无"
    console.print(f"预警 {warning}：{clock.fmt(report.start)} 至 {clock.fmt(report.end)}（{clock.zone_label()}）；"
                  f"预警日 {span}；基准期 {report.baseline_first} 至 {report.baseline_last}；容差 {percent(report.tolerance)}")
    rows = report.failed() if only_failed else report.rows
    t = Table(title=f"预警 {warning} 落实核查（用电量）" + ("：仅未落实" if only_failed else ""))
    for col in ("区县", "企业", "代码", "应降", "实降", "有数据天数", "结论"):
        t.add_column(col)
    for r in rows:
        t.add_row(r.county, r.enterprise_name, r.enterprise_uscc, percent(r.expected_drop), percent(r.observed_drop),
                  f"{r.days_with_data}/{r.warning_days}",
                  (f"[red]{r.verdict}[/]" if r.verdict == NON_COMPLIANT else r.verdict))
    console.print(t)
    console.print(_totals_table(f"预警 {warning} 核查汇总", report.totals(), report.by_county()))
    if xlsx is not None:
        from emergency.workflow.compliance_workbook import write_workbook

        console.print(f"→ {write_workbook(report, xlsx, only_failed=only_failed)}")
