"""Entry point of the ``emergency`` command.

Each command group lives in its own module and exposes ``app`` (a ``typer.Typer``);
this module only assembles them and maps :class:`EmergencyError` to an exit code
and a message, so a user's mistake never shows a stack trace.
"""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console

from emergency.errors import EmergencyError, ImportRejected

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
    "notices": ("notices", "notices", "command", "Write a warning's notices, list view and announcement."),
    "serve": ("serve", "serve", "command", "Run the HTTP API."),
    "users": ("users", "users_app", "group", "Users and API tokens."),
    "scenario": ("scenario", "app", "group", "Planners' scenarios (情景模拟)."),
    "compliance": ("compliance", "compliance_app", "group", "Compliance check from electricity use."),
    "rotation": ("rotation", "app", "group", "Heating-season rotation calendar (错峰生产)."),
    "scheduler": ("scheduler", "app", "group", "Scheduled jobs: daily orders, forecast poll, reminders."),
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


def run() -> None:
    app = build_app(_command_asked(sys.argv[1:]))
    try:
        app()
    except EmergencyError as exc:
        report_error(exc)
        sys.exit(exc.exit_code)


if __name__ == "__main__":  # pragma: no cover
    run()
