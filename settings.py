"""Every setting of the assistant, read from the environment here and nowhere else.

Each field is one environment variable: its name, its default and what it does. The
README's settings table is this module's `markdown_table()` (a test checks it). An
empty variable counts as unset.

Read the settings with `current()`: they are built once for each distinct environment,
so a process that changes a variable (a test, a launcher) sees the change at once.

Usage: python -m settings --markdown    print the README's settings table
"""

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseSettings, Field, SecretStr, validator
from pydantic.env_settings import SettingsSourceCallable

ROOT = Path(__file__).resolve().parent
EMBEDDED, WEB, SCALED, MAIL, MESSAGING, TOOLS = (
    "The assistant (`make run`)",
    "The web app: public page, chat relay, staff console",
    "Several servers (`make run-scaled`)",
    "E-mail (pre-dossier notices, daily digest, quiz results)",
    "Messaging apps: each is on when all its required variables are set",
    "Tools",
)


def setting(default: Any, env: str, what: str, group: str, shown: str | None = None) -> Any:
    """A field read from `env`; `shown` is how the README gives a computed default."""
    return Field(default, env=env, description=what, group=group, shown=shown)


class Settings(BaseSettings):
    """The settings of one process, from its environment."""

    rasa_port: int = setting(
        5005, "RASA_PORT", "Rasa server port (REST channel at `/webhooks/rest/webhook`)", EMBEDDED
    )
    actions_port: int = setting(5055, "ACTIONS_PORT", "action server port", EMBEDDED)
    actions_host: str = setting(
        "127.0.0.1", "ACTIONS_HOST", "address the action server listens on", EMBEDDED
    )
    action_endpoint_url: str = setting(
        "",
        "ACTION_ENDPOINT_URL",
        "where Rasa calls the actions",
        EMBEDDED,
        shown="`http://127.0.0.1:$ACTIONS_PORT/webhook`",
    )
    actions_token: SecretStr | None = setting(
        None,
        "CLEA_ACTIONS_TOKEN",
        "the token Rasa shows the action server on every call (`X-Clea-Actions-Token`); "
        "calls without it get 403",
        EMBEDDED,
        shown="random at each start (`make run`, `make run-scaled`)",
    )
    tracker_db_path: str = setting(
        "var/trackers.db",
        "TRACKER_DB_PATH",
        "SQLite file of the conversations (Rasa's SQL tracker store)",
        EMBEDDED,
        shown="`var/trackers.db`",
    )
    tracker_db_url: str = setting(
        "",
        "CLEA_TRACKER_DB_URL",
        "the conversations' database for `make retention`, when it is not the SQLite file",
        EMBEDDED,
        shown="`sqlite:///$TRACKER_DB_PATH`",
    )
    log_dir: Path = setting(
        ROOT / "var" / "log",
        "CLEA_LOG_DIR",
        "where `make run` writes each server's log (rasa.log, actions.log, web.log)",
        EMBEDDED,
        shown="`var/log`",
    )
    database_url: str | None = setting(
        None,
        "CLEA_DATABASE_URL",
        "the pre-dossier store, e.g. `postgresql://user@host:5432/db`",
        EMBEDDED,
        shown="`sqlite:///var/dossiers.db`",
    )
    secret_key: SecretStr | None = setting(
        None,
        "CLEA_SECRET_KEY",
        "the project's secret: it encrypts the console's session cookies and signs the "
        "website's conversation ids; every web app and Rasa server of one deployment needs "
        "the same (set it when they run on several machines)",
        EMBEDDED,
        shown="random, kept in `var/console.key` (owner only)",
    )
    max_message_chars: int = setting(
        1000,
        "CLEA_MAX_MESSAGE_CHARS",
        "longer messages never reach NLU and get a polite note",
        EMBEDDED,
    )
    conversation_rate: int = setting(
        30,
        "CLEA_CONVERSATION_RATE",
        'messages per conversation and minute on each Rasa server; past it, "attendez une '
        'minute" (`make bench` lifts it to send 300 messages in a row)',
        EMBEDDED,
    )
    allowed_origins: str = setting(
        "http://localhost:8080,http://127.0.0.1:8080",
        "CLEA_ALLOWED_ORIGINS",
        "sites allowed to use the chat widget (our page and those that embed it), for the "
        "web app and Rasa",
        EMBEDDED,
        shown="`http://localhost:8080,http://127.0.0.1:8080`",
    )

    web_port: int = setting(
        8080, "CLEA_WEB_PORT", "web app port (public page and staff console)", WEB
    )
    web_host: str = setting("0.0.0.0", "CLEA_WEB_HOST", "address the web app listens on", WEB)
    rasa_url: str = setting(
        "",
        "CLEA_RASA_URL",
        "where the web app relays the widget (socket.io and REST) to Rasa",
        WEB,
        shown="`http://127.0.0.1:$RASA_PORT`",
    )
    trusted_proxies: str = setting(
        "127.0.0.1,::1",
        "CLEA_TRUSTED_PROXIES",
        "our own nginx: only from these addresses does the web app read the client's address "
        "from `X-Forwarded-For`",
        WEB,
        shown="`127.0.0.1,::1`",
    )
    chat_messages_per_minute: int = setting(
        120,
        "CLEA_CHAT_MESSAGES_PER_MINUTE",
        "messages per client address and minute on `/chat`; half as many new conversations "
        "and websockets per 10 minutes",
        WEB,
    )
    secure_cookies: bool = setting(
        False,
        "CLEA_SECURE_COOKIES",
        "`1` behind HTTPS: cookies only sent over TLS",
        WEB,
        shown="unset",
    )
    redis_host: str | None = setting(
        None,
        "CLEA_REDIS_HOST",
        "with it set (the scaled mode sets it), the console's login counts are shared in Redis",
        WEB,
    )
    redis_port: int = setting(6379, "CLEA_REDIS_PORT", "Redis port", WEB)
    redis_db: int = setting(1, "CLEA_REDIS_DB", "Redis database", WEB)
    redis_prefix: str = setting("clea", "CLEA_REDIS_PREFIX", "prefix of our Redis keys", WEB)
    new_password: SecretStr | None = setting(
        None,
        "CLEA_NEW_PASSWORD",
        "the password `python -m web.accounts` gives, instead of asking it",
        WEB,
        shown="asked",
    )

    public_port: int = setting(8000, "CLEA_PUBLIC_PORT", "nginx's public port", SCALED)
    rasa_lb_port: int = setting(
        5053, "CLEA_RASA_LB_PORT", "nginx in front of the Rasa servers, for the web app", SCALED
    )
    actions_lb_port: int = setting(
        5054, "CLEA_ACTIONS_LB_PORT", "nginx in front of the action servers, for Rasa", SCALED
    )
    pg_host: str = setting("127.0.0.1", "CLEA_PG_HOST", "PostgreSQL host", SCALED)
    pg_port: int = setting(5432, "CLEA_PG_PORT", "PostgreSQL port", SCALED)
    pg_db: str = setting("test", "CLEA_PG_DB", "PostgreSQL database", SCALED)
    pg_user: str = setting("postgres", "CLEA_PG_USER", "PostgreSQL user", SCALED)
    pg_password: SecretStr | None = setting(None, "CLEA_PG_PASSWORD", "PostgreSQL password", SCALED)
    pg_schema: str = setting(
        "public",
        "CLEA_PG_SCHEMA",
        "PostgreSQL schema of the conversations and pre-dossiers",
        SCALED,
    )
    sql_pool_size: int = setting(
        5, "SQL_POOL_SIZE", "Rasa's tracker store connections per server", SCALED
    )
    sql_max_overflow: int = setting(
        10, "SQL_MAX_OVERFLOW", "connections a Rasa server may open past its pool", SCALED
    )

    smtp_host: str | None = setting(
        None, "CLEA_SMTP_HOST", "with it set, e-mails are sent through this server", MAIL
    )
    smtp_port: int = setting(25, "CLEA_SMTP_PORT", "SMTP port", MAIL)
    smtp_from: str = setting(
        "clea@transitionspro-hdf.fr",
        "CLEA_SMTP_FROM",
        "the e-mails' sender",
        MAIL,
        shown="`clea@transitionspro-hdf.fr`",
    )
    smtp_user: str | None = setting(None, "CLEA_SMTP_USER", "SMTP login", MAIL)
    smtp_password: SecretStr | None = setting(None, "CLEA_SMTP_PASSWORD", "SMTP password", MAIL)
    smtp_starttls: bool = setting(
        False, "CLEA_SMTP_STARTTLS", "`1`: STARTTLS before logging in", MAIL, shown="unset"
    )
    console_url: str = setting(
        "http://localhost:8080/console",
        "CLEA_CONSOLE_URL",
        "the console's address, in the staff's e-mails",
        MAIL,
        shown="`http://localhost:8080/console`",
    )

    telegram_token: SecretStr | None = setting(
        None, "CLEA_TELEGRAM_TOKEN", "Telegram: the bot's token (required)", MESSAGING
    )
    telegram_bot_name: str | None = setting(
        None, "CLEA_TELEGRAM_BOT_NAME", "Telegram: the bot's name (required)", MESSAGING
    )
    telegram_webhook_url: str | None = setting(
        None, "CLEA_TELEGRAM_WEBHOOK_URL", "Telegram: our public webhook (required)", MESSAGING
    )
    telegram_secret_token: SecretStr | None = setting(
        None,
        "CLEA_TELEGRAM_SECRET_TOKEN",
        "Telegram: the secret it shows on each call (required)",
        MESSAGING,
    )
    telegram_api_url: str = setting(
        "https://api.telegram.org",
        "CLEA_TELEGRAM_API_URL",
        "Telegram Bot API address",
        MESSAGING,
        shown="`https://api.telegram.org`",
    )
    messenger_verify_token: SecretStr | None = setting(
        None, "CLEA_MESSENGER_VERIFY_TOKEN", "Messenger: the verify token (required)", MESSAGING
    )
    messenger_app_secret: SecretStr | None = setting(
        None, "CLEA_MESSENGER_APP_SECRET", "Messenger: the app secret (required)", MESSAGING
    )
    messenger_page_access_token: SecretStr | None = setting(
        None,
        "CLEA_MESSENGER_PAGE_ACCESS_TOKEN",
        "Messenger: the page access token (required)",
        MESSAGING,
    )
    messenger_api_url: str = setting(
        "https://graph.facebook.com/v19.0",
        "CLEA_MESSENGER_API_URL",
        "Graph API address (with its version)",
        MESSAGING,
        shown="`https://graph.facebook.com/v19.0`",
    )
    twilio_account_sid: str | None = setting(
        None,
        "CLEA_TWILIO_ACCOUNT_SID",
        "WhatsApp (Twilio): the account SID (required)",
        MESSAGING,
    )
    twilio_auth_token: SecretStr | None = setting(
        None, "CLEA_TWILIO_AUTH_TOKEN", "WhatsApp (Twilio): the auth token (required)", MESSAGING
    )
    twilio_number: str | None = setting(
        None, "CLEA_TWILIO_NUMBER", "WhatsApp (Twilio): our number (required)", MESSAGING
    )
    twilio_webhook_url: str | None = setting(
        None,
        "CLEA_TWILIO_WEBHOOK_URL",
        "WhatsApp (Twilio): our public webhook (required)",
        MESSAGING,
    )
    twilio_api_url: str = setting(
        "https://api.twilio.com",
        "CLEA_TWILIO_API_URL",
        "Twilio REST API address",
        MESSAGING,
        shown="`https://api.twilio.com`",
    )

    bench_postgres_url: str = setting(
        "postgresql://postgres@127.0.0.1:5432/test",
        "CLEA_BENCH_POSTGRES_URL",
        "the PostgreSQL `make bench-console` and the tests use",
        TOOLS,
        shown="`postgresql://postgres@127.0.0.1:5432/test`",
    )

    class Config:
        case_sensitive = True

        @classmethod
        def customise_sources(
            cls,
            init_settings: SettingsSourceCallable,
            env_settings: SettingsSourceCallable,
            file_secret_settings: SettingsSourceCallable,
        ) -> tuple[SettingsSourceCallable, ...]:
            def environment_set(settings: BaseSettings) -> dict[str, Any]:
                values = env_settings(settings)
                return {name: value for name, value in values.items() if value.strip()}

            return init_settings, environment_set

    @validator("action_endpoint_url", always=True)
    def _action_endpoint(cls, value: str, values: dict[str, Any]) -> str:
        return value or f"http://127.0.0.1:{values['actions_port']}/webhook"

    @validator("log_dir")
    def _log_dir(cls, value: Path) -> Path:
        return value if value.is_absolute() else ROOT / value

    @validator("rasa_url", always=True)
    def _rasa_url(cls, value: str, values: dict[str, Any]) -> str:
        return value or f"http://127.0.0.1:{values['rasa_port']}"

    @validator("tracker_db_url", always=True)
    def _tracker_db_url(cls, value: str, values: dict[str, Any]) -> str:
        return value or f"sqlite:///{ROOT / values['tracker_db_path']}"

    def is_set(self, name: str) -> bool:
        """Whether the setting `name` was given by its variable (not its default)."""
        return name in self.__fields_set__

    def secret(self, name: str) -> str | None:
        """The value of the secret field `name`, None when unset."""
        value = getattr(self, name)
        return value.get_secret_value() if value is not None else None


def _variable_names() -> tuple[str, ...]:
    return tuple(field.field_info.extra["env"] for field in Settings.__fields__.values())


VARIABLES = _variable_names()
_built: dict[tuple[str | None, ...], Settings] = {}


def current() -> Settings:
    """The settings for the environment as it is now."""
    key = tuple(os.environ.get(name) for name in VARIABLES)
    settings = _built.get(key)
    if settings is None:
        settings = _built[key] = Settings()
    return settings


def messaging_variables() -> dict[str, str]:
    """The messaging apps' variables, by name: those set, and the API addresses."""
    settings = current()
    values = {}
    for name, field in Settings.__fields__.items():
        value = getattr(settings, name)
        if field.field_info.extra["group"] == MESSAGING and value is not None:
            secret = isinstance(value, SecretStr)
            values[field.field_info.extra["env"]] = value.get_secret_value() if secret else value
    return values


def default(variable: str) -> Any:
    """The default of the setting read from `variable`."""
    for field in Settings.__fields__.values():
        if field.field_info.extra["env"] == variable:
            return field.default
    raise KeyError(variable)


def environment(**overrides: str) -> dict[str, str]:
    """This process's environment with `overrides`, for a child process."""
    return {**os.environ, **overrides}


def rows() -> Iterator[tuple[str, str, str, str]]:
    """(group, variable, default as shown, what) for each setting."""
    for field in Settings.__fields__.values():
        extra = field.field_info.extra
        shown = extra["shown"]
        if shown is None:
            shown = "unset" if field.default is None else str(field.default)
        yield extra["group"], extra["env"], shown, field.field_info.description or ""


def markdown_table() -> str:
    """The README's settings tables, one per group."""
    lines: list[str] = []
    group = None
    for row_group, variable, shown, what in rows():
        if row_group != group:
            group = row_group
            lines += ["", f"**{group}**", "", "| variable | default | what |", "|---|---|---|"]
        lines.append(f"| `{variable}` | {shown} | {what} |")
    return "\n".join(lines).strip() + "\n"


def main(argv: list[str], write: Callable[[str], Any] = sys.stdout.write) -> int:
    if argv != ["--markdown"]:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    write(markdown_table())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
