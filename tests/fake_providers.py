"""Local fakes of the messaging providers' APIs: Telegram Bot API, Graph API, Twilio.

Each runs an aiohttp server on 127.0.0.1 in a background thread, records every
request it receives and answers what the real API answers to the calls the
channels make. A test can make the next matching calls fail as the real API
does (`fail`: a 429, a 5xx, a refusal), hang (`hang`) or drop the connection.
"""

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BasicAuth, web

Answer = Callable[["Recorded"], web.Response]


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    form: dict[str, str]
    files: dict[str, tuple[str, bytes]]  # multipart files: content type and content
    status: int = 0  # what the fake answered (0 while it hangs, -1 when it dropped the call)
    at: float = field(default_factory=time.monotonic)  # when it came

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Fault:
    """The next `times` calls that `matches` selects: answered `answer`, after `hang_s`
    seconds (a hang without an answer delivers nothing); `drop` closes the connection
    without an answer."""

    matches: Callable[[Recorded], bool]
    times: int
    answer: Answer | None = None
    hang_s: float = 0.0
    drop: bool = False


class FakeProvider:
    """An HTTP server answering with `answer` and recording the requests."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _handle(self, request: web.Request) -> web.Response:
        if request.content_type == "multipart/form-data":  # read once, as its parts
            form, body = dict(await request.post()), b""
        else:
            body = await request.read()
            form = (
                dict(await request.post())
                if request.content_type == ("application/x-www-form-urlencoded")
                else {}
            )
        files = {k: (v.content_type, v.file.read()) for k, v in form.items() if hasattr(v, "file")}
        recorded = Recorded(
            request.method,
            request.path,
            dict(request.query),
            dict(request.headers),
            body,
            {k: str(v) for k, v in form.items() if k not in files},
            files,
        )
        with self._lock:
            self.requests.append(recorded)
            fault = next((f for f in self.faults if f.times > 0 and f.matches(recorded)), None)
            if fault:
                fault.times -= 1
        if fault and fault.hang_s:
            await asyncio.sleep(fault.hang_s)
            if not fault.answer:  # the caller gave up long ago: nothing was delivered
                recorded.status = -1
                return web.Response(status=504)
        if fault and fault.drop:
            recorded.status = -1
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)
        answer = (fault.answer if fault and fault.answer else self.answer)(recorded)
        recorded.status = answer.status
        return answer

    def fail(
        self,
        matches: Callable[[Recorded], bool],
        answer: Answer | None = None,
        times: int = 1,
        hang_s: float = 0.0,
        drop: bool = False,
    ) -> None:
        """Make the next `times` calls that `matches` selects fail (see Fault)."""
        with self._lock:
            self.faults.append(Fault(matches, times, answer, hang_s, drop))

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> "FakeProvider":
        threading.Thread(target=self._loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def stop(self) -> None:
        if self._runner:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)

    def received(self, matches: Callable[[Recorded], bool], wait_s: float = 0.0) -> list[Recorded]:
        """The requests recorded that `matches` selects, waiting up to `wait_s` for one."""
        deadline = time.monotonic() + wait_s
        while True:
            with self._lock:
                found = [r for r in self.requests if matches(r)]
            if found or time.monotonic() >= deadline:
                return found
            time.sleep(0.1)


def _json(payload: Any, status: int = 200, headers: dict | None = None) -> web.Response:
    return web.json_response(payload, status=status, headers=headers)


def telegram_error(status: int, description: str, retry_after: int | None = None) -> Answer:
    """The Bot API's answer to a refused call (429 with its `retry_after`)."""
    parameters = {"parameters": {"retry_after": retry_after}} if retry_after else {}
    return lambda _: _json(
        {"ok": False, "error_code": status, "description": description, **parameters}, status
    )


def graph_error(status: int, code: int, transient: bool = False) -> Answer:
    """The Graph API's answer to a refused Send API call."""
    return lambda _: _json(
        {
            "error": {
                "message": "refused",
                "type": "OAuthException",
                "code": code,
                "is_transient": transient,
                "fbtrace_id": "Ab1",
            }
        },
        status,
    )


def twilio_error(status: int, code: int) -> Answer:
    """Twilio's answer to a refused Messages call."""
    return lambda _: _json(
        {
            "code": code,
            "message": "refused",
            "status": status,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
        },
        status,
    )


def telegram_api(token: str, bot_name: str) -> FakeProvider:
    """The Bot API: getMe, setWebhook, sendMessage, sendVoice, answerCallbackQuery."""

    def answer(request: Recorded) -> web.Response:
        prefix, _, method = request.path.lstrip("/").partition("/")
        if prefix != f"bot{token}":
            return _json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        method = method.lower()
        if method == "getme":
            return _json(
                {
                    "ok": True,
                    "result": {
                        "id": int(token.split(":")[0]),
                        "is_bot": True,
                        "first_name": "CléA",
                        "username": bot_name,
                        "can_join_groups": True,
                    },
                }
            )
        if method == "sendmessage":
            return _json(
                {
                    "ok": True,
                    "result": {
                        "message_id": len(request.body),
                        "date": int(time.time()),
                        "from": {
                            "id": int(token.split(":")[0]),
                            "is_bot": True,
                            "first_name": "CléA",
                            "username": bot_name,
                        },
                        "chat": {"id": int(request.form["chat_id"]), "type": "private"},
                        "text": request.form.get("text", ""),
                    },
                }
            )
        if method == "sendvoice":
            if "voice" not in request.files:
                return _json(
                    {
                        "ok": False,
                        "error_code": 400,
                        "description": "Bad Request: there is no voice in the request",
                    },
                    400,
                )
            return _json(
                {
                    "ok": True,
                    "result": {
                        "message_id": len(request.body),
                        "date": int(time.time()),
                        "chat": {"id": int(request.form["chat_id"]), "type": "private"},
                        "voice": {
                            "file_id": "voice1",
                            "file_unique_id": "v1",
                            "duration": 3,
                            "mime_type": "audio/ogg",
                        },
                    },
                }
            )
        return _json({"ok": True, "result": True})

    return FakeProvider(answer)


def graph_api(page_access_token: str) -> FakeProvider:
    """The Graph API's Send API: POST /v19.0/me/messages."""

    def answer(request: Recorded) -> web.Response:
        if request.query.get("access_token") != page_access_token:
            return _json(
                {
                    "error": {
                        "message": "Invalid OAuth access token.",
                        "type": "OAuthException",
                        "code": 190,
                    }
                },
                400,
            )
        if request.method != "POST" or not request.path.endswith("/me/messages"):
            return _json({"error": {"message": "Unknown path", "code": 100}}, 400)
        recipient = request.json()["recipient"]["id"]
        if "message" in request.json():
            return _json({"recipient_id": recipient, "message_id": f"m_{len(request.body)}"})
        return _json({"recipient_id": recipient})

    return FakeProvider(answer)


def twilio_api(account_sid: str, auth_token: str) -> FakeProvider:
    """Twilio's REST API: POST /2010-04-01/Accounts/{sid}/Messages.json."""

    def answer(request: Recorded) -> web.Response:
        auth = request.headers.get("Authorization", "")
        if auth != BasicAuth(account_sid, auth_token).encode():
            return _json({"code": 20003, "message": "Authenticate", "status": 401}, 401)
        if request.path != f"/2010-04-01/Accounts/{account_sid}/Messages.json":
            return _json({"code": 20404, "message": "Not found", "status": 404}, 404)
        sid = f"SM{len(request.body):032d}"
        return _json(
            {
                "sid": sid,
                "account_sid": account_sid,
                "api_version": "2010-04-01",
                "body": request.form.get("Body", ""),
                "to": request.form["To"],
                "from": request.form["From"],
                "status": "queued",
                "direction": "outbound-api",
                "num_media": "0",
                "num_segments": "1",
                "price": None,
                "error_code": None,
                "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json",
            },
            201,
        )

    return FakeProvider(answer)
