"""The messaging channels' start-up and how they read providers' payloads (no Rasa server)."""

import asyncio
import hashlib
import hmac
import json

import pytest
from aiogram.types import Update
from fake_providers import graph_api, telegram_api, telegram_error, twilio_api
from rasa.shared.exceptions import RasaException

from bot.channels import sending, telegram
from bot.channels.messaging import MEDIA_MESSAGE
from bot.channels.messenger import MessengerChannel
from bot.channels.sending import ReplyFailed
from bot.channels.telegram import Incoming, TelegramChannel, WrongBot
from bot.channels.twilio import TwilioChannel, TwilioOutputChannel, read_form

TOKEN = "7000000001:AAFakeTokenForTheTestsOnly"


@pytest.fixture
def fake_telegram():
    fake = telegram_api(TOKEN, "clea_bot").start()
    yield fake
    fake.stop()


def telegram_channel(api_url: str, bot_name: str = "clea_bot") -> TelegramChannel:
    return TelegramChannel(
        TOKEN, bot_name, "https://bot.example.fr/webhooks/telegram/webhook", "the-secret", api_url
    )


def test_telegram_start_up_sets_the_webhook_with_its_secret(fake_telegram):
    asyncio.run(telegram_channel(fake_telegram.url).register_webhook())
    set_webhook = fake_telegram.received(lambda r: r.path.endswith("/setWebhook"))[0]
    assert set_webhook.form["secret_token"] == "the-secret"
    assert json.loads(set_webhook.form["allowed_updates"]) == ["message", "callback_query"]


def test_telegram_start_up_refuses_a_token_of_another_bot(fake_telegram):
    with pytest.raises(WrongBot, match="@clea_bot's, not @other_bot's"):
        asyncio.run(telegram_channel(fake_telegram.url, "other_bot").register_webhook())
    assert not fake_telegram.received(lambda r: r.path.endswith("/setWebhook"))
    # in the background, the wrong bot is said once and not tried again
    asyncio.run(
        asyncio.wait_for(telegram_channel(fake_telegram.url, "other_bot").keep_registering(), 5)
    )
    assert len(fake_telegram.received(lambda r: r.path.endswith("/getMe"))) == 2


def test_telegram_start_up_fails_politely_when_the_api_is_unreachable():
    with pytest.raises(ReplyFailed, match="telegram: NetworkError"):
        asyncio.run(telegram_channel("http://127.0.0.1:9").register_webhook())


def test_a_channel_without_its_variables_says_which_are_missing(monkeypatch):
    for variable in ("CLEA_TWILIO_AUTH_TOKEN", "CLEA_TWILIO_WEBHOOK_URL"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("CLEA_TWILIO_ACCOUNT_SID", "AC1")
    monkeypatch.setenv("CLEA_TWILIO_NUMBER", "whatsapp:+33100000000")
    with pytest.raises(RasaException, match="CLEA_TWILIO_AUTH_TOKEN, CLEA_TWILIO_WEBHOOK_URL"):
        TwilioChannel.from_credentials({})


def telegram_update(chat_type: str = "private", **message) -> Update:
    chat = {"id": 42, "type": chat_type}
    return Update(update_id=1, message={"message_id": 1, "date": 0, "chat": chat, **message})


PHOTO = [{"file_id": "p", "file_unique_id": "q", "width": 1, "height": 1}]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ({"text": "c koi clea"}, "c koi clea"),
        ({"text": "/start"}, "/greet"),
        ({"text": "/help@clea_bot"}, "/ask_menu"),
        ({"text": "/restart"}, "/restart"),
        ({"text": "   "}, "   "),
        (
            {
                "sticker": {
                    "file_id": "x",
                    "file_unique_id": "y",
                    "width": 1,
                    "height": 1,
                    "is_animated": False,
                }
            },
            MEDIA_MESSAGE,
        ),
        ({"location": {"latitude": 50.6, "longitude": 3.06}}, MEDIA_MESSAGE),
        ({"photo": PHOTO, "caption": "mon diplome, ça compte ?"}, "mon diplome, ça compte ?"),
        ({"photo": PHOTO}, MEDIA_MESSAGE),
        ({"contact": {"phone_number": "+33612345678", "first_name": "Marie"}}, "+33612345678"),
    ],
)
def test_telegram_reads_texts_commands_captions_contacts_and_media(message, expected):
    assert telegram_channel("http://x")._read(telegram_update(**message)) == Incoming(
        "tg:42", expected
    )


@pytest.mark.parametrize(
    "message",
    [
        {"new_chat_title": "Groupe"},
        {"text": "/start@other_bot"},  # a command to another bot of the group
    ],
)
def test_telegram_leaves_other_updates_alone(message):
    assert telegram_channel("http://x")._read(telegram_update(**message)) is None


def test_telegram_tells_a_group_from_a_private_chat():
    incoming = telegram_channel("http://x")._read(telegram_update("supergroup", text="bonjour"))
    assert incoming == Incoming("tg:42", "bonjour", private=False)


def test_telegram_ignores_edits():
    edited = Update(
        update_id=2,
        edited_message={
            "message_id": 1,
            "date": 0,
            "text": "oups",
            "chat": {"id": 42, "type": "private"},
        },
    )
    assert telegram_channel("http://x")._read(edited) is None


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"sender": {"id": "7"}, "message": {"mid": "m", "text": "bonjour"}}, ("fb:7", "bonjour")),
        (
            {
                "sender": {"id": "7"},
                "message": {"mid": "m", "text": "Menu", "quick_reply": {"payload": "/ask_menu"}},
            },
            ("fb:7", "/ask_menu"),
        ),
        (
            {"sender": {"id": "7"}, "postback": {"title": "Menu", "payload": "/ask_menu"}},
            ("fb:7", "/ask_menu"),
        ),
        (
            {
                "sender": {"id": "7"},
                "message": {
                    "mid": "m",
                    "sticker_id": 369239263222822,
                    "attachments": [
                        {
                            "type": "image",
                            "payload": {"url": "https://x", "sticker_id": 369239263222822},
                        }
                    ],
                },
            },
            ("fb:7", MEDIA_MESSAGE),
        ),
        (
            {
                "sender": {"id": "7"},
                "message": {
                    "mid": "m",
                    "text": "voir https://x",
                    "attachments": [
                        {"type": "fallback", "payload": {"url": "https://x", "title": "Lien"}}
                    ],
                },
            },
            ("fb:7", "voir https://x"),
        ),
        (
            {"sender": {"id": "7"}, "message": {"mid": "m", "text": "écho", "is_echo": True}},
            (None, None),
        ),
        ({"sender": {"id": "7"}, "delivery": {"mids": ["m"], "watermark": 1}}, (None, None)),
        ({"message": {"text": "sans expéditeur"}}, (None, None)),
        ("pas un objet", (None, None)),
    ],
)
def test_messenger_reads_texts_payloads_and_attachments(event, expected):
    assert MessengerChannel._read(event) == expected


def test_twilio_reads_text_media_and_location():
    text = read_form(b"From=whatsapp%3A%2B33600000000&Body=bonjour&NumMedia=0")
    assert TwilioChannel._read(text) == ("wa:whatsapp:+33600000000", "bonjour")
    media = read_form(b"From=whatsapp%3A%2B33600000000&Body=&NumMedia=1&MediaUrl0=https%3A%2F%2Fx")
    assert TwilioChannel._read(media) == ("wa:whatsapp:+33600000000", MEDIA_MESSAGE)
    captioned = read_form(b"From=whatsapp%3A%2B33600000000&Body=et+ca&NumMedia=1")
    assert TwilioChannel._read(captioned) == ("wa:whatsapp:+33600000000", "et ca")
    place = read_form(b"From=whatsapp%3A%2B33600000000&Body=&Latitude=50.6&Longitude=3.06")
    assert TwilioChannel._read(place)[1] == MEDIA_MESSAGE
    assert read_form(b"Body=")["Body"] == ""  # blank parameters are signed too


async def to_twilio(api_url: str, send: str, *args) -> None:
    output = TwilioOutputChannel(
        "AC1",
        "token",
        "whatsapp:+1",
        api_url,
        "https://assistant.example.fr/webhooks/twilio/audio/",
    )
    try:
        await getattr(output, send)("wa:whatsapp:+33600000000", *args)
    finally:
        await output.close()


async def to_messenger(api_url: str, send: str, *args) -> None:
    output = MessengerChannel("v", "secret", "page-token", api_url).get_output_channel()
    try:
        await getattr(output, send)("7", *args)
    finally:
        await output.close()


def test_replies_go_to_the_configured_apis_and_a_dead_api_fails_politely():
    twilio, graph = twilio_api("AC1", "token").start(), graph_api("page-token").start()
    try:
        buttons = [{"title": "Salarié(e)", "payload": "/a"}, {"title": "Autre", "payload": "/b"}]
        asyncio.run(to_twilio(twilio.url, "send_text_with_buttons", "Votre situation ?", buttons))
        assert twilio.requests[0].form["Body"] == "Votre situation ?\n1. Salarié(e)\n2. Autre"
        asyncio.run(
            to_messenger(
                f"{graph.url}/v19.0", "send_text_with_buttons", "Votre situation ?", buttons
            )
        )
        assert graph.requests[0].path == "/v19.0/me/messages"
        assert (
            graph.requests[0].query["appsecret_proof"]
            == hmac.new(b"secret", b"page-token", hashlib.sha256).hexdigest()
        )
        assert graph.requests[0].json()["message"]["quick_replies"][1] == {
            "content_type": "text",
            "title": "Autre",
            "payload": "/b",
        }
    finally:
        twilio.stop()
        graph.stop()
    with pytest.raises(ReplyFailed, match="twilio: ClientConnectorError"):
        asyncio.run(to_twilio("http://127.0.0.1:9", "send_text_message", "Bonjour"))
    with pytest.raises(ReplyFailed, match="messenger: ClientConnectorError"):
        asyncio.run(to_messenger("http://127.0.0.1:9/v19.0", "send_text_message", "Bonjour"))


def test_telegram_registration_keeps_trying_in_the_background(fake_telegram, monkeypatch):
    monkeypatch.setattr(sending, "BACKOFF_S", (0.01,))
    monkeypatch.setattr(telegram, "REGISTER_RETRY_S", (0.1,))
    fake_telegram.fail(
        lambda r: r.path.endswith("/getMe"),
        telegram_error(502, "Bad Gateway"),
        times=sending.ATTEMPTS,
    )  # the first round fails entirely
    asyncio.run(asyncio.wait_for(telegram_channel(fake_telegram.url).keep_registering(), 10))
    assert [r.status for r in fake_telegram.received(lambda r: r.path.endswith("/getMe"))] == [
        502
    ] * sending.ATTEMPTS + [200]
    assert fake_telegram.received(lambda r: r.path.endswith("/setWebhook"))
