"""Checks applied to every incoming message before it reaches NLU.

DIET's cost grows with the square of the message length, so over-long texts
never reach it: they become the `message_too_long` intent, which the
assistant answers with a polite note.
"""

import json
import os
import re
from dataclasses import dataclass
from typing import Any, Optional

MAX_MESSAGE_CHARS = int(os.environ.get("CLEA_MAX_MESSAGE_CHARS", "1000"))
MAX_BODY_BYTES = 1_000_000
MAX_SENDER_CHARS = 128
TOO_LONG_INTENT = "/message_too_long"
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A website conversation id, chosen by the widget (random, so unguessable).
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class InvalidRequest(ValueError):
    """The request cannot be read as a message; the text says why, in French."""


@dataclass(frozen=True)
class IncomingMessage:
    sender: str
    text: str
    metadata: Optional[dict[str, Any]]


def prepare_text(text: str, max_chars: int = MAX_MESSAGE_CHARS) -> str:
    """The text to hand to Rasa: control characters removed, over-long texts replaced."""
    cleaned = _CONTROL_CHARS.sub("", text).strip()
    if len(cleaned) > max_chars:
        return TOO_LONG_INTENT
    return cleaned


def parse_rest_body(body: bytes) -> IncomingMessage:
    """Read a REST webhook body: {"sender": ..., "message": ..., "metadata": {...}}."""
    if not body or not body.strip():
        raise InvalidRequest("Le corps de la requête est vide.")
    if len(body) > MAX_BODY_BYTES:
        raise InvalidRequest("La requête est trop grande.")
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidRequest("Le corps de la requête doit être du JSON en UTF-8.") from None
    if not isinstance(payload, dict):
        raise InvalidRequest("Le corps de la requête doit être un objet JSON.")
    sender = _read_sender(payload.get("sender"))
    message = payload.get("message")
    if not isinstance(message, str):
        raise InvalidRequest("Le champ « message » doit être un texte.")
    text = prepare_text(message)
    if not text:
        raise InvalidRequest("Le message est vide.")
    metadata = payload.get("metadata")
    return IncomingMessage(sender, text, metadata if isinstance(metadata, dict) else None)


def _read_sender(value: Any) -> str:
    """A sender id is required: without one, strangers would share one conversation."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest("Le champ « sender » (identifiant de la conversation) manque.")
    sender = value.strip()
    if len(sender) > MAX_SENDER_CHARS or _CONTROL_CHARS.search(sender):
        raise InvalidRequest("Le champ « sender » n'est pas valide.")
    return sender
