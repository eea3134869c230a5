"""Which messaging apps are on: each is enabled by its variables alone (settings.py).

Usage: python -m bot.channels.credentials OUT_PATH

Writes the credentials file Rasa starts with: the always-on channels of
bot/credentials.yml (REST, socket.io), then one line per messaging app whose
required variables are all set. The file names the channels only; each channel
reads its settings, secrets included, from the environment at start-up, so no
secret is ever written to disk. An app with some but not all of its variables
set is left off with a warning naming the missing ones.
"""

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from settings import default, messaging_variables

BASE_CREDENTIALS = Path(__file__).resolve().parent.parent / "credentials.yml"


class MissingSettings(ValueError):
    """A channel was started without all of its environment variables."""


@dataclass(frozen=True)
class MessagingApp:
    """A messaging app: its channel class and the variables behind each setting."""

    label: str
    class_path: str
    required: Mapping[str, str]  # setting -> environment variable
    optional: Mapping[str, str] = field(default_factory=dict)  # setting -> variable
    secrets: tuple[str, ...] = ()  # the settings no log line may show

    def missing(self, variables: Mapping[str, str]) -> list[str]:
        return [var for var in self.required.values() if not variables.get(var, "").strip()]

    def settings(self, variables: Mapping[str, str] | None = None) -> dict[str, str]:
        """The channel's settings (from settings.py unless given); MissingSettings names the
        variables not set."""
        variables = messaging_variables() if variables is None else variables
        missing = self.missing(variables)
        if missing:
            raise MissingSettings(f"{self.label}: set {', '.join(missing)}")
        values = {key: variables[var].strip() for key, var in self.required.items()}
        for key, var in self.optional.items():
            values[key] = variables.get(var, "").strip() or default(var)
        return values


TELEGRAM = MessagingApp(
    label="Telegram",
    class_path="bot.channels.telegram.TelegramChannel",
    required={
        "token": "CLEA_TELEGRAM_TOKEN",
        "bot_name": "CLEA_TELEGRAM_BOT_NAME",
        "webhook_url": "CLEA_TELEGRAM_WEBHOOK_URL",
        "secret_token": "CLEA_TELEGRAM_SECRET_TOKEN",
    },
    optional={"api_url": "CLEA_TELEGRAM_API_URL"},
    secrets=("token", "secret_token"),
)
MESSENGER = MessagingApp(
    label="Messenger",
    class_path="bot.channels.messenger.MessengerChannel",
    required={
        "verify_token": "CLEA_MESSENGER_VERIFY_TOKEN",
        "app_secret": "CLEA_MESSENGER_APP_SECRET",
        "page_access_token": "CLEA_MESSENGER_PAGE_ACCESS_TOKEN",
    },
    optional={"api_url": "CLEA_MESSENGER_API_URL"},
    secrets=("verify_token", "app_secret", "page_access_token"),
)
TWILIO = MessagingApp(
    label="WhatsApp (Twilio)",
    class_path="bot.channels.twilio.TwilioChannel",
    required={
        "account_sid": "CLEA_TWILIO_ACCOUNT_SID",
        "auth_token": "CLEA_TWILIO_AUTH_TOKEN",
        "number": "CLEA_TWILIO_NUMBER",
        "webhook_url": "CLEA_TWILIO_WEBHOOK_URL",
    },
    optional={"api_url": "CLEA_TWILIO_API_URL"},
    secrets=("auth_token",),
)
MESSAGING_APPS = (TELEGRAM, MESSENGER, TWILIO)


def configured_secrets() -> list[str]:
    """The messaging apps' secrets that are set (for the logs to mask)."""
    variables = messaging_variables()
    values = (
        variables.get(app.required[key], "").strip()
        for app in MESSAGING_APPS
        for key in app.secrets
    )
    return [value for value in values if value]


def enabled_apps(variables: Mapping[str, str]) -> tuple[list[MessagingApp], list[str]]:
    """The apps whose required variables are all set, and a warning per half-configured app."""
    enabled, warnings = [], []
    for app in MESSAGING_APPS:
        missing = app.missing(variables)
        if not missing:
            enabled.append(app)
        elif len(missing) < len(app.required):
            warnings.append(f"{app.label} left off: {', '.join(missing)} not set.")
    return enabled, warnings


def credentials_text(variables: Mapping[str, str]) -> tuple[str, list[str]]:
    """The credentials file for this environment, and the warnings to show."""
    enabled, warnings = enabled_apps(variables)
    text = BASE_CREDENTIALS.read_text(encoding="utf-8")
    if enabled:
        text += (
            "\n# Messaging apps enabled by the environment (bot/channels/credentials.py);\n"
            "# each channel reads its settings and secrets from the environment.\n"
        )
        text += "".join(f"{app.class_path}: {{}}\n" for app in enabled)
    return text, warnings


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    text, warnings = credentials_text(messaging_variables())
    for warning in warnings:
        print(f"WARNING: {warning}", file=sys.stderr)
    out = Path(argv[0])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    enabled = [app.label for app in enabled_apps(messaging_variables())[0]]
    print(f"==> Messaging apps on: {', '.join(enabled) if enabled else 'none'} ({out})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
