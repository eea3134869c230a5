"""The project's REST channel: Rasa's, with input checks before NLU."""

import inspect
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.delivery import deliver
from bot.channels.incoming import InvalidRequest, parse_rest_body


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
                incoming.text, collector, incoming.sender,
                input_channel=self.name(), metadata=incoming.metadata,
            ))
            return response.json(collector.messages)

        return webhook
