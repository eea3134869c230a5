"""Passwords, CSRF tokens and the login rate limit of the staff console."""

import hmac
import secrets
import time
from collections import defaultdict, deque

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(expected, given)


class LoginLimiter:
    """At most `attempts` failed logins per client in `window_s` seconds."""

    def __init__(self, attempts: int = 5, window_s: float = 300) -> None:
        self.attempts = attempts
        self.window_s = window_s
        self._failures: dict[str, deque] = defaultdict(deque)

    def _recent(self, client: str) -> deque:
        failures = self._failures[client]
        while failures and failures[0] < time.monotonic() - self.window_s:
            failures.popleft()
        return failures

    def blocked(self, client: str) -> bool:
        return len(self._recent(client)) >= self.attempts

    def failed(self, client: str) -> None:
        self._recent(client).append(time.monotonic())

    def succeeded(self, client: str) -> None:
        self._failures.pop(client, None)
