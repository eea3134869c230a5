"""A person who writes "lis-moi le message" or "en audio" hears the assistant's last answer;
one who writes "je sais pas bien lire" is told how to listen (and the website reads it).

The request is read here, before Rasa (its phrases are data in
referentiel/pronunciation.yml, matched on the normalised text), and answered from the
conversation in the tracker store, so any Rasa server of a group can answer it:
- Telegram: a voice note (sendVoice, Ogg/Opus) made from the last answer and its choices;
- WhatsApp (Twilio): a media message whose address (`/webhooks/twilio/audio/<token>`) holds
  the conversation and the answer's time encrypted, never the text: whichever Rasa server
  Twilio asks makes the audio again from the conversation, for VOICE_NOTE_TTL_S;
- the website: a drawing (bot/display.py) that makes the widget play its last message;
- any other channel (Messenger): a polite line with the head office's phone.
"""

import asyncio
import base64
import hashlib
import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic
from sanic.exceptions import SanicException

from bot.channels.identity import secret_key
from bot.display import WEB_CHANNELS, display
from referentiel import load_referentiel
from referentiel.normalise import normalise
from referentiel.pronunciation import load_pronunciation
from speech.synthesis import FORMATS, Speaker, spoken_text

VOICE_NOTE_TTL_S = 3600


@lru_cache(maxsize=4)
def _normalised(phrases: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f" {normalise(phrase)} " for phrase in phrases)


def _words(text: str | None) -> str | None:
    """The message's normalised words, padded with spaces; None for a button's payload."""
    if not text or text.startswith("/"):
        return None
    return f" {normalise(text)} "


def _asks_to_listen(words: str) -> bool:
    lexicon = load_pronunciation()
    return (
        any(phrase in words for phrase in _normalised(lexicon.listen_requests))
        or words.strip() in lexicon.listen_words
    )


def _finds_reading_hard(words: str) -> bool:
    return any(phrase in words for phrase in _normalised(load_pronunciation().reading_difficulties))


def asks_to_listen(text: str | None) -> bool:
    """Whether a message asks to hear the last answer."""
    words = _words(text)
    return words is not None and _asks_to_listen(words)


def finds_reading_hard(text: str | None) -> bool:
    """Whether a message says that reading is hard for the person."""
    words = _words(text)
    return words is not None and _finds_reading_hard(words)


async def answer_about_reading(message: UserMessage, output: Any) -> bool:
    """Answer a request to listen, or a person who says reading is hard for them, on the
    channel it came from; False for any other message (Rasa answers it). The message is
    normalised once."""
    words = _words(message.text)
    if words is None:
        return False
    if _asks_to_listen(words):
        await read_aloud(message, output)
        return True
    if _finds_reading_hard(words):
        phone = load_referentiel().organisation.phone
        await output.send_response(
            message.sender_id, {"text": load_pronunciation().reading_help.format(phone=phone)}
        )
        if output.channel in WEB_CHANNELS:  # and the widget reads it aloud at once
            await output.send_response(message.sender_id, {"custom": display("listen")})
        return True
    return False


def last_answer(tracker: DialogueStateTracker | None) -> BotUttered | None:
    """The assistant's last message with a text (a drawing for the widget has none)."""
    if tracker is None:
        return None
    return next(
        (
            event
            for event in reversed(tracker.events)
            if isinstance(event, BotUttered) and event.text
        ),
        None,
    )


def spoken(answer: BotUttered) -> str:
    """What the voice says for a message: its text, then its choices."""
    buttons = answer.data.get("buttons") or []
    return spoken_text(answer.text or "", [str(button.get("title", "")) for button in buttons])


@lru_cache(maxsize=1)
def speaker() -> Speaker:
    return Speaker()


async def voice_note(text: str) -> bytes:
    """The text read aloud as Ogg/Opus (a voice note)."""
    return await asyncio.to_thread(speaker().audio, text, FORMATS["ogg"])


def _fernet() -> Fernet:
    key = hashlib.sha256(b"clea voice notes|" + secret_key()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def note_token(sender_id: str, answer: BotUttered) -> str:
    """An opaque, expiring name for the voice note of `answer` in a conversation."""
    return _fernet().encrypt(json.dumps({"s": sender_id, "t": answer.timestamp}).encode()).decode()


def read_token(token: str) -> tuple[str, float] | None:
    """The conversation and the answer's time a token names, None when forged or expired."""
    try:
        data = json.loads(_fernet().decrypt(token.encode(), ttl=VOICE_NOTE_TTL_S))
        return str(data["s"]), float(data["t"])
    except (InvalidToken, ValueError, KeyError, TypeError):
        return None


def answer_at(tracker: DialogueStateTracker | None, timestamp: float) -> BotUttered | None:
    if tracker is None:
        return None
    return next(
        (
            event
            for event in tracker.events
            if isinstance(event, BotUttered) and event.text and event.timestamp == timestamp
        ),
        None,
    )


async def stored_tracker(sender_id: str) -> DialogueStateTracker | None:
    """The conversation as the tracker store holds it (None when unknown)."""
    try:
        store = Sanic.get_app().ctx.agent.tracker_store
    except (SanicException, AttributeError):
        return None
    return await store.retrieve(sender_id)


async def read_aloud(message: UserMessage, output: Any) -> None:
    """Answer a request to listen on the channel it came from; `output` is the turn's
    WatchedOutput (bot/channels/delivery.py), which knows whether its channel sends audio."""
    if output.channel in WEB_CHANNELS:  # the widget has the text: it plays it
        await output.send_response(message.sender_id, {"custom": display("listen")})
        return
    answer = last_answer(await stored_tracker(message.sender_id))
    if answer is not None and await output.send_voice_note(message.sender_id, answer):
        return
    phone = load_referentiel().organisation.phone
    await output.send_response(
        message.sender_id, {"text": load_pronunciation().no_audio_here.format(phone=phone)}
    )
