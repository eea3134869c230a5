"""Telegram: Rasa's connector, with the webhook's secret token checked on every update.

At start-up the bot's name is checked with getMe and the webhook is set with
a secret token; Telegram sends it back in X-Telegram-Bot-Api-Secret-Token,
and an update without it is refused (403) before anything reaches Rasa. The
Bot API address is configurable (CLEA_TELEGRAM_API_URL: a local Bot API
server, or a fake in the tests). Choices are an inline keyboard, one button
per row; voice notes, photos, files and locations get the `media_message` intent.
"lis-moi le message" gets the last answer as a voice note (sendVoice, Ogg/Opus).
"""

import asyncio
import io
import json
from typing import Any, Awaitable, Callable, Optional

import structlog
from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from rasa.shared.core.events import BotUttered
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.credentials import TELEGRAM
from bot.channels.delivery import deliver
from bot.channels.identity import TELEGRAM_PREFIX, ExternalRecipient, external_id, namespaced
from bot.channels.listening import spoken, voice_note
from bot.channels.messaging import (
    MEDIA_MESSAGE, read_reply, same_secret, settings_from_environment,
)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CALLBACK_DATA_MAX_BYTES = 64
UPDATE_TYPES = ["message", "callback_query"]
MEDIA_FIELDS = ("voice", "audio", "photo", "sticker", "document", "video", "video_note",
                "animation", "location", "venue", "contact")
# Telegram's usual commands, as the intents they stand for.
COMMANDS = {"/start": "/greet", "/help": "/ask_menu", "/menu": "/ask_menu"}

logger = structlog.get_logger()


def callback_data(button: dict[str, Any], number: int) -> str:
    """What a button sends back: its payload, else its title, else its number (64 bytes max).

    Titles and numbers are read against the last buttons shown, like typed replies.
    """
    for candidate in (button.get("payload"), button.get("title"), str(number)):
        if candidate and len(str(candidate).encode("utf-8")) <= CALLBACK_DATA_MAX_BYTES:
            return str(candidate)
    return str(number)


class TelegramOutputChannel(ExternalRecipient, TelegramOutput):
    """Rasa's Telegram output, on a configurable Bot API server, buttons one per row."""

    def __init__(self, token: str, api_url: str) -> None:
        Bot.__init__(self, token, server=TelegramAPIServer.from_base(api_url))

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
        await self.send_voice(external_id(recipient_id),
                              InputFile(io.BytesIO(audio), filename="message.ogg"))


class TelegramChannel(TelegramInput):
    """POST /webhooks/telegram/webhook, with Telegram's secret token required."""

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> InputChannel:
        return cls(**settings_from_environment(TELEGRAM))

    def __init__(
        self, token: str, bot_name: str, webhook_url: str, secret_token: str, api_url: str
    ) -> None:
        super().__init__(token, bot_name, webhook_url, debug_mode=False)
        self.secret_token = secret_token
        self.api_url = api_url

    def get_output_channel(self) -> TelegramOutputChannel:
        return TelegramOutputChannel(self.access_token, self.api_url)

    async def register_webhook(self) -> None:
        """Check the token belongs to the bot named, then set the webhook with its secret."""
        bot = self.get_output_channel()
        try:
            me = await bot.get_me()
            if me.username != self.verify:
                raise RasaException(
                    f"The Telegram token is the bot @{me.username}'s, "
                    f"not @{self.verify}'s (CLEA_TELEGRAM_BOT_NAME)."
                )
            # aiogram 2.15 predates `secret_token`: the Bot API method is called directly.
            await bot.request("setWebhook", {
                "url": self.webhook_url,
                "secret_token": self.secret_token,
                "allowed_updates": json.dumps(UPDATE_TYPES),
            })
        except TelegramAPIError as error:
            raise RasaException(f"Failed to set the Telegram webhook: {error}") from error
        finally:
            await bot.session.close()

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        asyncio.run(self.register_webhook())
        webhook = Blueprint("telegram_webhook", __name__)
        out_channel = self.get_output_channel()

        @webhook.listener("after_server_stop")
        async def close_session(*_: Any) -> None:
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
                sender_id, text = self._read(update)
            except Exception:  # any body Telegram would never send
                return response.text("invalid update", status=400)
            if update.callback_query:
                await self._answer_callback(out_channel, update.callback_query.id)
            text = await read_reply(request, sender_id, text) if sender_id and text else ""
            if not text:
                return response.text("success")
            await deliver(on_new_message, UserMessage(
                text, out_channel, sender_id,
                input_channel=self.name(), metadata=self.get_metadata(request),
            ))
            return response.text("success")

        return webhook

    @staticmethod
    def _read(update: Update) -> tuple[Optional[str], Optional[str]]:
        """The conversation (`tg:` and the chat) and the text for Rasa; (None, None) for other updates."""
        if update.callback_query:
            message, text = update.callback_query.message, update.callback_query.data
        elif update.message is None:
            return None, None
        elif update.message.text is not None:
            message, text = update.message, update.message.text
            words = text.split()
            text = COMMANDS.get(words[0].split("@")[0], text) if words else text
        elif any(getattr(update.message, field) for field in MEDIA_FIELDS):
            message, text = update.message, MEDIA_MESSAGE
        else:
            return None, None
        if message is None or not isinstance(text, str):
            return None, None
        return namespaced(TELEGRAM_PREFIX, str(message.chat.id)), text

    @staticmethod
    async def _answer_callback(out_channel: TelegramOutputChannel, callback_id: str) -> None:
        """Stop the button's loading indicator in the app."""
        try:
            await out_channel.answer_callback_query(callback_id)
        except TelegramAPIError:
            logger.warning("telegram.callback.answer_failed")
