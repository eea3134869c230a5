"""Facebook Messenger: Rasa's connector, with the app-secret signature required.

Every POST must carry Meta's signature of the body with the app secret
(X-Hub-Signature-256, or X-Hub-Signature); a request without a valid one is
refused (403) before anything reaches Rasa. Every event of a batch is
handled. Replies go to a configurable Graph API address
(CLEA_MESSENGER_API_URL), from a worker thread so the server is never held
up. Choices are quick replies when Messenger's limits allow it (13 at most,
titles of 20 characters at most), else a numbered list in the text.
Attachments (voice notes, photos, files, locations) get the `media_message` intent.
"""

import asyncio
import hashlib
import hmac
import json
from typing import Any, Awaitable, Callable, Optional

import requests
import structlog
from fbmessenger import MessengerClient
from fbmessenger.elements import Text as FBText
from fbmessenger.quick_replies import QuickReply
from fbmessenger.sender_actions import SenderAction
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput, MessengerBot
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.credentials import MESSENGER
from bot.channels.delivery import deliver
from bot.channels.identity import MESSENGER_PREFIX, ExternalRecipient, external_id, namespaced
from bot.channels.messaging import (
    MEDIA_MESSAGE, numbered_choices, read_reply, same_secret, settings_from_environment,
)

MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20
SEND_TIMEOUT_S = 10
# Signature headers, the strongest first, with their hash.
SIGNATURE_HEADERS = (("X-Hub-Signature-256", "sha256", hashlib.sha256),
                     ("X-Hub-Signature", "sha1", hashlib.sha1))

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


class MessengerOutput(ExternalRecipient, MessengerBot):
    """Rasa's Messenger output, posting to the configured Graph API without blocking."""

    async def _post(self, send: Callable[..., Any], *args: Any) -> None:
        try:
            answer = await asyncio.to_thread(send, *args, timeout=SEND_TIMEOUT_S)
        except requests.RequestException as error:
            logger.error("messenger.send.failure", error=str(error))
            return
        if isinstance(answer, dict) and "error" in answer:
            logger.error("messenger.send.refused", error=answer["error"])

    async def _send_message(self, recipient_id: str, message: dict[str, Any]) -> None:
        await self._post(self.messenger_client.send, message, recipient_id, "RESPONSE")

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in text.strip().split("\n\n"):
            await self._send_message(recipient_id, FBText(text=part).to_dict())

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        if not fits_quick_replies(buttons):
            await self._send_message(recipient_id, {"text": numbered_choices(text, buttons)})
            return
        quick_replies = [
            QuickReply(title=button["title"], payload=button["payload"]).to_dict()
            for button in buttons
        ]
        await self._send_message(recipient_id, {"text": text, "quick_replies": quick_replies})

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_action(self, recipient_id: str, sender_action: str) -> None:
        await self._post(
            self.messenger_client.send_action, SenderAction(sender_action).to_dict(),
            external_id(recipient_id),
        )


class MessengerChannel(FacebookInput):
    """GET and POST /webhooks/facebook/webhook: subscription check, then signed events."""

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> InputChannel:
        return cls(**settings_from_environment(MESSENGER))

    def __init__(
        self, verify_token: str, app_secret: str, page_access_token: str, api_url: str
    ) -> None:
        super().__init__(verify_token, app_secret, page_access_token)
        self.api_url = api_url.rstrip("/")

    def get_output_channel(self) -> MessengerOutput:
        client = MessengerClient(self.fb_access_token, app_secret=self.fb_secret)
        client.graph_url = self.api_url
        return MessengerOutput(client)

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        webhook = Blueprint("fb_webhook", __name__)

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
            out_channel = self.get_output_channel()
            for event in events:
                await self._handle(request, event, out_channel, on_new_message)
            return response.text("EVENT_RECEIVED")

        return webhook

    async def _handle(
        self,
        request: Request,
        event: Any,
        out_channel: MessengerOutput,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        sender_id, text = self._read(event)
        text = await read_reply(request, sender_id, text) if sender_id and text else ""
        if not text:
            return
        await out_channel.send_action(sender_id, "mark_seen")
        await out_channel.send_action(sender_id, "typing_on")
        await deliver(on_new_message, UserMessage(
            text, out_channel, sender_id,
            input_channel=self.name(), metadata=self.get_metadata(request),
        ))
        await out_channel.send_action(sender_id, "typing_off")

    @staticmethod
    def _read(event: Any) -> tuple[Optional[str], Optional[str]]:
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
            elif message.get("attachments"):
                text = MEDIA_MESSAGE
            else:
                text = message.get("text")
        elif isinstance(postback, dict):
            text = postback.get("payload")
        if not isinstance(sender_id, (str, int)) or not isinstance(text, str):
            return None, None
        return namespaced(MESSENGER_PREFIX, str(sender_id)), text
