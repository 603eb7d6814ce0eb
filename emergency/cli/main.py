"""Entry point of the ``emergency`` command.

Each command group lives in its own module and exposes ``app`` (a ``typer.Typer``);
this module only assembles them and maps :class:`EmergencyError` to an exit code
and a message, so a user's mistake never shows a stack trace.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from emergency.errors import EmergencyError, ImportRejected

app = typer.Typer(
    name="emergency",
    help="重污染天气应急减排决策引擎 (heavy-pollution emergency-response decision engine).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    from emergency.cli import aqi, demo, plan, policy, registry, scenario, warning, workflow

    app.add_typer(registry.app, name="registry", help="The emergency reduction list (应急减排清单).")
    app.add_typer(policy.app, name="policy", help="Policy as data (config/).")
    app.add_typer(warning.app, name="warning", help="Warnings (预警): evaluate from forecasts.")
    app.command("aqi", help="AQI per HJ 633 from JSON lines on stdin.")(aqi.aqi_command)
    app.command("plan", help="Compute the measures for a warning level (减排方案).")(plan.plan_command)
    app.command("demo", help="Run the main job on a generated demo city.")(demo.demo_command)
    for name, fn in (("issue", workflow.issue), ("adjust", workflow.adjust), ("release", workflow.release),
                     ("list", workflow.list_), ("show", workflow.show)):
        warning.app.command(name)(fn)
    app.command("notices", help="Write a warning's notices, list view and announcement.")(workflow.notices)
    app.command("serve", help="Run the HTTP API.")(workflow.serve)
    app.add_typer(workflow.users_app, name="users", help="Users and API tokens.")
    app.add_typer(scenario.app, name="scenario", help="Planners' scenarios (情景模拟).")
    app.add_typer(workflow.compliance_app, name="compliance", help="Compliance check from electricity use.")
    from emergency.cli import rotation as rotation_cli, scheduler as scheduler_cli

    app.add_typer(rotation_cli.app, name="rotation", help="Heating-season rotation calendar (错峰生产).")
    app.add_typer(scheduler_cli.app, name="scheduler", help="Scheduled jobs: daily orders, forecast poll, reminders.")


_register()

err_console = Console(stderr=True)


def report_error(exc: EmergencyError) -> None:
    err_console.print(f"[bold red]错误 (error):[/] {exc.message}")
    if isinstance(exc, ImportRejected):
        for problem in exc.problems[:200]:
            err_console.print(f"  - {problem}")
        if len(exc.problems) > 200:
            err_console.print(f"  … and {len(exc.problems) - 200} more (see the report file)")


def run() -> None:
    try:
        app()
    except EmergencyError as exc:
        report_error(exc)
        sys.exit(exc.exit_code)


if __name__ == "__main__":  # pragma: no cover
    run()
