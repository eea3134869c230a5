"""The credentials file: the always-on channels, plus the messaging apps the environment enables."""

import subprocess
import sys

import pytest
import yaml

from bot.channels.credentials import (
    BASE_CREDENTIALS,
    MESSENGER,
    TELEGRAM,
    TWILIO,
    MissingSettings,
    credentials_text,
)
from harness.servers import ROOT

TELEGRAM_ENV = {
    "CLEA_TELEGRAM_TOKEN": "123456:ABC-secret",
    "CLEA_TELEGRAM_BOT_NAME": "clea_bot",
    "CLEA_TELEGRAM_WEBHOOK_URL": "https://bot.example.fr/webhooks/telegram/webhook",
    "CLEA_TELEGRAM_SECRET_TOKEN": "s3cret-token",
}
MESSENGER_ENV = {
    "CLEA_MESSENGER_VERIFY_TOKEN": "verify-me",
    "CLEA_MESSENGER_APP_SECRET": "app-secret",
    "CLEA_MESSENGER_PAGE_ACCESS_TOKEN": "EAAB-page-token",
}
TWILIO_ENV = {
    "CLEA_TWILIO_ACCOUNT_SID": "AC0123",
    "CLEA_TWILIO_AUTH_TOKEN": "twilio-auth",
    "CLEA_TWILIO_NUMBER": "whatsapp:+33100000000",
    "CLEA_TWILIO_WEBHOOK_URL": "https://bot.example.fr/webhooks/twilio/webhook",
}
ALL_ENV = {**TELEGRAM_ENV, **MESSENGER_ENV, **TWILIO_ENV}
SECRETS = ["123456:ABC-secret", "s3cret-token", "app-secret", "EAAB-page-token", "twilio-auth"]


def channels(text: str) -> list[str]:
    return list(yaml.safe_load(text))


def test_no_variable_gives_the_always_on_channels_only():
    text, warnings = credentials_text({})
    assert text == BASE_CREDENTIALS.read_text(encoding="utf-8")
    assert channels(text) == [
        "bot.channels.rest.RestChannel",
        "bot.channels.socketio.SocketIOChannel",
    ]
    assert warnings == []


def test_all_variables_enable_the_three_apps_without_writing_a_secret():
    text, warnings = credentials_text(ALL_ENV)
    assert channels(text)[2:] == [TELEGRAM.class_path, MESSENGER.class_path, TWILIO.class_path]
    assert list(yaml.safe_load(text).values())[2:] == [{}, {}, {}]
    assert not [secret for secret in SECRETS if secret in text]
    assert warnings == []


def test_a_half_configured_app_is_left_off_with_the_missing_variables_named():
    env = {**MESSENGER_ENV, "CLEA_TWILIO_ACCOUNT_SID": "AC0123", "CLEA_TWILIO_NUMBER": " "}
    text, warnings = credentials_text(env)
    assert channels(text)[2:] == [MESSENGER.class_path]
    assert warnings == [
        "WhatsApp (Twilio) left off: CLEA_TWILIO_AUTH_TOKEN, CLEA_TWILIO_NUMBER, "
        "CLEA_TWILIO_WEBHOOK_URL not set."
    ]


def test_settings_come_from_the_environment_with_defaults():
    assert TELEGRAM.settings(TELEGRAM_ENV) == {
        "token": "123456:ABC-secret",
        "bot_name": "clea_bot",
        "webhook_url": "https://bot.example.fr/webhooks/telegram/webhook",
        "secret_token": "s3cret-token",
        "api_url": "https://api.telegram.org",
    }
    custom = {**TWILIO_ENV, "CLEA_TWILIO_API_URL": "http://127.0.0.1:9999"}
    assert TWILIO.settings(custom)["api_url"] == "http://127.0.0.1:9999"
    with pytest.raises(MissingSettings, match="CLEA_MESSENGER_APP_SECRET"):
        MESSENGER.settings({"CLEA_MESSENGER_VERIFY_TOKEN": "v"})


def test_the_command_writes_the_file_and_warns(tmp_path):
    out = tmp_path / "var" / "credentials.yml"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **TELEGRAM_ENV}
    del env["CLEA_TELEGRAM_SECRET_TOKEN"]
    result = subprocess.run(
        [sys.executable, "-m", "bot.channels.credentials", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Telegram left off: CLEA_TELEGRAM_SECRET_TOKEN not set." in result.stderr
    assert channels(out.read_text(encoding="utf-8"))[2:] == []
