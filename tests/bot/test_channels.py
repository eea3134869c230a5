"""The messaging channels' start-up and how they read providers' payloads (no Rasa server)."""

import asyncio
import json

import pytest
from aiogram.types import Update
from rasa.shared.exceptions import RasaException

from bot.channels.messaging import MEDIA_MESSAGE
from bot.channels.messenger import MessengerChannel
from bot.channels.telegram import TelegramChannel
from bot.channels.twilio import TwilioChannel, TwilioOutputChannel, read_form
from fake_providers import graph_api, telegram_api, twilio_api

TOKEN = "7000000001:AAFakeTokenForTheTestsOnly"


@pytest.fixture
def fake_telegram():
    fake = telegram_api(TOKEN, "clea_bot").start()
    yield fake
    fake.stop()


def telegram_channel(api_url: str, bot_name: str = "clea_bot") -> TelegramChannel:
    return TelegramChannel(TOKEN, bot_name, "https://bot.example.fr/webhooks/telegram/webhook",
                           "the-secret", api_url)


def test_telegram_start_up_sets_the_webhook_with_its_secret(fake_telegram):
    asyncio.run(telegram_channel(fake_telegram.url).register_webhook())
    set_webhook = fake_telegram.received(lambda r: r.path.endswith("/setWebhook"))[0]
    assert set_webhook.form["secret_token"] == "the-secret"
    assert json.loads(set_webhook.form["allowed_updates"]) == ["message", "callback_query"]


def test_telegram_start_up_stops_when_the_token_is_another_bots(fake_telegram):
    with pytest.raises(RasaException, match="@clea_bot's, not @other_bot's"):
        asyncio.run(telegram_channel(fake_telegram.url, "other_bot").register_webhook())
    assert not fake_telegram.received(lambda r: r.path.endswith("/setWebhook"))


def test_telegram_start_up_stops_when_the_api_is_unreachable():
    with pytest.raises(RasaException, match="Failed to set the Telegram webhook"):
        asyncio.run(telegram_channel("http://127.0.0.1:9").register_webhook())


def test_a_channel_without_its_variables_says_which_are_missing(monkeypatch):
    for variable in ("CLEA_TWILIO_AUTH_TOKEN", "CLEA_TWILIO_WEBHOOK_URL"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("CLEA_TWILIO_ACCOUNT_SID", "AC1")
    monkeypatch.setenv("CLEA_TWILIO_NUMBER", "whatsapp:+33100000000")
    with pytest.raises(RasaException, match="CLEA_TWILIO_AUTH_TOKEN, CLEA_TWILIO_WEBHOOK_URL"):
        TwilioChannel.from_credentials({})


def telegram_update(**message) -> Update:
    chat = {"id": 42, "type": "private"}
    return Update(update_id=1, message={"message_id": 1, "date": 0, "chat": chat, **message})


@pytest.mark.parametrize(("message", "expected"), [
    ({"text": "c koi clea"}, ("tg:42", "c koi clea")),
    ({"text": "/start"}, ("tg:42", "/greet")),
    ({"text": "/help@clea_bot"}, ("tg:42", "/ask_menu")),
    ({"text": "   "}, ("tg:42", "   ")),
    ({"sticker": {"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1,
                  "is_animated": False}}, ("tg:42", MEDIA_MESSAGE)),
    ({"location": {"latitude": 50.6, "longitude": 3.06}}, ("tg:42", MEDIA_MESSAGE)),
    ({"new_chat_title": "Groupe"}, (None, None)),
])
def test_telegram_reads_texts_commands_and_media(message, expected):
    assert TelegramChannel._read(telegram_update(**message)) == expected


def test_telegram_ignores_edits():
    edited = Update(update_id=2, edited_message={"message_id": 1, "date": 0, "text": "oups",
                                                 "chat": {"id": 42, "type": "private"}})
    assert TelegramChannel._read(edited) == (None, None)


@pytest.mark.parametrize(("event", "expected"), [
    ({"sender": {"id": "7"}, "message": {"mid": "m", "text": "bonjour"}}, ("fb:7", "bonjour")),
    ({"sender": {"id": "7"}, "message": {"mid": "m", "text": "Menu",
                                         "quick_reply": {"payload": "/ask_menu"}}}, ("fb:7", "/ask_menu")),
    ({"sender": {"id": "7"}, "postback": {"title": "Menu", "payload": "/ask_menu"}}, ("fb:7", "/ask_menu")),
    ({"sender": {"id": "7"}, "message": {"mid": "m", "sticker_id": 369239263222822, "attachments": [
        {"type": "image", "payload": {"url": "https://x", "sticker_id": 369239263222822}}]}},
     ("fb:7", MEDIA_MESSAGE)),
    ({"sender": {"id": "7"}, "message": {"mid": "m", "text": "écho", "is_echo": True}}, (None, None)),
    ({"sender": {"id": "7"}, "delivery": {"mids": ["m"], "watermark": 1}}, (None, None)),
    ({"message": {"text": "sans expéditeur"}}, (None, None)),
    ("pas un objet", (None, None)),
])
def test_messenger_reads_texts_payloads_and_attachments(event, expected):
    assert MessengerChannel._read(event) == expected


def test_twilio_reads_text_media_and_location():
    text = read_form(b"From=whatsapp%3A%2B33600000000&Body=bonjour&NumMedia=0")
    assert TwilioChannel._read(text) == ("wa:whatsapp:+33600000000", "bonjour")
    media = read_form(b"From=whatsapp%3A%2B33600000000&Body=&NumMedia=1&MediaUrl0=https%3A%2F%2Fx")
    assert TwilioChannel._read(media) == ("wa:whatsapp:+33600000000", MEDIA_MESSAGE)
    place = read_form(b"From=whatsapp%3A%2B33600000000&Body=&Latitude=50.6&Longitude=3.06")
    assert TwilioChannel._read(place)[1] == MEDIA_MESSAGE
    assert read_form(b"Body=")["Body"] == ""  # blank parameters are signed too


async def to_twilio(api_url: str, send: str, *args) -> None:
    output = TwilioOutputChannel("AC1", "token", "whatsapp:+1", api_url,
                                 "https://assistant.example.fr/webhooks/twilio/audio/")
    try:
        await getattr(output, send)("wa:whatsapp:+33600000000", *args)
    finally:
        await output.close()


def test_replies_go_to_the_configured_apis_and_a_dead_api_raises_nothing():
    twilio, graph = twilio_api("AC1", "token").start(), graph_api("page-token").start()
    try:
        buttons = [{"title": "Salarié(e)", "payload": "/a"}, {"title": "Autre", "payload": "/b"}]
        asyncio.run(to_twilio(twilio.url, "send_text_with_buttons", "Votre situation ?", buttons))
        assert twilio.requests[0].form["Body"] == "Votre situation ?\n1. Salarié(e)\n2. Autre"
        messenger = MessengerChannel("v", "secret", "page-token", f"{graph.url}/v19.0")
        asyncio.run(messenger.get_output_channel().send_text_with_buttons("7", "Votre situation ?", buttons))
        assert graph.requests[0].path == "/v19.0/me/messages"
        assert graph.requests[0].json()["message"]["quick_replies"][1] == {
            "content_type": "text", "title": "Autre", "payload": "/b"}
    finally:
        twilio.stop()
        graph.stop()
    asyncio.run(to_twilio("http://127.0.0.1:9", "send_text_message", "Bonjour"))
    dead = MessengerChannel("v", "secret", "page-token", "http://127.0.0.1:9/v19.0")
    asyncio.run(dead.get_output_channel().send_text_message("7", "Bonjour"))
