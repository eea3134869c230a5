"""Rasa's socket.io channel, with the origin check it lacks and the input checks of REST.

Allowed origins: CLEA_ALLOWED_ORIGINS (bot/channels/origins.py). A connection
from any other origin, or with none, is refused. A connection acts for one
conversation only: the one it asked for with a website id we issued (or a new
one we issue it), whatever session id its later messages name.

A message's id (the widget's) is written down as REST does (bot/channels/rest.py): when
the connection drops before an answer, the widget asks again over REST with the same
id, and gets the answer of the turn that ran, or the turn runs then.
"""

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.channels.delivery import deliver
from bot.channels.identity import issue_web_id, valid_web_id
from bot.channels.incoming import prepare_text, valid_message_id
from bot.channels.ledger import current_ledger
from bot.channels.origins import allowed_origins, origin_allowed
from bot.channels.rest import PROVIDER

CONVERSATION = "conversation_id"


class WidgetOutput(SocketIOOutput):
    """Rasa's socket.io output, with custom messages (bot/display.py) sent as they are:
    Rasa's own passes their keys to `emit` as arguments."""

    async def send_custom_json(self, recipient_id: str, json_message: dict, **kwargs: Any) -> None:
        await self._send_message(recipient_id, json_message)


class SocketIOChannel(SocketIOInput):
    """socket.io for the website widget: foreign origins refused, over-long texts replaced,
    each connection bound to its own conversation, an apology rather than silence."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        handlers = self.sio.handlers[self.namespace or "/"]
        rasa_connect = handlers["connect"]
        allowed = allowed_origins()
        # Engine.IO then refuses a foreign origin at the handshake, before any session.
        self.sio.eio.cors_allowed_origins = sorted(allowed)

        async def connect(sid: str, request_environ: dict, auth: dict | None = None) -> bool:
            if not origin_allowed(request_environ.get("HTTP_ORIGIN"), allowed):
                return False
            return await rasa_connect(sid, request_environ, auth)

        async def handle_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict) or not isinstance(data.get("message"), str):
                return
            session_id = (await self.sio.get_session(sid)).get(CONVERSATION)
            text = prepare_text(data["message"])
            if not session_id or not text:
                return
            message_id = data.get("message_id")
            if not valid_message_id(message_id):
                message_id = None
            elif not current_ledger().first_time(PROVIDER, f"{session_id}:{message_id}"):
                return  # already taken over REST
            await deliver(
                on_new_message,
                UserMessage(
                    text,
                    WidgetOutput(self.sio, self.bot_message_evt),
                    session_id,
                    input_channel=self.name(),
                    message_id=message_id,
                ),
            )

        async def session_request(sid: str, data: Any) -> None:
            """Bind the connection to its conversation: the id asked for if we issued it,
            else a new one. Rasa 3.6's own handler does not await `enter_room` (a
            coroutine in python-socketio 5), so its room, and session persistence,
            never exist."""
            session = await self.sio.get_session(sid)
            if session.get(CONVERSATION):  # one connection, one conversation
                await self.sio.emit("session_confirm", session[CONVERSATION], room=sid)
                return
            session_id = data.get("session_id") if isinstance(data, dict) else None
            if not valid_web_id(session_id):
                session_id = issue_web_id()
            await self.sio.save_session(sid, {CONVERSATION: session_id})
            if self.session_persistence:
                joined = self.sio.enter_room(sid, session_id)
                if inspect.isawaitable(joined):
                    await joined
            await self.sio.emit("session_confirm", session_id, room=sid)

        handlers["connect"] = connect
        handlers["session_request"] = session_request
        handlers[self.user_message_evt] = handle_message
        return blueprint
