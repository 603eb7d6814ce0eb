"""Users and API tokens (用户与令牌): passwords hashed with scrypt, tokens stored as SHA-256."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlmodel import Session

from emergency.errors import AuthenticationFailed, Conflict, WarningError
from emergency.workflow.audit import record
from emergency.workflow.models import ApiToken, Role, User
from emergency.workflow.security import hash_password, new_token, token_digest, verify_password


def add_user(engine: Engine, username: str, password: str, role: str, full_name: str | None = None, actor: str = "system") -> User:
    try:
        Role(role)
    except ValueError:
        raise WarningError(f"unknown role {role!r}; choose from {', '.join(r.value for r in Role)}") from None
    with Session(engine) as session:
        if session.execute(select(User).where(User.username == username)).scalars().first():
            raise Conflict(f"用户 {username} 已存在 (user exists)")
        user = User(username=username, role=role, full_name=full_name, password_hash=hash_password(password))
        session.add(user)
        record(session, actor, "user.add", username, {"role": role})
        session.commit()
        session.refresh(user)
        return user


def authenticate(engine: Engine, username: str, password: str) -> User:
    with Session(engine) as session:
        user = session.execute(select(User).where(User.username == username)).scalars().first()
        if user is None or not user.active or not verify_password(password, user.password_hash):
            raise AuthenticationFailed("用户名或密码错误 (bad username or password)")
        return user


def create_token(engine: Engine, user: User, name: str | None = None) -> str:
    token = new_token()
    with Session(engine) as session:
        session.add(ApiToken(user_id=user.id, token_sha256=token_digest(token), name=name))
        record(session, user.username, "token.create", name, {})
        session.commit()
    return token


def user_for_token(engine: Engine, token: str) -> User:
    with Session(engine) as session:
        row = session.execute(
            select(User).join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_sha256 == token_digest(token), ApiToken.revoked.is_(False), User.active.is_(True))
        ).scalars().first()
        if row is None:
            raise AuthenticationFailed("令牌无效 (invalid or revoked token)")
        return row
