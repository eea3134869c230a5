"""Passwords, CSRF tokens and the login limits of the staff console."""

import functools
import hashlib
import hmac
import math
import secrets
import string
import threading
import time
from collections import deque
from pathlib import Path
from typing import Protocol

import redis
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from settings import current

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
MIN_DISTINCT_CHARACTERS = 5
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")
# Failed tries (logins, and current passwords on the password form) in a window: per account,
# and per client address, higher so that one office behind a NAT is not locked out by one person.
ACCOUNT_LIMIT = 5
CLIENT_LIMIT = 20
WINDOW_S = 300
REDIS_TIMEOUT_S = 2


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether the password matches the hash; without a hash (unknown or disabled account) a
    dummy verification runs, so that the answer takes as long as for a wrong password."""
    try:
        if password_hash is None:
            _hasher.verify(_dummy_hash(), password)
            return False
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _folded(text: str) -> str:
    """Lower case, letters and digits only: "Marie-Dupont" and "marie dupont" compare equal."""
    return "".join(character for character in text.casefold() if character.isalnum())


@functools.cache
def common_passwords() -> frozenset[str]:
    """The most common passwords (English and French), folded."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(_folded(line) for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, login: str, name: str = "") -> str | None:
    """Why a new password is refused, in French for the person; None when it is accepted.

    Refused: shorter than 12 characters, containing the login, fewer than 5 different
    characters, or equal (case, spaces, symbols and digits at either end ignored) to a
    common password or to the person's name."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Le mot de passe doit avoir au moins {MIN_PASSWORD_LENGTH} caractères."
    folded, folded_login = _folded(password), _folded(login)
    if folded_login and folded_login in folded:
        return "Le mot de passe ne doit pas contenir l'identifiant."
    candidates = {folded, folded.strip(string.digits)} - {""}
    if len(set(password)) < MIN_DISTINCT_CHARACTERS or candidates & (
        common_passwords() | {_folded(name)}
    ):
        return "Ce mot de passe est trop courant ou trop facile à deviner : choisissez-en un autre."
    return None


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(expected: str | None, given: str | None) -> bool:
    return bool(expected and given) and hmac.compare_digest(expected or "", given or "")


class Counter(Protocol):
    """Failures per key within a window."""

    def count(self, key: str) -> int: ...

    def add(self, key: str) -> int: ...

    def clear(self, key: str) -> None: ...


class MemoryCounter:
    """Failures in the memory of this process, over a sliding window."""

    def __init__(self, window_s: float = WINDOW_S) -> None:
        self.window_s = window_s
        self._failures: dict[str, deque] = {}
        self._lock = threading.Lock()
        self._pruned = time.monotonic()

    def _recent(self, key: str, now: float) -> deque:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        return failures

    def count(self, key: str) -> int:
        with self._lock:
            return len(self._recent(key, time.monotonic()))

    def add(self, key: str) -> int:
        with self._lock:
            now = time.monotonic()
            if now - self._pruned > self.window_s:  # keys whose failures are all too old
                self._failures = {k: v for k, v in self._failures.items() if self._recent(k, now)}
                self._pruned = now
            failures = self._recent(key, now)
            failures.append(now)
            self._failures[key] = failures
            return len(failures)

    def clear(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


class RedisCounter:
    """Failures in Redis, shared by every web app process: one key per account or client,
    expiring one window after its first failure."""

    def __init__(self, client: redis.Redis, prefix: str, window_s: float = WINDOW_S) -> None:
        self.client = client
        self.prefix = prefix
        self.window_s = math.ceil(window_s)

    def _key(self, key: str) -> str:
        return f"{self.prefix}:console-login:{hashlib.sha256(key.encode()).hexdigest()}"

    def count(self, key: str) -> int:
        return int(self.client.get(self._key(key)) or 0)

    def add(self, key: str) -> int:
        name = self._key(key)
        pipeline = self.client.pipeline()
        pipeline.set(name, 0, ex=self.window_s, nx=True)
        pipeline.incr(name)
        return pipeline.execute()[1]

    def clear(self, key: str) -> None:
        self.client.delete(self._key(key))


class LoginLimiter:
    """At most `account_limit` failures per account and `client_limit` per client address in
    the counter's window. A success resets its own account's count only."""

    def __init__(
        self,
        counter: Counter | None = None,
        account_limit: int = ACCOUNT_LIMIT,
        client_limit: int = CLIENT_LIMIT,
    ) -> None:
        self.counter = counter or MemoryCounter()
        self.account_limit = account_limit
        self.client_limit = client_limit

    @classmethod
    def from_settings(cls) -> "LoginLimiter":
        """Counts in Redis when CLEA_REDIS_HOST is set (CLEA_REDIS_PORT, CLEA_REDIS_DB,
        CLEA_REDIS_PREFIX), shared by every web app; in this process otherwise."""
        settings = current()
        if not settings.redis_host:
            return cls()
        client = redis.Redis(
            host=settings.redis_host,
            port=settings.redis_port,
            db=settings.redis_db,
            socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_TIMEOUT_S,
        )
        return cls(RedisCounter(client, settings.redis_prefix))

    def blocked(self, login: str, client: str | None = None) -> bool:
        """Whether the account, or the client when given, has used up its failures."""
        return self.counter.count(f"account:{login}") >= self.account_limit or (
            client is not None and self.counter.count(f"client:{client}") >= self.client_limit
        )

    def failed(self, login: str, client: str | None = None) -> list[str]:
        """Count a failure of the account (and client); the limits it has just reached."""
        reached = []
        if self.counter.add(f"account:{login}") == self.account_limit:
            reached.append("account")
        if client is not None and self.counter.add(f"client:{client}") == self.client_limit:
            reached.append("client")
        return reached

    def succeeded(self, login: str) -> None:
        """The account's own count starts again; the client's and other accounts' stay."""
        self.counter.clear(f"account:{login}")
