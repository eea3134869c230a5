"""WhatsApp through Twilio: Rasa's connector, with Twilio's signature required.

Every POST must carry X-Twilio-Signature, checked with the twilio package's
RequestValidator against the public webhook address (CLEA_TWILIO_WEBHOOK_URL,
the one Twilio signs, whatever the reverse proxy forwards); a request without
a valid one is refused (403) before anything reaches Rasa; a body over
MAX_FORM_BYTES is refused (413) before it is read as a form. A message already seen
(its `MessageSid`) is answered and does nothing; the others are answered at once and
handled in the background (bot/channels/messaging.py). Replies go through Twilio's
asynchronous client to a configurable API address (CLEA_TWILIO_API_URL), with a
short timeout and the retries of bot/channels/sending.py. WhatsApp has no buttons
here: choices are a numbered list after the text, in the same message. Media and
locations get the `media_message` intent, unless text comes with them. "lis-moi le
message" gets the last answer as a media message (Ogg/Opus audio, fetched by Twilio
from /webhooks/twilio/audio/<token>).
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
import structlog
from multidict import MultiDict
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput, TwilioOutput
from rasa.shared.core.events import BotUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.credentials import TWILIO
from bot.channels.identity import WHATSAPP_PREFIX, ExternalRecipient, external_id, namespaced
from bot.channels.ledger import current_ledger
from bot.channels.listening import (
    answer_at,
    note_token,
    read_token,
    spoken,
    stored_tracker,
    voice_note,
)
from bot.channels.messaging import (
    MEDIA_MESSAGE,
    TURNS,
    channel_settings,
    numbered_choices,
    start_turn,
)
from bot.channels.sending import ATTEMPT_TIMEOUT_S, SendError, host_of, with_retries

SIGNATURE_HEADER = "X-Twilio-Signature"
AUDIO_PATH = "/audio/"  # beside the webhook: /webhooks/twilio/audio/<token>
MAX_FORM_BYTES = 64 * 1024  # a WhatsApp message's form is a few kilobytes
# Twilio's codes for "later": too many requests, internal error, service unavailable.
TRANSIENT_CODES = frozenset({20429, 20500, 20503})

logger = structlog.get_logger()
# Twilio's client logs every request at INFO (a dozen lines per message): warnings only.
http_logger = logging.getLogger("bot.channels.twilio.http")
http_logger.setLevel(logging.WARNING)


def read_form(body: bytes) -> MultiDict:
    """The posted parameters, blank ones kept: Twilio signs them too."""
    return MultiDict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


class TwilioOutputChannel(ExternalRecipient, TwilioOutput):
    """Rasa's Twilio output, asynchronous, on a configurable API address.

    Its HTTP session belongs to the event loop it is created in: create it in
    a coroutine and close it when the turn is answered.
    """

    def __init__(
        self, account_sid: str, auth_token: str, number: str, api_url: str, audio_url: str
    ) -> None:
        Client.__init__(
            self,
            account_sid,
            auth_token,
            http_client=AsyncTwilioHttpClient(timeout=ATTEMPT_TIMEOUT_S, logger=http_logger),
        )
        self.twilio_number = number
        self.api.base_url = api_url
        self.api_host = host_of(api_url)
        self.audio_url = audio_url

    async def close(self) -> None:
        await self.http_client.close()

    async def _send_message(self, message_data: dict[str, Any]) -> None:
        async def attempt() -> None:
            try:
                await self.messages.create_async(**message_data)
            except TwilioRestException as error:
                later = error.status == 429 or error.status >= 500 or error.code in TRANSIENT_CODES
                raise SendError(f"HTTP {error.status} code {error.code}", retry=later) from None
            except aiohttp.ClientError as error:
                raise SendError(type(error).__name__) from None

        await with_retries("twilio", self.api_host, attempt)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send_message(
            {
                "to": recipient_id,
                "from_": self.twilio_number,
                "body": numbered_choices(text, buttons),
            }
        )

    async def send_voice_note(self, recipient_id: str, answer: BotUttered) -> None:
        """The answer read aloud, as a media message: Twilio fetches the audio from the
        address it names (AUDIO_PATH), which says nothing of the conversation."""
        await self._send_message(
            {
                "to": external_id(recipient_id),
                "from_": self.twilio_number,
                "media_url": [self.audio_url + note_token(recipient_id, answer)],
            }
        )


class TwilioChannel(TwilioInput):
    """POST /webhooks/twilio/webhook, signed by Twilio; answers empty TwiML."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(**channel_settings(TWILIO))

    def __init__(
        self, account_sid: str, auth_token: str, number: str, webhook_url: str, api_url: str
    ) -> None:
        super().__init__(account_sid, auth_token, number, debug_mode=False)
        self.webhook_url = webhook_url
        self.api_url = api_url
        self.validator = RequestValidator(auth_token)

    def get_output_channel(self) -> TwilioOutputChannel:
        return TwilioOutputChannel(
            self.account_sid,
            self.auth_token,
            self.twilio_number,
            self.api_url,
            self.webhook_url.rsplit("/", 1)[0] + AUDIO_PATH,
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("twilio_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route(AUDIO_PATH + "<token:str>", methods=["GET"])
        async def voice_note_audio(_: Request, token: str) -> HTTPResponse:
            """A voice note's audio, made again from the conversation its token names."""
            named = read_token(token)
            answer = answer_at(await stored_tracker(named[0]), named[1]) if named else None
            if answer is None:
                return response.text("not found", status=404)
            return response.raw(
                await voice_note(spoken(answer)),
                content_type="audio/ogg",
                headers={"Cache-Control": "no-store"},
            )

        @webhook.listener("before_server_stop")
        async def finish_turns(*_: Any) -> None:
            await TURNS.drain()

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if len(request.body) > MAX_FORM_BYTES:
                logger.warning("twilio.webhook.too_large")
                return response.text("too large", status=413)
            try:
                form = read_form(request.body)
            except UnicodeDecodeError:
                return response.text("invalid form", status=400)
            signature = request.headers.get(SIGNATURE_HEADER) or ""
            if not self.validator.validate(self.webhook_url, form, signature):
                logger.warning("twilio.webhook.bad_signature")
                return response.text("forbidden", status=403)
            message_sid = form.get("MessageSid") or form.get("SmsMessageSid")
            sender_id, text = self._read(form)
            if sender_id and text and current_ledger().first_time("twilio", message_sid):
                out_channel = self.get_output_channel()
                start_turn(
                    request,
                    on_new_message,
                    out_channel,
                    sender_id,
                    text,
                    self.name(),
                    self.get_metadata(request),
                    after=out_channel.close,
                )
            return response.text(str(MessagingResponse()), content_type="text/xml")

        return webhook

    @staticmethod
    def _read(form: MultiDict) -> tuple[str | None, str | None]:
        """The conversation (`wa:` and the sender) and the text for Rasa; media become
        `media_message`."""
        sender = form.get("From")
        sender_id = namespaced(WHATSAPP_PREFIX, sender) if sender else None
        body = form.get("Body")
        if body and body.strip():
            return sender_id, body
        has_media = form.get("NumMedia", "0").strip() not in ("", "0")
        if has_media or form.get("Latitude") or form.get("MediaUrl0"):
            return sender_id, MEDIA_MESSAGE
        return sender_id, body
