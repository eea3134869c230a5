"""Abuse limits: request size, message rate and size of a conversation, pre-dossiers per contact."""

import asyncio

import pytest
import requests
from helpers import REQUEST_TIMEOUT_S, say, texts
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels import delivery
from bot.channels.limits import MAX_CONVERSATION_MESSAGES
from bot.tracker_store import ErasableSQLTrackerStore
from dossiers.repository import MAX_PER_CONTACT_PER_DAY, NewPreDossier, Repository, TooManyRequests
from harness.servers import Servers, new_sender
from settings import current


def test_rasa_refuses_an_over_large_body_before_reading_it(servers: Servers):
    body = b'{"sender": "x", "message": "' + b"a" * 3_000_000 + b'"}'
    response = requests.post(
        servers.webhook,
        data=body,
        timeout=REQUEST_TIMEOUT_S,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert "Bonjour" in texts(say(servers, "bonjour"))  # still up


def test_a_conversation_sending_faster_than_anyone_types_is_asked_to_wait(servers: Servers):
    sender = new_sender()
    answers = [texts(say(servers, "bonjour", sender)) for _ in range(current().conversation_rate)]
    assert all("Bonjour" in answer for answer in answers)
    assert "Attendez une minute" in texts(say(servers, "bonjour", sender))
    assert "Bonjour" in texts(say(servers, "bonjour"))  # another conversation is not slowed


def _deliver(text: str, sender: str) -> list[dict]:
    async def assistant(message: UserMessage) -> None:
        await message.output_channel.send_response(message.sender_id, {"text": "Réponse"})

    collector = CollectingOutputChannel()
    asyncio.run(delivery.deliver(assistant, UserMessage(text, collector, sender)))
    return collector.messages


def test_a_full_conversation_gets_a_note_but_can_still_be_erased(monkeypatch):
    monkeypatch.setattr(delivery, "_stored_user_messages", lambda _: MAX_CONVERSATION_MESSAGES)
    full = _deliver("bonjour", "web:full")
    assert "trop longue" in full[0]["text"]
    assert full[0]["buttons"] == [{"title": "Effacer mes données", "payload": "/delete_my_data"}]
    assert _deliver("/delete_my_data", "web:full")[0]["text"] == "Réponse"
    monkeypatch.setattr(delivery, "_stored_user_messages", lambda _: MAX_CONVERSATION_MESSAGES - 1)
    assert _deliver("bonjour", "web:almost-full")[0]["text"] == "Réponse"


def test_the_tracker_store_counts_a_conversations_messages(tmp_path):
    store = ErasableSQLTrackerStore(
        Domain.empty(), dialect="sqlite", db=str(tmp_path / "trackers.db")
    )
    tracker = DialogueStateTracker.from_events(
        "web:counted", [UserUttered(f"message {number}") for number in range(7)]
    )
    asyncio.run(store.save(tracker))
    assert store.user_message_count("web:counted") == 7
    assert store.user_message_count("web:other") == 0
    assert (tmp_path / "trackers.db").stat().st_mode & 0o777 == 0o600


def _new(number: int, phone: str = "06 11 22 33 44", email=None) -> NewPreDossier:
    return NewPreDossier(
        request_key=f"web:x:{number}",
        sender_id="web:x",
        antenne_id="lille",
        first_name="Léa",
        last_name="Martin",
        phone=phone,
        email=email,
    )


def test_pre_dossiers_per_contact_and_day_are_limited(repository: Repository):
    for number in range(MAX_PER_CONTACT_PER_DAY):
        assert repository.create_pre_dossier(_new(number))[1]
    with pytest.raises(TooManyRequests):
        repository.create_pre_dossier(_new(99))
    # The same request retried still gets its reference; another contact is not limited.
    assert repository.create_pre_dossier(_new(0))[1] is False
    assert repository.create_pre_dossier(_new(100, phone="06 99 88 77 66"))[1]
    assert repository.create_pre_dossier(_new(101, phone=None, email="lea@exemple.fr"))[1]
