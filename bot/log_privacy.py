"""No personal data in the logs, whatever a library logs.

`install()` is called by each of our servers once logging is set up:
- every log record (standard logging, which structlog also writes through) is
  scrubbed as it is made: a conversation dump (tracker, events, slots) is
  replaced by a note, conversation ids become short hashes, phone numbers,
  e-mail addresses, query strings and the entities of `/intent{...}` payloads
  are masked, in the message and in the traceback text;
- structlog renders tracebacks without the frames' local variables, and its
  fields that carry what a person wrote are dropped.
The messaging apps' secrets never appear either: the values configured are masked
wherever they show, and so is the shape of a Bot API token in an address
(`/bot<token>/`) and Graph's `access_token=` and `appsecret_proof=`.
Names cannot be recognised in free text: they only ever travel inside a
conversation dump or a message text, and both are removed.
"""

import logging
import re
import traceback
from typing import Any

import structlog

from bot.channels.credentials import configured_secrets
from bot.channels.identity import short_hash

REMOVED = "[conversation data removed]"
SECRET = "[secret]"
_SECRET_SHAPES = (
    (re.compile(r"\bbot\d+:[\w-]{20,}"), "bot" + SECRET),
    (
        re.compile(r"\b(access_token|appsecret_proof|auth_token|secret_token)=[^&\s'\"]+"),
        r"\1=" + SECRET,
    ),
)
MIN_SECRET_CHARS = 8  # a shorter value would mask ordinary words
_secrets: list[str] = []
# Signs that a text holds a conversation: a tracker, its events or its slots.
_DUMP = re.compile(r"""['"](?:events|slots|latest_message|tracker|request_body)['"]\s*:""")
_CONVERSATION_ID = re.compile(r"\b(?:web|tg|fb|wa):[^\s'\",}\])]+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(
    r"(?<!\d)(?:(?:(?:\+|00)33[\s.\-]?|0)[1-9](?:[\s.\-]?\d{2}){4}|\+\d{9,15})(?!\d)"
)
_PAYLOAD_ENTITIES = re.compile(r"(/\w+)\{.*?\}(?=['\"\s]|$)", re.DOTALL)
_QUERY = re.compile(r"(\"[A-Z]+ [^\s?\"]*)\?[^\s\"]*")
# The line between two exceptions of a chain, in a traceback's text.
_CHAIN = re.compile(
    r"(\n(?:The above exception was the direct cause of the following exception"
    r"|During handling of the above exception, another exception occurred):\n)"
)
# structlog fields that carry what a person wrote or the conversation's state.
PERSONAL_FIELDS = frozenset(
    {
        "text",
        "response_text",
        "user_text",
        "slot_values",
        "parse_data_text",
        "parse_data_entities",
        "prediction_events",
        "tracker_latest_message",
        "prefilled_slots",
        "message",
        "response",
        "slot_candidates",
        "rasa_event",
        "rasa_events",
        "tracker_states",
        "current_states",
        "old_states",
        "states",
        "entity",
        "current_entity",
        "next_entity",
        "token_text",
        "user_message",
        "json_message",
        "tracker",
        "events",
        "slots",
    }
)
ID_FIELDS = frozenset({"sender", "sender_id", "conversation_id", "recipient_id"})


def scrub(text: str) -> str:
    """The text with no secret, conversation dump, conversation id, phone, e-mail or
    payload entity."""
    for secret in _secrets:
        text = text.replace(secret, SECRET)
    for shape, replacement in _SECRET_SHAPES:
        text = shape.sub(replacement, text)
    dump = _DUMP.search(text)
    if dump:
        text = text[: dump.start()].rstrip(" {[('\"") + " " + REMOVED
    text = _CONVERSATION_ID.sub(lambda match: "conversation#" + short_hash(match.group(0)), text)
    text = _EMAIL.sub("[e-mail]", text)
    text = _PHONE.sub("[téléphone]", text)
    text = _PAYLOAD_ENTITIES.sub(r"\1{…}", text)
    return _QUERY.sub(r"\1?…", text)


class _ScrubbedRecord(logging.LogRecord):
    """A log record whose message and traceback are scrubbed when it is made."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        try:
            message = self.getMessage()
        except Exception:  # a library's bad format string: keep its template only
            message = str(self.msg)
        self.msg, self.args = scrub(message), ()
        if self.exc_info and self.exc_info[1] is not None:
            self.exc_text = scrub_traceback(
                "".join(traceback.format_exception(*self.exc_info)).rstrip()
            )


def scrub_traceback(text: str) -> str:
    """A traceback's text, each exception of its chain scrubbed on its own: a dump in the
    first one does not hide what the next one says ("Failed to execute custom action")."""
    parts = _CHAIN.split(text)
    parts[::2] = [scrub(part) for part in parts[::2]]
    return "".join(parts)


def _scrubbed(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {key: _scrubbed(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrubbed(item) for item in value]
    return value


def _structlog_fields(_logger: Any, _name: str, event: dict) -> dict:
    for field in list(event):
        if field in PERSONAL_FIELDS:
            event[field] = "[removed]"
        elif field in ID_FIELDS and isinstance(event[field], str):
            event[field] = short_hash(event[field])
        else:
            event[field] = _scrubbed(event[field])
    return event


def _without_locals(processor: Any) -> Any:
    """structlog's renderers as Rasa sets them, minus the frames' local variables."""
    if processor is structlog.processors.dict_tracebacks:
        return structlog.processors.ExceptionRenderer(
            structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
        )
    if isinstance(processor, structlog.dev.ConsoleRenderer):
        processor._exception_formatter = structlog.dev.plain_traceback
    return processor


def install() -> None:
    """Scrub every log record of this process, and structlog's fields and tracebacks."""
    _secrets[:] = sorted(
        (secret for secret in configured_secrets() if len(secret) >= MIN_SECRET_CHARS),
        key=len,
        reverse=True,
    )
    logging.setLogRecordFactory(_ScrubbedRecord)
    config = structlog.get_config()
    processors = [_without_locals(p) for p in config["processors"]]
    if _structlog_fields not in processors:
        processors.insert(max(len(processors) - 1, 0), _structlog_fields)
    structlog.configure(processors=processors)
