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

HELP = "重污染天气应急减排决策引擎 (heavy-pollution emergency-response decision engine)."


def _new_app() -> typer.Typer:
    app = typer.Typer(name="emergency", help=HELP, no_args_is_help=True, pretty_exceptions_enable=False)

    @app.callback()
    def _root() -> None:  # a group even when one command is attached: `emergency plan …` keeps its name
        pass

    return app


# Each top-level command and the function that attaches it. Command modules import their
# heavy dependencies (the database layer, OR-Tools, FastAPI, APScheduler) at module level
# or inside the commands; attaching only the command asked for keeps `emergency plan` from
# paying for the scheduler's and the registry's imports (about a second of start-up).
def _registry(app):
    from emergency.cli import registry
    app.add_typer(registry.app, name="registry", help="The emergency reduction list (应急减排清单).")


def _policy(app):
    from emergency.cli import policy
    app.add_typer(policy.app, name="policy", help="Policy as data (config/).")


def _warning(app):
    from emergency.cli import warning, workflow
    for name, fn in (("issue", workflow.issue), ("adjust", workflow.adjust), ("release", workflow.release),
                     ("list", workflow.list_), ("show", workflow.show)):
        warning.app.registered_commands[:] = [c for c in warning.app.registered_commands if c.name != name]
        warning.app.command(name)(fn)
    app.add_typer(warning.app, name="warning", help="Warnings (预警): evaluate from forecasts.")


def _aqi(app):
    from emergency.cli import aqi
    app.command("aqi", help="AQI per HJ 633 from JSON lines on stdin.")(aqi.aqi_command)


def _plan(app):
    from emergency.cli import plan
    app.command("plan", help="Compute the measures for a warning level (减排方案).")(plan.plan_command)


def _demo(app):
    from emergency.cli import demo
    app.command("demo", help="Run the main job on a generated demo city.")(demo.demo_command)


def _notices(app):
    from emergency.cli import workflow
    app.command("notices", help="Write a warning's notices, list view and announcement.")(workflow.notices)


def _serve(app):
    from emergency.cli import workflow
    app.command("serve", help="Run the HTTP API.")(workflow.serve)


def _users(app):
    from emergency.cli import workflow
    app.add_typer(workflow.users_app, name="users", help="Users and API tokens.")


def _scenario(app):
    from emergency.cli import scenario
    app.add_typer(scenario.app, name="scenario", help="Planners' scenarios (情景模拟).")


def _compliance(app):
    from emergency.cli import workflow
    app.add_typer(workflow.compliance_app, name="compliance", help="Compliance check from electricity use.")


def _rotation(app):
    from emergency.cli import rotation
    app.add_typer(rotation.app, name="rotation", help="Heating-season rotation calendar (错峰生产).")


def _scheduler(app):
    from emergency.cli import scheduler
    app.add_typer(scheduler.app, name="scheduler", help="Scheduled jobs: daily orders, forecast poll, reminders.")


COMMANDS = {
    "registry": _registry, "policy": _policy, "warning": _warning, "aqi": _aqi, "plan": _plan,
    "demo": _demo, "notices": _notices, "serve": _serve, "users": _users, "scenario": _scenario,
    "compliance": _compliance, "rotation": _rotation, "scheduler": _scheduler,
}


def build_app(only: str | None = None) -> typer.Typer:
    """The CLI with every command, or with ``only`` that one (start-up cost of one)."""
    app = _new_app()
    for name, attach in COMMANDS.items():
        if only is None or name == only:
            attach(app)
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
