"""The socket.io channel of the real Rasa server: allowed origin answered, foreign origin
refused."""

import asyncio
import uuid

import pytest
import socketio

from bot.channels.origins import allowed_origins, origin_allowed
from harness.servers import Servers


def url(servers: Servers) -> str:
    return f"http://127.0.0.1:{servers.rasa_port}"


async def converse(servers: Servers, origin: str, message: str) -> list[dict]:
    client = socketio.AsyncClient(reconnection=False, request_timeout=5)
    answers: asyncio.Queue = asyncio.Queue()
    client.on("bot_uttered", answers.put_nowait)
    try:
        await client.connect(
            url(servers), headers={"Origin": origin}, transports=["polling"], wait_timeout=5
        )
        session = uuid.uuid4().hex
        await client.emit("session_request", {"session_id": session})
        await client.emit("user_uttered", {"message": message, "session_id": session})
        return [await asyncio.wait_for(answers.get(), timeout=30)]
    finally:
        await client.eio.disconnect(abort=True)


def test_the_widget_origin_gets_answers(servers: Servers):
    answers = asyncio.run(converse(servers, servers.web_origin, "c koi cléa"))
    assert "certificat" in answers[0]["text"]


def test_a_foreign_origin_is_refused_at_the_handshake(servers: Servers):
    with pytest.raises(socketio.exceptions.ConnectionError):
        asyncio.run(converse(servers, "https://evil.example", "bonjour"))
    assert servers.rasa.poll() is None


def test_origin_rule():
    allowed = allowed_origins()  # the default: http://localhost:8080, http://127.0.0.1:8080
    assert origin_allowed("http://localhost:8080/", allowed)
    assert not origin_allowed(None, allowed) and not origin_allowed("null", allowed)
