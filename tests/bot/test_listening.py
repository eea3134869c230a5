"""'lis-moi le message': the request read before Rasa, answered per channel."""

import asyncio

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels import delivery, listening
from bot.channels.delivery import WatchedOutput, deliver
from bot.channels.listening import (
    answer_at,
    asks_to_listen,
    finds_reading_hard,
    last_answer,
    note_token,
    read_token,
    spoken,
)
from bot.display import display


@pytest.mark.parametrize(
    "text",
    [
        "lis-moi le message",
        "li moi le msg",
        "Lisez-moi ça",
        "en odio svp",
        "réponds en vocal",
        "à voix haute svp",
        "je veux écouter",
        "tu peux me le lire ?",
        "audio",
        "Vocal",
    ],
)
def test_requests_to_listen_are_read_with_typos(text: str):
    assert asks_to_listen(text)


@pytest.mark.parametrize(
    "text",
    [
        "je sais pas bien lire",
        "bonjour",
        "lire et écrire c'est quel domaine",
        "/greet",
        "",
        None,
        "je peux vous envoyer un vocal ?",
        "je vous envoie un message audio",
    ],
)
def test_other_messages_are_not(text):
    assert not asks_to_listen(text)


@pytest.mark.parametrize(
    "text",
    [
        "je sais pas bien lire",
        "jsp lire",
        "je lis mal le français",
        "g du mal a lire",
        "je suis dyslexique",
    ],
)
def test_saying_reading_is_hard_is_heard(text: str):
    assert finds_reading_hard(text)


def test_reading_help_says_how_to_listen_and_the_widget_reads_it(monkeypatch):
    async def rasa(message: UserMessage) -> None:
        raise AssertionError("answered before Rasa")

    monkeypatch.setattr(delivery, "_stored_user_messages", lambda _: 1)
    for channel, drawings in (("socketio", 1), ("telegram", 0)):
        output = CollectingOutputChannel()
        asyncio.run(
            deliver(
                rasa, UserMessage("je sais pas bien lire", output, "web:x", input_channel=channel)
            )
        )
        help_text = output.messages[0]["text"]
        assert "Écouter" in help_text and "audio" in help_text and "03 59 61 62 63" in help_text
        assert len([m for m in output.messages if "custom" in m]) == drawings


def tracker(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("tg:42", list(events))


QUESTION = BotUttered(
    "Vous êtes salarié ?",
    {"buttons": [{"title": "Oui", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"}]},
    timestamp=5.0,
)


def test_the_last_answer_is_the_last_text_with_its_choices():
    drawn = BotUttered(None, {"custom": display("progress", number=1, total=18)}, timestamp=6.0)
    answer = last_answer(tracker(UserUttered("bonjour"), QUESTION, drawn))
    assert answer is QUESTION or answer == QUESTION
    assert spoken(answer) == "Vous êtes salarié ?\nVous pouvez choisir : Oui ; Non."
    assert last_answer(tracker(UserUttered("bonjour"))) is None and last_answer(None) is None


def test_a_voice_note_token_names_the_answer_and_nothing_readable():
    token = note_token("wa:whatsapp:+33612345678", QUESTION)
    assert "336" not in token and "salari" not in token
    assert read_token(token) == ("wa:whatsapp:+33612345678", 5.0)
    assert answer_at(tracker(QUESTION), 5.0) == QUESTION
    assert read_token(token[:-4] + "AAAA") is None and read_token("forged") is None


class Telegram(CollectingOutputChannel):
    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(self) -> None:
        super().__init__()
        self.voice_notes = []

    async def send_voice_note(self, recipient_id: str, answer: BotUttered) -> None:
        self.voice_notes.append((recipient_id, answer.text))


class Messenger(CollectingOutputChannel):
    @classmethod
    def name(cls) -> str:
        return "facebook"


def listen_on(output, monkeypatch, stored=None, channel: str = "telegram") -> None:
    async def stored_tracker(sender_id: str):
        return stored

    async def rasa(message: UserMessage) -> None:
        raise AssertionError("a request to listen never reaches Rasa")

    monkeypatch.setattr(listening, "stored_tracker", stored_tracker)
    monkeypatch.setattr(delivery, "_stored_user_messages", lambda _: 1)  # not a first message
    asyncio.run(
        deliver(rasa, UserMessage("lis-moi le message", output, "tg:42", input_channel=channel))
    )


def test_telegram_gets_the_voice_note_and_no_apology(monkeypatch):
    output = Telegram()
    listen_on(output, monkeypatch, tracker(UserUttered("bonjour"), QUESTION))
    assert output.voice_notes == [("tg:42", "Vous êtes salarié ?")] and output.messages == []


def test_the_widget_is_told_to_play_its_last_message(monkeypatch):
    for channel in ("rest", "socketio"):
        output = CollectingOutputChannel()
        listen_on(output, monkeypatch, channel=channel)
        assert output.messages[0]["custom"] == {"clea_display": {"kind": "listen"}}


def test_a_channel_without_audio_or_without_answer_gets_the_phone(monkeypatch):
    for output, stored in ((Messenger(), tracker(QUESTION)), (Telegram(), tracker())):
        listen_on(output, monkeypatch, stored, channel=output.name())
        assert "03 59 61 62 63" in output.messages[-1]["text"]


def test_the_watched_output_counts_a_voice_note():
    watched = WatchedOutput(Telegram())
    assert asyncio.run(watched.send_voice_note("tg:42", QUESTION)) and watched.sent == 1
    assert not asyncio.run(WatchedOutput(Messenger()).send_voice_note("tg:42", QUESTION))
