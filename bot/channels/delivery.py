"""Every message the person sends gets an answer, even when part of the assistant fails.

When the action server is down, Rasa only logs the failed action and the turn
ends in silence; an error inside Rasa ends it the same way. Each channel hands
messages over through `deliver`, which watches what the assistant sends and,
when it sent nothing, answers with an apology and the head office phone
(`utter_assistant_unavailable`, rendered from referentiel/).

It also keeps each conversation within its limits (bot/channels/limits.py):
a person sending faster than anyone types is asked to wait, and a
conversation past its size cap gets a polite note instead of growing.
Logs name a conversation by a short hash only. The widget's drawings (bot/display.py)
reach the website's channels only. "lis-moi le message" and "je sais pas bien lire" are
answered here (bot/channels/listening.py).

A reply a messaging app would not take, retries included (bot/channels/sending.py),
does not end the turn: it and the turn's next replies are kept, in order
(bot/channels/ledger.py), and when the person writes again they are sent first,
after a short line saying they had not arrived.
"""

import copy
import functools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import structlog
import yaml
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.core.events import BotUttered

from bot.channels.agent import our_tracker_store
from bot.channels.identity import short_hash
from bot.channels.ledger import current_ledger
from bot.channels.limits import (
    ERASURE_PAYLOADS,
    MAX_CONVERSATION_MESSAGES,
    RateLimit,
)
from bot.channels.listening import answer_about_reading
from bot.channels.sending import ReplyFailed
from bot.display import DISPLAY_KEY, WEB_CHANNELS
from referentiel.clauses import requests
from settings import current

RESPONSES_FILE = Path(__file__).resolve().parent.parent / "domain" / "responses.yml"
APOLOGY_RESPONSE = "utter_assistant_unavailable"
TOO_FAST_RESPONSE = "utter_too_fast"
FULL_RESPONSE = "utter_conversation_full"
NOTICE_RESPONSE = "utter_privacy_notice_intro"
MISSED_RESPONSE = "utter_missed_replies_intro"
MESSAGING_CHANNELS = frozenset({"telegram", "facebook", "twilio"})
GREETING = "/greet"
SENDABLE = ("text", "buttons", "quick_replies", "image", "attachment", "elements")


@functools.cache
def _conversation_rate() -> RateLimit:
    """Messages of one conversation in a minute (CLEA_CONVERSATION_RATE): far above what a
    person types or clicks (`make bench` lifts it to send 300 messages at once)."""
    return RateLimit(current().conversation_rate, 60)


logger = structlog.get_logger()


@functools.lru_cache(maxsize=1)
def _responses() -> dict[str, Any]:
    return yaml.safe_load(RESPONSES_FILE.read_text(encoding="utf-8"))["responses"]


def rendered(name: str) -> dict[str, Any]:
    """A response without placeholders, as a message for `OutputChannel.send_response`
    (which consumes it)."""
    message = _responses()[name][0]
    return {"text": message["text"].strip(), "buttons": list(message.get("buttons", []))}


def apology() -> dict[str, Any]:
    """The apology for a turn that got no answer."""
    return rendered(APOLOGY_RESPONSE)


def _stored_user_messages(sender_id: str) -> int:
    """How many messages of the person the conversation store holds (0 when unknown)."""
    count = getattr(our_tracker_store(), "user_message_count", None)
    return count(sender_id) if count else 0


def requests_of(message: UserMessage) -> list[UserMessage]:
    """The message, or each of its two requests as a message of its own, in order
    ("c'est quoi CléA ? et ça coûte combien ?": both are answered; referentiel/clauses.py)."""
    texts = requests(message.text or "")
    if len(texts) == 1:
        return [message]
    return [
        UserMessage(
            text,
            message.output_channel,
            message.sender_id,
            input_channel=message.input_channel,
            metadata=message.metadata,
            message_id=f"{message.message_id}.{index}",
        )
        for index, text in enumerate(texts, start=1)
    ]


def refusal(message: UserMessage, stored: int) -> str | None:
    """The response that answers instead of the assistant, when the conversation is over
    its rate or its size (`stored` messages); None to go on."""
    if message.text in ERASURE_PAYLOADS:
        return None
    if not _conversation_rate().allow(message.sender_id):
        return TOO_FAST_RESPONSE
    if stored >= MAX_CONVERSATION_MESSAGES:
        return FULL_RESPONSE
    return None


def needs_notice(message: UserMessage, stored: int) -> bool:
    """A messaging app's first message: the person hears first that the conversation is
    kept (the website's conversations open with the greeting, which says it)."""
    return stored == 0 and message.input_channel in MESSAGING_CHANNELS and message.text != GREETING


def for_channel(channel: str, message: dict[str, Any]) -> dict[str, Any] | None:
    """The message as `channel` gets it: the widget's drawings (bot/display.py) only on the
    website's channels; None when nothing is left to send."""
    custom = message.get("custom")
    if channel in WEB_CHANNELS or not isinstance(custom, dict) or DISPLAY_KEY not in custom:
        return message
    rest = {key: value for key, value in message.items() if key != "custom"}
    return rest if any(rest.get(key) for key in SENDABLE) else None


class WatchedOutput(OutputChannel):
    """A channel's output, counting the messages the assistant sends through it;
    `channel` is the input channel's name ("rest", "socketio", "telegram"…).

    A reply the provider would not take is kept, and so are the turn's next ones
    (never sent out of order); it counts as sent: an apology would not get through either.
    """

    def __init__(self, inner: OutputChannel, channel: str | None = None) -> None:
        self.inner = inner
        self.channel = channel or ""
        self.sent = 0
        self.undelivered = False

    def name(self) -> str:  # responses may differ per channel: keep the real one's name
        return self.inner.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        sendable = for_channel(self.channel, message)
        if sendable is None:
            return
        self.sent += 1
        await self.send_or_keep(recipient_id, sendable)

    async def send_or_keep(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Send `message`, or keep it for the person's next message when the provider would
        not take it (or an earlier message of the turn is kept)."""
        if not self.undelivered and await self._sent(recipient_id, message):
            return
        current_ledger().keep_missed(recipient_id, message)

    async def _sent(self, recipient_id: str, message: dict[str, Any]) -> bool:
        """True when the provider took the message (Rasa's output consumes it: a copy goes)."""
        try:
            await self.inner.send_response(recipient_id, copy.deepcopy(message))
            return True
        except ReplyFailed:
            self.undelivered = True
            logger.error(
                "channel.reply.kept", channel=self.channel, conversation=short_hash(recipient_id)
            )
            return False

    async def resend_missed(self, recipient_id: str) -> None:
        """Send first the replies the person did not get, oldest first; those that fail
        again stay kept."""
        ledger = current_ledger()
        missed = ledger.missed(recipient_id)
        if not missed or not await self._sent(recipient_id, rendered(MISSED_RESPONSE)):
            return
        for reply_id, message in missed:
            if not await self._sent(recipient_id, message):
                return
            ledger.delivered(reply_id)

    async def send_voice_note(self, recipient_id: str, answer: BotUttered) -> bool:
        """The assistant's `answer` read aloud as a voice note; False when the channel
        cannot send one."""
        send = getattr(self.inner, "send_voice_note", None)
        if send is None:
            return False
        await send(recipient_id, answer)  # when it fails, the turn gets the apology
        self.sent += 1
        return True


async def deliver(
    on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage
) -> bool:
    """Hand a message to Rasa; an apology when nothing was answered. Never raises:
    False when the turn failed with an error (the conversation may not be saved)."""
    watched = WatchedOutput(message.output_channel, message.input_channel)
    message.output_channel = watched
    failed = False
    try:
        stored = _stored_user_messages(message.sender_id)
        refused = refusal(message, stored)
        if refused:
            await _send(message, refused)
            return True
        if message.input_channel in MESSAGING_CHANNELS:
            await watched.resend_missed(message.sender_id)
        if needs_notice(message, stored):
            await watched.send_or_keep(message.sender_id, rendered(NOTICE_RESPONSE))
        if not await answer_about_reading(message, watched):
            for part in requests_of(message):
                await on_new_message(part)
    except Exception:  # a provider would retry on a 5xx and the person get answers twice
        failed = True
        logger.exception(
            "channel.message.failure",
            channel=message.input_channel,
            conversation=short_hash(message.sender_id),
        )
    if watched.sent:
        return not failed
    logger.error(
        "channel.message.unanswered",
        channel=message.input_channel,
        conversation=short_hash(message.sender_id),
    )
    try:
        await watched.inner.send_response(message.sender_id, apology())
    except ReplyFailed:
        logger.error("channel.apology.failure", channel=message.input_channel)
    except Exception:
        logger.exception("channel.apology.failure", channel=message.input_channel)
    return not failed


async def _send(message: UserMessage, response: str) -> None:
    """A response of ours, sent before or instead of the assistant's; never raises."""
    try:
        await message.output_channel.send_response(message.sender_id, rendered(response))
    except ReplyFailed:
        logger.error("channel.send.failure", channel=message.input_channel)
    except Exception:
        logger.exception("channel.send.failure", channel=message.input_channel)
