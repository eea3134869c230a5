"""What the messaging-app channels (Telegram, Messenger, WhatsApp) share.

- Choices shown as a numbered list, where an app has no buttons.
- A reply read against the buttons of the assistant's last message: "2",
  "2.", "choix 2" or the title typed becomes that button's payload. The
  buttons are read from the conversation in the tracker store, never kept in
  this process, so any Rasa server of a group can take the next message.
- Voice notes, photos, files and locations become the `media_message` intent.
- A message is handled after the webhook has answered (`start_turn`,
  bot/channels/turns.py), one conversation's messages in order.
- A payload too long for a provider's button (Telegram's 64 bytes) travels as
  its digest (`short_payload`), read back from the conversation's buttons.
"""

import base64
import hashlib
import hmac
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from sanic import Sanic
from sanic.request import Request

from bot.channels.credentials import MessagingApp, MissingSettings
from bot.channels.delivery import deliver
from bot.channels.incoming import prepare_text
from bot.channels.turns import Turns
from referentiel.text import fold

MEDIA_MESSAGE = "/media_message"
INTENT_PREFIX = "/"
DIGEST_PREFIX = "#"
TURNS = Turns()
_NUMBER_REPLY = re.compile(r"^(?:choix|option|numero|n°|no)?\s*(\d{1,2})\s*[.)]?$")


def channel_settings(app: MessagingApp) -> dict[str, str]:
    """The channel's settings; Rasa stops at start-up, naming the variables not set."""
    try:
        return app.settings()
    except MissingSettings as error:
        raise RasaException(str(error)) from None


def same_secret(received: str | None, expected: str) -> bool:
    """Constant-time comparison of a secret sent by a provider."""
    return hmac.compare_digest((received or "").encode("utf-8"), expected.encode("utf-8"))


def numbered_choices(text: str, buttons: list[dict[str, Any]]) -> str:
    """The text, then one line per button: "1. Titre" (a title already numbered stays as is).

    Lettered choices ("A. 3 h 30", the quiz's) get no second number, which would
    make "4" read as a place rather than "4 h 30"; those the text shows are not repeated.
    """
    titles = [str(button.get("title", "")).strip() for button in buttons]
    lines = [text.strip()]
    if any(re.match(r"[A-Z]\.\s", title) for title in titles):
        shown = {line.strip() for line in text.splitlines()}
        return "\n".join(lines + [title for title in titles if title not in shown])
    for number, title in enumerate(titles, start=1):
        lines.append(title if re.match(rf"{number}\.\s", title) else f"{number}. {title}")
    return "\n".join(lines)


def button_for_reply(reply: str, buttons: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The button a typed reply designates: its number or its exact title, else None.

    Among lettered choices a number is content, not a place: "4" designates
    "B. 4 h 30" when no other choice has a 4.
    """
    folded = fold(reply)
    number = _NUMBER_REPLY.match(folded)
    lettered = [re.match(r"[A-Z]\.\s+(.*)", str(b.get("title", "")).strip()) for b in buttons]
    if any(lettered) and (number or folded.isdigit()):
        wanted = number.group(1) if number else folded
        owners = [
            button
            for button, choice in zip(buttons, lettered)
            if choice and wanted in re.findall(r"\d+", choice.group(1))
        ]
        return owners[0] if len(owners) == 1 else None
    if number:
        index = int(number.group(1)) - 1
        return buttons[index] if 0 <= index < len(buttons) else None
    return next((b for b in buttons if fold(str(b.get("title", ""))) == folded), None)


def last_buttons(tracker: DialogueStateTracker | None) -> list[dict[str, Any]]:
    """The buttons of the assistant's last message in the conversation (a drawing for the
    widget, never sent to a messaging app, is no message)."""
    if tracker is None:
        return []
    for event in reversed(tracker.events):
        if isinstance(event, BotUttered) and (event.text or not event.data.get("custom")):
            return list(event.data.get("buttons") or [])
    return []


def short_payload(payload: str) -> str:
    """A stable 17-character stand-in for a payload: "#" and its digest."""
    digest = hashlib.sha256(payload.encode("utf-8")).digest()[:12]
    return DIGEST_PREFIX + base64.urlsafe_b64encode(digest).decode("ascii")


def payload_of_digest(tracker: DialogueStateTracker | None, digest: str) -> str | None:
    """The payload of a button of the conversation, latest first, whose stand-in is `digest`."""
    if tracker is None:
        return None
    for event in reversed(tracker.events):
        if isinstance(event, BotUttered):
            for button in event.data.get("buttons") or []:
                payload = button.get("payload")
                if isinstance(payload, str) and short_payload(payload) == digest:
                    return payload
    return None


async def resolve_reply(app: Sanic, sender_id: str, text: str) -> str:
    """The payload of the button a typed reply (or a digest) designates, else the text
    unchanged; "" for a digest of no button the conversation still has."""
    if not text or text.startswith(INTENT_PREFIX):
        return text
    agent = getattr(app.ctx, "agent", None)
    if agent is None or agent.tracker_store is None:
        return text
    tracker = await agent.tracker_store.retrieve(sender_id)
    if text.startswith(DIGEST_PREFIX):
        return payload_of_digest(tracker, text) or ""
    button = button_for_reply(text, last_buttons(tracker))
    payload = button.get("payload") if button else None
    return payload if isinstance(payload, str) and payload else text


async def read_reply(app: Sanic, sender_id: str, text: str) -> str:
    """A typed message made ready for Rasa: cleaned, then read against the last buttons."""
    return await resolve_reply(app, sender_id, prepare_text(text))


def start_turn(
    request: Request,
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    output: OutputChannel,
    sender_id: str,
    text: str,
    input_channel: str,
    metadata: Any = None,
    after: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Handle the message in the background, after the conversation's earlier ones; the
    webhook answers at once. `after` runs when the turn is over (closing a session)."""
    app = request.app

    async def turn() -> None:
        try:
            reply = await read_reply(app, sender_id, text)
            if reply:
                await deliver(
                    on_new_message,
                    UserMessage(
                        reply, output, sender_id, input_channel=input_channel, metadata=metadata
                    ),
                )
        finally:
            if after is not None:
                await after()

    TURNS.start(sender_id, turn)
