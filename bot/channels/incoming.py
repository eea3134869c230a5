"""Checks applied to every incoming message before it reaches NLU.

DIET's cost grows with the square of the message length, so over-long texts
never reach it: they become the `message_too_long` intent, which the
assistant answers with a polite note.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.channels.identity import valid_web_id
from settings import current

MAX_BODY_BYTES = 1_000_000
TOO_LONG_INTENT = "/message_too_long"
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_PAYLOAD = re.compile(r"^(/\w+)(\{.*\})$", re.DOTALL)
MAX_ENTITY_CHARS = 200


class InvalidRequest(ValueError):
    """The request cannot be read as a message; the text says why, in French."""


@dataclass(frozen=True)
class IncomingMessage:
    sender: str
    text: str
    # The website's own id for the message, the same when its client sends it again.
    message_id: str | None = None


def prepare_text(text: str) -> str:
    """The text to hand to Rasa: control characters removed, texts over
    CLEA_MAX_MESSAGE_CHARS replaced, a button payload's entities kept only when they are
    plain values."""
    cleaned = _CONTROL_CHARS.sub("", text).strip()
    if len(cleaned) > current().max_message_chars:
        return TOO_LONG_INTENT
    return _plain_payload(cleaned)


def _plain_payload(text: str) -> str:
    """`/intent{"entity": value}` as our buttons send it; a payload whose entities are
    not short texts, numbers or booleans (a client can post any JSON) keeps its intent only."""
    match = _PAYLOAD.match(text)
    if not match:
        return text
    try:
        entities = json.loads(match.group(2))
    except (ValueError, RecursionError):
        return match.group(1)
    if isinstance(entities, dict) and all(_plain(value) for value in entities.values()):
        return text
    return match.group(1)


def _plain(value: Any) -> bool:
    if isinstance(value, str):
        return len(value) <= MAX_ENTITY_CHARS
    return isinstance(value, (bool, int, float))


def parse_rest_body(body: bytes) -> IncomingMessage:
    """Read a REST webhook body: {"sender": ..., "message": ..., "message_id": optional};
    a client's metadata is dropped."""
    if not body or not body.strip():
        raise InvalidRequest("Le corps de la requête est vide.")
    if len(body) > MAX_BODY_BYTES:
        raise InvalidRequest("La requête est trop grande.")
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # ValueError: JSON, huge integers
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
    message_id = payload.get("message_id")
    if message_id is not None and not valid_message_id(message_id):
        raise InvalidRequest("Le champ « message_id » doit faire 8 à 64 lettres, chiffres, - ou _.")
    return IncomingMessage(sender, text, message_id)


def valid_message_id(value: Any) -> bool:
    """A website message id as the widget makes them (web/static/chat.js)."""
    return isinstance(value, str) and _MESSAGE_ID.match(value) is not None


def _read_sender(value: Any) -> str:
    """A website conversation id issued by us: nobody can choose another person's."""
    if value is None or value == "":
        raise InvalidRequest("Le champ « sender » (identifiant de la conversation) manque.")
    if not valid_web_id(value):
        raise InvalidRequest("Cette conversation est inconnue : recommencez la conversation.")
    return value
