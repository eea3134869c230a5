"""Who a conversation belongs to: one namespace per channel, website ids signed by us.

Every conversation id starts with its channel's prefix (`web:`, `tg:`, `fb:`,
`wa:`), so an id of one channel can never reach another channel's
conversation. A website id is issued by the server: `web:<random>.<signature>`,
an HMAC of the random part with a key derived from the project's secret
(CLEA_SECRET_KEY, or a random key kept in var/console.key), so it can be
neither guessed nor made up; the web app and Rasa refuse any other. Logs name
conversations by a short hash only.
"""

import hashlib
import hmac
import os
import re
import secrets
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from settings import current

ROOT = Path(__file__).resolve().parent.parent.parent
KEY_FILE = ROOT / "var" / "console.key"
KEY_BYTES = 32

WEB_PREFIX, TELEGRAM_PREFIX, MESSENGER_PREFIX, WHATSAPP_PREFIX = "web", "tg", "fb", "wa"
PREFIXES = (WEB_PREFIX, TELEGRAM_PREFIX, MESSENGER_PREFIX, WHATSAPP_PREFIX)
_WEB_ID = re.compile(r"^web:([0-9a-f]{32})\.([0-9a-f]{32})$")


def secret_key() -> bytes:
    """32 bytes from CLEA_SECRET_KEY, else a random key kept in var/console.key (owner only)."""
    configured = current().secret("secret_key")
    if configured:
        return hashlib.sha256(configured.encode()).digest()
    return _file_key()


@lru_cache(maxsize=1)
def _file_key() -> bytes:
    KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
    try:  # several processes start together: one creates the key, the others read it
        descriptor = os.open(KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key()
    with os.fdopen(descriptor, "wb") as key_file:
        key_file.write(secrets.token_bytes(KEY_BYTES))
    return _read_key()


def _read_key() -> bytes:
    for _ in range(100):  # the creator may still be writing it
        key = KEY_FILE.read_bytes()
        if len(key) == KEY_BYTES:
            return key
        time.sleep(0.01)
    raise RuntimeError(f"{KEY_FILE} is not a {KEY_BYTES}-byte key: delete it and start again.")


@lru_cache(maxsize=8)
def _id_key(secret: bytes) -> bytes:
    return hmac.new(secret, b"clea conversation ids", hashlib.sha256).digest()


def _signature(random_part: str, secret: bytes) -> str:
    return hmac.new(_id_key(secret), random_part.encode(), hashlib.sha256).hexdigest()[:32]


def issue_web_id(secret: bytes | None = None) -> str:
    """A new website conversation id: random, signed."""
    random_part = secrets.token_hex(16)
    return f"{WEB_PREFIX}:{random_part}.{_signature(random_part, secret or secret_key())}"


def valid_web_id(value: Any, secret: bytes | None = None) -> bool:
    """True only for a website id this project issued."""
    match = _WEB_ID.match(value) if isinstance(value, str) else None
    if not match:
        return False
    expected = _signature(match.group(1), secret or secret_key())
    return hmac.compare_digest(expected, match.group(2))


def namespaced(prefix: str, external_id: str) -> str:
    """The conversation id of a messaging app's user or chat id: `tg:123`."""
    return f"{prefix}:{external_id}"


def external_id(conversation_id: str) -> str:
    """The id the messaging app knows, without our channel prefix."""
    prefix, separator, rest = conversation_id.partition(":")
    return rest if separator and prefix in PREFIXES else conversation_id


def short_hash(conversation_id: str | None) -> str:
    """A conversation named in the logs: 10 hex digits, not reversible to a phone number."""
    if not conversation_id:
        return "-"
    return hmac.new(_id_key(secret_key()), conversation_id.encode(), hashlib.sha256).hexdigest()[
        :10
    ]


class ExternalRecipient:
    """Mixin for a messaging app's output channel: replies go to the id the app knows."""

    async def send_response(self, recipient_id: str, message: dict) -> None:
        await super().send_response(external_id(recipient_id), message)  # type: ignore[misc]
