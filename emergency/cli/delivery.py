"""CLI of notice delivery (通知送达): ``send`` (enqueue and send now), ``status``,
``retry``. The configuration is the file in ``--config`` or ``EMERGENCY_DELIVERY_CONFIG``
(emergency.delivery.config)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from emergency.cli.options import ActorOption, DatabaseOption, open_engine as _engine

app = typer.Typer(no_args_is_help=True)
console = Console()

ConfigOption = Annotated[Optional[Path], typer.Option(
    "--config", envvar="EMERGENCY_DELIVERY_CONFIG", help="Delivery configuration (TOML): channels per area, backoff.")]
WarningOpt = Annotated[Optional[int], typer.Option("--warning", help="Warning id (default: every warning).")]
FAILED_EXIT = 20  # not an error class's code (emergency.errors): "something was not delivered"


def _config(path: Path | None):
    from emergency.delivery.config import load_delivery_config
    from emergency.delivery.service import require_config

    return require_config(load_delivery_config(path))


@app.command()
def send(config: ConfigOption = None, warning: WarningOpt = None, actor: ActorOption = "cli",
         database: DatabaseOption = None) -> None:
    """Enqueue new notices and due reminders, then send everything due now; a summary per
    channel. Exit code 20 when anything failed, gave up, is uncertain or has no address."""
    from emergency.delivery.models import STATUS_ZH
    from emergency.delivery.service import send_now

    s = send_now(_engine(database), _config(config), warning, actor=actor)
    t = Table(title=f"本次送达：新排队 {s.enqueued} 条，催办/上报 {s.reminders} 条")
    for col in ("区域", "渠道", "已送达", "失败待重试", "已放弃", "渠道状态"):
        t.add_column(col)
    for lane in s.result.lanes:
        t.add_row(escape(lane.area), escape(lane.channel), str(lane.sent), str(lane.failed), str(lane.gave_up),
                  "[bold red]不可用：" + escape(lane.down) + "[/]" if lane.down else "正常")
    console.print(t)
    if s.result.held:
        console.print(f"[bold red]{s.result.held} 条消息发送中进程中断、送达不明，已暂停，请核实后用 emergency delivery retry 重发[/]")
    if not s.ok:
        t = Table(title="[bold red]需要处理的送达记录[/]")
        for col in ("编号", "预警/版本", "对象", "渠道", "用途", "状态", "次数", "原因"):
            t.add_column(col)
        for r in s.open_rows:
            t.add_row(str(r["id"]), f"{r['warning_id']}/{r['version_no']}", escape(r["uscc"] or r["recipient"]),
                      escape(r["channel"]), r["purpose"], STATUS_ZH[r["status"]], str(r["attempts"]), escape(r["last_error"] or ""))
        console.print(t)
        console.print(f"[bold red]有 {len(s.open_rows)} 条消息未送达（失败、已放弃、送达不明或无联系方式）[/]")
        raise typer.Exit(FAILED_EXIT)
    console.print(f"共送达 {s.result.sent} 条，无失败。")


@app.command()
def status(warning: Annotated[int, typer.Option("--warning", help="Warning id.")], database: DatabaseOption = None) -> None:
    """Per version and channel: messages by status; failures with reasons; firms with no address."""
    from emergency.delivery.models import STATUS_ZH
    from emergency.delivery.service import warning_status

    st = warning_status(_engine(database), warning)
    t = Table(title=f"预警 {warning} 送达情况")
    for col in ("版本", "用途", "渠道", *[STATUS_ZH[k] for k in ("sent", "pending", "sending", "failed", "gave_up", "uncertain", "no_address")]):
        t.add_column(col)
    for c in st["channels"]:
        n = c["counts"]
        t.add_row(str(c["version"]), c["purpose_zh"] or c["purpose"], escape(c["channel"]),
                  *[str(n[k]) for k in ("sent", "pending", "sending", "failed", "gave_up", "uncertain", "no_address")])
    console.print(t)
    if st["attention"]:
        t = Table(title="[bold red]需要处理[/]")
        for col in ("编号", "版本", "对象", "渠道", "用途", "状态", "次数", "原因"):
            t.add_column(col)
        for r in st["attention"]:
            t.add_row(str(r["id"]), str(r["version"]), escape(r["uscc"] or r["recipient"]), escape(r["channel"]),
                      r["purpose_zh"] or r["purpose"], r["status_zh"], str(r["attempts"]), escape(r["last_error"] or ""))
        console.print(t)
    else:
        console.print("全部送达或在途，无失败。")


@app.command()
def retry(warning: Annotated[int, typer.Option("--warning", help="Warning id.")],
          row: Annotated[Optional[list[int]], typer.Option("--row", help="Outbox row id(s) (default: every row that gave up or is uncertain).")] = None,
          actor: ActorOption = "cli", database: DatabaseOption = None) -> None:
    """Re-queue rows that gave up or are held as uncertain (after the address was fixed or
    the firm was asked); they go out with the next send."""
    from emergency.delivery.service import retry as retry_rows

    n = retry_rows(_engine(database), warning, actor, row or None)
    console.print(f"已重新排队 {n} 条，下次发送（emergency delivery send 或调度任务）时重发。")
