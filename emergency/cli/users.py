"""`emergency users`: users and API tokens (用户与令牌)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.console import Console

from emergency.cli.options import DatabaseOption, open_engine as _engine

console = Console()
users_app = typer.Typer(no_args_is_help=True)


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Option("--role", help="viewer | planner | duty_officer | admin")],
    password: Annotated[str, typer.Option("--password", prompt=True, hide_input=True, confirmation_prompt=True)],
    full_name: Annotated[Optional[str], typer.Option("--name")] = None,
    token: Annotated[bool, typer.Option("--token", help="Also create and print an API token.")] = False,
    database: DatabaseOption = None,
) -> None:
    """Add a user (password hashed with scrypt)."""
    from emergency.workflow.accounts import add_user, create_token

    engine = _engine(database)
    user = add_user(engine, username, password, role, full_name)
    console.print(f"已添加用户 {user.username}（{user.role}）")
    if token:
        typer.echo(create_token(engine, user, "cli"))
