"""The project's REST channel: Rasa's, with input checks before NLU.

It serves the web app's /chat only: website conversation ids issued by us,
listening on 127.0.0.1 (never published by nginx).

A message sent with a `message_id` is handled once however often the widget sends it
again (it does when an answer does not come back): a repeat waits for the first
try's turn, under the conversation's lock, and gets the replies that turn saved; when
the first try left nothing in the conversation (its server was killed, the database
was away), the repeat is handled as new. A turn that failed with an error answers
503 with the apology, so that the widget tries again.
"""

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.agent import fail_fast, running_agent
from bot.channels.delivery import apology, deliver
from bot.channels.identity import short_hash
from bot.channels.incoming import MAX_BODY_BYTES, InvalidRequest, parse_rest_body
from bot.channels.ledger import current_ledger

REQUEST_TIMEOUT_S = 15
PROVIDER = "web"

logger = structlog.get_logger()


class RestChannel(RestInput):
    """POST /webhooks/rest/webhook, answering 400 to bodies it cannot read."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        module = inspect.getmodule(self)
        webhook = Blueprint(
            f"custom_webhook_{type(self).__name__}", module.__name__ if module else None
        )

        @webhook.listener("before_server_start")
        async def limit_requests(app: Sanic, _loop: Any) -> None:
            """Sanic reads bodies of up to 100 MB, for as long as 60 s, before any check
            of ours: the same limits as ours, for every channel of this server."""
            app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
            app.config.REQUEST_TIMEOUT = REQUEST_TIMEOUT_S

        webhook.listener("after_server_start")(fail_fast)  # once the model is loaded

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                incoming = parse_rest_body(request.body)
            except InvalidRequest as error:
                return response.json({"error": str(error)}, status=400)
            collector = CollectingOutputChannel()
            message = UserMessage(
                incoming.text,
                collector,
                incoming.sender,
                input_channel=self.name(),
                message_id=incoming.message_id,
            )
            if incoming.message_id is None:
                await deliver(on_new_message, message)
                return response.json(collector.messages)
            try:
                replies = await answer_once(on_new_message, message, collector)
            except Exception:  # the store or the lock store is away: try again later
                logger.exception("rest.message.failure", conversation=short_hash(message.sender_id))
                replies = None
            if replies is None:
                return response.json({"error": apology()["text"]}, status=503)
            return response.json(replies)

        return webhook


async def answer_once(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    message: UserMessage,
    collector: CollectingOutputChannel,
) -> list[dict[str, Any]] | None:
    """The replies to a message with an id, handled once whatever the repeats; None
    when its turn failed (nothing was saved: the client may send it again)."""
    if current_ledger().first_time(PROVIDER, f"{message.sender_id}:{message.message_id}"):
        return collector.messages if await deliver(on_new_message, message) else None
    logger.info("rest.message.repeated", conversation=short_hash(message.sender_id))
    agent = running_agent()
    if agent is None:  # not in a Rasa server: nothing can answer
        return None
    async with agent.lock_store.lock(message.sender_id):  # after the first try's turn
        tracker = await agent.tracker_store.retrieve(message.sender_id)
        replies = replies_to(tracker, message.message_id) if tracker else None
        if replies is not None:
            return replies or [{"recipient_id": message.sender_id, **apology()}]
        handled = await deliver(agent.processor.handle_message, message)  # the lock is ours
    return collector.messages if handled else None


def replies_to(tracker: DialogueStateTracker, message_id: str) -> list[dict[str, Any]] | None:
    """What the assistant said after the person's message `message_id` (or its parts,
    `message_id.1`…), as the REST channel sends it; None when the message is not there."""

    def ours(event: Any) -> bool:
        return isinstance(event, UserUttered) and (
            event.message_id == message_id or str(event.message_id).startswith(f"{message_id}.")
        )

    replies: list[dict[str, Any]] | None = None
    for event in tracker.events:
        if ours(event):
            replies = replies or []
        elif isinstance(event, UserUttered) and replies is not None:
            break
        elif isinstance(event, BotUttered) and replies is not None:
            sent = {"text": event.text, **event.data}
            replies.append(
                {
                    "recipient_id": tracker.sender_id,
                    **{key: value for key, value in sent.items() if value},
                }
            )
    return replies
