"""Telegram, Messenger and WhatsApp (Twilio) on a real Rasa server, against local fakes of their APIs.

One Rasa server with the three apps enabled (on the session's action server)
receives realistic provider payloads; the answers are read from what reached
the fakes.
"""

import hashlib
import hmac
import json
import time
import uuid
from typing import Iterator

import pytest
import requests
from twilio.request_validator import RequestValidator

from fake_providers import Recorded, graph_api, telegram_api, twilio_api
from helpers import REQUEST_TIMEOUT_S, Servers

TELEGRAM_TOKEN = "7000000001:AAFakeTokenForTheTestsOnly_0123456789"
TELEGRAM_BOT = "clea_test_bot"
TELEGRAM_SECRET = "telegram-secret-token_42"
TELEGRAM_HOOK = "https://assistant.example.fr/webhooks/telegram/webhook"
MESSENGER_VERIFY = "messenger-verify-token"
MESSENGER_SECRET = "messenger-app-secret"
MESSENGER_PAGE_TOKEN = "EAAGfakePageAccessToken"
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "twilio-auth-token"
TWILIO_NUMBER = "whatsapp:+14155238886"
TWILIO_HOOK = "https://assistant.example.fr/webhooks/twilio/webhook"
HEAD_OFFICE_PHONE = "03 59 61 62 63"


class Fakes:
    def __init__(self) -> None:
        self.telegram = telegram_api(TELEGRAM_TOKEN, TELEGRAM_BOT).start()
        self.graph = graph_api(MESSENGER_PAGE_TOKEN).start()
        self.twilio = twilio_api(TWILIO_SID, TWILIO_TOKEN).start()

    def stop(self) -> None:
        for fake in (self.telegram, self.graph, self.twilio):
            fake.stop()


@pytest.fixture(scope="module")
def fakes() -> Iterator[Fakes]:
    running = Fakes()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def messaging(servers: Servers, fakes: Fakes, tmp_path_factory) -> Iterator[Servers]:
    """A Rasa server with the three apps enabled, pointing at the fakes."""
    rasa = Servers(
        tmp_path_factory.mktemp("messaging"), servers.model, actions_port=servers.actions_port,
        messaging_env={
            "CLEA_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
            "CLEA_TELEGRAM_BOT_NAME": TELEGRAM_BOT,
            "CLEA_TELEGRAM_WEBHOOK_URL": TELEGRAM_HOOK,
            "CLEA_TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
            "CLEA_TELEGRAM_API_URL": fakes.telegram.url,
            "CLEA_MESSENGER_VERIFY_TOKEN": MESSENGER_VERIFY,
            "CLEA_MESSENGER_APP_SECRET": MESSENGER_SECRET,
            "CLEA_MESSENGER_PAGE_ACCESS_TOKEN": MESSENGER_PAGE_TOKEN,
            "CLEA_MESSENGER_API_URL": f"{fakes.graph.url}/v19.0",
            "CLEA_TWILIO_ACCOUNT_SID": TWILIO_SID,
            "CLEA_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "CLEA_TWILIO_NUMBER": TWILIO_NUMBER,
            "CLEA_TWILIO_WEBHOOK_URL": TWILIO_HOOK,
            "CLEA_TWILIO_API_URL": fakes.twilio.url,
        },
    )
    try:
        rasa.start_rasa()
        yield rasa
    finally:
        rasa.stop()


def webhook(rasa: Servers, channel: str) -> str:
    return f"http://127.0.0.1:{rasa.rasa_port}/webhooks/{channel}/webhook"


# -- Telegram ------------------------------------------------------------------

def telegram_user() -> dict:
    user_id = int(time.time_ns() % 10**9)
    return {"id": user_id, "is_bot": False, "first_name": "Marie", "language_code": "fr"}


def telegram_message(user: dict, **content) -> dict:
    return {
        "update_id": time.time_ns() % 10**9,
        "message": {
            "message_id": 10, "from": user, "date": int(time.time()),
            "chat": {"id": user["id"], "first_name": user["first_name"], "type": "private"},
            **content,
        },
    }


def telegram_callback(user: dict, data: str) -> dict:
    return {
        "update_id": time.time_ns() % 10**9,
        "callback_query": {
            "id": str(uuid.uuid4().int)[:19], "from": user, "chat_instance": "-5555",
            "data": data,
            "message": {
                "message_id": 11, "date": int(time.time()), "text": "Voici ce que je peux faire",
                "from": {"id": 7000000001, "is_bot": True, "first_name": "CléA",
                         "username": TELEGRAM_BOT},
                "chat": {"id": user["id"], "first_name": user["first_name"], "type": "private"},
            },
        },
    }


def to_telegram(rasa: Servers, update: dict, secret: str | None = TELEGRAM_SECRET):
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return requests.post(webhook(rasa, "telegram"), json=update, headers=headers,
                         timeout=REQUEST_TIMEOUT_S)


def telegram_sent(fakes: Fakes, user: dict) -> list[Recorded]:
    return fakes.telegram.received(
        lambda r: r.path.endswith("/sendMessage") and r.form.get("chat_id") == str(user["id"]))


def test_telegram_webhook_is_set_at_start_with_the_secret_token(messaging: Servers, fakes: Fakes):
    calls = [r.path.rsplit("/", 1)[-1] for r in fakes.telegram.requests]
    assert calls[:2] == ["getMe", "setWebhook"]
    set_webhook = fakes.telegram.received(lambda r: r.path.endswith("/setWebhook"))[0]
    assert set_webhook.form["url"] == TELEGRAM_HOOK
    assert set_webhook.form["secret_token"] == TELEGRAM_SECRET


def test_telegram_question_gets_a_french_answer_with_a_keyboard(messaging: Servers, fakes: Fakes):
    user = telegram_user()
    assert to_telegram(messaging, telegram_message(user, text="c koi cléa")).status_code == 200
    sent = telegram_sent(fakes, user)
    assert "90 jours" in sent[0].form["text"]  # a first message hears first what is kept
    assert "certificat" in sent[1].form["text"]
    keyboard = json.loads(sent[-1].form["reply_markup"])["inline_keyboard"]
    assert all(len(row) == 1 for row in keyboard)  # one button per row
    assert {"text": "Pour qui ?", "callback_data": "/ask_who_for"} in [row[0] for row in keyboard]


def test_telegram_button_sends_its_payload(messaging: Servers, fakes: Fakes):
    user = telegram_user()
    update = telegram_callback(user, "/ask_who_for")
    assert to_telegram(messaging, update).status_code == 200
    assert "demandeurs d'emploi" in telegram_sent(fakes, user)[1].form["text"]
    answered = fakes.telegram.received(lambda r: r.path.endswith("/answerCallbackQuery"))
    assert update["callback_query"]["id"] in [r.form["callback_query_id"] for r in answered]


def test_telegram_start_command_greets(messaging: Servers, fakes: Fakes):
    user = telegram_user()
    to_telegram(messaging, telegram_message(user, text="/start"))
    assert telegram_sent(fakes, user)[0].form["text"].startswith("Bonjour")


@pytest.mark.parametrize("secret", [None, "", "telegram-secret-token_43"])
def test_telegram_update_without_the_secret_token_is_refused(
    messaging: Servers, fakes: Fakes, secret
):
    user = telegram_user()
    assert to_telegram(messaging, telegram_message(user, text="bonjour"), secret).status_code == 403
    time.sleep(1)
    assert telegram_sent(fakes, user) == []


def test_telegram_voice_note_gets_the_written_only_note(messaging: Servers, fakes: Fakes):
    user = telegram_user()
    voice = {"duration": 4, "mime_type": "audio/ogg", "file_id": "AwACAgQAAxkBAAIB",
             "file_unique_id": "AgADbQ8AAm", "file_size": 10240}
    assert to_telegram(messaging, telegram_message(user, voice=voice)).status_code == 200
    text = telegram_sent(fakes, user)[1].form["text"]
    assert "messages écrits" in text and HEAD_OFFICE_PHONE in text


def test_telegram_bad_body_is_a_400(messaging: Servers):
    response = requests.post(webhook(messaging, "telegram"), data=b"{not json",
                             headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
                             timeout=REQUEST_TIMEOUT_S)
    assert response.status_code == 400


# -- Messenger -----------------------------------------------------------------

def messenger_event(user_id: str, **event) -> bytes:
    now = int(time.time() * 1000)
    return json.dumps({"object": "page", "entry": [{"id": "PAGE_ID", "time": now, "messaging": [
        {"sender": {"id": user_id}, "recipient": {"id": "PAGE_ID"}, "timestamp": now, **event}
    ]}]}).encode()


def to_messenger(rasa: Servers, body: bytes, secret: str = MESSENGER_SECRET):
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return requests.post(webhook(rasa, "facebook"), data=body, timeout=REQUEST_TIMEOUT_S,
                         headers={"Content-Type": "application/json",
                                  "X-Hub-Signature-256": f"sha256={signature}"})


def say_on_messenger(rasa: Servers, user_id: str, text: str) -> None:
    event = {"message": {"mid": f"m_{uuid.uuid4().hex}", "text": text}}
    assert to_messenger(rasa, messenger_event(user_id, **event)).status_code == 200


def messenger_sent(fakes: Fakes, user_id: str) -> list[dict]:
    return [r.json()["message"] for r in fakes.graph.received(
        lambda r: r.json()["recipient"]["id"] == user_id and "message" in r.json())]


def test_messenger_subscription_check(messaging: Servers):
    url = webhook(messaging, "facebook")
    good = {"hub.mode": "subscribe", "hub.verify_token": MESSENGER_VERIFY, "hub.challenge": "1158201444"}
    assert requests.get(url, params=good, timeout=10).text == "1158201444"
    bad = {**good, "hub.verify_token": "guess"}
    assert requests.get(url, params=bad, timeout=10).status_code == 403


def test_messenger_greeting_gets_quick_replies(messaging: Servers, fakes: Fakes):
    user_id = uuid.uuid4().hex
    say_on_messenger(messaging, user_id, "bonjour")
    message = messenger_sent(fakes, user_id)[-1]
    assert {"content_type": "text", "title": "Découvrir CléA", "payload": "/ask_what_is_clea"} in (
        message["quick_replies"])
    request = fakes.graph.received(lambda r: r.json()["recipient"]["id"] == user_id)[0]
    assert request.query["access_token"] == MESSENGER_PAGE_TOKEN and request.query["appsecret_proof"]


def test_messenger_quick_reply_sends_its_payload(messaging: Servers, fakes: Fakes):
    user_id = uuid.uuid4().hex
    event = {"message": {"mid": "m_1", "text": "Pour qui ?", "quick_reply": {"payload": "/ask_who_for"}}}
    assert to_messenger(messaging, messenger_event(user_id, **event)).status_code == 200
    notice, answer = messenger_sent(fakes, user_id)[:2]
    assert "90 jours" in notice["text"] and "demandeurs d'emploi" in answer["text"]


def test_messenger_long_titles_become_a_numbered_list_and_a_number_answers(
    messaging: Servers, fakes: Fakes
):
    user_id = uuid.uuid4().hex
    say_on_messenger(messaging, user_id, "comment financer clea")
    question = messenger_sent(fakes, user_id)[-1]
    assert "quick_replies" not in question
    assert "\n1. Salarié(e)\n2. Demandeur(se) d'emploi\n" in question["text"]
    say_on_messenger(messaging, user_id, "2")
    assert "Vous cherchez un emploi" in messenger_sent(fakes, user_id)[-1]["text"]


def test_messenger_forged_signature_is_refused(messaging: Servers, fakes: Fakes):
    user_id = uuid.uuid4().hex
    body = messenger_event(user_id, message={"mid": "m_2", "text": "bonjour"})
    assert to_messenger(messaging, body, secret="not-the-app-secret").status_code == 403
    unsigned = requests.post(webhook(messaging, "facebook"), data=body, timeout=10,
                             headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 403
    time.sleep(1)
    assert fakes.graph.received(lambda r: r.json()["recipient"]["id"] == user_id) == []


@pytest.mark.parametrize(("body", "status"), [
    (b"{not json", 400), (b"[]", 400), (b'{"object": "page", "entry": "x"}', 400),
    (b'{"object": "page", "entry": [{"messaging": [{"sender": 7}]}]}', 200),  # nothing to answer
])
def test_messenger_signed_but_unreadable_body(messaging: Servers, body: bytes, status: int):
    assert to_messenger(messaging, body).status_code == status


def test_messenger_audio_gets_the_note_with_the_antenne_contact(messaging: Servers, fakes: Fakes):
    user_id = uuid.uuid4().hex
    say_on_messenger(messaging, user_id, "j'habite à Lens")
    audio = {"mid": "m_3", "attachments": [
        {"type": "audio", "payload": {"url": "https://cdn.fbsbx.com/v/t59/audioclip.mp4"}}]}
    assert to_messenger(messaging, messenger_event(user_id, message=audio)).status_code == 200
    text = messenger_sent(fakes, user_id)[-1]["text"]
    assert "messages écrits" in text
    assert "Votre antenne est celle d'Arras" in text and "contactarras@transitionspro-hdf.fr" in text


# -- WhatsApp through Twilio ---------------------------------------------------

def whatsapp_number() -> str:
    return f"whatsapp:+336{time.time_ns() % 10**8:08d}"


def whatsapp_form(sender: str, body: str, **extra: str) -> dict[str, str]:
    return {
        "SmsMessageSid": "SM" + uuid.uuid4().hex, "NumMedia": "0", "ProfileName": "Marie",
        "MessageType": "text", "SmsSid": "SM" + uuid.uuid4().hex, "WaId": sender.split("+")[1],
        "SmsStatus": "received", "Body": body, "To": TWILIO_NUMBER, "NumSegments": "1",
        "ReferralNumMedia": "0", "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": TWILIO_SID, "From": sender, "ApiVersion": "2010-04-01", **extra,
    }


def to_whatsapp(rasa: Servers, form: dict[str, str], token: str = TWILIO_TOKEN):
    signature = RequestValidator(token).compute_signature(TWILIO_HOOK, form)
    return requests.post(webhook(rasa, "twilio"), data=form, timeout=REQUEST_TIMEOUT_S,
                         headers={"X-Twilio-Signature": signature})


def whatsapp_sent(fakes: Fakes, sender: str) -> list[dict[str, str]]:
    return [r.form for r in fakes.twilio.received(lambda r: r.form.get("To") == sender)]


def test_whatsapp_choices_are_a_numbered_list_and_a_number_answers(
    messaging: Servers, fakes: Fakes
):
    sender = whatsapp_number()
    response = to_whatsapp(messaging, whatsapp_form(sender, "bonjour"))
    assert response.status_code == 200 and "<Response" in response.text
    menu = whatsapp_sent(fakes, sender)[-1]
    assert menu["From"] == TWILIO_NUMBER
    assert menu["Body"].startswith("Bonjour")
    assert "\n1. Découvrir CléA\n2. Les 7 domaines\n" in menu["Body"]
    before = len(whatsapp_sent(fakes, sender))
    to_whatsapp(messaging, whatsapp_form(sender, "2"))
    answer = "\n".join(form["Body"] for form in whatsapp_sent(fakes, sender)[before:])
    assert "porte sur 7 domaines" in answer
    assert "90 jours" not in answer  # the notice comes with the first message only


def test_whatsapp_the_title_typed_answers_too(messaging: Servers, fakes: Fakes):
    sender = whatsapp_number()
    to_whatsapp(messaging, whatsapp_form(sender, "bonjour"))
    to_whatsapp(messaging, whatsapp_form(sender, "parler a quelqu'un"))
    assert HEAD_OFFICE_PHONE in whatsapp_sent(fakes, sender)[-1]["Body"]


def test_whatsapp_forged_signature_is_refused(messaging: Servers, fakes: Fakes):
    sender = whatsapp_number()
    assert to_whatsapp(messaging, whatsapp_form(sender, "bonjour"), token="guess").status_code == 403
    unsigned = requests.post(webhook(messaging, "twilio"), data=whatsapp_form(sender, "bonjour"),
                             timeout=10)
    assert unsigned.status_code == 403
    time.sleep(1)
    assert whatsapp_sent(fakes, sender) == []


def test_whatsapp_signed_form_without_sender_or_text_is_ignored(messaging: Servers):
    response = to_whatsapp(messaging, {"AccountSid": TWILIO_SID, "SmsStatus": "received"})
    assert response.status_code == 200 and "<Response" in response.text


def test_whatsapp_voice_note_gets_the_written_only_note(messaging: Servers, fakes: Fakes):
    sender = whatsapp_number()
    form = whatsapp_form(
        sender, "", NumMedia="1", MessageType="audio", MediaContentType0="audio/ogg",
        MediaUrl0=f"https://api.twilio.com/2010-04-01/Accounts/{TWILIO_SID}/Messages/MM1/Media/ME1",
    )
    assert to_whatsapp(messaging, form).status_code == 200
    notice, body = (form["Body"] for form in whatsapp_sent(fakes, sender)[:2])
    assert "90 jours" in notice and "messages écrits" in body and HEAD_OFFICE_PHONE in body


# -- Listening: "lis-moi le message" -------------------------------------------

def test_telegram_read_me_the_message_sends_the_last_answer_as_a_voice_note(
    messaging: Servers, fakes: Fakes
):
    user = telegram_user()
    to_telegram(messaging, telegram_message(user, text="bonjour"))
    before = len(telegram_sent(fakes, user))
    assert to_telegram(messaging, telegram_message(user, text="lis-moi le message")).status_code == 200
    voices = fakes.telegram.received(
        lambda r: r.path.endswith("/sendVoice") and r.form.get("chat_id") == str(user["id"]),
        wait_s=10)
    content_type, audio = voices[0].files["voice"]
    assert audio[:4] == b"OggS" and b"OpusHead" in audio[:100]
    assert len(audio) > 20_000  # the greeting and its 7 choices: about half a minute
    assert len(telegram_sent(fakes, user)) == before  # the voice note, no text


def test_whatsapp_in_audio_sends_a_media_message_twilio_can_fetch(messaging: Servers, fakes: Fakes):
    sender = whatsapp_number()
    to_whatsapp(messaging, whatsapp_form(sender, "bonjour"))
    before = len(whatsapp_sent(fakes, sender))
    to_whatsapp(messaging, whatsapp_form(sender, "en odio svp"))  # a typo reads too
    note = whatsapp_sent(fakes, sender)[before]
    audio_url = note["MediaUrl"]
    base = TWILIO_HOOK.rsplit("/", 1)[0] + "/audio/"
    assert audio_url.startswith(base) and "+336" not in audio_url  # says nothing of the person
    local = f"http://127.0.0.1:{messaging.rasa_port}/webhooks/twilio/audio/"
    fetched = requests.get(audio_url.replace(base, local), timeout=REQUEST_TIMEOUT_S)
    assert fetched.status_code == 200 and fetched.headers["Content-Type"] == "audio/ogg"
    assert fetched.content[:4] == b"OggS"
    forged = requests.get(local + "gAAAAABforged", timeout=REQUEST_TIMEOUT_S)
    assert forged.status_code == 404


def test_messenger_read_me_gets_a_polite_line_with_the_phone(messaging: Servers, fakes: Fakes):
    user_id = uuid.uuid4().hex
    say_on_messenger(messaging, user_id, "bonjour")
    say_on_messenger(messaging, user_id, "lis moi le message")
    text = messenger_sent(fakes, user_id)[-1]["text"]
    assert "audio" in text and HEAD_OFFICE_PHONE in text


# -- Without any messaging variable --------------------------------------------

@pytest.mark.parametrize("channel", ["telegram", "facebook", "twilio"])
def test_the_default_server_has_no_messaging_webhook(servers: Servers, channel: str):
    assert requests.post(webhook(servers, channel), data=b"{}", timeout=10).status_code == 404
    assert requests.get(f"http://127.0.0.1:{servers.rasa_port}/webhooks/rest/",
                        timeout=10).status_code == 200
