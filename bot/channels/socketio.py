"""Rasa's socket.io channel, with the origin check it lacks and the input checks of REST.

Allowed origins: CLEA_ALLOWED_ORIGINS (bot/channels/origins.py). A connection
from any other origin, or with none, is refused.
"""

import inspect
import uuid
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.channels.delivery import deliver
from bot.channels.incoming import SESSION_ID, prepare_text
from bot.channels.origins import allowed_origins, origin_allowed


class SocketIOChannel(SocketIOInput):
    """socket.io for the website widget: foreign origins refused, over-long texts replaced,
    conversations identified by the widget's session id, an apology rather than silence."""

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        handlers = self.sio.handlers[self.namespace or "/"]
        rasa_connect = handlers["connect"]
        allowed = allowed_origins()
        # Engine.IO then refuses a foreign origin at the handshake, before any session.
        self.sio.eio.cors_allowed_origins = sorted(allowed)

        async def connect(sid: str, environ: dict, auth: Optional[dict] = None) -> bool:
            if not origin_allowed(environ.get("HTTP_ORIGIN"), allowed):
                return False
            return await rasa_connect(sid, environ, auth)

        async def handle_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict) or not isinstance(data.get("message"), str):
                return
            session_id = str(data.get("session_id", ""))
            text = prepare_text(data["message"])
            if not SESSION_ID.match(session_id) or not text:
                return
            metadata = data.get(self.metadata_key)
            await deliver(on_new_message, UserMessage(
                text, SocketIOOutput(self.sio, self.bot_message_evt), session_id,
                input_channel=self.name(), metadata=metadata if isinstance(metadata, dict) else None,
            ))

        async def session_request(sid: str, data: Any) -> None:
            """Rasa 3.6's own handler does not await `enter_room` (a coroutine in
            python-socketio 5), so its room, and session persistence, never exist."""
            data = data if isinstance(data, dict) else {}
            session_id = str(data.get("session_id") or "")
            if not SESSION_ID.match(session_id):
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                joined = self.sio.enter_room(sid, session_id)
                if inspect.isawaitable(joined):
                    await joined
            await self.sio.emit("session_confirm", session_id, room=sid)

        handlers["connect"] = connect
        handlers["session_request"] = session_request
        handlers[self.user_message_evt] = handle_message
        return blueprint
