"""Users and API tokens (用户与令牌).

Passwords are hashed with scrypt, tokens stored as their SHA-256 (``security``).

Sign-in rules (:func:`authenticate`):

- Every attempt costs one scrypt verification, whether the user exists, is inactive,
  is locked or typed the wrong password, so the answer time says nothing about which
  usernames exist. Every failure answers the same message.
- ``login_max_failures`` (default 5) consecutive failures lock the account for
  ``login_lock_minutes`` (default 15): until then it answers TooManyAttempts (HTTP 429,
  ``retry_after_seconds`` and ``locked_until`` in the body) even with the right
  password. The counter restarts after a lock; a success resets it.
- Every failure, refusal and lock is audited: actor and target are the username tried
  (never the password), details the reason and the client.

Tokens (:func:`issue_token`, :func:`user_for_token`): each expires (``token_hours``,
default 12 h; a token without an expiry, from before migration 0004, counts as
expired); a revoked or expired token answers 401 saying which; ``last_used_at`` is
recorded (to the minute, so a busy client does not write on every request). Logout
revokes the calling token; an admin revokes all of a user's tokens; deactivating a user
or setting their password revokes them too.

Enterprise accounts (:func:`invite`, :func:`redeem`): the bureau invites a firm under
a username, bound to one or more 统一社会信用代码 (each checked, and present in the list
in effect); the invitation is a one-time code (``security.new_invitation_code``) shown
once, stored as its SHA-256, valid ``hours`` (default 72, at most 30 days). The firm
redeems it with a password of its own: the account (role ``enterprise``) and its
bindings are created and the code marked used in one transaction — the code is spent
by a conditional UPDATE, so two redemptions racing with one code make one account.
An unknown, used or expired code is refused (401, the reason said) and audited; a
refused password (too short) does not spend the code. The API throttles redemptions
per client address like sign-ins (``routes.enterprise``).
"""

from __future__ import annotations

import json
import math
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from sqlalchemy import Engine, func, select, update
from sqlmodel import Session

from emergency import clock
from emergency.errors import AuthenticationFailed, Conflict, InputError, NotFound, TooManyAttempts
from emergency.settings import get_settings
from emergency.workflow.audit import record
from emergency.workflow.models import ApiToken, EnterpriseBinding, EnterpriseInvitation, Role, User
from emergency.workflow.security import (
    hash_password, invitation_digest, new_invitation_code, new_token, token_digest, verify_dummy, verify_password,
)

USERNAME_MAX = 64
BAD_LOGIN = "用户名或密码错误，或账户已停用 (bad username or password, or account inactive)"
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown once, never stored
    expires_at: datetime


@dataclass(frozen=True)
class Account:
    """A user as an administrator sees it."""

    username: str
    full_name: str | None
    role: str
    active: bool
    created_at: datetime
    failed_logins: int
    locked_until: datetime | None
    active_tokens: int
    last_used_at: datetime | None
    usccs: tuple[str, ...] = ()  # the firms of an enterprise account
    city: str | None = None  # the city it acts for; None: every city (province)


# --- users -------------------------------------------------------------------------


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in text)


def check_username(username: str) -> None:
    """A username: 2–64 characters, no spaces or control characters (InputError)."""
    if not 2 <= len(username) <= USERNAME_MAX:
        raise InputError(f"用户名应为2至{USERNAME_MAX}个字符，当前{len(username)}个 (username length)", field="username")
    if _has_control(username) or any(ch.isspace() for ch in username):
        raise InputError("用户名不能含空格或控制字符 (username has spaces or control characters)", field="username")


def check_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InputError(f"未知角色 {role!r}，可选：{', '.join(r.value for r in Role)} (unknown role)", field="role") from None


def add_user(engine: Engine, username: str, password: str, role: str, full_name: str | None = None, actor: str = "system",
             city: str | None = None) -> User:
    """A bureau account; ``city``: the one city it acts for (one with lists), None: every city."""
    from emergency.workflow.scope import known_city

    check_username(username)
    city = known_city(engine, city)
    if check_role(role) == Role.ENTERPRISE:
        raise InputError("企业账户须由邀请码开通：emergency users invite (enterprise accounts are invited)", field="role")
    if full_name is not None and (len(full_name) > 100 or _has_control(full_name)):
        raise InputError("姓名最多100个字符，且不能含控制字符 (full name)", field="full_name")
    password_hash = hash_password(password)
    with Session(engine) as session:
        if session.execute(select(User).where(User.username == username)).scalars().first():
            raise Conflict(f"用户 {username} 已存在 (user exists)")
        user = User(username=username, role=role, full_name=full_name, password_hash=password_hash, city=city)
        session.add(user)
        record(session, actor, "user.add", username, {"role": role, **({"city": city} if city else {})})
        session.commit()
        session.refresh(user)
        return user


def _user(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalars().first() if _plausible(username) else None
    if user is None:
        raise NotFound(f"没有用户 {audit_actor(username)} (no such user)")
    return user


def _revoke_all(session: Session, user_id: int, at: datetime) -> int:
    result = session.execute(
        update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked.is_(False)).values(revoked=True, revoked_at=at)
    )
    return result.rowcount


def revoke_tokens(engine: Engine, username: str, actor: str) -> int:
    """Revoke every token of ``username``; returns how many were not yet revoked."""
    now = clock.now()
    with Session(engine) as session:
        user = _user(session, username)
        n = _revoke_all(session, user.id, now)
        record(session, actor, "user.revoke_tokens", username, {"revoked": n})
        session.commit()
        return n


def deactivate_user(engine: Engine, username: str, actor: str) -> int:
    """Deactivate ``username`` and revoke its tokens (returns how many). The last active
    administrator cannot be deactivated (Conflict): nobody could manage users after."""
    now = clock.now()
    with Session(engine) as session:
        user = _user(session, username)
        if user.active and user.role == Role.ADMIN:
            admins = session.execute(
                select(func.count()).select_from(User).where(User.role == Role.ADMIN.value, User.active.is_(True))
            ).scalar_one()
            if admins <= 1:
                raise Conflict(f"{username} 是最后一个有效的管理员，不能停用 (last active admin)")
        user.active = False
        n = _revoke_all(session, user.id, now)
        record(session, actor, "user.deactivate", username, {"revoked": n})
        session.commit()
        return n


def set_password(engine: Engine, username: str, password: str, actor: str) -> int:
    """A new password for ``username``: clears a lock, revokes its tokens (returns how many)."""
    password_hash = hash_password(password)
    now = clock.now()
    with Session(engine) as session:
        user = _user(session, username)
        user.password_hash, user.failed_logins, user.locked_until = password_hash, 0, None
        n = _revoke_all(session, user.id, now)
        record(session, actor, "user.set_password", username, {"revoked": n})
        session.commit()
        return n


def list_users(engine: Engine) -> list[Account]:
    now = clock.now()
    with Session(engine) as session:
        live = dict(
            (uid, n) for uid, n in session.execute(
                select(ApiToken.user_id, func.count()).where(ApiToken.revoked.is_(False), ApiToken.expires_at > now)
                .group_by(ApiToken.user_id)
            ).all()
        )
        last_used = dict(session.execute(select(ApiToken.user_id, func.max(ApiToken.last_used_at)).group_by(ApiToken.user_id)).all())
        firms: dict[int, list[str]] = {}
        for uid, uscc in session.execute(select(EnterpriseBinding.user_id, EnterpriseBinding.uscc).order_by(EnterpriseBinding.uscc)):
            firms.setdefault(uid, []).append(uscc)
        return [
            Account(u.username, u.full_name, u.role, u.active, u.created_at, u.failed_logins,
                    u.locked_until if u.locked_until is not None and u.locked_until > now else None,
                    live.get(u.id, 0), last_used.get(u.id), tuple(firms.get(u.id, ())), u.city)
            for u in session.execute(select(User).order_by(User.username)).scalars()
        ]


# --- sign-in -----------------------------------------------------------------------


def _plausible(username: str) -> bool:
    """Whether ``username`` could name a user (else it is not looked up at all: a NUL or
    an over-long name must not reach the database)."""
    return 0 < len(username) <= USERNAME_MAX and not _has_control(username)


def audit_actor(text: str, limit: int = USERNAME_MAX) -> str:
    """``text`` fit for the audit log's actor column: control characters as '?', at most ``limit``."""
    clean = "".join("?" if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") else ch for ch in text)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def _refuse(session: Session, who: str, action: str, details: dict, error: AuthenticationFailed) -> NoReturn:
    record(session, who, action, who, details)
    session.commit()
    raise error


def authenticate(engine: Engine, username: str, password: str, client: str | None = None) -> User:
    """The user ``username`` if ``password`` is theirs and they may sign in now (rules in
    the module docstring). ``client`` (an address, or "cli") goes into the audit log."""
    settings = get_settings()
    now = clock.now()
    who = audit_actor(username)
    seen = {"client": client}
    with Session(engine) as session:
        user = session.execute(select(User).where(User.username == username)).scalars().first() if _plausible(username) else None
        if user is None:
            verify_dummy(password)
            _refuse(session, who, "login.failed", {**seen, "reason": "unknown_user"}, AuthenticationFailed(BAD_LOGIN))
        matches = verify_password(password, user.password_hash)
        if user.locked_until is not None and now < user.locked_until:
            _refuse(session, who, "login.refused", {**seen, "reason": "locked", "locked_until": user.locked_until},
                    _locked(user.locked_until, now))
        if not user.active:
            _refuse(session, who, "login.failed", {**seen, "reason": "inactive"}, AuthenticationFailed(BAD_LOGIN))
        if not matches:
            failures = session.execute(
                update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1).returning(User.failed_logins)
            ).scalar_one()
            record(session, who, "login.failed", who, {**seen, "reason": "bad_password", "failures": failures})
            if failures >= settings.login_max_failures:
                until = now + timedelta(minutes=settings.login_lock_minutes)
                session.execute(update(User).where(User.id == user.id).values(failed_logins=0, locked_until=until))
                _refuse(session, who, "login.locked", {**seen, "failures": failures, "locked_until": until,
                                                       "minutes": settings.login_lock_minutes}, _locked(until, now))
            session.commit()
            raise AuthenticationFailed(BAD_LOGIN)
        if user.failed_logins or user.locked_until is not None:
            user.failed_logins, user.locked_until = 0, None
            session.commit()
            session.refresh(user)
        session.expunge(user)
        return user


def _locked(until: datetime, now: datetime) -> TooManyAttempts:
    seconds = max(1, math.ceil((until - now).total_seconds()))
    return TooManyAttempts(
        f"登录失败次数过多，账户已锁定至 {clock.fmt(until)}（{clock.zone_label()}），请约{math.ceil(seconds / 60)}分钟后再试 "
        f"(account locked after repeated failures)",
        retry_after_seconds=seconds, locked_until=clock.iso(until),
    )


# --- tokens ------------------------------------------------------------------------


def token_hours(hours: float | None) -> float:
    """The lifetime asked for, or the default (``token_hours``); at most ``token_max_hours``."""
    settings = get_settings()
    if hours is None:
        return settings.token_hours
    if not (hours > 0 and hours <= settings.token_max_hours):  # also refuses NaN
        raise InputError(f"令牌有效期应在0至{settings.token_max_hours:g}小时之间，收到 {hours!r} (token hours)", field="hours")
    return hours


def issue_token(engine: Engine, user: User, name: str | None = None, hours: float | None = None,
                client: str | None = None, actor: str | None = None) -> IssuedToken:
    """A new token for ``user`` (signed in, or issued by ``actor``), valid ``hours``."""
    if name is not None and (len(name) > 100 or _has_control(name)):
        raise InputError("令牌名称最多100个字符，且不能含控制字符 (token name)", field="name")
    lifetime = token_hours(hours)
    now = clock.now()
    token, expires_at = new_token(), now + timedelta(hours=lifetime)
    with Session(engine) as session:
        session.add(ApiToken(user_id=user.id, token_sha256=token_digest(token), name=name, created_at=now, expires_at=expires_at))
        record(session, actor or user.username, "token.create", user.username,
               {"name": name, "expires_at": expires_at, "hours": lifetime, "client": client})
        session.commit()
    return IssuedToken(token, expires_at)


def create_token(engine: Engine, user: User, name: str | None = None) -> str:
    """A token with the default lifetime, its text only (scripts and tests)."""
    return issue_token(engine, user, name).token


def user_for_token(engine: Engine, token: str) -> User:
    """The active user a valid token belongs to; 401 saying whether the token is
    unknown, revoked or expired, or the user inactive. Records ``last_used_at``."""
    now = clock.now()
    with Session(engine) as session:
        row = session.execute(
            select(ApiToken, User).join(User, ApiToken.user_id == User.id).where(ApiToken.token_sha256 == token_digest(token))
        ).first()
        if row is None:
            raise AuthenticationFailed("令牌无效，请重新登录 (invalid token)", reason="invalid")
        tok, user = row
        if tok.revoked:
            raise AuthenticationFailed("令牌已撤销，请重新登录 (token revoked)", reason="revoked", revoked_at=clock.iso(tok.revoked_at))
        if tok.expires_at is None or now >= tok.expires_at:
            raise AuthenticationFailed("令牌已过期，请重新登录 (token expired)", reason="expired", expired_at=clock.iso(tok.expires_at))
        if not user.active:
            raise AuthenticationFailed("账户已停用 (account inactive)", reason="inactive")
        session.expunge(user)
        if tok.last_used_at is None or now - tok.last_used_at >= LAST_USED_RESOLUTION:
            session.execute(update(ApiToken).where(ApiToken.id == tok.id).values(last_used_at=now))
            session.commit()
        return user


def revoke_token(engine: Engine, token: str, actor: str) -> datetime:
    """Revoke one token (logout); returns when."""
    now = clock.now()
    with Session(engine) as session:
        tok = session.execute(select(ApiToken).where(ApiToken.token_sha256 == token_digest(token))).scalars().first()
        if tok is None:
            raise AuthenticationFailed("令牌无效 (invalid token)", reason="invalid")
        if not tok.revoked:
            tok.revoked, tok.revoked_at = True, now
            record(session, actor, "token.revoke", actor, {"name": tok.name, "token_id": tok.id})
            session.commit()
        return now


# --- enterprise accounts -----------------------------------------------------------

INVITATION_HOURS = 72.0
INVITATION_MAX_HOURS = 720.0
BAD_CODE = "邀请码无效 (invalid invitation code)"


@dataclass(frozen=True)
class IssuedInvitation:
    code: str  # shown once, never stored
    username: str
    usccs: tuple[str, ...]
    expires_at: datetime


def check_usccs(engine: Engine, usccs: list[str]) -> tuple[str, ...]:
    """The codes canonical (upper case, deduplicated, in order), each a valid USCC of a
    firm in the list in effect (InputError / NotFound naming the code)."""
    from enterprise_registry.service import get_enterprise
    from enterprise_registry.uscc import uscc_problem

    out: list[str] = []
    for raw in usccs:
        code = raw.strip().upper()
        if not code:
            continue
        if reason := uscc_problem(code):
            raise InputError(f"“{audit_actor(raw, 30)}”不是有效的统一社会信用代码：{reason}", field="uscc")
        if code not in out:
            get_enterprise(engine, code)  # NotFound when the list in effect has no such firm
            out.append(code)
    if not out:
        raise InputError("至少绑定一个统一社会信用代码 (at least one USCC)", field="uscc")
    return tuple(out)


def invite(engine: Engine, username: str, usccs: list[str], actor: str, full_name: str | None = None,
           hours: float | None = None) -> IssuedInvitation:
    """A one-time code inviting ``username`` as the enterprise account of ``usccs``."""
    check_username(username)
    if full_name is not None and (len(full_name) > 100 or _has_control(full_name)):
        raise InputError("名称最多100个字符，且不能含控制字符 (full name)", field="full_name")
    hours = INVITATION_HOURS if hours is None else hours
    if not (0 < hours <= INVITATION_MAX_HOURS):
        raise InputError(f"邀请码有效期应在0至{INVITATION_MAX_HOURS:g}小时之间，收到 {hours!r} (invitation hours)", field="hours")
    codes = check_usccs(engine, usccs)
    now = clock.now()
    code, expires_at = new_invitation_code(), now + timedelta(hours=hours)
    with Session(engine) as session:
        if session.execute(select(User.id).where(User.username == username)).first():
            raise Conflict(f"用户 {username} 已存在 (user exists)")
        pending = session.execute(select(EnterpriseInvitation.id).where(
            EnterpriseInvitation.username == username, EnterpriseInvitation.redeemed_at.is_(None),
            EnterpriseInvitation.expires_at > now)).first()
        if pending:
            raise Conflict(f"用户名 {username} 已有未使用的邀请码 (a pending invitation exists for this username)")
        session.add(EnterpriseInvitation(code_sha256=invitation_digest(code), username=username, full_name=full_name,
                                         usccs=json.dumps(list(codes)), created_by=actor, created_at=now, expires_at=expires_at))
        record(session, actor, "enterprise.invite", username, {"usccs": list(codes), "expires_at": expires_at, "hours": hours})
        session.commit()
    return IssuedInvitation(code, username, codes, expires_at)


def redeem(engine: Engine, code: str, password: str, client: str | None = None) -> User:
    """The enterprise account the invitation ``code`` names, created with ``password``
    (rules in the module docstring)."""
    password_hash = hash_password(password)  # a refused password does not spend the code
    now = clock.now()
    digest = invitation_digest(code) if len(code) <= 100 else ""
    with Session(engine) as session:
        inv = session.execute(select(EnterpriseInvitation).where(EnterpriseInvitation.code_sha256 == digest)).scalars().first()
        if inv is None:
            _refuse(session, "anonymous", "enterprise.redeem_failed", {"client": client, "reason": "unknown_code"},
                    AuthenticationFailed(BAD_CODE, reason="invalid"))
        seen = {"client": client, "invitation": inv.id}
        if inv.redeemed_at is not None:
            _refuse(session, inv.username, "enterprise.redeem_failed", {**seen, "reason": "used"},
                    AuthenticationFailed(f"邀请码已于 {clock.fmt(inv.redeemed_at)}（{clock.zone_label()}）使用过，不能再次使用 "
                                         "(invitation code already used)", reason="used"))
        if now >= clock.as_utc(inv.expires_at):
            _refuse(session, inv.username, "enterprise.redeem_failed", {**seen, "reason": "expired"},
                    AuthenticationFailed(f"邀请码已于 {clock.fmt(inv.expires_at)}（{clock.zone_label()}）过期，请联系主管部门重新邀请 "
                                         "(invitation code expired)", reason="expired"))
        if session.execute(select(User.id).where(User.username == inv.username)).first():
            raise Conflict(f"用户 {inv.username} 已存在 (user exists)")
        session.expunge(inv)
    with Session(engine) as session:  # spending the code is the transaction's first statement (SQLite: no stale snapshot)
        spent = session.execute(update(EnterpriseInvitation).where(
            EnterpriseInvitation.id == inv.id, EnterpriseInvitation.redeemed_at.is_(None)).values(redeemed_at=now)).rowcount
        if spent != 1:  # another redemption won the race
            session.rollback()
            raise AuthenticationFailed("邀请码已使用过，不能再次使用 (invitation code already used)", reason="used")
        user = User(username=inv.username, full_name=inv.full_name, role=Role.ENTERPRISE.value, password_hash=password_hash,
                    created_at=now)
        session.add(user)
        session.flush()
        usccs = json.loads(inv.usccs)
        for u in usccs:
            session.add(EnterpriseBinding(user_id=user.id, uscc=u))
        session.execute(update(EnterpriseInvitation).where(EnterpriseInvitation.id == inv.id).values(user_id=user.id))
        record(session, inv.username, "enterprise.redeem", inv.username, {**seen, "usccs": usccs})
        session.commit()
        session.refresh(user)
        session.expunge(user)
        return user


def usccs_of(engine: Engine, user: User) -> tuple[str, ...]:
    """The firms an enterprise account acts for (none for any other role)."""
    if user.role != Role.ENTERPRISE.value:
        return ()
    with Session(engine) as session:
        return tuple(session.execute(select(EnterpriseBinding.uscc).where(EnterpriseBinding.user_id == user.id)
                                     .order_by(EnterpriseBinding.uscc)).scalars())
