"""Telegram: Rasa's connector, with the webhook's secret token checked on every update.

At start-up, in the background, the bot's name is checked with getMe and the
webhook is set with a secret token; when Telegram cannot be reached the assistant
serves anyway, warns, and tries again (REGISTER_RETRY_S). Telegram sends the secret
back in X-Telegram-Bot-Api-Secret-Token, and an update without it is refused (403)
before anything reaches Rasa. An update already seen (its `update_id`) is answered
200 and does nothing; the others are answered at once and handled in the background
(bot/channels/messaging.py). Every call to the Bot API has a short timeout and the
retries of bot/channels/sending.py. The Bot API address is configurable
(CLEA_TELEGRAM_API_URL: a local Bot API server, or a fake in the tests).

Private chats only: in a group the bot answers a short note asking to write in
private, and commands addressed to another bot (`/start@other_bot`) are ignored.
Choices are an inline keyboard, one button per row; a payload over Telegram's 64
bytes travels as its digest. Voice notes, photos, files and locations get the
`media_message` intent, unless a caption comes with them; a shared contact is read
as its phone number. "lis-moi le message" gets the last answer as a voice note
(sendVoice, Ogg/Opus).
"""

import asyncio
import io
import itertools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog
from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from aiogram.utils import exceptions as telegram_errors
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from rasa.shared.core.events import BotUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.credentials import TELEGRAM
from bot.channels.delivery import rendered
from bot.channels.identity import TELEGRAM_PREFIX, ExternalRecipient, external_id, namespaced
from bot.channels.ledger import current_ledger, fresh
from bot.channels.listening import spoken, voice_note
from bot.channels.messaging import (
    MEDIA_MESSAGE,
    TURNS,
    channel_settings,
    same_secret,
    short_payload,
    start_turn,
)
from bot.channels.sending import (
    ATTEMPT_TIMEOUT_S,
    ReplyFailed,
    SendError,
    host_of,
    with_retries,
)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CALLBACK_DATA_MAX_BYTES = 64
UPDATE_TYPES = ["message", "callback_query"]
MEDIA_FIELDS = (
    "voice",
    "audio",
    "photo",
    "sticker",
    "document",
    "video",
    "video_note",
    "animation",
    "location",
    "venue",
)
# Telegram's usual commands, as the intents they stand for.
COMMANDS = {"/start": "/greet", "/help": "/ask_menu", "/menu": "/ask_menu", "/restart": "/restart"}
PRIVATE_ONLY_RESPONSE = "utter_private_chat_only"
REGISTER_TIMEOUT_S = 10.0
REGISTER_RETRY_S = (30.0, 60.0, 120.0, 300.0)
# Errors after which a call may succeed (429 carries its own delay).
RETRIABLE = (
    telegram_errors.RetryAfter,
    telegram_errors.NetworkError,
    telegram_errors.RestartingTelegram,
)

logger = structlog.get_logger()


class WrongBot(Exception):
    """The token is another bot's: a setting to fix, not worth retrying."""


def callback_data(button: dict[str, Any], number: int) -> str:
    """What a button sends back: its payload, else its title, else its number; a value over
    64 bytes travels as its digest, so an old keyboard's button keeps its meaning."""
    value = str(button.get("payload") or button.get("title") or number)
    if len(value.encode("utf-8")) <= CALLBACK_DATA_MAX_BYTES:
        return value
    return short_payload(value)


def send_error(error: Exception) -> SendError:
    """What a failed Bot API call says about trying again (no token, no address in it)."""
    reason = type(error).__name__
    if isinstance(error, telegram_errors.RetryAfter):
        return SendError(f"{reason} 429", retry_after=float(error.timeout))
    if isinstance(error, RETRIABLE) or type(error) is telegram_errors.TelegramAPIError:
        return SendError(reason)  # 5xx and unknown answers: worth another try
    return SendError(reason, retry=False)  # 400, 403 (blocked), 404…


@dataclass(frozen=True)
class Incoming:
    """An update to answer: the conversation (`tg:` and the chat), its text, the chat's kind."""

    sender_id: str
    text: str
    private: bool = True


class TelegramOutputChannel(ExternalRecipient, TelegramOutput):
    """Rasa's Telegram output, on a configurable Bot API server, buttons one per row; every
    call has a short timeout and bounded retries, and a failure raises ReplyFailed."""

    def __init__(self, token: str, api_url: str) -> None:
        Bot.__init__(
            self, token, server=TelegramAPIServer.from_base(api_url), timeout=ATTEMPT_TIMEOUT_S
        )
        self.api_host = host_of(api_url)

    async def request(
        self, method: str, data: dict | None = None, files: dict | None = None, **kwargs: Any
    ) -> Any:
        async def attempt() -> Any:
            for upload in (files or {}).values():  # a retry sends the file from its start
                getattr(getattr(upload, "file", None), "seek", lambda _: None)(0)
            try:
                return await Bot.request(self, method, data, files, **kwargs)
            except telegram_errors.TelegramAPIError as error:
                raise send_error(error) from None

        return await with_retries("telegram", self.api_host, attempt)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        keyboard = InlineKeyboardMarkup(row_width=1)
        for number, button in enumerate(buttons, start=1):
            keyboard.add(
                InlineKeyboardButton(button["title"], callback_data=callback_data(button, number))
            )
        await self.send_message(recipient_id, text, reply_markup=keyboard)

    async def send_voice_note(self, recipient_id: str, answer: BotUttered) -> None:
        """The answer read aloud, as a Telegram voice note (sendVoice, Ogg/Opus)."""
        audio = await voice_note(spoken(answer))
        await self.send_voice(
            external_id(recipient_id), InputFile(io.BytesIO(audio), filename="message.ogg")
        )


class TelegramChannel(TelegramInput):
    """POST /webhooks/telegram/webhook, with Telegram's secret token required."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(**channel_settings(TELEGRAM))

    def __init__(
        self, token: str, bot_name: str, webhook_url: str, secret_token: str, api_url: str
    ) -> None:
        super().__init__(token, bot_name, webhook_url, debug_mode=False)
        self.secret_token = secret_token
        self.api_url = api_url

    def get_output_channel(self) -> TelegramOutputChannel:
        return TelegramOutputChannel(self.access_token, self.api_url)

    async def register_webhook(self) -> None:
        """Check the token belongs to the bot named, then set the webhook with its secret.

        WrongBot when the token is another bot's; ReplyFailed when Telegram cannot be reached.
        """
        bot = self.get_output_channel()
        try:
            me = await bot.get_me()
            if (me.username or "").lower() != self.verify.lower():
                raise WrongBot(
                    f"The Telegram token is the bot @{me.username}'s, "
                    f"not @{self.verify}'s (CLEA_TELEGRAM_BOT_NAME)."
                )
            # aiogram 2.15 predates `secret_token`: the Bot API method is called directly.
            await bot.request(
                "setWebhook",
                {
                    "url": self.webhook_url,
                    "secret_token": self.secret_token,
                    "allowed_updates": json.dumps(UPDATE_TYPES),
                },
            )
        finally:
            await bot.session.close()

    async def keep_registering(self) -> None:
        """Set the webhook, trying again in the background while Telegram cannot be reached;
        the rest of the assistant serves meanwhile."""
        for pause in itertools.chain(REGISTER_RETRY_S, itertools.repeat(REGISTER_RETRY_S[-1])):
            try:
                await asyncio.wait_for(self.register_webhook(), REGISTER_TIMEOUT_S)
                logger.info("telegram.webhook.set", host=host_of(self.api_url))
                return
            except WrongBot as error:
                logger.error("telegram.webhook.wrong_bot", reason=str(error))
                return
            except (ReplyFailed, asyncio.TimeoutError) as error:
                reason = str(error) if isinstance(error, ReplyFailed) else "timeout"
                logger.warning(
                    "telegram.webhook.not_set",
                    host=host_of(self.api_url),
                    reason=reason,
                    retry_in_s=pause,
                )
            await asyncio.sleep(pause)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("telegram_webhook", __name__)
        out_channel = self.get_output_channel()

        @webhook.listener("after_server_start")
        async def register(app: Any, *_: Any) -> None:
            app.add_task(self.keep_registering())

        @webhook.listener("before_server_stop")
        async def close_session(*_: Any) -> None:
            await TURNS.drain()
            await out_channel.session.close()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not same_secret(request.headers.get(SECRET_HEADER), self.secret_token):
                logger.warning("telegram.webhook.bad_secret_token")
                return response.text("forbidden", status=403)
            try:
                update = Update(**json.loads(request.body))
                incoming = self._read(update)
            except Exception:  # any body Telegram would never send
                return response.text("invalid update", status=400)
            dated = update.message.date if update.message else None
            if not fresh(dated.timestamp() if dated else None) or not current_ledger().first_time(
                "telegram", update.update_id
            ):
                return response.text("success")
            if update.callback_query:
                TURNS.detach(self._answer_callback(out_channel, update.callback_query.id))
            if incoming is None or not incoming.text:
                return response.text("success")
            if not incoming.private:
                TURNS.detach(self._private_only(out_channel, incoming.sender_id))
                return response.text("success")
            start_turn(
                request,
                on_new_message,
                out_channel,
                incoming.sender_id,
                incoming.text,
                self.name(),
                self.get_metadata(request),
            )
            return response.text("success")

        return webhook

    def _read(self, update: Update) -> Incoming | None:
        """What an update asks, None for updates the assistant leaves alone."""
        if update.callback_query:
            message, text = update.callback_query.message, update.callback_query.data
        elif update.message is None:
            return None
        elif update.message.text is not None:
            message, text = update.message, self._command(update.message.text)
        elif update.message.caption:
            message, text = update.message, update.message.caption
        elif update.message.contact and update.message.contact.phone_number:
            message, text = update.message, update.message.contact.phone_number
        elif any(getattr(update.message, field) for field in MEDIA_FIELDS):
            message, text = update.message, MEDIA_MESSAGE
        else:
            return None
        if message is None or not isinstance(text, str):
            return None
        return Incoming(
            namespaced(TELEGRAM_PREFIX, str(message.chat.id)),
            text,
            private=message.chat.type == "private",
        )

    def _command(self, text: str) -> str | None:
        """A command as the intent it stands for; None for a command to another bot."""
        words = text.split()
        if not words or not words[0].startswith("/"):
            return text
        command, _, addressee = words[0].partition("@")
        if addressee and addressee.lower() != self.verify.lower():
            return None
        return COMMANDS.get(command, text)

    @staticmethod
    async def _answer_callback(out_channel: TelegramOutputChannel, callback_id: str) -> None:
        """Stop the button's loading indicator in the app."""
        try:
            await out_channel.answer_callback_query(callback_id)
        except ReplyFailed:
            logger.warning("telegram.callback.answer_failed")

    @staticmethod
    async def _private_only(out_channel: TelegramOutputChannel, chat: str) -> None:
        """In a group: one short note asking to write in private; nothing is kept."""
        try:
            await out_channel.send_response(chat, rendered(PRIVATE_ONLY_RESPONSE))
        except ReplyFailed:
            logger.warning("telegram.group_note.failed")
