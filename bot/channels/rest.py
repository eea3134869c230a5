"""The project's REST channel: Rasa's, with input checks before NLU.

It serves the web app's /chat only: website conversation ids issued by us,
listening on 127.0.0.1 (never published by nginx).
"""

import inspect
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.delivery import deliver
from bot.channels.incoming import MAX_BODY_BYTES, InvalidRequest, parse_rest_body

REQUEST_TIMEOUT_S = 15


class RestChannel(RestInput):
    """POST /webhooks/rest/webhook, answering 400 to bodies it cannot read."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
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
            await deliver(on_new_message, UserMessage(
                incoming.text, collector, incoming.sender, input_channel=self.name(),
            ))
            return response.json(collector.messages)

        return webhook
