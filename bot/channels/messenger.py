"""Facebook Messenger: Rasa's connector, with the app-secret signature required.

Every POST must carry Meta's signature of the body with the app secret
(X-Hub-Signature-256, or X-Hub-Signature); a request without a valid one is
refused (403) before anything reaches Rasa. Every event of a batch is handled,
each once (its `mid`), after the webhook has answered (bot/channels/messaging.py).
Replies go to a configurable Graph API address (CLEA_MESSENGER_API_URL) with a
short timeout and the retries of bot/channels/sending.py; "seen" and "typing" are
sent beside the turn, never in its way. Choices are quick replies when Messenger's
limits allow it (13 at most, titles of 20 characters at most), else a numbered list
in the text. Attachments (voice notes, photos, files, locations) get the
`media_message` intent, unless text comes with them (a link's preview).
"""

import contextlib
import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import structlog
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.credentials import MESSENGER
from bot.channels.identity import MESSENGER_PREFIX, ExternalRecipient, external_id, namespaced
from bot.channels.ledger import current_ledger, fresh
from bot.channels.messaging import (
    MEDIA_MESSAGE,
    TURNS,
    channel_settings,
    numbered_choices,
    same_secret,
    start_turn,
)
from bot.channels.sending import ATTEMPTS, ReplyFailed, SendError, host_of, with_retries

MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20
# Signature headers, the strongest first, with their hash.
SIGNATURE_HEADERS = (
    ("X-Hub-Signature-256", "sha256", hashlib.sha256),
    ("X-Hub-Signature", "sha1", hashlib.sha1),
)
# Graph error codes that mean "later": unknown, service, rate limits.
TRANSIENT_CODES = frozenset({1, 2, 4, 17, 32, 613})

logger = structlog.get_logger()


def signature_valid(app_secret: str, body: bytes, headers: Any) -> bool:
    """True when the body carries Meta's signature made with the app secret."""
    for header, prefix, digest in SIGNATURE_HEADERS:
        received = headers.get(header)
        if received:
            expected = hmac.new(app_secret.encode("utf-8"), body, digest).hexdigest()
            return same_secret(received, f"{prefix}={expected}")
    return False


def fits_quick_replies(buttons: list[dict[str, Any]]) -> bool:
    return len(buttons) <= MAX_QUICK_REPLIES and all(
        0 < len(button.get("title", "")) <= MAX_QUICK_REPLY_TITLE for button in buttons
    )


def graph_error(status: int, answer: Any, retry_after: str | None) -> SendError:
    """What a refused Send API call says about trying again (no token in it)."""
    error = answer.get("error") if isinstance(answer, dict) else None
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    reason = f"HTTP {status} code {code}"
    later = (
        status == 429 or status >= 500 or bool(error.get("is_transient")) or code in TRANSIENT_CODES
    )
    delay = float(retry_after) if retry_after and retry_after.isdigit() else None
    return SendError(reason, retry=later, retry_after=delay)


class MessengerOutput(ExternalRecipient, OutputChannel):
    """Replies through the Send API, with the page token and its `appsecret_proof`."""

    @classmethod
    def name(cls) -> str:
        return "facebook"

    def __init__(self, page_access_token: str, app_secret: str, api_url: str) -> None:
        proof = hmac.new(
            app_secret.encode("utf-8"), page_access_token.encode("utf-8"), hashlib.sha256
        ).hexdigest()
        self._auth = {"access_token": page_access_token, "appsecret_proof": proof}
        self._url = f"{api_url}/me/messages"
        self._host = host_of(api_url)
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _post(self, body: dict[str, Any], attempts: int = ATTEMPTS) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        session = self._session

        async def attempt() -> None:
            try:
                async with session.post(self._url, params=self._auth, json=body) as answer:
                    if answer.status < 300:
                        return
                    try:
                        content = await answer.json(content_type=None)
                    except ValueError:
                        content = None
                    raise graph_error(answer.status, content, answer.headers.get("Retry-After"))
            except aiohttp.ClientError as error:
                raise SendError(type(error).__name__) from None

        await with_retries("messenger", self._host, attempt, attempts=attempts)

    async def _send_message(self, recipient_id: str, message: dict[str, Any]) -> None:
        await self._post(
            {"messaging_type": "RESPONSE", "recipient": {"id": recipient_id}, "message": message}
        )

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in text.strip().split("\n\n"):
            await self._send_message(recipient_id, {"text": part})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        if not fits_quick_replies(buttons):
            await self._send_message(recipient_id, {"text": numbered_choices(text, buttons)})
            return
        quick_replies = [
            {"content_type": "text", "title": button["title"], "payload": button["payload"]}
            for button in buttons
        ]
        await self._send_message(recipient_id, {"text": text, "quick_replies": quick_replies})

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_action(self, conversation: str, sender_action: str) -> None:
        """Seen or typing: one short try, beside the turn, never in its way."""
        with contextlib.suppress(ReplyFailed):  # already logged; the reply itself matters
            await self._post(
                {"recipient": {"id": external_id(conversation)}, "sender_action": sender_action},
                attempts=1,
            )


class MessengerChannel(FacebookInput):
    """GET and POST /webhooks/facebook/webhook: subscription check, then signed events."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(**channel_settings(MESSENGER))

    def __init__(
        self, verify_token: str, app_secret: str, page_access_token: str, api_url: str
    ) -> None:
        super().__init__(verify_token, app_secret, page_access_token)
        self.api_url = api_url.rstrip("/")

    def get_output_channel(self) -> MessengerOutput:
        return MessengerOutput(self.fb_access_token, self.fb_secret, self.api_url)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("fb_webhook", __name__)
        out_channel = self.get_output_channel()

        @webhook.listener("before_server_stop")
        async def close_session(*_: Any) -> None:
            await TURNS.drain()
            await out_channel.close()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def subscription(request: Request) -> HTTPResponse:
            if request.args.get("hub.mode") == "subscribe" and same_secret(
                request.args.get("hub.verify_token"), self.fb_verify
            ):
                return response.text(request.args.get("hub.challenge") or "")
            logger.warning("messenger.subscription.bad_verify_token")
            return response.text("forbidden", status=403)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not signature_valid(self.fb_secret, request.body, request.headers):
                logger.warning("messenger.webhook.bad_signature")
                return response.text("forbidden", status=403)
            try:
                events = [
                    event
                    for entry in json.loads(request.body)["entry"]
                    for event in entry.get("messaging", [])
                ]
            except Exception:  # any body Meta would never send
                return response.text("invalid event", status=400)
            ledger = current_ledger()
            for event in events:
                if fresh(self._sent_at(event)) and ledger.first_time(
                    "messenger", self._delivery_id(event)
                ):
                    self._handle(request, event, out_channel, on_new_message)
            return response.text("EVENT_RECEIVED")

        return webhook

    def _handle(
        self,
        request: Request,
        event: Any,
        out_channel: MessengerOutput,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        sender_id, text = self._read(event)
        if not sender_id or not text:
            return
        TURNS.detach(self._seen_and_typing(out_channel, sender_id))
        start_turn(
            request,
            on_new_message,
            out_channel,
            sender_id,
            text,
            self.name(),
            self.get_metadata(request),
        )

    @staticmethod
    async def _seen_and_typing(out_channel: MessengerOutput, sender_id: str) -> None:
        await out_channel.send_action(sender_id, "mark_seen")
        await out_channel.send_action(sender_id, "typing_on")  # Messenger ends it at the reply

    @staticmethod
    def _sent_at(event: Any) -> float | None:
        """When the event happened (Meta dates each in milliseconds)."""
        stamp = event.get("timestamp") if isinstance(event, dict) else None
        return stamp / 1000 if isinstance(stamp, (int, float)) else None

    @staticmethod
    def _delivery_id(event: Any) -> str | None:
        """The event's own id: its message's `mid`, else sender and time (a postback)."""
        if not isinstance(event, dict):
            return None
        for part in ("message", "postback"):
            content = event.get(part)
            if isinstance(content, dict) and content.get("mid"):
                return str(content["mid"])
        sender = event.get("sender")
        sender_id = sender.get("id") if isinstance(sender, dict) else None
        stamp = event.get("timestamp")
        return f"{sender_id}:{stamp}" if sender_id and stamp else None

    @staticmethod
    def _read(event: Any) -> tuple[str | None, str | None]:
        """The conversation (`fb:` and the sender) and the text for Rasa; (None, None) to skip."""
        if not isinstance(event, dict):
            return None, None
        sender = event.get("sender")
        sender_id = sender.get("id") if isinstance(sender, dict) else None
        message, postback = event.get("message"), event.get("postback")
        text = None
        if isinstance(message, dict) and not message.get("is_echo"):
            quick_reply = message.get("quick_reply")
            if isinstance(quick_reply, dict) and quick_reply.get("payload"):
                text = quick_reply["payload"]
            elif message.get("text"):
                text = message["text"]
            elif message.get("attachments"):
                text = MEDIA_MESSAGE
        elif isinstance(postback, dict):
            text = postback.get("payload")
        if not isinstance(sender_id, (str, int)) or not isinstance(text, str):
            return None, None
        return namespaced(MESSENGER_PREFIX, str(sender_id)), text
