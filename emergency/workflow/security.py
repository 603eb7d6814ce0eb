"""Passwords (scrypt, memory-hard, from the standard library), API tokens, and the
per-client login throttle.

Password hashes are stored as ``scrypt$n$r$p$salt_hex$hash_hex``; API tokens are
random (``secrets.token_urlsafe``), shown once, and stored only as their SHA-256.
Invitation codes for enterprise accounts (:func:`new_invitation_code`) are 80 random
bits written as four groups of four letters and digits (no 0/O, 1/I), shown once and
stored only as the SHA-256 of their canonical form (:func:`invitation_digest`: case,
spaces and hyphens do not matter when typed).

A sign-in costs one scrypt whatever happens: :func:`verify_dummy` spends the same work
when there is no user to check against, so an unknown username answers in the time a
wrong password does (no way to learn which usernames exist by timing).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import deque
from datetime import datetime, timedelta

from emergency.errors import InputError

_N, _R, _P = 2**14, 8, 1
MIN_PASSWORD_LENGTH = 8
# A hash no password matches (an all-zero digest), with the real cost parameters.
_DUMMY_HASH = f"scrypt${_N}${_R}${_P}${'00' * 16}${'00' * 32}"


def _utf8(text: str) -> bytes:
    """UTF-8 bytes of any str a JSON body can carry (a lone surrogate is not an error)."""
    return text.encode("utf-8", "surrogatepass")


def check_password_rules(password: str) -> None:
    """A new password has at least 8 characters (InputError otherwise)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"密码至少{MIN_PASSWORD_LENGTH}位，当前{len(password)}位 (password must have at least {MIN_PASSWORD_LENGTH} characters)")


def hash_password(password: str) -> str:
    check_password_rules(password)
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(_utf8(password), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return verify_dummy(password)
    if scheme != "scrypt":
        return verify_dummy(password)
    candidate = hashlib.scrypt(_utf8(password), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    return hmac.compare_digest(candidate.hex(), digest)


def verify_dummy(password: str) -> bool:
    """The work of one verification, against a hash nothing matches: always False."""
    verify_password(password, _DUMMY_HASH)
    return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(_utf8(token)).hexdigest()


INVITATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 symbols: 16 of them, 80 bits


def new_invitation_code() -> str:
    raw = "".join(secrets.choice(INVITATION_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def invitation_digest(code: str) -> str:
    canonical = "".join(ch for ch in code.upper() if ch not in "- \t")
    return hashlib.sha256(_utf8(canonical)).hexdigest()


class FailureWindow:
    """Failed sign-ins per client address in a sliding window (in memory, per process).

    ``check`` refuses a client with ``limit`` failures in the last ``window``;
    ``fail`` records one and says whether that failure reached the limit (the moment
    worth an audit record). A success does not clear a client's failures: one valid
    account must not reset a spray from the same address. Times are passed in (the
    project's clock), so tests move time without sleeping.
    """

    def __init__(self, limit: int, window: timedelta, max_clients: int = 100_000) -> None:
        self.limit, self.window, self.max_clients = limit, window, max_clients
        self._failures: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: datetime) -> deque[datetime]:
        q = self._failures.get(client)
        if q is None:
            return deque()
        while q and q[0] <= now - self.window:
            q.popleft()
        if not q:
            del self._failures[client]
        return q

    def retry_after(self, client: str, now: datetime) -> float:
        """Seconds until ``client`` may try again (0 when it may now)."""
        with self._lock:
            q = self._recent(client, now)
            if len(q) < self.limit:
                return 0.0
            return max(1.0, (q[len(q) - self.limit] + self.window - now).total_seconds())

    def fail(self, client: str, now: datetime) -> bool:
        with self._lock:
            q = self._recent(client, now)
            if not q:
                if len(self._failures) >= self.max_clients:
                    self._prune(now)
                q = self._failures[client] = deque()
            q.append(now)
            return len(q) == self.limit

    def _prune(self, now: datetime) -> None:
        for client in list(self._failures):
            self._recent(client, now)
        while len(self._failures) >= self.max_clients:  # still full: forget the stalest
            del self._failures[min(self._failures, key=lambda c: self._failures[c][-1])]
