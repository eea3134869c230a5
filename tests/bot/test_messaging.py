"""What the messaging channels share: numbered choices and replies read against the last buttons."""

import asyncio
import hashlib
import hmac
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.messaging import (
    MEDIA_MESSAGE,
    button_for_reply,
    last_buttons,
    numbered_choices,
    payload_of_digest,
    read_reply,
    same_secret,
    short_payload,
)
from bot.channels.messenger import fits_quick_replies, signature_valid
from bot.channels.telegram import callback_data

RESPONSES = Path(__file__).resolve().parents[2] / "bot" / "domain" / "responses.yml"
SITUATIONS = [
    {"title": "Salarié(e)", "payload": '/give_situation{"situation":"salarie"}'},
    {
        "title": "Demandeur(se) d'emploi",
        "payload": '/give_situation{"situation":"demandeur_emploi"}',
    },
    {"title": "Autre (intérim, indépendant…)", "payload": '/give_situation{"situation":"autre"}'},
]


def test_choices_are_numbered_after_the_text():
    assert numbered_choices("Quelle est votre situation ?", SITUATIONS) == (
        "Quelle est votre situation ?\n1. Salarié(e)\n2. Demandeur(se) d'emploi\n"
        "3. Autre (intérim, indépendant…)"
    )


def test_a_title_already_numbered_is_not_numbered_twice():
    buttons = [{"title": "1. Le français", "payload": "a"}, {"title": "Menu", "payload": "b"}]
    assert numbered_choices("Choisissez :", buttons) == "Choisissez :\n1. Le français\n2. Menu"


QUIZ_TEXT = "Question 6 sur 21.\nCombien de temps dure-t-elle ?\nA. 5 h 30\nB. 4 h 30\nC. 3 h 30"
QUIZ_BUTTONS = [
    {
        "title": title,
        "payload": f'/quiz_answer{{"quiz_item":"calc_horaire","quiz_choice":"{choice}"}}',
    }
    for title, choice in [
        ("A. 5 h 30", "a"),
        ("B. 4 h 30", "b"),
        ("C. 3 h 30", "c"),
        ("Je ne sais pas", "ne_sais_pas"),
    ]
]
EMERGENCY_BUTTONS = [
    {"title": "A. Personne", "payload": "a"},
    {"title": "B. Les secours : le 15, le 18 ou le 112", "payload": "b"},
]


def test_lettered_quiz_choices_are_not_numbered_again():
    assert numbered_choices(QUIZ_TEXT, QUIZ_BUTTONS) == QUIZ_TEXT + "\nJe ne sais pas"


@pytest.mark.parametrize(
    ("reply", "index"),
    [("4", 1), ("5", 0), ("3", 2), ("je ne sais pas", 3), ("30", None), ("1", None), ("12", None)],
)
def test_a_number_among_lettered_choices_is_their_content(reply: str, index):
    expected = None if index is None else QUIZ_BUTTONS[index]
    assert button_for_reply(reply, QUIZ_BUTTONS) == expected


def test_a_long_number_among_lettered_choices_is_their_content_too():
    assert button_for_reply("112", EMERGENCY_BUTTONS) == EMERGENCY_BUTTONS[1]


@pytest.mark.parametrize(
    "reply",
    [
        "2",
        "2.",
        " 2 ",
        "2)",
        "choix 2",
        "Choix 2",
        "n°2",
        "demandeur(se) d'emploi",
        "DEMANDEUR(SE) D’EMPLOI",
    ],
)
def test_a_number_or_the_title_designates_the_button(reply: str):
    assert button_for_reply(reply, SITUATIONS) == SITUATIONS[1]


@pytest.mark.parametrize("reply", ["0", "4", "12", "je suis salarié", "2 ans", "59000", ""])
def test_anything_else_designates_no_button(reply: str):
    assert button_for_reply(reply, SITUATIONS) is None


def tracker_with(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("someone", list(events))


def test_the_buttons_of_the_last_bot_message_count():
    tracker = tracker_with(
        ActionExecuted("action_listen"),
        UserUttered("bonjour"),
        BotUttered("Menu", {"buttons": [{"title": "Menu", "payload": "/ask_menu"}]}),
        BotUttered("Quelle est votre situation ?", {"buttons": SITUATIONS}),
        ActionExecuted("action_listen"),
    )
    assert last_buttons(tracker) == SITUATIONS
    drawn = tracker_with(
        BotUttered("Question 2 sur 18.", {"buttons": SITUATIONS}),
        BotUttered(None, {"custom": {"clea_display": {"kind": "progress"}}}),
    )
    assert last_buttons(drawn) == SITUATIONS  # a drawing for the widget is no message
    assert last_buttons(tracker_with(BotUttered("Sans bouton"))) == []
    assert last_buttons(None) == []


class FakeStore:
    def __init__(self, tracker):
        self.tracker = tracker
        self.asked = []

    async def retrieve(self, sender_id):
        self.asked.append(sender_id)
        return self.tracker


def request_with(store) -> SimpleNamespace:
    """A Sanic app as the channels see it: its agent's tracker store."""
    return SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(tracker_store=store)))


def test_a_reply_is_read_from_the_conversation_in_the_tracker_store():
    store = FakeStore(
        tracker_with(BotUttered("Quelle est votre situation ?", {"buttons": SITUATIONS}))
    )
    request = request_with(store)
    assert (
        asyncio.run(read_reply(request, "whatsapp:+33600000000", " 3 ")) == SITUATIONS[2]["payload"]
    )
    assert store.asked == ["whatsapp:+33600000000"]
    assert asyncio.run(read_reply(request, "x", "c koi clea")) == "c koi clea"


def test_payloads_and_channel_intents_are_not_read_again():
    store = FakeStore(None)
    assert asyncio.run(read_reply(request_with(store), "x", MEDIA_MESSAGE)) == MEDIA_MESSAGE
    assert asyncio.run(read_reply(request_with(store), "x", "x" * 5000)) == "/message_too_long"
    assert store.asked == []


def test_a_new_conversation_has_no_buttons():
    assert asyncio.run(read_reply(request_with(FakeStore(None)), "x", "2")) == "2"


def test_secrets_are_compared_whole():
    assert same_secret("abc", "abc")
    assert (
        not same_secret("abd", "abc")
        and not same_secret(None, "abc")
        and not same_secret("", "abc")
    )


def test_messenger_signature_sha256_then_sha1():
    body = b'{"object":"page"}'
    sha256 = "sha256=" + hmac.new(b"app-secret", body, hashlib.sha256).hexdigest()
    sha1 = "sha1=" + hmac.new(b"app-secret", body, hashlib.sha1).hexdigest()
    assert signature_valid("app-secret", body, {"X-Hub-Signature-256": sha256})
    assert signature_valid("app-secret", body, {"X-Hub-Signature": sha1})
    assert not signature_valid(
        "app-secret", body, {"X-Hub-Signature-256": "sha256=00", "X-Hub-Signature": sha1}
    )
    assert not signature_valid("app-secret", body + b" ", {"X-Hub-Signature-256": sha256})
    assert not signature_valid("app-secret", body, {"X-Hub-Signature": "new=" + sha1[5:]})
    assert not signature_valid("app-secret", body, {})


def test_messenger_quick_replies_only_within_its_limits():
    assert fits_quick_replies([{"title": "Salarié(e)", "payload": "a"}] * 13)
    assert not fits_quick_replies(SITUATIONS)  # a title of 22 characters
    assert not fits_quick_replies([{"title": "Menu", "payload": "/ask_menu"}] * 14)


def test_telegram_callback_data_fits_in_64_bytes_and_reads_back_from_the_conversation():
    short = {"title": "Menu", "payload": "/ask_menu"}
    quiz = {
        "title": "Je ne sais pas",
        "payload": '/quiz_answer{"quiz_item":"apprendre_nouveau","quiz_choice":"ne_sais_pas"}',
    }
    assert callback_data(short, 1) == "/ask_menu"
    digest = callback_data(quiz, 4)
    assert digest == short_payload(quiz["payload"]) and len(digest.encode()) <= 64
    # an old keyboard's button keeps its meaning, even after newer buttons
    tracker = tracker_with(
        BotUttered("Question 3", {"buttons": [quiz]}),
        BotUttered("Question 4", {"buttons": SITUATIONS}),
    )
    assert payload_of_digest(tracker, digest) == quiz["payload"]
    store = FakeStore(tracker)
    assert asyncio.run(read_reply(request_with(store), "x", digest)) == quiz["payload"]
    assert asyncio.run(read_reply(request_with(store), "x", short_payload("/other"))) == ""


def test_quiz_choices_are_listed_once_on_apps_without_buttons():
    responses = yaml.safe_load(RESPONSES.read_text(encoding="utf-8"))["responses"]
    for name, variants in responses.items():
        if not name.startswith("utter_quiz_item_"):
            continue
        message = variants[0]
        listed = numbered_choices(message["text"], message["buttons"])
        for button in message["buttons"]:
            title = button["title"]
            assert sum(line.strip().endswith(title) for line in listed.splitlines()) == 1, (
                name,
                title,
            )
        assert not re.search(r"^\d+\. [A-Z]\. ", listed, re.MULTILINE), name
