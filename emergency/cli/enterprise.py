"""Enterprise accounts and their orders from the command line (企业账户、回执与落实报告).

``emergency users invite`` / ``users redeem``: invite a firm (a one-time code, printed
alone on standard output) and redeem a code (the password prompted or
``--password-stdin``, as every password here). ``emergency notices status``: the duty
officer's board — per county, who has not confirmed, not reported, or is late.
``emergency notices confirm`` / ``notices report``: record a firm's receipt or its
execution report of one line (the CLI holds the database's rights: ``--actor`` names
who records it, e.g. a receipt taken by phone).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from emergency.cli.options import ActorOption, DatabaseOption, open_engine as _engine

console = Console()
err_console = Console(stderr=True)

WarningOption = Annotated[int, typer.Option("--warning", help="Warning id.")]
VersionOption = Annotated[int, typer.Option("--version", help="Plan version whose notice the firm received.")]
UsccOption = Annotated[str, typer.Option("--uscc", help="The firm's 统一社会信用代码.")]


def invite(
    username: Annotated[str, typer.Option("--name", help="The account's username (the firm signs in with it).")],
    uscc: Annotated[str, typer.Option("--uscc", help="The firm's 统一社会信用代码, several separated by commas.")],
    full_name: Annotated[Optional[str], typer.Option("--full-name", help="The firm's name as shown to the bureau.")] = None,
    hours: Annotated[Optional[float], typer.Option("--hours", help="Validity of the code in hours (default 72, at most 720).")] = None,
    actor: ActorOption = "cli",
    database: DatabaseOption = None,
) -> None:
    """Invite a firm: print a one-time invitation code for an enterprise account bound to --uscc."""
    from emergency import clock
    from emergency.workflow.accounts import invite as invite_account

    inv = invite_account(_engine(database), username, uscc.split(","), actor=actor, full_name=full_name, hours=hours)
    typer.echo(inv.code)  # standard output: the code alone, for scripts
    err_console.print(f"已邀请 {escape(inv.username)}（企业：{'、'.join(inv.usccs)}）；邀请码有效至 {clock.fmt(inv.expires_at)}"
                      f"（{clock.zone_label()}），只能使用一次，只显示这一次；"
                      "企业在值班台网址的 /firm/redeem 页面凭邀请码设置密码开通账户")


def redeem(
    code: Annotated[str, typer.Argument(help="The invitation code.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password as one line from standard input.")] = False,
    database: DatabaseOption = None,
) -> None:
    """Redeem an invitation code: create the enterprise account with its own password."""
    from emergency.cli.users import read_password
    from emergency.workflow.accounts import redeem as redeem_code, usccs_of

    password = read_password(password_stdin, confirm=True)
    engine = _engine(database)
    user = redeem_code(engine, code, password, client="cli")
    console.print(f"企业账户 {escape(user.username)} 已开通（企业：{'、'.join(usccs_of(engine, user))}）")


_STATE_STYLE = {"on_time": "green", "late": "yellow", "pending": "", "overdue": "bold red", "not_required": "dim"}


def _state(state: str, at) -> str:
    from emergency import clock
    from emergency.workflow.receipts import STATE_ZH

    text = STATE_ZH[state] + (f" {clock.fmt(at)}" if at is not None else "")
    style = _STATE_STYLE[state]
    return f"[{style}]{text}[/]" if style else text


def status(
    warning: WarningOption,
    county: Annotated[Optional[str], typer.Option("--county", help="One county only.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Per county: each firm's receipt and execution report against their deadlines (北京时间)."""
    from emergency import clock
    from emergency.workflow.receipts import board

    boards = board(_engine(database), warning, county)
    for b in boards:
        t = Table(title=f"{escape(b.county)}：通知 {b.orders} 份，未回执 {b.not_confirmed}，未报告 {b.not_reported}，"
                        f"逾期 {b.late}（时间为{clock.zone_label()}）")
        for col in ("版本", "企业", "统一社会信用代码", "回执期限", "回执", "报告期限", "落实报告"):
            t.add_column(col)
        for s in b.rows:
            o = s.order
            t.add_row(str(o.version_no), escape(o.name), o.uscc, clock.fmt(o.confirm_by), _state(s.confirm_state, s.confirmed_at),
                      clock.fmt(o.report_by), _state(s.report_state, s.reported_at))
        console.print(t)
    totals = {k: sum(getattr(b, k) for b in boards) for k in ("orders", "not_confirmed", "not_reported", "late")}
    console.print(f"预警 {warning}：通知 {totals['orders']} 份，未回执 {totals['not_confirmed']}，"
                  f"未报告 {totals['not_reported']}，逾期 {totals['late']}")


def confirm(warning: WarningOption, version: VersionOption, uscc: UsccOption, actor: ActorOption = "cli",
            database: DatabaseOption = None) -> None:
    """Record a firm's receipt (回执) of its notice at --version (again: no new record)."""
    from emergency import clock
    from emergency.workflow.receipts import STATE_ZH, confirm as confirm_order

    c = confirm_order(_engine(database), warning, version, uscc, actor)
    s = c.status
    what = "已记录回执" if c.new else "回执此前已记录"
    console.print(f"{what}：{escape(s.order.name)}（{uscc}）于 {clock.fmt(s.confirmed_at)}，期限 {clock.fmt(s.order.confirm_by)}"
                  f"（{clock.zone_label()}），{STATE_ZH[s.confirm_state]}")


def report(
    warning: WarningOption, version: VersionOption, uscc: UsccOption,
    line: Annotated[str, typer.Option("--line", help="Line id (<uscc>/<line code>).")],
    measure: Annotated[str, typer.Option("--measure", help="The measure taken (落实措施).")],
    taken_at: Annotated[str, typer.Option("--taken-at", help="When it was taken (ISO 8601; no zone: 北京时间).")],
    evidence: Annotated[Optional[Path], typer.Option("--evidence", help="Evidence file (.jpg / .png / .pdf, at most 10 MB).",
                                                     exists=True, dir_okay=False)] = None,
    actor: ActorOption = "cli",
    database: DatabaseOption = None,
) -> None:
    """Record a firm's execution report of one line of its order."""
    from emergency import clock
    from emergency.workflow.receipts import STATE_ZH, Evidence, report as report_line

    ev = Evidence(evidence, evidence.name) if evidence is not None else None
    r = report_line(_engine(database), warning, version, uscc, line, measure, clock.parse(taken_at, "--taken-at"), actor, evidence=ev)
    what = {"new": "已记录落实报告", "corrected": "已更正落实报告", "unchanged": "落实报告未变"}[r.outcome]
    s = r.status
    console.print(f"{what}：{escape(s.order.name)} {escape(line)}；报告期限 {clock.fmt(s.order.report_by)}（{clock.zone_label()}），"
                  f"{STATE_ZH[s.report_state]}")
