"""`emergency users add | list | token | revoke | deactivate | password`: users and API
tokens (用户与令牌); `users invite | redeem`: enterprise accounts (emergency.cli.enterprise).

A password is never a command-line argument (it would stay in the shell history and
in the process list): it is prompted for without echo, or read as one line from
standard input with ``--password-stdin`` (``… --password-stdin < file``; the trailing
newline is dropped).

``users token`` signs the user in: it asks for that user's own password, so the
lockout applies and whoever holds the database URL still cannot take a token in
another person's name without their password. An administrator who must act for a
user sets a new password (``users password``), which also revokes the user's tokens.
"""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from emergency.cli.options import ActorOption, DatabaseOption, open_engine as _engine
from emergency.errors import InputError

console = Console()
err_console = Console(stderr=True)
users_app = typer.Typer(no_args_is_help=True)

PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="Read the password as one line from standard input (no prompt).")]
HoursOption = Annotated[Optional[float], typer.Option("--hours", help="Token lifetime in hours (default: EMERGENCY_TOKEN_HOURS, 12).")]


def read_password(from_stdin: bool, *, confirm: bool, prompt: str = "密码 (password)") -> str:
    """The password from standard input (one line) or a hidden prompt."""
    if from_stdin:
        line = sys.stdin.readline()
        if not line.strip("\r\n"):
            raise InputError("--password-stdin：标准输入没有密码 (no password on standard input)")
        return line.rstrip("\r\n")
    return typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)


def _print_token(issued) -> None:
    from emergency import clock

    typer.echo(issued.token)  # standard output: the token alone, for scripts
    err_console.print(f"令牌有效至 {clock.fmt(issued.expires_at)}（{clock.zone_label()}），只显示这一次，请妥善保存")


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Option("--role", help="viewer | planner | duty_officer | admin")],
    full_name: Annotated[Optional[str], typer.Option("--name", help="Full name (姓名).")] = None,
    city: Annotated[Optional[str], typer.Option("--city", help="The one city the account acts for (a city with lists); "
                                                "omitted: every city (the province).")] = None,
    password_stdin: PasswordStdin = False,
    token: Annotated[bool, typer.Option("--token", help="Also create and print an API token.")] = False,
    hours: HoursOption = None,
    actor: ActorOption = "cli",
    database: DatabaseOption = None,
) -> None:
    """Add a user (password prompted twice, or --password-stdin; at least 8 characters)."""
    from emergency.workflow.accounts import add_user, check_role, check_username, issue_token, token_hours

    check_username(username)
    check_role(role)
    token_hours(hours)
    engine = _engine(database)
    if city is not None:  # an unknown city is refused before the password is asked for
        from emergency.workflow.scope import known_city

        known_city(engine, city)
    password = read_password(password_stdin, confirm=True)
    user = add_user(engine, username, password, role, full_name, actor=actor, city=city)
    err_console.print(f"已添加用户 {escape(user.username)}（{user.role}{' · ' + escape(user.city) if user.city else ''}）")
    if token:
        _print_token(issue_token(engine, user, "cli", hours, client="cli", actor=actor))


@users_app.command("token")
def users_token(
    username: Annotated[str, typer.Argument()],
    hours: HoursOption = None,
    name: Annotated[Optional[str], typer.Option("--name", help="A label for the token.")] = "cli",
    password_stdin: PasswordStdin = False,
    database: DatabaseOption = None,
) -> None:
    """Sign USERNAME in and print a new API token (asks for that user's password)."""
    from emergency.workflow.accounts import authenticate, issue_token, token_hours

    token_hours(hours)
    password = read_password(password_stdin, confirm=False, prompt=f"{username} 的密码 (password)")
    engine = _engine(database)
    user = authenticate(engine, username, password, client="cli")
    _print_token(issue_token(engine, user, name, hours, client="cli"))


@users_app.command("revoke")
def users_revoke(username: Annotated[str, typer.Argument()], actor: ActorOption = "cli", database: DatabaseOption = None) -> None:
    """Revoke every API token of USERNAME."""
    from emergency.workflow.accounts import revoke_tokens

    n = revoke_tokens(_engine(database), username, actor=actor)
    console.print(f"已撤销 {escape(username)} 的 {n} 个令牌")


@users_app.command("deactivate")
def users_deactivate(username: Annotated[str, typer.Argument()], actor: ActorOption = "cli", database: DatabaseOption = None) -> None:
    """Deactivate USERNAME (cannot sign in) and revoke their tokens."""
    from emergency.workflow.accounts import deactivate_user

    n = deactivate_user(_engine(database), username, actor=actor)
    console.print(f"已停用用户 {escape(username)}，撤销令牌 {n} 个")


@users_app.command("password")
def users_password(
    username: Annotated[str, typer.Argument()],
    password_stdin: PasswordStdin = False,
    actor: ActorOption = "cli",
    database: DatabaseOption = None,
) -> None:
    """Set USERNAME's password (prompted twice, or --password-stdin); clears a lockout and revokes their tokens."""
    from emergency.workflow.accounts import set_password

    password = read_password(password_stdin, confirm=True, prompt=f"{username} 的新密码 (new password)")
    n = set_password(_engine(database), username, password, actor=actor)
    console.print(f"已为 {escape(username)} 设置新密码，解除锁定，撤销令牌 {n} 个")


@users_app.command("list")
def users_list(database: DatabaseOption = None) -> None:
    """Users: role, active, lock, live tokens, last use (北京时间)."""
    from emergency import clock
    from emergency.workflow.accounts import list_users

    t = Table(title=f"用户（时间为{clock.zone_label()}）")
    for col in ("用户名", "姓名", "角色", "城市", "状态", "锁定至", "有效令牌", "最近使用", "企业"):
        t.add_column(col)
    for a in list_users(_engine(database)):
        t.add_row(escape(a.username), escape(a.full_name or ""), a.role, escape(a.city or "全部城市"), "有效" if a.active else "已停用",
                  clock.fmt(a.locked_until),
                  str(a.active_tokens), clock.fmt(a.last_used_at), "、".join(a.usccs))
    console.print(t)


def _attach_enterprise() -> None:
    """``users invite`` and ``users redeem`` (enterprise accounts, in emergency.cli.enterprise)."""
    from emergency.cli import enterprise

    users_app.command("invite")(enterprise.invite)
    users_app.command("redeem")(enterprise.redeem)


_attach_enterprise()
