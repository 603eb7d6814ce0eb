"""Entry point of the ``emergency`` command.

Each command group lives in its own module and exposes ``app`` (a ``typer.Typer``);
this module only assembles them and maps :class:`EmergencyError` to an exit code
and a message, so a user's mistake never shows a stack trace. A net catches the
ordinary mistakes that still escape a command as Python errors (a missing file, a
directory given as a file, no permission, an undecodable file, a number too large, a
value the database refuses) and reports them as an InputError (exit code 14) naming the
file.
"""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console

from emergency.errors import EmergencyError, ImportRejected, InputError

HELP = "重污染天气应急减排决策引擎 (heavy-pollution emergency-response decision engine)."


def _new_app() -> typer.Typer:
    app = typer.Typer(name="emergency", help=HELP, no_args_is_help=True, pretty_exceptions_enable=False)

    @app.callback()
    def _root() -> None:  # a group even when one command is attached: `emergency plan …` keeps its name
        pass

    return app


# Each top-level command: (module in emergency.cli, its attribute, kind, help). Command
# modules import their heavy dependencies (the database layer, OR-Tools, FastAPI,
# APScheduler); attaching only the command asked for keeps `emergency plan` from paying for
# the scheduler's and the registry's imports (about a second of start-up).
COMMANDS: dict[str, tuple[str, str, str, str]] = {
    "registry": ("registry", "app", "group", "The emergency reduction list (应急减排清单)."),
    "policy": ("policy", "app", "group", "Policy as data (config/)."),
    "warning": ("warning", "app", "group", "Warnings (预警): evaluate from forecasts."),
    "aqi": ("aqi", "aqi_command", "command", "AQI per HJ 633 from JSON lines on stdin."),
    "plan": ("plan", "plan_command", "command", "Compute the measures for a warning level (减排方案)."),
    "demo": ("demo", "demo_command", "command", "Run the main job on a generated demo city."),
    "notices": ("notices", "notices_app", "group", "Write the response package of a warning's latest transition: announcement (启动/升级/降级/延长/解除), notices or 解除通知, list view, per-county print files; status / confirm / report: firms' receipts and execution reports."),
    "serve": ("serve", "serve", "command", "Run the HTTP API."),
    "users": ("users", "users_app", "group", "Users and API tokens."),
    "scenario": ("scenario", "app", "group", "Planners' scenarios (情景模拟)."),
    "compliance": ("compliance", "compliance_app", "group", "Compliance check from electricity use."),
    "audit": ("audit", "audit_command", "command", "The audit log (审计日志): who did what, when."),
    "rotation": ("rotation", "app", "group", "Heating-season rotation calendar (错峰生产)."),
    "scheduler": ("scheduler", "app", "group", "Scheduled jobs: daily orders, forecast poll, reminders."),
    "delivery": ("delivery", "app", "group", "Notice delivery (通知送达): email, SMS, webhook; reminders."),
    "reports": ("reports", "app", "group", "Reports upward (上报): daily response report, episode summary, inspections."),
    "evaluation": ("evaluation", "app", "group", "Effect evaluation (效果评估): CEMS, observed AQI, planned vs achieved."),
    "region": ("region", "app", "group", "Regions and regional warnings (区域联动): the cities' responses."),
    "joint": ("joint", "app", "group", "Joint plans across a region's cities (联合减排方案), compared with each city alone."),
}


def _attach(app: typer.Typer, name: str) -> None:
    module_name, attribute, kind, help_text = COMMANDS[name]
    module = importlib.import_module(f"emergency.cli.{module_name}")
    target = getattr(module, attribute)
    if name == "warning":  # the lifecycle commands live in their own module
        from emergency.cli import lifecycle

        for sub, fn in (("issue", lifecycle.issue), ("adjust", lifecycle.adjust), ("release", lifecycle.release),
                        ("list", lifecycle.list_), ("show", lifecycle.show)):
            target.registered_commands[:] = [c for c in target.registered_commands if c.name != sub]
            target.command(sub)(fn)
    if kind == "group":
        app.add_typer(target, name=name, help=help_text)
    else:
        app.command(name, help=help_text)(target)


def build_app(only: str | None = None) -> typer.Typer:
    """The CLI with every command, or with ``only`` that one (start-up cost of one)."""
    app = _new_app()
    for name in COMMANDS:
        if only is None or name == only:
            _attach(app, name)
    return app


_full_app: typer.Typer | None = None


def __getattr__(name: str):
    """``app``: the full CLI, built on first use (tests and ``python -m``)."""
    global _full_app
    if name == "app":
        if _full_app is None:
            _full_app = build_app()
        return _full_app
    raise AttributeError(name)


err_console = Console(stderr=True)


def report_error(exc: EmergencyError) -> None:
    err_console.print(f"[bold red]错误 (error):[/] {exc.message}")
    if isinstance(exc, ImportRejected):
        for problem in exc.problems[:200]:
            err_console.print(f"  - {problem}")
        if len(exc.problems) > 200:
            err_console.print(f"  … and {len(exc.problems) - 200} more (see the report file)")


def _command_asked(argv: list[str]) -> str | None:
    """The top-level command in ``argv`` if it is a known one (options come after it)."""
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in COMMANDS else None


_FILE_ERRORS = (
    (FileNotFoundError, "文件或目录不存在 (not found)"),
    (IsADirectoryError, "这是一个目录，应为文件 (is a directory, a file was expected)"),
    (NotADirectoryError, "路径中有一段不是目录 (not a directory)"),
    (PermissionError, "没有权限读写 (permission denied)"),
    (FileExistsError, "已存在 (already exists)"),
)


def as_input_error(exc: BaseException) -> InputError | None:
    """An ordinary mistake that escaped its command as a Python error (a missing file, a
    directory given as a file, a file we may not read or write, a file in an unknown
    encoding, a number too large, a value the database refuses) as a located InputError;
    None for anything else (a programming error keeps its trace)."""
    if isinstance(exc, tuple(kind for kind, _ in _FILE_ERRORS)):
        what = next(text for kind, text in _FILE_ERRORS if isinstance(exc, kind))
        where = exc.filename if exc.filename is not None else ""
        return InputError(f"{where}: {what}" if where else what, file=str(where) if where else None)
    if isinstance(exc, UnicodeDecodeError):
        return InputError(
            f"文件编码无法识别（第 {exc.start} 字节附近，{exc.encoding}）：请另存为 UTF-8 编码 (undecodable file)"
        )
    if isinstance(exc, OverflowError):  # e.g. SQLite binding an id of 30 digits
        return InputError(f"数值过大，超出可处理的范围 (number out of range): {exc}")
    data_error = getattr(sys.modules.get("sqlalchemy.exc"), "DataError", None)
    if data_error is not None and isinstance(exc, data_error):
        return InputError(
            f"数据库拒绝了输入的值（文字过长、数字过大或含不允许的字符），未保存 (value refused by the database): {exc.orig}"
        )
    return None


def run() -> None:
    app = build_app(_command_asked(sys.argv[1:]))
    try:
        app()
    except EmergencyError as exc:
        report_error(exc)
        sys.exit(exc.exit_code)
    except Exception as exc:
        error = as_input_error(exc)
        if error is None:
            raise
        report_error(error)
        sys.exit(error.exit_code)


if __name__ == "__main__":  # pragma: no cover
    run()
