"""Telegram, Messenger and WhatsApp (Twilio) on a real Rasa server, against local fakes of
their APIs.

One Rasa server with the three apps enabled (on the session's action server)
receives realistic provider payloads; the answers are read from what reached
the fakes. Webhooks answer at once and the turn runs after: a helper that posts
a message waits until the conversation store shows the turn over (the person's
message saved, the assistant listening again).
"""

import hashlib
import hmac
import json
import sqlite3
import time
import uuid
from collections.abc import Iterator

import pytest
import requests
from fake_providers import (
    Recorded,
    graph_api,
    graph_error,
    telegram_api,
    telegram_error,
    twilio_api,
    twilio_error,
)
from helpers import REQUEST_TIMEOUT_S, say, texts
from twilio.request_validator import RequestValidator

from harness.servers import Servers

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
STARTUP_HANG_S = 12
SECRETS = (
    TELEGRAM_TOKEN,
    TELEGRAM_SECRET,
    MESSENGER_SECRET,
    MESSENGER_PAGE_TOKEN,
    TWILIO_TOKEN,
    MESSENGER_VERIFY,
)


class Fakes:
    def __init__(self) -> None:
        self.telegram = telegram_api(TELEGRAM_TOKEN, TELEGRAM_BOT).start()
        self.graph = graph_api(MESSENGER_PAGE_TOKEN).start()
        self.twilio = twilio_api(TWILIO_SID, TWILIO_TOKEN).start()
        # Telegram hangs at start-up: the assistant must serve all the same.
        self.telegram.fail(lambda r: r.path.endswith("/getMe"), hang_s=STARTUP_HANG_S)

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
        tmp_path_factory.mktemp("messaging"),
        servers.model,
        actions_port=servers.actions_port,
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
        rasa.up_at = time.monotonic()
        yield rasa
    finally:
        rasa.stop()


# The send hangs 8 s: the acknowledgement must not wait for it. It takes a fraction of
# a second; a loaded 2-core CI machine once took 1.02 s, hence the margin.
ACK_WITHIN_S = 3


def webhook(rasa: Servers, channel: str) -> str:
    return f"http://127.0.0.1:{rasa.rasa_port}/webhooks/{channel}/webhook"


def stored(rasa: Servers, conversation: str) -> list[tuple[str, str | None]]:
    """The conversation's events in the store: (type, action name)."""
    with sqlite3.connect(rasa.workdir / "trackers.db", timeout=10) as connection:
        return connection.execute(
            "SELECT type_name, action_name FROM events WHERE sender_id = ? ORDER BY id",
            (conversation,),
        ).fetchall()


def user_messages(rasa: Servers, conversation: str) -> int:
    return sum(kind == "user" for kind, _ in stored(rasa, conversation))


def settled(rasa: Servers, conversation: str, messages: int) -> None:
    """Wait until the store holds `messages` of the person and the assistant listens again."""
    deadline = time.monotonic() + REQUEST_TIMEOUT_S
    while time.monotonic() < deadline:
        events = stored(rasa, conversation)
        if sum(kind == "user" for kind, _ in events) >= messages and events[-1] == (
            "action",
            "action_listen",
        ):
            time.sleep(0.2)  # the apology, if any, follows the save
            return
        time.sleep(0.05)
    raise AssertionError(f"the turn of {conversation} did not end")


def posted_and_settled(rasa: Servers, conversation: str, post, wait: bool):
    """`post()`'s response, once the turn it started is over (when `wait`)."""
    before = user_messages(rasa, conversation)
    response = post()
    if wait and response.status_code == 200:
        settled(rasa, conversation, before + 1)
    return response


# -- Telegram ------------------------------------------------------------------


def telegram_user() -> dict:
    user_id = int(time.time_ns() % 10**9)
    return {"id": user_id, "is_bot": False, "first_name": "Marie", "language_code": "fr"}


def telegram_message(user: dict, **content) -> dict:
    return {
        "update_id": time.time_ns() % 10**9,
        "message": {
            "message_id": 10,
            "from": user,
            "date": int(time.time()),
            "chat": {"id": user["id"], "first_name": user["first_name"], "type": "private"},
            **content,
        },
    }


def telegram_callback(user: dict, data: str) -> dict:
    return {
        "update_id": time.time_ns() % 10**9,
        "callback_query": {
            "id": str(uuid.uuid4().int)[:19],
            "from": user,
            "chat_instance": "-5555",
            "data": data,
            "message": {
                "message_id": 11,
                "date": int(time.time()),
                "text": "Voici ce que je peux faire",
                "from": {
                    "id": 7000000001,
                    "is_bot": True,
                    "first_name": "CléA",
                    "username": TELEGRAM_BOT,
                },
                "chat": {"id": user["id"], "first_name": user["first_name"], "type": "private"},
            },
        },
    }


def telegram_chat(update: dict) -> str:
    message = update.get("message") or update["callback_query"]["message"]
    return f"tg:{message['chat']['id']}"


def to_telegram(
    rasa: Servers, update: dict, secret: str | None = TELEGRAM_SECRET, wait: bool = True
):
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return posted_and_settled(
        rasa,
        telegram_chat(update),
        lambda: requests.post(
            webhook(rasa, "telegram"), json=update, headers=headers, timeout=REQUEST_TIMEOUT_S
        ),
        wait,
    )


def telegram_sent(fakes: Fakes, user: dict) -> list[Recorded]:
    """The messages Telegram took for the user's chat, in order."""
    return fakes.telegram.received(
        lambda r: (
            r.ok and r.path.endswith("/sendMessage") and r.form.get("chat_id") == str(user["id"])
        )
    )


def test_telegram_webhook_is_set_in_the_background_while_the_assistant_serves(
    messaging: Servers, fakes: Fakes
):
    set_webhook = fakes.telegram.received(
        lambda r: r.path.endswith("/setWebhook"), wait_s=STARTUP_HANG_S + 10
    )[0]
    # Rasa served before Telegram answered: start-up does not wait on the provider
    assert set_webhook.at > messaging.up_at
    calls = [r.path.rsplit("/", 1)[-1] for r in fakes.telegram.requests]
    assert calls[:3] == ["getMe", "getMe", "setWebhook"]  # the hanging call was cut and retried
    assert "Bonjour" in texts(say(messaging, "bonjour"))  # and REST answers
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
    assert (
        to_telegram(
            messaging, telegram_message(user, text="bonjour"), secret, wait=False
        ).status_code
        == 403
    )
    time.sleep(1)
    assert telegram_sent(fakes, user) == []


def test_telegram_voice_note_gets_the_written_only_note(messaging: Servers, fakes: Fakes):
    user = telegram_user()
    voice = {
        "duration": 4,
        "mime_type": "audio/ogg",
        "file_id": "AwACAgQAAxkBAAIB",
        "file_unique_id": "AgADbQ8AAm",
        "file_size": 10240,
    }
    assert to_telegram(messaging, telegram_message(user, voice=voice)).status_code == 200
    text = telegram_sent(fakes, user)[1].form["text"]
    assert "messages écrits" in text and HEAD_OFFICE_PHONE in text


def test_telegram_bad_body_is_a_400(messaging: Servers):
    response = requests.post(
        webhook(messaging, "telegram"),
        data=b"{not json",
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
        timeout=REQUEST_TIMEOUT_S,
    )
    assert response.status_code == 400


# -- Messenger -----------------------------------------------------------------


def messenger_event(user_id: str, **event) -> bytes:
    now = int(time.time() * 1000)
    return json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": "PAGE_ID",
                    "time": now,
                    "messaging": [
                        {
                            "sender": {"id": user_id},
                            "recipient": {"id": "PAGE_ID"},
                            "timestamp": now,
                            **event,
                        }
                    ],
                }
            ],
        }
    ).encode()


def to_messenger(
    rasa: Servers, body: bytes, secret: str = MESSENGER_SECRET, wait_for: str | None = None
):
    """Post a signed batch; with `wait_for` (the sender), once that sender's turn is over."""
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return posted_and_settled(
        rasa,
        f"fb:{wait_for}",
        lambda: requests.post(
            webhook(rasa, "facebook"),
            data=body,
            timeout=REQUEST_TIMEOUT_S,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": f"sha256={signature}",
            },
        ),
        wait_for is not None,
    )


def say_on_messenger(rasa: Servers, user_id: str, text: str) -> None:
    event = {"message": {"mid": f"m_{uuid.uuid4().hex}", "text": text}}
    assert (
        to_messenger(rasa, messenger_event(user_id, **event), wait_for=user_id).status_code == 200
    )


def messenger_sent(fakes: Fakes, user_id: str) -> list[dict]:
    """The messages Graph took for the user, in order."""
    return [
        r.json()["message"]
        for r in fakes.graph.received(
            lambda r: r.ok and r.json()["recipient"]["id"] == user_id and "message" in r.json()
        )
    ]


def test_messenger_subscription_check(messaging: Servers):
    url = webhook(messaging, "facebook")
    good = {
        "hub.mode": "subscribe",
        "hub.verify_token": MESSENGER_VERIFY,
        "hub.challenge": "1158201444",
    }
    assert requests.get(url, params=good, timeout=10).text == "1158201444"
    bad = {**good, "hub.verify_token": "guess"}
    assert requests.get(url, params=bad, timeout=10).status_code == 403


def test_messenger_greeting_gets_quick_replies(messaging: Servers, fakes: Fakes):
    user_id = uuid.uuid4().hex
    say_on_messenger(messaging, user_id, "bonjour")
    message = messenger_sent(fakes, user_id)[-1]
    assert {"content_type": "text", "title": "Découvrir CléA", "payload": "/ask_what_is_clea"} in (
        message["quick_replies"]
    )
    request = fakes.graph.received(lambda r: r.json()["recipient"]["id"] == user_id)[0]
    assert (
        request.query["access_token"] == MESSENGER_PAGE_TOKEN and request.query["appsecret_proof"]
    )


def test_messenger_quick_reply_sends_its_payload(messaging: Servers, fakes: Fakes):
    user_id = uuid.uuid4().hex
    event = {
        "message": {
            "mid": f"m_{user_id}",
            "text": "Pour qui ?",
            "quick_reply": {"payload": "/ask_who_for"},
        }
    }
    assert (
        to_messenger(messaging, messenger_event(user_id, **event), wait_for=user_id).status_code
        == 200
    )
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
    unsigned = requests.post(
        webhook(messaging, "facebook"),
        data=body,
        timeout=10,
        headers={"Content-Type": "application/json"},
    )
    assert unsigned.status_code == 403
    time.sleep(1)
    assert fakes.graph.received(lambda r: r.json()["recipient"]["id"] == user_id) == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b"[]", 400),
        (b'{"object": "page", "entry": "x"}', 400),
        (
            b'{"object": "page", "entry": [{"messaging": [{"sender": 7}]}]}',
            200,
        ),  # nothing to answer
    ],
)
def test_messenger_signed_but_unreadable_body(messaging: Servers, body: bytes, status: int):
    assert to_messenger(messaging, body).status_code == status


def test_messenger_audio_gets_the_note_with_the_antenne_contact(messaging: Servers, fakes: Fakes):
    user_id = uuid.uuid4().hex
    say_on_messenger(messaging, user_id, "j'habite à Lens")
    audio = {
        "mid": f"m_{user_id}",
        "attachments": [
            {"type": "audio", "payload": {"url": "https://cdn.fbsbx.com/v/t59/audioclip.mp4"}}
        ],
    }
    assert (
        to_messenger(
            messaging, messenger_event(user_id, message=audio), wait_for=user_id
        ).status_code
        == 200
    )
    text = messenger_sent(fakes, user_id)[-1]["text"]
    assert "messages écrits" in text
    assert (
        "Votre antenne est celle d'Arras" in text and "contactarras@transitionspro-hdf.fr" in text
    )


# -- WhatsApp through Twilio ---------------------------------------------------


def whatsapp_number() -> str:
    return f"whatsapp:+336{time.time_ns() % 10**8:08d}"


def whatsapp_form(sender: str, body: str, **extra: str) -> dict[str, str]:
    return {
        "SmsMessageSid": "SM" + uuid.uuid4().hex,
        "NumMedia": "0",
        "ProfileName": "Marie",
        "MessageType": "text",
        "SmsSid": "SM" + uuid.uuid4().hex,
        "WaId": sender.split("+")[1],
        "SmsStatus": "received",
        "Body": body,
        "To": TWILIO_NUMBER,
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": TWILIO_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
        **extra,
    }


def to_whatsapp(rasa: Servers, form: dict[str, str], token: str = TWILIO_TOKEN, wait: bool = True):
    signature = RequestValidator(token).compute_signature(TWILIO_HOOK, form)
    return posted_and_settled(
        rasa,
        f"wa:{form.get('From')}",
        lambda: requests.post(
            webhook(rasa, "twilio"),
            data=form,
            timeout=REQUEST_TIMEOUT_S,
            headers={"X-Twilio-Signature": signature},
        ),
        wait and "From" in form,
    )


def whatsapp_sent(fakes: Fakes, sender: str) -> list[dict[str, str]]:
    """The messages Twilio took for the sender, in order."""
    return [r.form for r in fakes.twilio.received(lambda r: r.ok and r.form.get("To") == sender)]


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
    assert (
        to_whatsapp(
            messaging, whatsapp_form(sender, "bonjour"), token="guess", wait=False
        ).status_code
        == 403
    )
    unsigned = requests.post(
        webhook(messaging, "twilio"), data=whatsapp_form(sender, "bonjour"), timeout=10
    )
    assert unsigned.status_code == 403
    time.sleep(1)
    assert whatsapp_sent(fakes, sender) == []


def test_whatsapp_signed_form_without_sender_or_text_is_ignored(messaging: Servers):
    response = to_whatsapp(messaging, {"AccountSid": TWILIO_SID, "SmsStatus": "received"})
    assert response.status_code == 200 and "<Response" in response.text


def test_whatsapp_voice_note_gets_the_written_only_note(messaging: Servers, fakes: Fakes):
    sender = whatsapp_number()
    form = whatsapp_form(
        sender,
        "",
        NumMedia="1",
        MessageType="audio",
        MediaContentType0="audio/ogg",
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
    assert (
        to_telegram(
            messaging, telegram_message(user, text="lis-moi le message"), wait=False
        ).status_code
        == 200
    )
    voices = fakes.telegram.received(
        lambda r: r.path.endswith("/sendVoice") and r.form.get("chat_id") == str(user["id"]),
        wait_s=10,
    )
    content_type, audio = voices[0].files["voice"]
    assert audio[:4] == b"OggS" and b"OpusHead" in audio[:100]
    assert len(audio) > 20_000  # the greeting and its 7 choices: about half a minute
    assert len(telegram_sent(fakes, user)) == before  # the voice note, no text


def test_whatsapp_in_audio_sends_a_media_message_twilio_can_fetch(messaging: Servers, fakes: Fakes):
    sender = whatsapp_number()
    to_whatsapp(messaging, whatsapp_form(sender, "bonjour"))
    before = len(whatsapp_sent(fakes, sender))
    to_whatsapp(messaging, whatsapp_form(sender, "en odio svp"), wait=False)  # a typo reads too
    fakes.twilio.received(lambda r: r.ok and "MediaUrl" in r.form, wait_s=10)
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
    before = len(messenger_sent(fakes, user_id))
    event = {"message": {"mid": f"m_{uuid.uuid4().hex}", "text": "lis moi le message"}}
    to_messenger(messaging, messenger_event(user_id, **event))
    deadline = time.monotonic() + REQUEST_TIMEOUT_S
    while len(messenger_sent(fakes, user_id)) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    text = messenger_sent(fakes, user_id)[-1]["text"]
    assert "audio" in text and HEAD_OFFICE_PHONE in text


# -- Without any messaging variable --------------------------------------------


@pytest.mark.parametrize("channel", ["telegram", "facebook", "twilio"])
def test_the_default_server_has_no_messaging_webhook(servers: Servers, channel: str):
    assert requests.post(webhook(servers, channel), data=b"{}", timeout=10).status_code == 404
    assert (
        requests.get(f"http://127.0.0.1:{servers.rasa_port}/webhooks/rest/", timeout=10).status_code
        == 200
    )


# -- Delivery: each provider delivery once, replies that arrive -----------------


def to_user(user: dict):
    return lambda r: r.path.endswith("/sendMessage") and r.form.get("chat_id") == str(user["id"])


def test_telegram_a_redelivered_update_is_handled_once(messaging: Servers, fakes: Fakes):
    user = telegram_user()
    update = telegram_message(user, text="c koi clea")
    assert to_telegram(messaging, update).status_code == 200
    answered = len(telegram_sent(fakes, user))
    assert to_telegram(messaging, update, wait=False).status_code == 200  # Telegram retries
    time.sleep(1.5)
    assert user_messages(messaging, telegram_chat(update)) == 1
    assert len(telegram_sent(fakes, user)) == answered


def test_a_replay_dated_before_the_window_is_ignored(messaging: Servers, fakes: Fakes):
    user, user_id = telegram_user(), uuid.uuid4().hex
    eight_days_ago = time.time() - 8 * 86_400
    update = telegram_message(user, text="bonjour")
    update["message"]["date"] = int(eight_days_ago)
    assert to_telegram(messaging, update, wait=False).status_code == 200
    event = json.loads(messenger_event(user_id, message={"mid": f"m_{user_id}", "text": "bonjour"}))
    event["entry"][0]["messaging"][0]["timestamp"] = int(eight_days_ago * 1000)
    assert to_messenger(messaging, json.dumps(event).encode()).status_code == 200
    time.sleep(1.5)
    assert telegram_sent(fakes, user) == [] and messenger_sent(fakes, user_id) == []


def test_telegram_a_hanging_send_is_acknowledged_at_once_then_delivered(
    messaging: Servers, fakes: Fakes
):
    user = telegram_user()
    fakes.telegram.fail(to_user(user), hang_s=8)
    response = to_telegram(messaging, telegram_message(user, text="bonjour"))
    assert response.status_code == 200 and response.elapsed.total_seconds() < ACK_WITHIN_S
    texts = [r.form["text"] for r in telegram_sent(fakes, user)]
    assert len(texts) == 2 and "90 jours" in texts[0] and texts[1].startswith("Bonjour")


def test_telegram_flood_control_is_waited_out_and_every_message_arrives_in_order(
    messaging: Servers, fakes: Fakes
):
    user = telegram_user()
    fakes.telegram.fail(
        to_user(user), telegram_error(429, "Too Many Requests: retry after 1", 1), times=2
    )
    to_telegram(messaging, telegram_message(user, text="bonjour"))
    calls = fakes.telegram.received(to_user(user))
    assert [r.status for r in calls] == [429, 429, 200, 200]
    assert calls[2].at - calls[1].at >= 0.9  # retry_after (1 s) honoured, not the 0.5 s backoff
    texts = [r.form["text"] for r in telegram_sent(fakes, user)]
    assert "90 jours" in texts[0] and texts[1].startswith("Bonjour")


def test_telegram_a_reply_that_did_not_arrive_comes_first_next_time(
    messaging: Servers, fakes: Fakes
):
    user = telegram_user()
    fakes.telegram.fail(
        lambda r: to_user(user)(r) and r.form["text"].startswith("Bonjour"),
        telegram_error(403, "Forbidden: bot was blocked by the user"),
    )
    to_telegram(messaging, telegram_message(user, text="bonjour"))
    assert len(telegram_sent(fakes, user)) == 1  # the notice; the greeting was refused
    to_telegram(messaging, telegram_message(user, text="c koi clea"))
    texts = [r.form["text"] for r in telegram_sent(fakes, user)][1:]
    assert texts[0].startswith("Mes derniers messages ne vous sont pas arrivés")
    assert texts[1].startswith("Bonjour") and "certificat" in texts[2]
    keyboard = json.loads(telegram_sent(fakes, user)[2].form["reply_markup"])["inline_keyboard"]
    assert keyboard  # the greeting comes back with its buttons
    to_telegram(messaging, telegram_message(user, text="merci"))
    assert not any(
        r.form["text"].startswith("Mes derniers") for r in telegram_sent(fakes, user)[4:]
    )  # sent once only


def test_telegram_a_group_gets_one_short_note_and_nothing_is_kept(messaging: Servers, fakes: Fakes):
    user = telegram_user()
    group = {"id": -100000 - user["id"], "title": "Collègues", "type": "supergroup"}
    update = telegram_message(user, text="/start@" + TELEGRAM_BOT)
    update["message"]["chat"] = group
    assert to_telegram(messaging, update, wait=False).status_code == 200
    notes = fakes.telegram.received(
        lambda r: r.path.endswith("/sendMessage") and r.form.get("chat_id") == str(group["id"]),
        wait_s=10,
    )
    assert len(notes) == 1 and "message privé" in notes[0].form["text"]
    assert stored(messaging, f"tg:{group['id']}") == []


def test_telegram_a_command_to_another_bot_is_ignored(messaging: Servers, fakes: Fakes):
    user = telegram_user()
    assert (
        to_telegram(
            messaging, telegram_message(user, text="/start@other_bot"), wait=False
        ).status_code
        == 200
    )
    time.sleep(1.5)
    assert telegram_sent(fakes, user) == []


def test_telegram_restart_starts_over_with_a_word(messaging: Servers, fakes: Fakes):
    user = telegram_user()
    to_telegram(messaging, telegram_message(user, text="bonjour"))
    to_telegram(messaging, telegram_message(user, text="/restart"))
    last = telegram_sent(fakes, user)[-1].form["text"]
    assert "recommençons" in last and "problème" not in last


def test_messenger_a_redelivered_event_is_handled_once(messaging: Servers, fakes: Fakes):
    user_id = uuid.uuid4().hex
    body = messenger_event(user_id, message={"mid": f"m_{user_id}", "text": "c koi clea"})
    to_messenger(messaging, body, wait_for=user_id)
    answered = len(messenger_sent(fakes, user_id))
    assert to_messenger(messaging, body).status_code == 200
    time.sleep(1.5)
    assert user_messages(messaging, f"fb:{user_id}") == 1
    assert len(messenger_sent(fakes, user_id)) == answered


def to_messenger_user(user_id: str):
    return lambda r: r.json()["recipient"]["id"] == user_id and "message" in r.json()


def test_messenger_a_hanging_send_is_acknowledged_at_once_then_delivered(
    messaging: Servers, fakes: Fakes
):
    user_id = uuid.uuid4().hex
    fakes.graph.fail(to_messenger_user(user_id), hang_s=8)
    body = messenger_event(user_id, message={"mid": f"m_{user_id}", "text": "bonjour"})
    response = to_messenger(messaging, body, wait_for=user_id)
    assert response.status_code == 200 and response.elapsed.total_seconds() < ACK_WITHIN_S
    texts = [message["text"] for message in messenger_sent(fakes, user_id)]
    assert "90 jours" in texts[0] and texts[1].startswith("Bonjour")


def test_messenger_rate_limits_and_dropped_calls_are_retried_in_order(
    messaging: Servers, fakes: Fakes
):
    user_id = uuid.uuid4().hex
    fakes.graph.fail(to_messenger_user(user_id), graph_error(400, 613, transient=True))
    fakes.graph.fail(to_messenger_user(user_id), drop=True)
    say_on_messenger(messaging, user_id, "bonjour")
    texts = [message["text"] for message in messenger_sent(fakes, user_id)]
    assert "90 jours" in texts[0] and texts[1].startswith("Bonjour") and len(texts) == 2


def test_messenger_a_reply_that_did_not_arrive_comes_first_next_time(
    messaging: Servers, fakes: Fakes
):
    user_id = uuid.uuid4().hex
    fakes.graph.fail(
        lambda r: (
            to_messenger_user(user_id)(r) and r.json()["message"]["text"].startswith("Bonjour")
        ),
        graph_error(400, 551),
    )  # "this person isn't available right now"
    say_on_messenger(messaging, user_id, "bonjour")
    assert len(messenger_sent(fakes, user_id)) == 1
    say_on_messenger(messaging, user_id, "merci")
    texts = [message["text"] for message in messenger_sent(fakes, user_id)][1:]
    assert texts[0].startswith("Mes derniers messages") and texts[1].startswith("Bonjour")


def test_whatsapp_a_replayed_message_is_handled_once(messaging: Servers, fakes: Fakes):
    sender = whatsapp_number()
    form = whatsapp_form(sender, "c koi clea")
    to_whatsapp(messaging, form)
    answered = len(whatsapp_sent(fakes, sender))
    assert to_whatsapp(messaging, form, wait=False).status_code == 200  # a captured request
    time.sleep(1.5)
    assert user_messages(messaging, f"wa:{sender}") == 1
    assert len(whatsapp_sent(fakes, sender)) == answered


def to_whatsapp_user(sender: str):
    return lambda r: r.form.get("To") == sender


def test_whatsapp_a_hanging_send_is_acknowledged_at_once_then_delivered(
    messaging: Servers, fakes: Fakes
):
    sender = whatsapp_number()
    fakes.twilio.fail(to_whatsapp_user(sender), hang_s=8)
    response = to_whatsapp(messaging, whatsapp_form(sender, "bonjour"))
    assert response.status_code == 200 and response.elapsed.total_seconds() < ACK_WITHIN_S
    bodies = [form["Body"] for form in whatsapp_sent(fakes, sender)]
    assert "90 jours" in bodies[0] and bodies[1].startswith("Bonjour")


def test_whatsapp_too_many_requests_is_retried_in_order(messaging: Servers, fakes: Fakes):
    sender = whatsapp_number()
    fakes.twilio.fail(to_whatsapp_user(sender), twilio_error(429, 20429))
    to_whatsapp(messaging, whatsapp_form(sender, "bonjour"))
    bodies = [form["Body"] for form in whatsapp_sent(fakes, sender)]
    assert len(bodies) == 2 and "90 jours" in bodies[0] and bodies[1].startswith("Bonjour")


def test_whatsapp_a_reply_that_failed_every_retry_comes_first_next_time(
    messaging: Servers, fakes: Fakes
):
    sender = whatsapp_number()
    fakes.twilio.fail(
        lambda r: to_whatsapp_user(sender)(r) and r.form["Body"].startswith("Bonjour"),
        twilio_error(500, 20500),
        times=4,
    )
    to_whatsapp(messaging, whatsapp_form(sender, "bonjour"))
    assert len(whatsapp_sent(fakes, sender)) == 1
    to_whatsapp(messaging, whatsapp_form(sender, "merci"))
    bodies = [form["Body"] for form in whatsapp_sent(fakes, sender)][1:]
    assert bodies[0].startswith("Mes derniers messages") and bodies[1].startswith("Bonjour")


def test_whatsapp_an_oversized_form_is_refused_before_it_is_read(messaging: Servers):
    form = whatsapp_form(whatsapp_number(), "x" * 100_000)
    assert to_whatsapp(messaging, form, wait=False).status_code == 413


def test_no_secret_reaches_the_logs_whatever_fails(messaging: Servers, fakes: Fakes):
    user, user_id, sender = telegram_user(), uuid.uuid4().hex, whatsapp_number()
    fakes.telegram.fail(to_user(user), drop=True, times=2)  # network errors
    fakes.telegram.fail(to_user(user), telegram_error(502, "Bad Gateway"), times=2)
    fakes.graph.fail(to_messenger_user(user_id), drop=True, times=4)
    fakes.twilio.fail(to_whatsapp_user(sender), twilio_error(503, 20503), times=4)
    to_telegram(messaging, telegram_message(user, text="bonjour"))
    say_on_messenger(messaging, user_id, "bonjour")
    to_whatsapp(messaging, whatsapp_form(sender, "bonjour"))
    log = (messaging.workdir / "rasa.log").read_text()
    for provider in ("telegram", "messenger", "twilio"):  # each failure was logged
        assert f"provider={provider}" in log or f'"provider": "{provider}"' in log
    assert "channel.reply.kept" in log
    assert [secret for secret in SECRETS if secret in log] == []
    assert "appsecret_proof=" not in log.replace("appsecret_proof=[secret]", "")
